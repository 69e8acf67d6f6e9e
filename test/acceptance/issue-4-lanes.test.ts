// Issue 4, point 1 (lanes) and the per-call context, through the public API only. Slot limits use
// HTTP/1.1 over TLS (one call per connection) so "the pool is saturated" is exact.
import { afterEach, describe, expect, it } from 'vitest';
import { runWithContext, type CallInfo } from '@gempool/core';
import { closeAll, holdSlot, outcome, settle, startRig, until, advance , stats } from './qa-rig.js';

afterEach(closeAll);

const saturated = { maxConnections: 1, http2: false, leakTimeoutMs: 0 } as const;

describe('issue 4.1: lanes', () => {
  it('has the default lanes critical / standard / bulk and picks them by model', async () => {
    const rig = await startRig();
    const lanes: string[] = [];
    rig.pool.on('call-end', (call) => lanes.push(`${call.model}=${call.lane}`));
    expect(Object.keys(stats(rig.pool).lanes)).toEqual(expect.arrayContaining(['critical', 'standard', 'bulk']));
    for (const model of ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.0-flash-exp']) {
      await rig.ai.models.generateContent({ model, contents: `lane of ${model}` });
    }
    await settle();
    const admitted = Object.fromEntries(Object.entries(stats(rig.pool).lanes).map(([name, lane]) => [name, lane.admitted]));
    expect(admitted).toMatchObject({ critical: 1, standard: 1, bulk: 1 });
    expect(lanes).toEqual(['gemini-2.5-pro=critical', 'gemini-2.5-flash=standard', 'gemini-2.0-flash-exp=bulk']);
  });

  // GAP: a call's lane is the model's lane / `call-start` events carry `lane: 'standard'` for a Pro
  // or preview model (create-call.ts fills context.lane ?? 'standard' before the lane step runs).
  it('call-start already names the lane the model maps to', async () => {
    const rig = await startRig();
    const lanes: string[] = [];
    rig.pool.on('call-start', (call: CallInfo) => lanes.push(call.lane));
    await rig.ai.models.generateContent({ model: 'gemini-2.5-pro', contents: 'pro lane' });
    expect(lanes).toEqual(['critical']);
  });

  it('runWithContext({ lane }) applies to every call made inside fn', async () => {
    const rig = await startRig();
    const lanes: string[] = [];
    rig.pool.on('call-start', (call: CallInfo) => lanes.push(call.lane));
    await runWithContext({ lane: 'bulk', tenant: 't1' }, async () => {
      await rig.ai.models.generateContent({ model: 'gemini-2.5-pro', contents: 'one' });
      await rig.ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'two' });
    });
    expect(lanes).toEqual(['bulk', 'bulk']);
  });

  it('serves higher priority first when saturated; best effort never goes before a guaranteed lane', async () => {
    const rig = await startRig(saturated);
    const release = await holdSlot(rig.pool, rig.fake.origin);
    const order: string[] = [];
    const call = (model: string) => rig.ai.models.generateContent({ model, contents: `from ${model}` }).then(() => order.push(model));
    const calls = [call('gemini-2.0-flash-exp'), call('gemini-2.5-flash'), call('gemini-2.5-pro')];
    await until(() => stats(rig.pool).queued === 3);
    await release();
    await Promise.all(calls);
    expect(order).toEqual(['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.0-flash-exp']);
  });

  it('context priority overrides the lane priority for ordering', async () => {
    const rig = await startRig(saturated);
    const release = await holdSlot(rig.pool, rig.fake.origin);
    const order: string[] = [];
    const low = rig.ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'low' }).then(() => order.push('low'));
    const high = runWithContext({ priority: 1_000 }, () =>
      rig.ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'high' }).then(() => order.push('high')),
    );
    await until(() => stats(rig.pool).queued === 2);
    await release();
    await Promise.all([low, high]);
    expect(order).toEqual(['high', 'low']);
  });

  it('a lane under its reservedShare gets a freed slot before a higher-priority lane', async () => {
    const rig = await startRig({
      ...saturated,
      maxConnections: 2,
      lanes: { hi: { models: ['hi-*'], priority: 100, reservedShare: 0 }, lo: { models: ['lo-*'], priority: 10, reservedShare: 0.3 } },
    });
    const releases = [await holdSlot(rig.pool, rig.fake.origin, 'hi-model'), await holdSlot(rig.pool, rig.fake.origin, 'hi-model')];
    const order: string[] = [];
    const call = (model: string, i: number) => rig.ai.models.generateContent({ model, contents: `${model} ${i}` }).then(() => order.push(model));
    const calls = [call('hi-model', 1), call('hi-model', 2), call('lo-model', 1), call('lo-model', 2)];
    await until(() => stats(rig.pool).queued === 4);
    await releases[0]!();
    await until(() => order.length >= 1);
    expect(order[0]).toBe('lo-model');
    await releases[1]!();
    await Promise.all(calls);
  });

  it('a full lane queue fails with QUEUE_FULL (lane maxQueue)', async () => {
    const rig = await startRig({ ...saturated, lanes: { standard: { maxQueue: 1 } } });
    const release = await holdSlot(rig.pool, rig.fake.origin);
    const first = outcome(rig.ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'queued' }));
    await until(() => stats(rig.pool).queued === 1);
    const second = await outcome(rig.ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'over' }));
    expect(second.ok ? 'ok' : second.code).toBe('QUEUE_FULL');
    expect(stats(rig.pool).lanes.standard?.rejected.QUEUE_FULL).toBe(1);
    await release();
    expect((await first).ok).toBe(true);
  });

  it('a call waiting past its lane queueTimeoutMs fails with QUEUE_TIMEOUT', async () => {
    const rig = await startRig({ ...saturated, lanes: { bulk: { queueTimeoutMs: 2_000 } } });
    const release = await holdSlot(rig.pool, rig.fake.origin);
    const waiting = outcome(rig.ai.models.generateContent({ model: 'gemini-2.0-flash-exp', contents: 'waits' }));
    await until(() => stats(rig.pool).queued === 1);
    await advance(rig.clock, 2_100);
    const result = await waiting;
    expect(result.ok ? 'ok' : result.code).toBe('QUEUE_TIMEOUT');
    await release();
  });

  it('shows lane queue depth and wait time in stats(pool)', async () => {
    const rig = await startRig(saturated);
    const release = await holdSlot(rig.pool, rig.fake.origin);
    const calls = [1, 2].map((i) => rig.ai.models.generateContent({ model: 'gemini-2.5-flash', contents: `depth ${i}` }));
    await until(() => stats(rig.pool).queued === 2);
    expect(stats(rig.pool).lanes.standard?.queued).toBe(2);
    await rig.clock.advanceAsync(700);
    await release();
    await Promise.all(calls);
    await settle();
    const standard = stats(rig.pool).lanes.standard!;
    expect(standard.queued).toBe(0);
    expect(standard.waitP95Ms).toBeGreaterThanOrEqual(700);
  });
});
