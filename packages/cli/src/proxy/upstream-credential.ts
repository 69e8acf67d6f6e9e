// The proxy holds the upstream credential so its callers need none: an API key (Google AI) or an
// OAuth token from Application Default Credentials (Vertex AI). google-auth-library caches and
// refreshes tokens itself; it is loaded only when ADC is used.
import { GempoolError } from '@gempool/core';
import { PROXY_DEFAULTS } from './proxy-defaults.js';
import type { AccessTokenSource, ProxyUpstreamOptions } from './proxy-options.js';

export interface UpstreamCredential {
  readonly kind: 'api-key' | 'adc';
  /** Headers that authenticate one upstream call. Never logged. */
  headers(): Promise<Record<string, string>>;
}

export function createUpstreamCredential(upstream: ProxyUpstreamOptions): UpstreamCredential {
  if (upstream.apiKey !== undefined) {
    const headers = Object.freeze({ 'x-goog-api-key': upstream.apiKey });
    return { kind: 'api-key', headers: async () => headers };
  }
  let source: Promise<AccessTokenSource> | undefined = upstream.auth === undefined ? undefined : Promise.resolve(upstream.auth);
  return {
    kind: 'adc',
    async headers() {
      source ??= discoverAdc();
      const token = await accessToken(await source);
      return { authorization: `Bearer ${token}` };
    },
  };
}

async function discoverAdc(): Promise<AccessTokenSource> {
  const { GoogleAuth } = await import('google-auth-library');
  return new GoogleAuth({ scopes: [PROXY_DEFAULTS.adcScope] });
}

async function accessToken(source: AccessTokenSource): Promise<string> {
  let result: Awaited<ReturnType<AccessTokenSource['getAccessToken']>>;
  try {
    result = await source.getAccessToken();
  } catch (error) {
    // The library's message says which ADC step failed; it does not contain the token.
    throw new GempoolError('UPSTREAM_ERROR', 'Application Default Credentials gave no access token', { cause: error, retryable: true });
  }
  const token = typeof result === 'string' ? result : result?.token;
  if (typeof token !== 'string' || token === '') {
    throw new GempoolError('UPSTREAM_ERROR', 'Application Default Credentials gave no access token', { retryable: true });
  }
  return token;
}
