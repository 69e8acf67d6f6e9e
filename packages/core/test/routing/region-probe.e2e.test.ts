// Fail-back by probing: an unhealthy region gets no regular traffic, so once it has had no failure
// for one detection window the pool lets one call at a time through to it. A successful probe
// fails traffic back (one window after the region recovered, not two); a failed probe is retried
// elsewhere and the next probe waits another window. Three fake servers act as regions.
import { afterEach, describe, expect, it } from 'vitest';
import { runWithContext } from '@gempool/core';
import { callOnce, drive, startRegions, vertexUrl, type RegionHarness } from './region-helpers.js';

type RegionStat = { healthy: boolean; active: boolean; reason: string; calls: number };

let harness: RegionHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const WINDOW_MS = 30_000;
const regionsOf = (h: RegionHarness) => h.pool.stats().regions as Record<string, RegionStat>;
const call = (h: RegionHarness, text: string) => drive(h.clock, callOnce(h.pool, vertexUrl('us-central1'), text));

/** The primary answers 503 until it is marked unhealthy; returns the clock time of its last failure. */
async function failPrimary(h: RegionHarness): Promise<number> {
  h.fakes.get('us-central1')!.setFaults([{ kind: 'status', status: 503, times: Infinity }]);
  let lastFailureAt = 0;
  h.pool.on('attempt-end', (event) => {
    if (event.status === 503) lastFailureAt = h.clock.now();
  });
  for (let i = 0; i < 8 && regionsOf(h)['us-central1']!.healthy; i++) expect((await call(h, `fail ${i}`)).ok).toBe(true);
  expect(regionsOf(h)['us-central1']!.healthy).toBe(false);
  return lastFailureAt;
}

describe('region fail-back by probing', () => {
  it('fails back one detection window after the primary recovered, through one successful probe', async () => {
    const h = (harness = await startRegions());
    const failovers = h.events('failover');
    const health = h.events('region-health');
    const lastFailureAt = await failPrimary(h);
    h.fakes.get('us-central1')!.setFaults([]); // recovered from here

    // Within the window: still on the secondary, and stats say the primary is recovering.
    await h.clock.advanceAsync(lastFailureAt + WINDOW_MS - 1_000 - h.clock.now());
    const primaryBefore = h.served('us-central1');
    expect(await call(h, 'not yet')).toEqual({ ok: true, status: 200 });
    expect(h.served('us-central1')).toBe(primaryBefore);
    const waiting = regionsOf(h)['us-central1']!;
    expect(waiting.healthy).toBe(false);
    expect(waiting.reason).toMatch(/^recovering: no failure for \d+ ms, probing after 30000 ms$/);

    // One window after the last failure the next call probes the primary and fails traffic back.
    await h.clock.advanceAsync(1_000);
    expect(regionsOf(h)['us-central1']!.reason).toBe('recovering: next call probes');
    expect(await call(h, 'probe')).toEqual({ ok: true, status: 200 });
    expect(h.served('us-central1')).toBe(primaryBefore + 1);
    expect(regionsOf(h)['us-central1']).toMatchObject({ healthy: true, active: true, reason: 'ok' });
    expect(failovers.at(-1)).toMatchObject({ from: 'europe-west4', to: 'us-central1' });
    expect(health.at(-1)).toMatchObject({ region: 'us-central1', healthy: true });
    expect(health.at(-1)!.reason).toMatch(/^probe succeeded after \d+ ms without failures$/);

    expect(await call(h, 'home')).toEqual({ ok: true, status: 200 });
    expect(h.served('us-central1')).toBe(primaryBefore + 2);
  });

  it('probes a still-failing region with one call at a time and loses none of the calls', async () => {
    const h = (harness = await startRegions({ retry: { budgetMinPerSecond: 100 } }));
    const lastFailureAt = await failPrimary(h);
    await h.clock.advanceAsync(lastFailureAt + WINDOW_MS - h.clock.now());

    // Five calls at once: exactly one goes to the (still failing) primary, then moves on.
    const primaryBefore = h.served('us-central1');
    const outcomes = await drive(h.clock, Promise.all(Array.from({ length: 5 }, (_, i) => callOnce(h.pool, vertexUrl('us-central1'), `burst ${i}`))));
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(h.served('us-central1')).toBe(primaryBefore + 1);
    const after = regionsOf(h)['us-central1']!;
    expect(after.healthy).toBe(false);
    expect(after.reason).toMatch(/^recovering: no failure for \d+ ms/);

    // The failed probe restarts the wait: no call reaches the primary for another window.
    expect((await call(h, 'soon after')).ok).toBe(true);
    expect(h.served('us-central1')).toBe(primaryBefore + 1);
  });

  it('frees the probe of a call that ends before the region answers it', async () => {
    // gemini-2.5-pro gets a quota of one request a minute: a Pro call can be made to fail in the
    // quota step, after it was placed in the primary as its probe but before it was sent there.
    const h = (harness = await startRegions({ quotas: { 'gemini-2.5-pro': { rpm: 1 } } }));
    const lastFailureAt = await failPrimary(h);
    h.fakes.get('us-central1')!.setFaults([]);
    const pro = (text: string) => runWithContext({ deadlineMs: 1_000 }, () => callOnce(h.pool, vertexUrl('us-central1', 'gemini-2.5-pro'), text));
    await h.clock.advanceAsync(lastFailureAt + WINDOW_MS - 1_000 - h.clock.now());
    expect(await drive(h.clock, pro('takes the quota'))).toEqual({ ok: true, status: 200 }); // on the secondary
    await h.clock.advanceAsync(1_000);

    const primaryBefore = h.served('us-central1');
    const refused = await drive(h.clock, pro('probe without quota'));
    expect(refused.ok).toBe(false);
    expect(h.served('us-central1')).toBe(primaryBefore);
    // Its probe was given back: the next call probes at once and fails traffic back.
    expect(await call(h, 'next probe')).toEqual({ ok: true, status: 200 });
    expect(h.served('us-central1')).toBe(primaryBefore + 1);
    expect(regionsOf(h)['us-central1']!.healthy).toBe(true);
  });
});
