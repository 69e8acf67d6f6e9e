// A stateful local stand-in for the Cloud Monitoring REST endpoints the install command uses
// (dashboards v1, alertPolicies v3), so the real Google clients can be tested with
// `fallback: 'rest'`. Request bodies are checked against Google's protos like the shipped files.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ALERT_POLICY_TYPE, DASHBOARD_TYPE, loadMonitoringProtos } from '../../src/validate/load-monitoring-protos.ts';
import { formatProtoJsonIssues, validateProtoJson } from '../../src/validate/validate-proto-json.ts';

type Resource = Record<string, unknown> & { name: string };

export interface FakeMonitoringApi {
  readonly port: number;
  readonly dashboards: Map<string, Resource>;
  readonly alertPolicies: Map<string, Resource>;
  /** `METHOD /path?query` of every request, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

function rpcError(response: ServerResponse, code: number, status: string, message: string): void {
  send(response, code, { error: { code, status, message } });
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of request) text += chunk;
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

export async function startFakeMonitoringApi(project: string): Promise<FakeMonitoringApi> {
  const root = await loadMonitoringProtos();
  const dashboards = new Map<string, Resource>();
  const alertPolicies = new Map<string, Resource>();
  const requests: string[] = [];
  let sequence = 0;

  const collections = {
    dashboards: { version: 'v1', store: dashboards, type: DASHBOARD_TYPE, listKey: 'dashboards' },
    alertPolicies: { version: 'v3', store: alertPolicies, type: ALERT_POLICY_TYPE, listKey: 'alertPolicies' },
  } as const;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake');
    requests.push(`${request.method} ${url.pathname}${url.search}`);
    if (!/^Bearer \S+$/.test(request.headers.authorization ?? '')) return rpcError(response, 401, 'UNAUTHENTICATED', 'missing bearer token');
    const match = /^\/(v1|v3)\/projects\/([^/]+)\/(dashboards|alertPolicies)(?:\/([^/]+))?$/.exec(url.pathname);
    const collection = match === null ? undefined : collections[match[3] as keyof typeof collections];
    if (match === null || collection === undefined || collection.version !== match[1]) return rpcError(response, 404, 'NOT_FOUND', `no route ${url.pathname}`);
    if (match[2] !== project) return rpcError(response, 403, 'PERMISSION_DENIED', `project ${match[2]}`);
    const validateOnly = url.searchParams.get('validateOnly') === 'true';
    const id = match[4];

    if (request.method === 'GET' && id === undefined) return send(response, 200, { [collection.listKey]: [...collection.store.values()] });
    if (request.method !== 'POST' && request.method !== 'PATCH') return rpcError(response, 405, 'UNIMPLEMENTED', `${request.method}`);

    const body = await readJson(request);
    // The clients send enums as numbers (`enum-encoding=int`); everything else must be exact.
    const { name: _name, etag: _etag, ...content } = body;
    const issues = validateProtoJson(root, collection.type, content, { enumNumbers: true });
    if (issues.length > 0) return rpcError(response, 400, 'INVALID_ARGUMENT', formatProtoJsonIssues(issues));

    if (request.method === 'POST' && id === undefined) {
      const name = `projects/${project}/${match[3]}/${++sequence}`;
      const stored: Resource = { ...content, name, ...(collection === collections.dashboards ? { etag: `etag-${sequence}` } : {}) };
      if (!validateOnly) collection.store.set(name, stored);
      return send(response, 200, stored);
    }
    const name = `projects/${project}/${match[3]}/${id}`;
    const existing = collection.store.get(name);
    if (existing === undefined || request.method !== 'PATCH') return rpcError(response, 404, 'NOT_FOUND', `${name} does not exist`);
    // The resource name travels in the URL (transcoding moves `dashboard.name` into the path).
    if (existing.etag !== undefined && body.etag !== existing.etag) return rpcError(response, 409, 'ABORTED', `etag ${String(body.etag)} is stale (now ${String(existing.etag)})`);
    const stored: Resource = { ...content, name, ...(existing.etag === undefined ? {} : { etag: `etag-${++sequence}` }) };
    if (!validateOnly) collection.store.set(name, stored);
    return send(response, 200, stored);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => rpcError(response, 500, 'INTERNAL', error instanceof Error ? error.message : String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    dashboards,
    alertPolicies,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
