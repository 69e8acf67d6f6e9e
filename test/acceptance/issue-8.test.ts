// Issue 8, @gempool/genai half: createGoogleGenAI({ ...GoogleGenAIOptions, pool }) with the real
// @google/genai SDK against the TLS/HTTP/2 fake. (The LangChain half is issue-8-langchain.test.ts.)
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, GoogleGenAI } from '@google/genai';
import { OAuth2Client } from 'google-auth-library';
import { ConfigError, type CallInfo } from '@gempool/core';
import { createGoogleGenAI, getGempool, gempoolErrorCode } from '@gempool/genai';
import { concurrently, driveClock, startRig, type Rig } from './rig-6789.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

function seen(r: Rig): CallInfo[] {
  const calls: CallInfo[] = [];
  r.pool.on('call-start', (call) => calls.push(call));
  return calls;
}

describe('issue 8: createGoogleGenAI', () => {
  it('returns a real GoogleGenAI whose generateContent goes through the pool', async () => {
    rig = await startRig();
    const calls = seen(rig);
    const ai = createGoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: rig.fake.origin }, pool: rig.pool });
    expect(ai).toBeInstanceOf(GoogleGenAI);
    const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hello pool' });
    expect(response.text).toBe('Echo: hello pool');
    expect(calls.map((c) => c.method)).toEqual(['generateContent']);
    expect(getGempool(ai)).toBe(rig.pool);
  });

  it('200 concurrent calls open no more connections than maxConnections (HTTP/2)', async () => {
    rig = await startRig({ maxConnections: 3 });
    const ai = createGoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: rig.fake.origin }, pool: rig.pool });
    const answers = await concurrently(200, (i) => ai.models.generateContent({ model: 'gemini-2.5-flash', contents: `distinct prompt ${i}` }));
    expect(answers.every((a, i) => a.text === `Echo: distinct prompt ${i}`)).toBe(true);
    expect(rig.fake.stats().connections.accepted).toBeLessThanOrEqual(3);
    expect(rig.fake.stats().httpVersions['2']).toBeGreaterThan(0);
  });

  it('generateContentStream, countTokens and embedContent go through the pool', async () => {
    rig = await startRig();
    const calls = seen(rig);
    const ai = createGoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: rig.fake.origin }, pool: rig.pool });
    let text = '';
    for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'stream me' })) text += chunk.text ?? '';
    expect(text).toContain('stream');
    const tokens = await ai.models.countTokens({ model: 'gemini-2.5-flash', contents: 'count these tokens' });
    expect(tokens.totalTokens).toBeGreaterThan(0);
    const embedding = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: 'embed me' });
    expect(embedding.embeddings?.[0]?.values?.length).toBeGreaterThan(0);
    expect(calls.map((c) => c.method)).toEqual(['streamGenerateContent', 'countTokens', expect.stringMatching(/mbedContents?$/)]);
  });

  it('files, caches and batches REST calls go through the pool', async () => {
    rig = await startRig();
    const calls = seen(rig);
    const ai = createGoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: rig.fake.origin }, pool: rig.pool });
    // The fake does not implement these resources (404); what matters is that the pool carried them.
    await ai.files.get({ name: 'files/abc' }).catch(() => undefined);
    await ai.caches.get({ name: 'cachedContents/abc' }).catch(() => undefined);
    await ai.batches.get({ name: 'batches/abc' }).catch(() => undefined);
    expect(calls).toHaveLength(3);
  });

  it('Vertex AI (regional location): calls go through the pool on the Vertex path', async () => {
    rig = await startRig();
    const calls = seen(rig);
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: 'vertex-token', expiry_date: Date.now() + 3_600_000 });
    const ai = createGoogleGenAI({
      vertexai: true,
      project: 'p',
      location: 'europe-west4',
      // google-auth-library is deduplicated differently for the SDK; the client is the same class.
      googleAuthOptions: { authClient: authClient as never },
      httpOptions: { baseUrl: rig.fake.origin },
      pool: rig.pool,
    });
    const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'vertex hello' });
    expect(response.text).toBe('Echo: vertex hello');
    expect(calls[0]?.provider).toBe('gcp.vertex_ai');
  });

  it('a 429 with RetryInfo is retried exactly once by gempool and not by the SDK', async () => {
    rig = await startRig({}, { faults: [{ kind: 'status', status: 429, retryDelay: '2s' }] });
    const ai = createGoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: rig.fake.origin }, pool: rig.pool });
    const response = await driveClock(rig.clock, ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'limited' }));
    expect(response.text).toBe('Echo: limited');
    expect(rig.fake.stats().requests.total).toBe(2);
  });

  it('SDK retryOptions while the pool retries are rejected with a ConfigError (attempts never multiply)', async () => {
    rig = await startRig();
    expect(() => createGoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: rig!.fake.origin, retryOptions: { attempts: 5 } }, pool: rig!.pool })).toThrow(ConfigError);
  });

  it('httpOptions.timeout keeps working and frees the slot', async () => {
    rig = await startRig({}, { faults: [{ kind: 'hang' }] });
    const ai = createGoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: rig.fake.origin, timeout: 60 }, pool: rig.pool });
    await expect(ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hang' })).rejects.toThrow();
    expect(rig.pool.stats().inFlight).toBe(0);
    const after = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'after timeout' });
    expect(after.text).toBe('Echo: after timeout');
  });

  it('config.abortSignal keeps working', async () => {
    rig = await startRig({}, { faults: [{ kind: 'hang' }] });
    const ai = createGoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: rig.fake.origin }, pool: rig.pool });
    const controller = new AbortController();
    const call = ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hang', config: { abortSignal: controller.signal } });
    setTimeout(() => controller.abort(), 20);
    await expect(call).rejects.toThrow();
    expect(rig.pool.stats().inFlight).toBe(0);
  });

  it('an upstream error stays an ApiError with its status', async () => {
    rig = await startRig({}, { faults: [{ kind: 'status', status: 400 }] });
    const ai = createGoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: rig.fake.origin }, pool: rig.pool });
    const error = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'bad' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
  });

  it('a gempool failure arrives as an ApiError with a status and our code', async () => {
    rig = await startRig();
    const ai = createGoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: rig.fake.origin }, pool: rig.pool });
    await rig.pool.close();
    const error = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'closed' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(503);
    expect(gempoolErrorCode(error)).toBe('POOL_CLOSED');
  });

  it('pool may be pool options: the client owns a pool aimed at its baseUrl', async () => {
    rig = await startRig();
    const ai = createGoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: rig.fake.origin }, pool: { tls: { ca: rig.fake.ca }, maxConnections: 2 } });
    const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'own pool' });
    expect(response.text).toBe('Echo: own pool');
    const owned = getGempool(ai);
    expect(owned).toBeDefined();
    expect(owned).not.toBe(rig.pool);
    await owned!.close();
  });

  it('the manual equivalent httpOptions: { ...pool.httpOptions } also goes through the pool', async () => {
    rig = await startRig();
    const calls = seen(rig);
    const ai = new GoogleGenAI({ apiKey: 'k', httpOptions: { ...rig.pool.httpOptions, baseUrl: rig.fake.origin } });
    const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'manual' });
    expect(response.text).toBe('Echo: manual');
    expect(calls).toHaveLength(1);
  });
});
