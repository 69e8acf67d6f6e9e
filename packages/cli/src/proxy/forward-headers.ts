// Which headers cross the proxy. Inbound: the caller's credentials (`authorization`,
// `x-goog-api-key`, `?key=`) stop here because the proxy authenticates upstream with its own;
// hop-by-hop headers and those the transport recomputes are dropped. Outbound: hop-by-hop headers,
// upstream advertisements about itself (alt-svc) and cookies (the proxy is shared by many callers)
// are dropped. The pool relays bodies as sent (it never decodes them), so content-length and
// content-encoding stay true and pass through.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

const DROPPED_REQUEST = new Set([
  ...HOP_BY_HOP,
  'host',
  'content-length',
  'expect',
  'authorization',
  'x-goog-api-key',
  'cookie',
  // Upstream bodies then arrive uncompressed, the same for every caller, whatever each one accepts.
  'accept-encoding',
]);

const DROPPED_RESPONSE = new Set([...HOP_BY_HOP, 'alt-svc', 'set-cookie']);

/** Request headers to send upstream, lower-cased, without credentials or hop-by-hop headers. */
export function upstreamRequestHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const named = connectionTokens(headers.connection);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || DROPPED_REQUEST.has(name) || named.has(name) || name.startsWith(':')) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Response headers for the caller, without hop-by-hop headers, alt-svc and cookies. */
export function clientResponseHeaders(headers: Headers): OutgoingHttpHeaders {
  const named = connectionTokens(headers.get('connection') ?? undefined);
  const out: OutgoingHttpHeaders = {};
  headers.forEach((value, name) => {
    if (!DROPPED_RESPONSE.has(name) && !named.has(name)) out[name] = value;
  });
  return out;
}

/** Path and query for upstream: a caller's `key=` query parameter is removed with its credential. */
export function upstreamPath(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const params = new URLSearchParams(url.slice(queryStart + 1));
  if (!params.has('key')) return url;
  params.delete('key');
  const query = params.toString();
  return query === '' ? url.slice(0, queryStart) : `${url.slice(0, queryStart)}?${query}`;
}

function connectionTokens(value: string | string[] | undefined): Set<string> {
  if (value === undefined) return new Set();
  const text = Array.isArray(value) ? value.join(',') : value;
  return new Set(text.split(',').map((token) => token.trim().toLowerCase()).filter((token) => token !== ''));
}
