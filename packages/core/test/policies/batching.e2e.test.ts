import { afterEach, describe, expect, it } from 'vitest';
import { isGempoolError, runWithContext } from '@gempool/core';
import { drive, startHarness, type PolicyHarness } from './e2e-helpers.js';

const texts = Array.from({ length: 20 }, (_, i) => `document number ${i}`);

describe('embedding batching through the real @google/genai SDK', () => {
  const harnesses: PolicyHarness[] = [];
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.close()));
  });

  const embedEach = (h: PolicyHarness) => {
    const ai = h.sdk();
    return texts.map((text) => ai.models.embedContent({ model: 'gemini-embedding-001', contents: text, config: { outputDimensionality: 8 } }));
  };
  const embedAll = (h: PolicyHarness) => Promise.all(embedEach(h));

  it('sends 20 concurrent embedContent calls as 1 batchEmbedContents and gives each caller its own answer', async () => {
    const batched = await startHarness({ batching: { windowMs: 10 } });
    const alone = await startHarness({ batching: false, coalesce: false });
    harnesses.push(batched, alone);
    const batchEvents = batched.events('batch');

    const together = await drive(batched.clock, embedAll(batched), 10);
    const separately = await embedAll(alone);

    expect(batched.fake.stats().requests.byModelMethod).toEqual({ 'gemini-embedding-001:batchEmbedContents': 1 });
    expect(alone.fake.stats().requests.total).toBe(20);
    expect(batchEvents).toEqual([{ model: 'gemini-embedding-001', size: 20 }]);
    expect(together.map((r) => r.embeddings)).toEqual(separately.map((r) => r.embeddings));
    expect(together[0]!.embeddings![0]!.values).toHaveLength(8);
  });

  it('splits at maxBatchSize and fans errors out to every caller of a batch', async () => {
    const h = await startHarness({ batching: { windowMs: 10, maxBatchSize: 8 }, retry: { enabled: false } });
    harnesses.push(h);
    h.fake.setFaults([{ method: 'batchEmbedContents', kind: 'status', status: 400, times: 1 }]);
    const settled = await drive(h.clock, Promise.allSettled(embedEach(h)), 10);
    expect(h.fake.stats().requests.total).toBe(3); // 8 + 8 + 4
    const failed = settled.filter((s) => s.status === 'rejected');
    expect(failed).toHaveLength(8);
    expect((failed[0] as PromiseRejectedResult).reason).toMatchObject({ status: 400 });
  });

  it('each caller of a batch ends at its own deadline, and one caller\'s abort does not fail the others', async () => {
    const h = await startHarness({ batching: { windowMs: 10 }, retry: { enabled: false } });
    harnesses.push(h);
    const ai = h.sdk();
    const embed = (text: string, context: Parameters<typeof runWithContext>[0]) =>
      runWithContext(context, () => ai.models.embedContent({ model: 'gemini-embedding-001', contents: text })).then(
        () => 'ok',
        (error: unknown) => (isGempoolError(error) ? error.code : isGempoolError((error as { cause?: unknown }).cause) ? (error as { cause: { code: string } }).cause.code : `untyped ${String(error)}`),
      );
    // The batch hangs upstream: the short deadline ends first, the long one later, nothing waits past its own.
    h.fake.setFaults([{ method: 'batchEmbedContents', kind: 'hang', times: 1 }]);
    const short = embed('short', { deadlineMs: 1_000 });
    const long = embed('long', { deadlineMs: 5_000 });
    let shortSettledAt: number | undefined;
    void short.then(() => (shortSettledAt = h.clock.now()));
    const started = h.clock.now();
    expect(await drive(h.clock, Promise.all([short, long]), 250)).toEqual(['DEADLINE_EXCEEDED', 'DEADLINE_EXCEEDED']);
    expect(shortSettledAt! - started).toBeLessThanOrEqual(1_250);
    expect(h.fake.stats().requests.total).toBe(1);

    // The first caller (the batch's carrier) aborts: the other caller sends on its own and gets its answer.
    h.fake.setFaults([{ method: 'batchEmbedContents', kind: 'hang', times: 1 }]);
    const controller = new AbortController();
    const aborted = runWithContext({}, () => ai.models.embedContent({ model: 'gemini-embedding-001', contents: 'first', config: { abortSignal: controller.signal } })).then(
      () => 'ok',
      () => 'aborted',
    );
    const other = embed('second', { deadlineMs: 10_000 });
    await drive(h.clock, new Promise((resolve) => setTimeout(resolve, 30)), 10);
    controller.abort();
    expect(await drive(h.clock, Promise.all([aborted, other]), 50)).toEqual(['aborted', 'ok']);
  });
});
