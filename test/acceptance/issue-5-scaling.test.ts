// Issue 5, points 2–4: API-version split, per-model pools and autoscaling, through the public API.
// The fake answers with the API version it was called on, so the split is read from the answers.
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, runWithContext, type AutoscaleEvent, type GeminiPoolOptions } from '@gempool/core';
import { advance, closeAll, holdSlot, startRig, until, type Rig , stats } from './qa-rig.js';

afterEach(closeAll);

const versionEcho = { responseText: (request: { apiVersion: string }) => request.apiVersion };
const version = (rig: Rig, tenant: string) =>
  runWithContext({ tenant }, () => rig.ai.models.generateContent({ model: 'gemini-2.5-flash', contents: `hi ${tenant}` })).then((r) => r.text);

async function tally(rig: Rig, tenants: string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < tenants.length; i += 250) {
    const answers = await Promise.all(tenants.slice(i, i + 250).map((tenant) => version(rig, tenant)));
    for (const answer of answers) counts[answer ?? '?'] = (counts[answer ?? '?'] ?? 0) + 1;
  }
  return counts;
}

describe('issue 5.2: API versions', () => {
  it('splits calls by percentage ({ v1: 90, v1beta: 10 }) within a few percent', async () => {
    const rig = await startRig({ apiVersions: { v1: 90, v1beta: 10 }, coalesce: false }, versionEcho);
    const n = 2_000; // 10 000 in the issue; the split is a hash of the tenant, 2 000 keeps the file fast
    const counts = await tally(rig, Array.from({ length: n }, (_, i) => `tenant-${i}`));
    expect(Math.abs((counts.v1 ?? 0) / n - 0.9)).toBeLessThan(0.03);
    expect((counts.v1 ?? 0) + (counts.v1beta ?? 0)).toBe(n);
  });

  it('keeps one tenant on one version', async () => {
    const rig = await startRig({ apiVersions: { v1: 50, v1beta: 50 }, coalesce: false }, versionEcho);
    for (const tenant of ['alice', 'bob', 'carol', 'dave']) {
      const seen = new Set(await Promise.all(Array.from({ length: 10 }, () => version(rig, tenant))));
      expect(seen.size).toBe(1);
    }
  });

  it('gives each version its own connection group', async () => {
    const rig = await startRig({ apiVersions: { v1: 50, v1beta: 50 }, coalesce: false }, versionEcho);
    await tally(rig, Array.from({ length: 40 }, (_, i) => `t${i}`));
    expect(Object.keys(stats(rig.pool).pools)).toEqual(expect.arrayContaining(['v1', 'v1beta']));
  });

  it('pool.setTrafficSplit changes the split for new calls; a bad split is a ConfigError', async () => {
    const rig = await startRig({ apiVersions: { v1: 90, v1beta: 10 }, coalesce: false }, versionEcho);
    rig.pool.setTrafficSplit({ v1: 0, v1beta: 100 });
    const counts = await tally(rig, Array.from({ length: 200 }, (_, i) => `t${i}`));
    expect(counts).toEqual({ v1beta: 200 });
    expect(() => rig.pool.setTrafficSplit({ v1: 70, v1beta: 10 })).toThrow(ConfigError);
    expect(() => rig.pool.setTrafficSplit({ v1: 50, v2: 50 })).toThrow(ConfigError);
  });
});

describe('issue 5.3: per-model pools', () => {
  const options: GeminiPoolOptions = { http2: false, leakTimeoutMs: 0, pools: { pro: { models: ['*-pro'], maxConnections: 1 } } };

  it("one model group's saturation does not starve another model; unmatched models use the default pool", async () => {
    const rig = await startRig(options);
    const release = await holdSlot(rig.pool, rig.fake.origin, 'gemini-2.5-pro');
    const pro = rig.ai.models.generateContent({ model: 'gemini-2.5-pro', contents: 'waits for its own pool' });
    await until(() => stats(rig.pool).pools.pro?.queued === 1);
    const flash = await rig.ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'not starved' });
    expect(flash.text).toBe('Echo: not starved');
    expect(stats(rig.pool).pools.pro).toMatchObject({ max: 1, queued: 1 });
    expect(stats(rig.pool).pools.default).toBeDefined();
    await release();
    expect((await pro).text).toBe('Echo: waits for its own pool');
  });

  it('a bad pools option is a ConfigError naming the field', async () => {
    await expect(startRig({ pools: { pro: { models: ['*-pro'], maxConnections: -1 } } })).rejects.toThrow(/pools\.pro\.maxConnections/);
  });
});

describe('issue 5.4: autoscaling', () => {
  const busy = (rig: Rig, n: number) => Promise.all(Array.from({ length: n }, () => holdSlot(rig.pool, rig.fake.origin)));
  const events = (rig: Rig) => {
    const seen: AutoscaleEvent[] = [];
    rig.pool.on('autoscale', (event) => seen.push(event));
    return seen;
  };
  const base = { http2: false, leakTimeoutMs: 0, idleTimeoutMs: 3_600_000 } as const;

  it('is on by default and shows in stats', async () => {
    const rig = await startRig();
    expect(stats(rig.pool).autoscale.enabled).toBe(true);
  });

  it('utilisation above 80 % for 60 s raises the maximum by 20 %, bounded by the ceiling', async () => {
    const rig = await startRig({ ...base, maxConnections: 5, autoscale: { ceiling: 6 } });
    const seen = events(rig);
    await busy(rig, 5);
    await advance(rig.clock, 61_000, 1_000);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ from: 5, to: 6, direction: 'up' });
    expect(stats(rig.pool).autoscale.pools.default).toMatchObject({ max: 6, scaledUp: 1 });
    await busy(rig, 1);
    await advance(rig.clock, 61_000, 1_000);
    expect(stats(rig.pool).autoscale.pools.default?.max).toBe(6);
  });

  it('utilisation below 30 % for 5 minutes lowers the maximum by 10 %', async () => {
    const rig = await startRig({ ...base, minConnections: 1, maxConnections: 10 });
    const seen = events(rig);
    await advance(rig.clock, 301_000, 1_000);
    expect(seen[0]).toMatchObject({ from: 10, to: 9, direction: 'down' });
    expect(stats(rig.pool).autoscale.pools.default).toMatchObject({ max: 9, scaledDown: 1 });
  });

  it('does not oscillate under a steady load', async () => {
    const rig = await startRig({ ...base, maxConnections: 10 });
    const seen = events(rig);
    await busy(rig, 9); // 90 %: one step up to 12 (75 %), then steady
    await advance(rig.clock, 15 * 60_000, 1_000);
    expect(seen.map((e) => `${e.direction}:${e.from}->${e.to}`)).toEqual(['up:10->12']);
  });
});
