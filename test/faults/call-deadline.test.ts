// A hung or stalled upstream against the caller's time budget, with a headers/body timeout far
// past it: the SDK's own timeout (an AbortSignal) ends the call with ABORTED, the context deadline
// (`runWithContext({ deadlineMs })`) with DEADLINE_EXCEEDED, an attempt in flight included, and
// either way the connection slot comes back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGeminiPool, runWithContext, type GeminiPool } from '@gempool/core';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { settle } from '../helpers/call-outcome.js';
import { expectPoolIdle, watchUnhandledRejections } from '../helpers/pool-checks.js';
import { CALL_MODES, MODEL, callModel, geminiClient } from '../helpers/sdk-clients.js';

const rejections = watchUnhandledRejections();
let fake: FakeGemini;
let pool: GeminiPool;

beforeAll(async () => {
  fake = await startFakeGemini({ faults: [{ kind: 'hang', times: Infinity }] });
  // Timeouts far past the budgets below: only the budget can end these calls in time.
  pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, minConnections: 0, maxConnections: 4, headersTimeoutMs: 20_000, bodyTimeoutMs: 20_000, coalesce: false });
});

afterAll(async () => {
  await pool?.close({ timeoutMs: 500 });
  await fake?.close();
  rejections.stop();
  expect(rejections.reasons).toEqual([]);
});

describe('a hung upstream and the caller budget', () => {
  it.each(CALL_MODES)('%s: the SDK timeout aborts the call with a typed ABORTED and frees the slot', async (mode) => {
    fake.setFaults([{ kind: 'hang', times: Infinity }]);
    const ai = geminiClient(pool, fake.origin);
    const call =
      mode === 'unary'
        ? ai.models.generateContent({ model: MODEL, contents: 'hang', config: { httpOptions: { timeout: 150 } } })
        : (async () => {
            for await (const chunk of await ai.models.generateContentStream({ model: MODEL, contents: 'hang', config: { httpOptions: { timeout: 150 } } })) void chunk;
          })();
    const { outcome } = await settle(call, 3_000);
    expect(outcome).toBe('ABORTED');
    expectPoolIdle(pool);
  });

  it.each(CALL_MODES.flatMap((mode) => [
    { mode, fault: 'hang' as const },
    { mode, fault: 'stall-body' as const },
  ]))('$mode, $fault: the context deadline ends the attempt in flight with DEADLINE_EXCEEDED', async ({ mode, fault }) => {
    fake.setFaults([{ kind: fault, times: Infinity }]);
    const call = runWithContext({ deadlineMs: 150 }, () => callModel(geminiClient(pool, fake.origin), mode, fault));
    // Two seconds past the deadline is a hang by any measure; the attempt timeouts are 20 s.
    const { outcome } = await settle(call, 2_000);
    expect(outcome).toBe('DEADLINE_EXCEEDED');
    expectPoolIdle(pool);
  });
});
