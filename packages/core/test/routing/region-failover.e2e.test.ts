// Region failover end to end: three fake Gemini servers act as regions. Killing the primary
// mid-load moves traffic to the secondary within the detection window, with every call ending in
// a response or a typed error; bringing it back fails traffic back after it has been healthy for
// a detection window. A per-day quota in one region moves that model's calls to the next one.
import { afterEach, describe, expect, it } from 'vitest';
import { callOnce, drive, startRegions, vertexUrl, type Outcome, type RegionHarness } from './region-helpers.js';

let harness: RegionHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const sequential = async (h: RegionHarness, count: number, label: string): Promise<Outcome[]> => {
  const out: Outcome[] = [];
  for (let i = 0; i < count; i++) out.push(await drive(h.clock, callOnce(h.pool, vertexUrl('us-central1'), `${label} ${i}`)));
  return out;
};

describe('region failover', () => {
  it('sends calls to the primary, rewriting host and location', async () => {
    const h = (harness = await startRegions());
    // The SDK was pointed at europe-west4: the pool still prefers the primary.
    const outcome = await callOnce(h.pool, vertexUrl('europe-west4'), 'hello');
    expect(outcome).toEqual({ ok: true, status: 200 });
    expect(h.served('us-central1')).toBe(1);
    expect(h.served('europe-west4')).toBe(0);
    const regions = h.pool.stats().regions as Record<string, { healthy: boolean; active: boolean }>;
    expect(regions['us-central1']).toMatchObject({ healthy: true, active: true });
  });

  it('moves traffic off a killed primary with no call lost, then fails back', async () => {
    // Retries that fail over to a healthy region are not charged to the retry budget, so the
    // default budget (20 % of calls + 3/s) does not turn any of the 60 dropped calls into errors.
    const h = (harness = await startRegions({}, { latency: { fixedMs: 15 } }));
    const failovers = h.events('failover');
    const health = h.events('region-health');
    expect((await sequential(h, 5, 'warm')).every((outcome) => outcome.ok)).toBe(true);

    // 60 calls in flight; the primary dies under them.
    const load = Promise.all(Array.from({ length: 60 }, (_, i) => callOnce(h.pool, vertexUrl('us-central1'), `load ${i}`)));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const killedAt = h.clock.now();
    await h.kill('us-central1');
    const outcomes = await drive(h.clock, load);

    // Every call ended in a response or a typed error (callOnce throws on anything else) …
    expect(outcomes).toHaveLength(60);
    const failed = outcomes.filter((outcome) => !outcome.ok);
    // … and retries carried the calls the primary dropped to the secondary.
    expect(failed).toEqual([]);
    expect(h.served('europe-west4')).toBeGreaterThan(0);
    expect(h.served('asia-northeast1')).toBe(0);

    // New calls go straight to the secondary; the move happened within the 30 s detection window.
    const before = h.served('europe-west4');
    expect((await sequential(h, 10, 'after')).every((outcome) => outcome.ok)).toBe(true);
    expect(h.served('europe-west4')).toBe(before + 10);
    const away = failovers.find((event) => event.from === 'us-central1');
    expect(away?.to).toBe('europe-west4');
    expect(health.find((event) => event.region === 'us-central1' && !event.healthy)).toBeDefined();
    const regions = h.pool.stats().regions as Record<string, { healthy: boolean; active: boolean }>;
    expect(regions['us-central1']!.healthy).toBe(false);
    expect(regions['europe-west4']!.active).toBe(true);
    expect(h.clock.now() - killedAt).toBeLessThan(30_000);

    // The primary comes back; once it has looked healthy for a detection window, traffic returns.
    await h.revive('us-central1');
    await h.clock.advanceAsync(61_000);
    const back = await sequential(h, 10, 'back');
    expect(back.every((outcome) => outcome.ok)).toBe(true);
    expect(h.served('us-central1')).toBeGreaterThanOrEqual(5 + 9);
    expect(failovers.at(-1)).toMatchObject({ from: 'europe-west4', to: 'us-central1' });
    expect((h.pool.stats().regions as Record<string, { active: boolean }>)['us-central1']!.active).toBe(true);
  });

  it('moves a model off a region whose per-day quota is exhausted, and only that model', async () => {
    const h = (harness = await startRegions());
    h.fakes.get('us-central1')!.setFaults([{ model: 'gemini-2.5-pro', kind: 'status', status: 429, quota: 'per-day', times: Infinity }]);
    const failovers = h.events('failover');
    expect(await callOnce(h.pool, vertexUrl('us-central1', 'gemini-2.5-pro'), 'pro 1')).toEqual({ ok: true, status: 200 });
    expect(h.served('us-central1')).toBe(1); // the 429
    expect(h.served('europe-west4')).toBe(1); // the same call, moved at once (no backoff)
    expect(failovers[0]).toMatchObject({ from: 'us-central1', to: 'europe-west4', reason: 'quota-exhausted for gemini-2.5-pro' });

    // Next Pro call skips us-central1; Flash still uses it.
    expect(await callOnce(h.pool, vertexUrl('us-central1', 'gemini-2.5-pro'), 'pro 2')).toEqual({ ok: true, status: 200 });
    expect(await callOnce(h.pool, vertexUrl('us-central1'), 'flash')).toEqual({ ok: true, status: 200 });
    expect(h.served('us-central1')).toBe(2);
    expect(h.served('europe-west4')).toBe(2);
    const regions = h.pool.stats().regions as Record<string, { healthy: boolean; unhealthyModels: Record<string, string> }>;
    expect(regions['us-central1']).toMatchObject({ healthy: true, unhealthyModels: { 'gemini-2.5-pro': 'quota-exhausted' } });
  });

  it('ends in QUOTA_EXHAUSTED when every region is out of quota', async () => {
    const h = (harness = await startRegions());
    for (const fake of h.fakes.values()) fake.setFaults([{ kind: 'status', status: 429, quota: 'per-day', times: Infinity }]);
    expect(await callOnce(h.pool, vertexUrl('us-central1'), 'x')).toEqual({ ok: false, code: 'QUOTA_EXHAUSTED' });
  });

  it('does not region-route Google AI calls', async () => {
    const h = (harness = await startRegions());
    const origin = h.fakes.get('asia-northeast1')!.origin;
    const response = await h.pool.fetch(`${origin}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': 'k' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    await response.arrayBuffer();
    expect(response.status).toBe(200);
    expect(h.served('asia-northeast1')).toBe(1);
    expect(h.served('us-central1')).toBe(0);
  });
});
