// How each Google chat model is pointed at a pool. Duck-typed on the fields the model classes use,
// so this package needs none of them installed:
//   ChatGoogle (@langchain/google)           apiClient.fetch(request)  → a pool-backed apiClient
//   ChatVertexAI (@langchain/google-common)  connection.client._fetch  → pool.fetch (+ gauth headers)
//   ChatGoogleGenerativeAI (@google/generative-ai) global fetch only → installGlobalDispatcher
import { gempoolSdkFetch, installGlobalDispatcher, type GeminiPool, type GlobalDispatcherInstallation } from '@gempool/core';

export type ModelTransport = 'api-client' | 'vertex-client' | 'global-dispatcher';

interface ApiClientLike {
  fetch(request: Request): Promise<Response>;
  hasApiKey(): boolean;
  getProjectId(): Promise<string>;
  apiKey?: string;
  credentials?: unknown;
  googleAuth?: { getRequestHeaders(url?: string): Promise<Headers | Record<string, string>> };
}

interface AbstractedClientLike {
  _fetch: (url: string, init: RequestInit) => Promise<Response>;
  clientType?: string;
  gauth?: { getRequestHeaders(url?: string): Promise<Headers | Record<string, string>> };
}

/** Which route a model instance can take, or undefined when it is not a Google chat model we know. */
export function transportFor(model: Record<string, any>): ModelTransport | undefined {
  const apiClient = model['apiClient'] as ApiClientLike | undefined;
  if (apiClient !== undefined && typeof apiClient.fetch === 'function') {
    // A service-account `credentials` client signs with an internal helper we cannot reach; it
    // calls global fetch, so it takes the process-wide route like a custom apiClient would.
    const ownAuth = isNonEmpty(apiClient.apiKey) || (apiClient.credentials === undefined && apiClient.googleAuth !== undefined);
    return ownAuth ? 'api-client' : 'global-dispatcher';
  }
  const client = model['connection']?.client as AbstractedClientLike | undefined;
  if (client !== undefined && typeof client._fetch === 'function') return 'vertex-client';
  if (typeof model['_llmType'] === 'function' && model['_llmType']() === 'googlegenerativeai') return 'global-dispatcher';
  return undefined;
}

/** ChatGoogle: the same auth the model's own client adds, then pool.fetch instead of global fetch. */
export function routeApiClient(model: Record<string, any>, pool: GeminiPool): void {
  const original = model['apiClient'] as ApiClientLike;
  const fetch = gempoolSdkFetch(pool);
  const pooled: ApiClientLike = {
    hasApiKey: () => original.hasApiKey(),
    getProjectId: () => original.getProjectId(),
    async fetch(request) {
      if (isNonEmpty(original.apiKey)) request.headers.set('x-goog-api-key', original.apiKey);
      else if (original.googleAuth !== undefined) setAll(request.headers, await original.googleAuth.getRequestHeaders(request.url));
      return fetch(request);
    },
  };
  model['apiClient'] = pooled;
}

/** ChatVertexAI and the other @langchain/google-common models: replace the client's fetch. */
export function routeVertexClient(model: Record<string, any>, pool: GeminiPool): void {
  const fetch = gempoolSdkFetch(pool);
  // connection and streamedConnection share one client; patch each distinct one once.
  const clients = new Set<AbstractedClientLike>([model['connection']?.client, model['streamedConnection']?.client].filter(Boolean));
  for (const client of clients) {
    const gauth = client.gauth;
    client._fetch =
      gauth === undefined
        ? (url, init) => fetch(url, init) // API-key client: the key header is already in init
        : async (url, init) => {
            const headers = new Headers(init.headers);
            setAll(headers, await gauth.getRequestHeaders(url));
            return fetch(url, { ...init, headers });
          };
  }
}

const installations = new WeakMap<GeminiPool, GlobalDispatcherInstallation>();

/** Process-wide route, installed once per pool and shared by every model that needs it. */
export function routeGlobalFetch(pool: GeminiPool): void {
  if (!installations.has(pool)) installations.set(pool, installGlobalDispatcher(pool));
}

/** Removes the process-wide route `withGempool`/the middleware installed for this pool, if any. */
export function uninstallGlobalRoute(pool: GeminiPool): void {
  installations.get(pool)?.uninstall();
  installations.delete(pool);
}

function setAll(headers: Headers, extra: Headers | Record<string, string>): void {
  const entries = extra instanceof Headers ? [...extra.entries()] : Object.entries(extra);
  for (const [name, value] of entries) if (value !== null && value !== undefined) headers.set(name, value);
}

function isNonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}
