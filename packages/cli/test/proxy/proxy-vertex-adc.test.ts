// Vertex AI through the proxy: the caller's SDK runs in Vertex mode with only the proxy token, and
// the proxy authenticates upstream with its own OAuth token from google-auth-library (a real
// OAuth2Client holding a token, standing in for Application Default Credentials).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, GoogleGenAI, type GoogleGenAIOptions } from '@google/genai';
import { gempoolErrorCode } from '@gempool/core';
import { OAuth2Client } from 'google-auth-library';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { startProxy, type RunningProxy } from '../../src/proxy/index.js';

const ADC_TOKEN = 'ya29.proxy-service-account-token';
const PROXY_TOKEN = 'vertex-proxy-token';

let fake: FakeGemini;
let proxy: RunningProxy;
const seen: Array<{ provider: string; authorization: unknown }> = [];

/** An OAuth client that already holds a token: getAccessToken() answers without any network. */
function clientWithToken(token: string): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
  return client;
}

beforeAll(async () => {
  fake = await startFakeGemini({
    tls: true,
    requireApiKey: ADC_TOKEN,
    responseText: (request) => {
      seen.push({ provider: request.provider, authorization: request.headers['authorization'] });
      return `Vertex echo: ${request.prompt}`;
    },
  });
  proxy = await startProxy({ port: 0, tokens: [PROXY_TOKEN], upstream: { origin: fake.origin, auth: clientWithToken(ADC_TOKEN) }, pool: { tls: { ca: fake.ca }, minConnections: 1 } });
  await proxy.ready();
});

afterAll(async () => {
  await proxy?.close();
  await fake?.close();
});

describe('gempool proxy with ADC upstream (Vertex AI)', () => {
  it('replaces the caller token with the proxy’s own OAuth token', async () => {
    const ai = new GoogleGenAI({
      vertexai: true,
      project: 'demo-project',
      location: 'us-central1',
      // The SDK adds ADC headers only where none are set: the proxy token goes in Authorization,
      // and the caller needs no Google credentials of its own.
      // (The SDK bundles its own google-auth-library typings; the client is structurally the same.)
      googleAuthOptions: { authClient: clientWithToken('caller-side-unused') as unknown as NonNullable<GoogleGenAIOptions['googleAuthOptions']>['authClient'] },
      httpOptions: { baseUrl: proxy.url, headers: { Authorization: `Bearer ${PROXY_TOKEN}` } },
    });
    const response = await ai.models.generateContent({ model: 'gemini-2.5-pro', contents: 'vertex via proxy' });
    expect(response.text).toContain('vertex via proxy');
    expect(seen).toEqual([{ provider: 'gcp.vertex_ai', authorization: `Bearer ${ADC_TOKEN}` }]);
  });

  it('answers 503 UPSTREAM_ERROR when ADC yields no token, without calling upstream', async () => {
    // An OAuth client with nothing to refresh from fails inside google-auth-library, offline.
    const noCredentials = await startProxy({ port: 0, noAuth: true, upstream: { origin: fake.origin, auth: new OAuth2Client() }, pool: { tls: { ca: fake.ca }, minConnections: 0 } });
    try {
      const before = fake.stats().requests.total;
      const ai = new GoogleGenAI({ apiKey: 'dummy', httpOptions: { baseUrl: noCredentials.url } });
      const error = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).status).toBe(503);
      expect(gempoolErrorCode(error)).toBe('UPSTREAM_ERROR');
      expect(fake.stats().requests.total).toBe(before);
    } finally {
      await noCredentials.close();
    }
  });
});
