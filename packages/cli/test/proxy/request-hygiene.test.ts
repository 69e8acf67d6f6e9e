// What crosses the proxy and who may use it: credentials stop at the proxy, hop-by-hop headers are
// not forwarded, and only a configured token opens it.
import { describe, expect, it } from 'vitest';
import { createClientAuth } from '../../src/proxy/client-auth.js';
import { clientResponseHeaders, upstreamPath, upstreamRequestHeaders } from '../../src/proxy/forward-headers.js';

describe('upstreamRequestHeaders', () => {
  it('drops caller credentials, hop-by-hop headers and headers named by Connection', () => {
    const headers = upstreamRequestHeaders({
      authorization: 'Bearer caller',
      'x-goog-api-key': 'caller-key',
      cookie: 'a=b',
      host: 'proxy:8080',
      connection: 'keep-alive, x-private-hop',
      'x-private-hop': 'hop',
      'keep-alive': 'timeout=5',
      'transfer-encoding': 'chunked',
      'content-length': '12',
      'accept-encoding': 'gzip',
      'content-type': 'application/json',
      'x-goog-api-client': 'google-genai-sdk/3.1.0',
      'user-agent': 'agent/1',
    });
    expect(headers).toEqual({ 'content-type': 'application/json', 'x-goog-api-client': 'google-genai-sdk/3.1.0', 'user-agent': 'agent/1' });
  });
});

describe('upstreamPath', () => {
  it.each([
    ['/v1beta/models/m:generateContent', '/v1beta/models/m:generateContent'],
    ['/v1beta/models/m:streamGenerateContent?alt=sse&key=caller', '/v1beta/models/m:streamGenerateContent?alt=sse'],
    ['/v1beta/models/m:generateContent?key=caller', '/v1beta/models/m:generateContent'],
  ])('%s → %s', (input, output) => {
    expect(upstreamPath(input)).toBe(output);
  });
});

describe('clientResponseHeaders', () => {
  it('keeps content headers and drops hop-by-hop, alt-svc and cookies', () => {
    const headers = clientResponseHeaders(
      new Headers({ 'content-type': 'text/event-stream', 'content-length': '10', connection: 'keep-alive', 'alt-svc': 'h3=":443"', 'set-cookie': 'NID=1', 'x-gempool-error-code': 'QUEUE_FULL' }),
    );
    expect(headers).toEqual({ 'content-type': 'text/event-stream', 'content-length': '10', 'x-gempool-error-code': 'QUEUE_FULL' });
  });
});

describe('createClientAuth', () => {
  const auth = createClientAuth(['old-token', 'new-token'], false);

  it('accepts any configured token as a bearer token or as the API key header', () => {
    expect(auth({ authorization: 'Bearer old-token' })).toBe(true);
    expect(auth({ authorization: 'bearer   new-token' })).toBe(true);
    expect(auth({ 'x-goog-api-key': 'new-token' })).toBe(true);
  });

  it('rejects missing, wrong, prefixed and malformed tokens', () => {
    expect(auth({})).toBe(false);
    expect(auth({ authorization: 'Bearer other' })).toBe(false);
    expect(auth({ authorization: 'Bearer old-token-and-more' })).toBe(false);
    expect(auth({ authorization: 'Basic old-token' })).toBe(false);
    expect(auth({ authorization: 'Bearer old-token extra' })).toBe(false);
    expect(auth({ 'x-goog-api-key': '' })).toBe(false);
  });

  it('lets everyone in only when auth is explicitly off', () => {
    expect(createClientAuth([], true)({})).toBe(true);
  });
});
