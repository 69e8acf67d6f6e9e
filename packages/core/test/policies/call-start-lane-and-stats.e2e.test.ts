// call-start names the lane the call runs in (the lane step's own resolver), and pool.stats()
// policy sections are typed: no casts below.
import { afterEach, describe, expect, it } from 'vitest';
import { runWithContext } from '@gempool/core';
import { startHarness, type PolicyHarness } from './e2e-helpers.js';

let h: PolicyHarness;
afterEach(() => h.close());

describe('call-start lane', () => {
  it('names the model lane (Pro → critical, preview → bulk) and the context lane when one is given', async () => {
    h = await startHarness();
    const [starts, ends] = [h.events('call-start'), h.events('call-end')];
    const ai = h.sdk();
    for (const model of ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.0-flash-exp']) await ai.models.generateContent({ model, contents: `lane of ${model}` });
    await runWithContext({ lane: 'bulk' }, () => ai.models.generateContent({ model: 'gemini-2.5-pro', contents: 'bulk by context' }));
    const lanes = (events: Array<{ model: string; lane: string }>) => events.map((event) => `${event.model}=${event.lane}`);
    expect(lanes(starts)).toEqual(['gemini-2.5-pro=critical', 'gemini-2.5-flash=standard', 'gemini-2.0-flash-exp=bulk', 'gemini-2.5-pro=bulk']);
    expect(lanes(ends)).toEqual(lanes(starts));
  });
});

describe('typed stats sections', () => {
  it('lanes, breakers and coalesce are typed fields of PoolStats', async () => {
    h = await startHarness();
    const ai = h.sdk();
    await Promise.all([1, 2, 3].map(() => ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'typed stats' })));
    const stats = h.pool.stats();
    expect(stats.coalesce?.shared).toBe(2);
    expect(stats.coalesce?.leaders).toBe(1);
    expect(stats.lanes?.standard?.admitted).toBe(1);
    expect(stats.breakers?.map((breaker) => breaker.state)).toEqual(['closed']);
    expect(stats.regions).toBeUndefined();
    expect(stats.sharedState?.connected ?? false).toBe(false);
  });
});
