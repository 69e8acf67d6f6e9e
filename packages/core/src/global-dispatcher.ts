// Routes the process-wide fetch through a pool, for clients that cannot be handed a fetch function
// (e.g. @google/generative-ai under LangChain's ChatGoogleGenerativeAI). Node's built-in fetch reads
// its dispatcher from `globalThis[Symbol.for('undici.globalDispatcher.1')]` and speaks the v1
// handler protocol (onConnect/onHeaders/onData/onComplete/onError). Wrapping an undici 8 dispatcher
// in `Dispatcher1Wrapper` would force HTTP/1.1 and skip the pool's policies, so the bridge below
// answers routed origins with `pool.fetch` instead and hands every other origin, untouched, to the
// dispatcher that was installed before. Gempool failures become Google-shaped error responses (see
// error-response.ts) because SDKs drop the cause of a `fetch failed` TypeError.
import { gempoolErrorResponse } from './error-response.js';
import { ConfigError, GempoolError, isGempoolError } from './errors.js';
import type { GeminiPool } from './gemini-pool.js';

const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

/** Gemini and Vertex AI hosts; every other origin keeps the previous dispatcher. */
export const GEMINI_ORIGIN_PATTERNS: readonly string[] = Object.freeze([
  'https://generativelanguage.googleapis.com',
  'https://aiplatform.googleapis.com',
  'https://*-aiplatform.googleapis.com',
  'https://aiplatform.*.rep.googleapis.com',
]);

/** What the bridge needs of a pool: its fetch, and (when it has them) its configured origins. */
export type GlobalDispatcherPool = Pick<GeminiPool, 'fetch'> & { readonly group?: Pick<GeminiPool['group'], 'origins'> };

export interface InstallGlobalDispatcherOptions {
  /** Extra origins to route to the pool (exact, or with `*` in the host). Gemini/Vertex hosts and the pool's origins are always routed. */
  origins?: string[];
}

export interface GlobalDispatcherInstallation {
  /** Puts the previous dispatcher back (or, when someone installed over us, stops routing). Idempotent. */
  uninstall(): void;
  /** Whether an origin (`https://host[:port]`) goes to the pool. */
  routes(origin: string): boolean;
}

interface LegacyHandler {
  onConnect?(abort: (reason?: unknown) => void, context?: unknown): void;
  onResponseStarted?(): void;
  onHeaders?(status: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean;
  onData?(chunk: Buffer): boolean;
  onComplete?(trailers: Buffer[] | null): void;
  onError?(error: Error): void;
}

interface LegacyDispatcher {
  dispatch(options: DispatchOptions, handler: LegacyHandler): boolean;
  [key: string]: unknown;
}

interface DispatchOptions {
  origin?: string | URL;
  path: string;
  method: string;
  headers?: Record<string, string | string[] | undefined> | string[] | null;
  body?: unknown;
  upgrade?: string | null;
}

// Hop-by-hop or recomputed by the pool; `accept-encoding` is dropped so bodies arrive as sent.
const DROPPED_REQUEST_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length', 'accept-encoding', 'upgrade']);

/** Routes Gemini/Vertex origins (and the pool's) of Node's global fetch through `pool`; reversible. */
export function installGlobalDispatcher(pool: GlobalDispatcherPool, options: InstallGlobalDispatcherOptions = {}): GlobalDispatcherInstallation {
  if (typeof pool !== 'object' || pool === null || typeof pool.fetch !== 'function') throw new ConfigError('pool', 'a GeminiPool', pool);
  const extra = options.origins ?? [];
  if (!Array.isArray(extra) || extra.some((origin) => typeof origin !== 'string' || !/^https?:\/\/[^/]+$/.test(origin))) {
    throw new ConfigError('origins', 'an array of origins like `https://host[:port]`', extra);
  }
  const poolOrigins = pool.group === undefined ? [] : [...pool.group.origins].map((originPool) => originPool.origin);
  const routes = originMatcher([...GEMINI_ORIGIN_PATTERNS, ...poolOrigins, ...extra]);
  const store = globalThis as unknown as Record<symbol, LegacyDispatcher | undefined>;
  const previous = store[GLOBAL_DISPATCHER];
  if (previous === undefined || typeof previous.dispatch !== 'function') {
    throw new GempoolError('CONFIG_INVALID', 'Node global fetch dispatcher not found: installGlobalDispatcher needs Node 22.19 or later');
  }
  let active = true;
  const bridge: LegacyDispatcher = {
    dispatch(dispatchOptions, handler) {
      const origin = String(dispatchOptions.origin ?? '').replace(/\/$/, '');
      if (!active || dispatchOptions.upgrade || !routes(origin)) return previous.dispatch(dispatchOptions, handler);
      void forward(pool, origin, dispatchOptions, handler);
      return true;
    },
    close: (...args: unknown[]) => (previous['close'] as (...a: unknown[]) => unknown)?.apply(previous, args),
    destroy: (...args: unknown[]) => (previous['destroy'] as (...a: unknown[]) => unknown)?.apply(previous, args),
  };
  store[GLOBAL_DISPATCHER] = bridge;
  return {
    uninstall() {
      active = false;
      if (store[GLOBAL_DISPATCHER] === bridge) store[GLOBAL_DISPATCHER] = previous;
    },
    routes,
  };
}

function originMatcher(patterns: readonly string[]): (origin: string) => boolean {
  const exact = new Set<string>();
  const globs: RegExp[] = [];
  for (const pattern of patterns) {
    const normalised = pattern.replace(/\/$/, '').toLowerCase();
    if (!normalised.includes('*')) exact.add(normalised);
    else globs.push(new RegExp(`^${normalised.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^./]+')}$`));
  }
  return (origin) => {
    const lower = origin.toLowerCase();
    return exact.has(lower) || exact.has(lower.replace(/:443$/, '')) || globs.some((glob) => glob.test(lower));
  };
}

/** Runs one routed request through pool.fetch and plays the response into a v1 handler. */
async function forward(pool: GlobalDispatcherPool, origin: string, options: DispatchOptions, handler: LegacyHandler): Promise<void> {
  const controller = new AbortController();
  let finished = false;
  const fail = (error: unknown): void => {
    if (finished) return;
    finished = true;
    handler.onError?.(error instanceof Error ? error : new Error(String(error)));
  };
  try {
    // Like undici, report an abort through onError, after the abort call has returned.
    handler.onConnect?.((reason) => {
      controller.abort(reason);
      queueMicrotask(() => fail(reason ?? new GempoolError('ABORTED', 'The call was aborted by the caller')));
    });
    if (controller.signal.aborted) return;
    const body = await collectBody(options.body);
    let response: Response;
    try {
      response = await pool.fetch(`${origin}${options.path}`, { method: options.method, headers: requestHeaders(options.headers), body, signal: controller.signal });
    } catch (error) {
      if (!isGempoolError(error) || error.code === 'ABORTED') throw error;
      response = gempoolErrorResponse(error);
    }
    if (finished) {
      await response.body?.cancel().catch(() => {});
      return;
    }
    let resumeWaiter: (() => void) | undefined;
    const resume = (): void => resumeWaiter?.();
    const paused = (): Promise<void> => new Promise<void>((resolve) => (resumeWaiter = resolve));
    handler.onResponseStarted?.();
    if (handler.onHeaders?.(response.status, rawHeaders(response.headers), resume, response.statusText) === false) await paused();
    const reader = response.body?.getReader();
    if (reader !== undefined) {
      controller.signal.addEventListener('abort', () => void reader.cancel().catch(() => {}), { once: true });
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        if (finished) return;
        if (handler.onData?.(Buffer.from(chunk.value.buffer, chunk.value.byteOffset, chunk.value.byteLength)) === false) await paused();
      }
    }
    if (finished) return;
    finished = true;
    handler.onComplete?.([]);
  } catch (error) {
    fail(error);
  }
}

function requestHeaders(headers: DispatchOptions['headers']): Headers {
  const result = new Headers();
  if (headers === null || headers === undefined) return result;
  const add = (name: string, value: string): void => {
    if (!DROPPED_REQUEST_HEADERS.has(name.toLowerCase())) result.append(name, value);
  };
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) add(String(headers[i]), String(headers[i + 1]));
    return result;
  }
  for (const [name, value] of Object.entries(headers)) {
    if (Array.isArray(value)) value.forEach((item) => add(name, item));
    else if (value !== undefined) add(name, value);
  }
  return result;
}

// The pool retries, so the body must be replayable: requests to Gemini are small JSON documents.
async function collectBody(body: unknown): Promise<Uint8Array<ArrayBuffer> | string | undefined> {
  if (body === null || body === undefined) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return new Uint8Array(body);
  if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
    return Buffer.concat(chunks);
  }
  throw new GempoolError('REQUEST_INVALID', `Unsupported request body type for the global dispatcher: ${typeof body}`);
}

// The body handed over is already decoded, so the encoding header must not make fetch decode again.
function rawHeaders(headers: Headers): Buffer[] {
  const encoded = headers.has('content-encoding');
  const raw: Buffer[] = [];
  headers.forEach((value, name) => {
    if (name === 'content-encoding' || (encoded && name === 'content-length')) return;
    raw.push(Buffer.from(name), Buffer.from(value));
  });
  return raw;
}
