// Issue 4, point 2 (circuit breakers) through the real @google/genai SDK and the TLS/HTTP/2 fake.
// Retries are off where a test counts breaker verdicts, so one call is one attempt.
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, drive, outcome, startRig, until, upstream, type Rig , stats } from './qa-rig.js';

afterEach(closeAll);

const noRetry = { retry: { enabled: false } } as const;

async function callMany(rig: Rig, model: string, n: number) {
  const results = [];
  for (let i = 0; i < n; i++) results.push(await outcome(rig.ai.models.generateContent({ model, contents: `call ${i}` })));
  return results;
}

function breakerOf(rig: Rig, model: string) {
  return stats(rig.pool).breakers.find((b: { endpoint: string }) => b.endpoint.startsWith(`${model}|`));
}

describe('issue 4.2: circuit breakers', () => {
  it('trips on > 50 % errors with a minimum volume, then fails fast with BREAKER_OPEN', async () => {
    const rig = await startRig(noRetry, { faults: [{ kind: 'status', status: 503, model: 'gemini-2.5-flash', times: Infinity }] });
    const early = await callMany(rig, 'gemini-2.5-flash', 5);
    expect(early.every((r) => !r.ok && r.code !== 'BREAKER_OPEN')).toBe(true); // below minimum volume
    await callMany(rig, 'gemini-2.5-flash', 5);
    const before = upstream(rig.fake, 'gemini-2.5-flash');
    const [rejected] = await callMany(rig, 'gemini-2.5-flash', 1);
    expect(rejected!.ok ? 'ok' : rejected!.code).toBe('BREAKER_OPEN');
    expect(upstream(rig.fake, 'gemini-2.5-flash')).toBe(before);
    expect(breakerOf(rig, 'gemini-2.5-flash')?.state).toBe('open');
  });

  it('keeps one breaker per endpoint: another model is unaffected', async () => {
    const rig = await startRig(noRetry, { faults: [{ kind: 'status', status: 503, model: 'gemini-2.5-flash', times: Infinity }] });
    await callMany(rig, 'gemini-2.5-flash', 12);
    const other = await callMany(rig, 'gemini-2.5-flash-lite', 1);
    expect(other[0]!.ok).toBe(true);
    expect(breakerOf(rig, 'gemini-2.5-flash-lite')?.state).toBe('closed');
  });

  it('does not count 4xx other than 429 as failures, and does count 429', async () => {
    const rig = await startRig(noRetry, {
      faults: [
        { kind: 'status', status: 400, model: 'gemini-2.5-flash', times: Infinity },
        { kind: 'status', status: 429, model: 'gemini-2.0-flash', times: Infinity },
      ],
    });
    await callMany(rig, 'gemini-2.5-flash', 15);
    expect(breakerOf(rig, 'gemini-2.5-flash')?.state).toBe('closed');
    await callMany(rig, 'gemini-2.0-flash', 12);
    expect(breakerOf(rig, 'gemini-2.0-flash')?.state).toBe('open');
  });

  it('trips on p99 latency > 5 s over the window for slow but successful responses', async () => {
    const rig = await startRig(noRetry, { faults: [{ kind: 'latency', addMs: 30, model: 'gemini-2.5-flash', times: Infinity }] });
    const calls = Array.from({ length: 12 }, (_, i) => outcome(rig.ai.models.generateContent({ model: 'gemini-2.5-flash', contents: `slow ${i}` })));
    await until(() => rig.fake.stats().inFlight === 12);
    rig.clock.advance(6_000); // every call is now 6 s old on the pool's clock
    const results = await Promise.all(calls);
    expect(results.every((r) => r.ok)).toBe(true);
    const [next] = await callMany(rig, 'gemini-2.5-flash', 1);
    expect(next!.ok ? 'ok' : next!.code).toBe('BREAKER_OPEN');
  });

  it('goes half-open after 30 s with a limited number of probes and closes on success', async () => {
    const rig = await startRig(noRetry, { faults: [{ kind: 'status', status: 503, model: 'gemini-2.5-flash', times: 10 }] });
    await callMany(rig, 'gemini-2.5-flash', 10);
    expect(breakerOf(rig, 'gemini-2.5-flash')?.state).toBe('open');
    rig.clock.advance(29_000);
    expect((await callMany(rig, 'gemini-2.5-flash', 1))[0]!.ok).toBe(false); // still open at 29 s
    rig.clock.advance(1_500);
    rig.fake.setFaults([{ kind: 'latency', addMs: 40, model: 'gemini-2.5-flash', times: Infinity }]);
    const sent = upstream(rig.fake, 'gemini-2.5-flash');
    const probes = await Promise.all(Array.from({ length: 6 }, (_, i) => outcome(rig.ai.models.generateContent({ model: 'gemini-2.5-flash', contents: `probe ${i}` }))));
    expect(upstream(rig.fake, 'gemini-2.5-flash') - sent).toBeLessThanOrEqual(3); // halfOpenProbes default 3
    expect(probes.filter((p) => !p.ok).every((p) => !p.ok && p.code === 'BREAKER_OPEN')).toBe(true);
    expect(breakerOf(rig, 'gemini-2.5-flash')?.state).toBe('closed');
    expect((await callMany(rig, 'gemini-2.5-flash', 1))[0]!.ok).toBe(true);
  });

  it('falls back to tiers.ultra.fallbackModel while the ultra breaker is open', async () => {
    const rig = await startRig(
      { ...noRetry, tiers: { ultra: { fallbackModel: 'gemini-2.5-pro' } } },
      { faults: [{ kind: 'status', status: 503, model: 'gemini-3-ultra', times: Infinity }] },
    );
    await callMany(rig, 'gemini-3-ultra', 10);
    expect(breakerOf(rig, 'gemini-3-ultra')?.state).toBe('open');
    const pro = upstream(rig.fake, 'gemini-2.5-pro');
    const response = await rig.ai.models.generateContent({ model: 'gemini-3-ultra', contents: 'served by pro' });
    expect(response.text).toBe('Echo: served by pro');
    expect(upstream(rig.fake, 'gemini-2.5-pro')).toBe(pro + 1);
  });

  it('gives the top tier tighter thresholds (trips after fewer calls) and fewer retries by default', async () => {
    const rig = await startRig({}, {
      faults: [
        { kind: 'status', status: 503, model: 'gemini-3-ultra', times: Infinity },
        { kind: 'status', status: 503, model: 'gemini-2.5-flash', times: Infinity },
      ],
    });
    const ultra = await drive(rig.clock, outcome(rig.ai.models.generateContent({ model: 'gemini-3-ultra', contents: 'u' })));
    const flash = await drive(rig.clock, outcome(rig.ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'f' })));
    expect(ultra.ok || flash.ok).toBe(false);
    expect(upstream(rig.fake, 'gemini-3-ultra')).toBeLessThan(upstream(rig.fake, 'gemini-2.5-flash'));
    // 6 failed attempts: enough for the ultra tier (min 5 calls), not for the default (min 10)
    for (let i = 0; i < 3; i++) await drive(rig.clock, outcome(rig.ai.models.generateContent({ model: 'gemini-3-ultra', contents: `u${i}` })));
    expect(breakerOf(rig, 'gemini-3-ultra')?.state).toBe('open');
  });

  it('lists each breaker state in stats(pool).breakers', async () => {
    const rig = await startRig(noRetry);
    await rig.ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hello' });
    expect(breakerOf(rig, 'gemini-2.5-flash')).toMatchObject({ state: 'closed' });
  });
});
