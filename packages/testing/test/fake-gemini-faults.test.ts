// Every scripted fault kind, over HTTP/2 and HTTP/1.1, seen through raw undici.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Client, request, type Agent } from 'undici';
import { startFakeGemini, type FakeGemini, type Fault } from '@gempool/testing';
import { agentFor, GENERATE_PATH, promptBody } from './clients.js';

const STREAM_PATH = '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse';

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2));
}

describe.each([{ h2: true }, { h2: false }])('faults (HTTP/2: $h2)', ({ h2 }) => {
  let fake: FakeGemini;
  let agent: Agent;
  const post = (path: string, faults: Fault[] = []) => {
    fake.setFaults(faults);
    return request(`${fake.origin}${path}`, { method: 'POST', body: promptBody('fault test prompt'), dispatcher: agent });
  };

  beforeAll(async () => {
    fake = await startFakeGemini();
    agent = agentFor(fake, { allowH2: h2 });
  });
  afterAll(async () => {
    await agent.close();
    await fake.close();
  });

  test.each([
    [429, 'per-minute', 'PerMinute'],
    [429, 'per-day', 'PerDay'],
  ] as const)('status %i (%s) carries RetryInfo and a QuotaFailure with a %s quotaId, no Retry-After', async (status, quota, quotaIdPart) => {
    const response = await post(GENERATE_PATH, [{ kind: 'status', status, quota, retryDelay: '12.5s' }]);
    expect(response.statusCode).toBe(429);
    expect(response.headers['retry-after']).toBeUndefined();
    const body = (await response.body.json()) as { error: { code: number; status: string; details: { '@type': string; retryDelay?: string; violations?: { quotaId: string }[] }[] } };
    expect(body.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    const retryInfo = body.error.details.find((detail) => detail['@type'] === 'type.googleapis.com/google.rpc.RetryInfo');
    const quotaFailure = body.error.details.find((detail) => detail['@type'] === 'type.googleapis.com/google.rpc.QuotaFailure');
    expect(retryInfo?.retryDelay).toBe('12.5s');
    expect(quotaFailure?.violations?.[0]?.quotaId).toContain(quotaIdPart);
    expect(fake.stats().faultsInjected['status']).toBeGreaterThan(0);
  });

  test.each([
    [500, 'INTERNAL'],
    [503, 'UNAVAILABLE'],
    [504, 'DEADLINE_EXCEEDED'],
    [400, 'INVALID_ARGUMENT'],
  ])('status %i is a google.rpc.Status %s', async (status, name) => {
    const response = await post(GENERATE_PATH, [{ kind: 'status', status }]);
    expect(response.statusCode).toBe(status);
    expect(await response.body.json()).toMatchObject({ error: { code: status, status: name, message: expect.any(String) } });
  });

  test('faults match by model and method, skip `after` matches and fire `times` times', async () => {
    fake.setFaults([{ kind: 'status', status: 503, model: 'gemini-2.5-*', method: 'generateContent', after: 1, times: 2 }]);
    const statuses: number[] = [];
    for (const path of [GENERATE_PATH, '/v1beta/models/other-model:generateContent', '/v1beta/models/gemini-2.5-flash:countTokens', GENERATE_PATH, GENERATE_PATH, GENERATE_PATH]) {
      const response = await request(`${fake.origin}${path}`, { method: 'POST', body: promptBody('x'), dispatcher: agent });
      statuses.push(response.statusCode);
      await response.body.dump();
    }
    expect(statuses).toEqual([200, 200, 200, 503, 503, 200]);
  });

  test('reset: the request fails before any header', async () => {
    await expect(post(GENERATE_PATH, [{ kind: 'reset' }])).rejects.toThrow();
    const after = await post(GENERATE_PATH);
    expect(after.statusCode).toBe(200);
    await after.body.dump();
  });

  test('reset with scope connection drops the connection', async () => {
    const client = new Client(fake.origin, { connect: { ca: fake.ca }, allowH2: h2 });
    try {
      const accepted = fake.stats().connections.accepted;
      await (await client.request({ path: GENERATE_PATH, method: 'POST', body: promptBody('warm') })).body.dump();
      fake.setFaults([{ kind: 'reset', scope: 'connection' }]);
      await expect(client.request({ path: GENERATE_PATH, method: 'POST', body: promptBody('reset') })).rejects.toThrow();
      await (await client.request({ path: GENERATE_PATH, method: 'POST', body: promptBody('again') })).body.dump();
      expect(fake.stats().connections.accepted).toBe(accepted + 2);
    } finally {
      await client.destroy();
    }
  });

  test.each([GENERATE_PATH, STREAM_PATH])('reset-mid-body on %s: headers and part of the body, then an error', async (path) => {
    const response = await post(path, [{ kind: 'reset-mid-body' }]);
    expect(response.statusCode).toBe(200);
    await expect(response.body.text()).rejects.toThrow();
  });

  test('hang: the request stays open until close(), which still resolves', async () => {
    const local = await startFakeGemini();
    const client = agentFor(local, { allowH2: h2 });
    local.setFaults([{ kind: 'hang' }]);
    const pending = request(`${local.origin}${GENERATE_PATH}`, { method: 'POST', body: promptBody('x'), dispatcher: client });
    await until(() => local.stats().faultsInjected['hang'] === 1);
    expect(local.stats().inFlight).toBe(1);
    await local.close();
    await expect(pending).rejects.toThrow();
    await client.destroy();
  });

  test('slow-headers delays the headers by at least delayMs', async () => {
    const started = Date.now();
    const response = await post(GENERATE_PATH, [{ kind: 'slow-headers', delayMs: 30 }]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(29);
    expect(response.statusCode).toBe(200);
    await response.body.dump();
  });

  test('latency adds addMs to one response', async () => {
    const started = Date.now();
    await (await post(GENERATE_PATH, [{ kind: 'latency', addMs: 25 }])).body.dump();
    expect(Date.now() - started).toBeGreaterThanOrEqual(24);
  });

  test('stall-body sends the first chunks, then nothing until the server closes', async () => {
    const local = await startFakeGemini({ faults: [{ kind: 'stall-body', afterChunks: 1 }] });
    const client = agentFor(local, { allowH2: h2 });
    const response = await request(`${local.origin}${STREAM_PATH}`, { method: 'POST', body: promptBody('stall me'), dispatcher: client });
    const received: string[] = [];
    const reading = (async () => {
      for await (const chunk of response.body) received.push(String(chunk));
    })();
    await until(() => received.length > 0);
    expect(received.join('')).toMatch(/^data: \{.*\}\n\n$/);
    expect(local.stats().inFlight).toBe(1);
    await local.close();
    await expect(reading).rejects.toThrow();
    await client.destroy();
  });

  test('sse-error ends an SSE stream with an error object after afterChunks events', async () => {
    const response = await post(STREAM_PATH, [{ kind: 'sse-error', afterChunks: 2, status: 429 }]);
    const events = (await response.body.text()).split('\n\n').filter(Boolean).map((event) => JSON.parse(event.slice(6)) as Record<string, unknown>);
    expect(events).toHaveLength(3);
    expect(events[2]).toMatchObject({ error: { code: 429, status: 'RESOURCE_EXHAUSTED' } });
  });

  test('sse-error in the JSON-array form is the last array element', async () => {
    const response = await post('/v1beta/models/gemini-2.5-flash:streamGenerateContent', [{ kind: 'sse-error' }]);
    const items = JSON.parse(await response.body.text()) as Record<string, unknown>[];
    expect(items).toHaveLength(2);
    expect(items[1]).toMatchObject({ error: { code: 500, status: 'INTERNAL' } });
  });

  test('goaway answers the request, then the next request needs a new connection', async () => {
    const local = await startFakeGemini();
    const client = new Client(local.origin, { connect: { ca: local.ca }, allowH2: h2 });
    try {
      local.setFaults([{ kind: 'goaway' }]);
      const first = await client.request({ path: GENERATE_PATH, method: 'POST', body: promptBody('first') });
      expect(first.statusCode).toBe(200);
      if (!h2) expect(first.headers['connection']).toBe('close');
      await first.body.dump();
      await until(() => local.stats().connections.open === 0);
      const second = await client.request({ path: GENERATE_PATH, method: 'POST', body: promptBody('second') });
      expect(second.statusCode).toBe(200);
      await second.body.dump();
      expect(local.stats().connections.accepted).toBe(2);
    } finally {
      await client.destroy();
      await local.close();
    }
  });
});

test('an HTTP/2 stream reset leaves other streams on the connection alone', async () => {
  const fake = await startFakeGemini({ latency: { fixedMs: 20 } });
  const client = new Client(fake.origin, { connect: { ca: fake.ca }, allowH2: true });
  try {
    fake.setFaults([{ kind: 'reset', after: 1 }]);
    const results = await Promise.allSettled(
      [0, 1, 2].map(async () => {
        const response = await client.request({ path: GENERATE_PATH, method: 'POST', body: promptBody('x') });
        await response.body.dump();
        return response.statusCode;
      }),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(2);
    expect(fake.stats().connections.accepted).toBe(1);
  } finally {
    await client.destroy();
    await fake.close();
  }
});
