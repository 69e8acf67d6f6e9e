// Issue 5, point 1 (Vertex AI regions): three TLS/HTTP/2 fakes act as regions through
// `resolveRegion`; the real @google/genai Vertex client (project/location, bearer token) calls them.
import { afterEach, describe, expect, it } from 'vitest';
import type { GoogleGenAI } from '@google/genai';
import type { FailoverEvent, GeminiPoolOptions } from '@gempool/core';
import type { FakeGemini } from '@gempool/testing';
import { advance, closeAll, drive, makePool, makeVertexAi, outcome, startFake, upstream , stats } from './qa-rig.js';

afterEach(closeAll);

const REGIONS = ['us-central1', 'europe-west4', 'asia-northeast1'];
const MODEL = 'gemini-2.5-flash';

async function startRegions(options: GeminiPoolOptions = {}, sdkLocation = 'us-central1') {
  const fakes: FakeGemini[] = [];
  for (let i = 0; i < REGIONS.length; i++) fakes.push(await startFake());
  const byRegion = new Map(REGIONS.map((region, i) => [region, fakes[i]!]));
  const { pool, clock } = makePool(fakes.map((f) => f.ca), {
    regions: REGIONS,
    resolveRegion: (region) => byRegion.get(region)!.origin,
    ...options,
  });
  const ai = makeVertexAi(pool, sdkLocation);
  const served = () => fakes.map((f) => upstream(f, MODEL));
  return { fakes, pool, clock, ai, served };
}

const ask = (ai: GoogleGenAI, text = 'where am I') => ai.models.generateContent({ model: MODEL, contents: text });

describe('issue 5.1: regions', () => {
  it('sends calls to the first healthy region, whatever location the SDK was built for', async () => {
    const { ai, served, pool } = await startRegions({}, 'asia-northeast1');
    const regions: Array<string | undefined> = [];
    pool.on('call-end', (call) => regions.push(call.region));
    expect((await ask(ai, 'hello region')).text).toBe('Echo: hello region');
    expect(served()).toEqual([1, 0, 0]);
    expect(regions).toEqual(['us-central1']);
  });

  it('moves traffic to the next region when the primary fails, losing no call; stats and events show it', async () => {
    const { ai, fakes, served, pool, clock } = await startRegions({ breaker: { enabled: false } });
    const failovers: FailoverEvent[] = [];
    pool.on('failover', (event) => failovers.push(event));
    fakes[0]!.setFaults([{ kind: 'status', status: 503, times: Infinity }]);
    const results = [];
    for (let i = 0; i < 20; i++) results.push(await drive(clock, outcome(ask(ai, `load ${i}`))));
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && typeof r.code === 'string')).toBe(true);
    expect(results.filter((r) => r.ok).length).toBeGreaterThanOrEqual(18);
    const before = served();
    await ask(ai, 'after detection');
    expect(served()[0]).toBe(before[0]); // the unhealthy primary gets no first attempt any more
    expect(served()[1]).toBe(before[1]! + 1);
    expect(stats(pool).regions['us-central1']?.healthy).toBe(false);
    expect(failovers.some((e) => e.from === 'us-central1' && e.to === 'europe-west4')).toBe(true);
  });

  // Was a gap until core f2ec033/a8b5713: calls sent onto the closed server's HTTP/2 connections
  // hung until headersTimeoutMs (120 s, undici's real-time timer) instead of failing over.
  it('a region that goes away entirely (server closed) mid-load loses no call and fails over within the window', async () => {
    const { ai, fakes, served, clock } = await startRegions();
    await Promise.all(Array.from({ length: 10 }, (_, i) => ask(ai, `warm ${i}`)));
    await fakes[0]!.close();
    const calls = Array.from({ length: 30 }, (_, i) => outcome(ask(ai, `after ${i}`)));
    let ended = 0;
    for (const call of calls) void call.then(() => ended++);
    for (let moved = 0; moved < 30_000 && ended < calls.length; moved += 100) {
      await clock.advanceAsync(100);
      await new Promise<void>((resolve) => setTimeout(resolve, 1));
    }
    expect(ended).toBe(30);
    const after = await Promise.all(calls);
    expect(after.every((r) => r.ok || typeof r.code === 'string')).toBe(true);
    expect(served()[1]! + served()[2]!).toBeGreaterThanOrEqual(28);
  });

  async function failPrimaryThenRecover() {
    const rig = await startRegions({ breaker: { enabled: false } });
    rig.fakes[0]!.setFaults([{ kind: 'status', status: 503, times: Infinity }]);
    for (let i = 0; i < 10; i++) await drive(rig.clock, outcome(ask(rig.ai, `fail ${i}`)));
    rig.fakes[0]!.setFaults([]); // the primary is healthy again from here
    const onPrimary = rig.served()[0]!;
    await ask(rig.ai, 'still on secondary');
    expect(rig.served()[0]).toBe(onPrimary);
    return { ...rig, onPrimary };
  }

  it('fails back to the primary by the time it has been healthy again for two detection windows', async () => {
    const { ai, served, clock, onPrimary } = await failPrimaryThenRecover();
    await advance(clock, 61_000, 1_000);
    await ask(ai, 'back home');
    expect(served()[0]).toBe(onPrimary + 1);
  });

  // Was a gap (fail-back ~60 s after recovery, no probes): the pool now lets one call at a time
  // probe a region that has had no failure for a detection window; a successful probe fails back.
  it('fails back one detection window after the primary recovered', async () => {
    const { ai, served, clock, onPrimary } = await failPrimaryThenRecover();
    await advance(clock, 31_000, 1_000);
    await ask(ai, 'back home');
    expect(served()[0]).toBe(onPrimary + 1);
  });

  it('a per-day quota error in one region moves that model to the next region', async () => {
    const { ai, fakes, served } = await startRegions();
    fakes[0]!.setFaults([{ kind: 'status', status: 429, quota: 'per-day', times: Infinity }]);
    expect((await ask(ai, 'quota')).text).toBe('Echo: quota');
    expect(served()).toEqual([1, 1, 0]);
    await ask(ai, 'next');
    expect(served()).toEqual([1, 2, 0]);
  });

  it('an open breaker for the model in the primary moves its calls to the next region', async () => {
    const { ai, fakes, served, clock } = await startRegions({ retry: { enabled: false } });
    fakes[0]!.setFaults([{ kind: 'status', status: 503, times: Infinity }]);
    for (let i = 0; i < 12; i++) await drive(clock, outcome(ask(ai, `trip ${i}`)));
    const before = served();
    const result = await outcome(ask(ai, 'after trip'));
    expect(result.ok).toBe(true);
    expect(served()[0]).toBe(before[0]);
  });

  it('stats(pool).regions lists each region with its health', async () => {
    const { ai, pool } = await startRegions();
    await ask(ai);
    const regions = stats(pool).regions;
    expect(Object.keys(regions)).toEqual(REGIONS);
    expect(Object.values(regions).map((r) => [r.healthy, r.active])).toEqual([[true, true], [true, false], [true, false]]);
  });
});
