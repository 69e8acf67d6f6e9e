// Security (issue 11, part 5): coalescing shares one upstream call between identical concurrent
// calls only when they carry the same credential and the same tenant. Counted on the fake server:
// different API keys, bearer tokens or tenants → one upstream request each; same key and tenant →
// one request for all.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGeminiPool, runWithContext, type GeminiPool } from '@gempool/core';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { callModel, geminiClient, vertexClient } from '../helpers/sdk-clients.js';

let fake: FakeGemini;
let pool: GeminiPool;

beforeAll(async () => {
  // Answers take 50 ms, so calls started together are in flight together.
  fake = await startFakeGemini({ latency: { fixedMs: 50 } });
  pool = createGeminiPool({ origins: [fake.origin], tls: { ca: fake.ca! }, minConnections: 0, maxConnections: 4, coalesce: { windowMs: 100 } });
});

afterAll(async () => {
  await pool?.close({ timeoutMs: 500 });
  await fake?.close();
});

// A new prompt per test: a success stays shareable for the coalescing window after it ends.
let PROMPT = '';
let test = 0;
beforeEach(() => {
  fake.resetStats();
  PROMPT = `the same prompt from everyone, test ${++test}`;
});

const ask = (apiKey: string, tenant?: string) =>
  runWithContext(tenant === undefined ? {} : { tenant }, () => callModel(geminiClient(pool, fake.origin, apiKey), 'unary', PROMPT));

describe('coalescing boundaries', () => {
  it('shares one upstream call between identical calls with the same key and tenant', async () => {
    const answers = await Promise.all([ask('key-A', 't1'), ask('key-A', 't1'), ask('key-A', 't1')]);
    expect(new Set(answers).size).toBe(1);
    expect(fake.stats().requests.total).toBe(1);
  });

  it('never shares across API keys', async () => {
    await Promise.all([ask('key-A'), ask('key-B'), ask('key-C')]);
    expect(fake.stats().requests.total).toBe(3);
  });

  it('never shares across tenants with the same key', async () => {
    await Promise.all([ask('key-A', 'tenant-1'), ask('key-A', 'tenant-2')]);
    expect(fake.stats().requests.total).toBe(2);
  });

  it('never shares between a tenant and a call without one', async () => {
    await Promise.all([ask('key-A', 'tenant-1'), ask('key-A')]);
    expect(fake.stats().requests.total).toBe(2);
  });

  it('never shares across Vertex AI bearer tokens', async () => {
    const call = (token: string) => callModel(vertexClient(pool, fake.origin, { accessToken: token }), 'unary', PROMPT);
    await Promise.all([call('ya29.token-one'), call('ya29.token-two'), call('ya29.token-one')]);
    // token-one twice shares; token-two is alone.
    expect(fake.stats().requests.total).toBe(2);
  });
});
