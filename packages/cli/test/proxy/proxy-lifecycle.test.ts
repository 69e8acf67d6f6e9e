// Readiness and shutdown: /readyz follows the pool's warmth, and a SIGTERM during load lets every
// in-flight call finish before the pool closes. Signals come from an in-process emitter here (the
// same code path the CLI runs on process signals; proxy-cli.test.ts sends a real one).
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { GoogleGenAI } from '@google/genai';
import { createManualClock, startFakeGemini, type FakeGemini } from '@gempool/testing';
import { drainOnSignals, PROXY_PATHS, startProxy, type RunningProxy } from '../../src/proxy/index.js';

const MODEL = 'gemini-2.5-flash';
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function fake(options: Parameters<typeof startFakeGemini>[0] = {}): Promise<FakeGemini> {
  const server = await startFakeGemini({ tls: true, ...options });
  cleanup.push(() => server.close());
  return server;
}

async function proxyFor(upstream: FakeGemini | { origin: string; ca: string | undefined }, extra: Partial<Parameters<typeof startProxy>[0]> = {}): Promise<RunningProxy> {
  const proxy = await startProxy({ port: 0, noAuth: true, upstream: { origin: upstream.origin, apiKey: 'upstream-key' }, pool: { tls: { ca: upstream.ca }, minConnections: 1 }, ...extra });
  cleanup.push(() => proxy.close());
  return proxy;
}

function client(proxy: RunningProxy): GoogleGenAI {
  return new GoogleGenAI({ apiKey: 'dummy', httpOptions: { baseUrl: proxy.url } });
}

async function status(url: string): Promise<number> {
  const response = await fetch(url);
  await response.arrayBuffer();
  return response.status;
}

describe('readiness', () => {
  it('is 503 until the pool is warm, retries warmup, then 200; /healthz is 200 throughout', async () => {
    // A port with nothing listening yet: warmup fails until the upstream appears.
    const placeholder = await startFakeGemini({ tls: true });
    const { port, ca } = placeholder;
    await placeholder.close();
    const clock = createManualClock();
    const lines: string[] = [];
    const proxy = await proxyFor({ origin: `https://127.0.0.1:${port}`, ca }, { clock, warmupRetryMs: 1_000, log: (line) => lines.push(line) });

    await expect.poll(() => lines.some((line) => line.includes('warmup failed'))).toBe(true);
    expect(proxy.state).toBe('warming');
    expect(await status(proxy.url + PROXY_PATHS.readyz)).toBe(503);
    expect(await status(proxy.url + PROXY_PATHS.healthz)).toBe(200);

    const upstream = await fake({ port });
    await clock.advanceAsync(1_000);
    await proxy.ready();
    expect(await status(proxy.url + PROXY_PATHS.readyz)).toBe(200);
    expect(upstream.stats().connections.accepted).toBeGreaterThan(0);
  });
});

describe('drain on SIGTERM', () => {
  it('stops accepting, lets every in-flight call (unary and stream) finish, then closes the pool', async () => {
    const upstream = await fake({ latency: { fixedMs: 300 }, streamChunks: 4 });
    const proxy = await proxyFor(upstream);
    await proxy.ready();
    const ai = client(proxy);
    const signals = new EventEmitter();
    const drained = drainOnSignals(proxy, { source: signals });

    const unary = Array.from({ length: 12 }, (_, i) => ai.models.generateContent({ model: MODEL, contents: `unary ${i}` }).then((r) => r.text));
    const streamed = Array.from({ length: 8 }, async (_, i) => {
      let text = '';
      for await (const chunk of await ai.models.generateContentStream({ model: MODEL, contents: `stream ${i}` })) text += chunk.text ?? '';
      return text;
    });
    // Every call has reached upstream (a monotonic count, so the poll cannot miss it); with 300 ms of
    // upstream latency most are still in flight when the signal arrives.
    await expect.poll(() => upstream.stats().requests.total).toBe(20);
    const inFlightAtSignal = proxy.inFlight;
    expect(inFlightAtSignal).toBeGreaterThan(0);

    signals.emit('SIGTERM');
    expect(proxy.state).toBe('draining');
    // No new connections once draining (kubelet and load balancers see the pod as gone).
    await expect(fetch(proxy.url + PROXY_PATHS.readyz)).rejects.toThrow();

    const texts = await Promise.all([...unary, ...streamed]);
    texts.forEach((text, i) => expect(text).toContain(i < 12 ? `unary ${i}` : `stream ${i - 12}`));
    expect(await drained).toEqual({ abandoned: 0 });
    expect(proxy.state).toBe('closed');
    expect(upstream.stats().inFlight).toBe(0);
    expect(signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('cuts calls still running at the drain timeout and reports them', async () => {
    const upstream = await fake({ faults: [{ kind: 'hang', times: Infinity }] });
    const clock = createManualClock();
    const proxy = await proxyFor(upstream, { clock, drainTimeoutMs: 5_000 });
    await proxy.ready();
    const hung = client(proxy).models.generateContent({ model: MODEL, contents: 'never answered' }).catch((error: unknown) => error);
    await expect.poll(() => proxy.inFlight).toBe(1);

    const drained = proxy.drain();
    await clock.advanceAsync(4_999);
    expect(proxy.state).toBe('draining');
    await clock.advanceAsync(1);
    expect(await drained).toEqual({ abandoned: 1 });
    expect(await hung).toBeInstanceOf(Error);
    await expect.poll(() => upstream.stats().inFlight).toBe(0);
  });

  it('closes at once on a second signal', async () => {
    const upstream = await fake({ faults: [{ kind: 'hang', times: Infinity }] });
    const proxy = await proxyFor(upstream, { drainTimeoutMs: 60_000 });
    await proxy.ready();
    const hung = client(proxy).models.generateContent({ model: MODEL, contents: 'never answered' }).catch((error: unknown) => error);
    await expect.poll(() => proxy.inFlight).toBe(1);
    const signals = new EventEmitter();
    const drained = drainOnSignals(proxy, { source: signals });
    signals.emit('SIGTERM');
    signals.emit('SIGINT');
    expect(await drained).toEqual({ abandoned: 1 });
    expect(await hung).toBeInstanceOf(Error);
  });
});
