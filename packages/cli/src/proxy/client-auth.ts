// Client authentication: callers present the proxy token as `Authorization: Bearer <token>` or, for
// SDKs that insist on an API key, as `x-goog-api-key: <token>`. Neither header is ever forwarded.
// Comparison is constant-time over SHA-256 digests so token length does not leak either.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type ClientAuth = (headers: IncomingHttpHeaders) => boolean;

export function createClientAuth(tokens: readonly string[], noAuth: boolean): ClientAuth {
  if (noAuth) return () => true;
  const digests = tokens.map(digest);
  const matches = (candidate: string): boolean => {
    const given = digest(candidate);
    // Check every token (no early exit) so timing does not tell which slot matched.
    let ok = false;
    for (const expected of digests) ok = timingSafeEqual(given, expected) || ok;
    return ok;
  };
  return (headers) => {
    const bearer = bearerToken(headers.authorization);
    if (bearer !== undefined && matches(bearer)) return true;
    const apiKey = headers['x-goog-api-key'];
    return typeof apiKey === 'string' && apiKey !== '' && matches(apiKey);
  };
}

function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer[ \t]+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
