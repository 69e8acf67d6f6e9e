// The baselines from @gempool/testing the demo and the benchmarks compare against, on a real
// fake server: one connection per call (closed after the body), and Node's fetch trusting the CA
// only while the baseline is open.
import { connectionPerCallFetch, defaultFetch, startFakeGemini, type FakeGemini } from '@gempool/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hello baseline' }] }] });
const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body };

describe('baseline fetches', () => {
  let fake: FakeGemini;
  beforeAll(async () => {
    fake = await startFakeGemini();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('connectionPerCallFetch opens and closes one connection per call', async () => {
    fake.resetStats();
    const baseline = connectionPerCallFetch({ ca: fake.ca });
    const url = `${fake.origin}/v1beta/models/gemini-2.5-flash:generateContent`;
    const answers = await Promise.all([1, 2, 3].map(async () => (await baseline.fetch(url, init)).json()));
    expect(answers).toHaveLength(3);
    // A body the caller cancels releases its connection too.
    await (await baseline.fetch(url, init)).body!.cancel();
    expect(baseline.connectionsOpened).toBe(4);
    expect(fake.stats().connections.tlsHandshakes).toBe(4);
    await baseline.close();
    await expect.poll(() => fake.stats().connections.open).toBe(0);
  });

  it('defaultFetch trusts the CA while open and restores the default CA list on close', async () => {
    const url = `${fake.origin}/v1beta/models/gemini-2.5-flash:countTokens`;
    const baseline = defaultFetch({ ca: fake.ca });
    expect((await baseline.fetch(url, init)).status).toBe(200);
    await baseline.close();
    // A new connection (the certificate is also valid for `localhost`) must fail verification again.
    const failure = await fetch(url.replace('127.0.0.1', 'localhost'), init).then(() => undefined, (error: { cause?: { code?: string } }) => error);
    expect(failure?.cause?.code).toMatch(/CERT|SELF_SIGNED/);
  });

  it('rejects a bad ca with a ConfigError', () => {
    expect(() => connectionPerCallFetch({ ca: 42 as unknown as string })).toThrow(/Expected `ca`/);
  });
});
