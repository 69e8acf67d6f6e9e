import { describe, expect, it } from 'vitest';
import { createManualClock } from '@gempool/testing';

describe('ManualClock.drive', () => {
  it('moves time until a clock-timed promise settles, and returns its value', async () => {
    const clock = createManualClock();
    const waited = new Promise<string>((resolve) => clock.setTimeout(() => resolve('done'), 5_000));
    await expect(clock.drive(waited, { stepMs: 1_000 })).resolves.toBe('done');
    expect(clock.now()).toBe(5_000);
  });

  it('passes a rejection through and stops after maxSteps when nothing settles', async () => {
    const clock = createManualClock();
    const failing = new Promise((_, reject) => clock.setTimeout(() => reject(new Error('late')), 200));
    await expect(clock.drive(failing, { stepMs: 100 })).rejects.toThrow('late');
    const never = new Promise(() => {});
    const race = await Promise.race([clock.drive(never, { stepMs: 10, maxSteps: 3 }).then(() => 'settled'), new Promise((r) => setTimeout(() => r('still pending'), 200))]);
    expect(race).toBe('still pending');
    expect(clock.now()).toBe(200 + 30);
  });
});
