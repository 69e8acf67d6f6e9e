// The latency proxy: TCP connect, TLS handshake and requests each pay simulated round trips.
// Only lower bounds on time are asserted (a slow machine can only make them longer).
import { connect } from 'node:tls';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Client } from 'undici';
import { ConfigError } from '@gempool/core';
import { startFakeGemini, startLatencyProxy, type FakeGemini } from '@gempool/testing';
import { genaiFor, agentFor, GENERATE_PATH, promptBody } from './clients.js';

const RTT_MS = 50;
let fake: FakeGemini;

beforeAll(async () => {
  fake = await startFakeGemini();
});
afterAll(() => fake.close());

test('a TLS connection through the proxy takes at least TCP + TLS round trips (2 RTT)', async () => {
  const proxy = await startLatencyProxy({ target: fake.origin, rttMs: RTT_MS });
  try {
    const started = Date.now();
    const protocol = await new Promise<string | false | null>((resolve, reject) => {
      const socket = connect({ host: proxy.host, port: proxy.port, ca: fake.ca, ALPNProtocols: ['h2'] }, () => {
        resolve(socket.alpnProtocol);
        socket.destroy();
      });
      socket.on('error', reject);
    });
    expect(protocol).toBe('h2');
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * RTT_MS - 1);
  } finally {
    await proxy.close();
  }
});

test('each request on a warm connection pays at least one RTT; bytes and connections are counted', async () => {
  const proxy = await startLatencyProxy({ target: fake.origin, rttMs: RTT_MS });
  expect(proxy.origin).toBe(`https://127.0.0.1:${proxy.port}`);
  const client = new Client(proxy.origin!, { connect: { ca: fake.ca }, allowH2: true });
  try {
    const coldStart = Date.now();
    await (await client.request({ path: GENERATE_PATH, method: 'POST', body: promptBody('cold') })).body.dump();
    expect(Date.now() - coldStart).toBeGreaterThanOrEqual(3 * RTT_MS - 1);
    const warmStart = Date.now();
    const response = await client.request({ path: GENERATE_PATH, method: 'POST', body: promptBody('warm') });
    expect(await response.body.json()).toMatchObject({ candidates: [{ content: { parts: [{ text: 'Echo: warm' }] } }] });
    expect(Date.now() - warmStart).toBeGreaterThanOrEqual(RTT_MS - 1);
    const stats = proxy.stats();
    expect(stats.connections).toEqual({ accepted: 1, open: 1 });
    expect(stats.bytes.toTarget).toBeGreaterThan(0);
    expect(stats.bytes.toClient).toBeGreaterThan(0);
  } finally {
    await client.destroy();
    await proxy.close();
  }
});

test('the real SDK works through the proxy, and a server-side reset reaches the client as an error', async () => {
  const proxy = await startLatencyProxy({ target: `127.0.0.1:${fake.port}`, rttMs: 10 });
  expect(proxy.origin).toBeUndefined();
  const agent = agentFor(fake);
  try {
    const ai = genaiFor(proxy.originFor('https'), agent);
    expect((await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'through the proxy' })).text).toBe('Echo: through the proxy');
    fake.setFaults([{ kind: 'reset', scope: 'connection' }]);
    await expect(ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'reset' })).rejects.toThrow();
  } finally {
    fake.setFaults([]);
    await agent.close();
    await proxy.close();
  }
});

test('close() destroys proxied connections and resolves', async () => {
  const proxy = await startLatencyProxy({ target: fake.origin, rttMs: 5 });
  const client = new Client(proxy.origin!, { connect: { ca: fake.ca }, allowH2: true });
  await (await client.request({ path: GENERATE_PATH, method: 'POST', body: promptBody('x') })).body.dump();
  await proxy.close();
  await expect(client.request({ path: GENERATE_PATH, method: 'POST', body: promptBody('y') })).rejects.toThrow();
  await client.destroy();
});

test('bad options are rejected with a ConfigError naming the field', async () => {
  await expect(startLatencyProxy({ target: '', rttMs: 1 })).rejects.toThrow(ConfigError);
  await expect(startLatencyProxy({ target: 'no-port', rttMs: 1 })).rejects.toThrow(/`target`/);
  await expect(startLatencyProxy({ target: fake.origin, rttMs: -1 })).rejects.toThrow(/`rttMs`/);
  await expect(startLatencyProxy({ target: fake.origin, rttMs: 1, port: 70000 })).rejects.toThrow(/`port`/);
});
