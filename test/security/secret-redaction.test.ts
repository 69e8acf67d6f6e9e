// Security (issue 11, part 5): a scripted workload with recognisable credentials and prompt text,
// through the pool with telemetry attached (spans, metrics, NDJSON ledger) and every event
// observed. Neither the API key, the bearer token, a `?key=` query secret, the prompt nor the
// answer may appear in any event payload, error (message, stack, fields, cause chain), span,
// metric, ledger line, stats() or console output. With `recordContent: true` content may be
// recorded, credentials still never.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGeminiPool, runWithContext, type GeminiPool } from '@gempool/core';
import { instrumentGempool } from '@gempool/otel';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { closedPort } from '../helpers/closed-port.js';
import { captureTelemetry, errorText } from '../helpers/telemetry-capture.js';
import { MODEL, callModel, geminiClient, vertexClient } from '../helpers/sdk-clients.js';

const API_KEY = 'AIza-SECRET-KEY-7c1e90d2';
const BEARER = 'ya29.SECRET-BEARER-4b8f';
const QUERY_KEY = 'AIza-SECRET-QUERY-55aa';
const PROMPT = 'PROMPT-CANARY-e3d1 tell me the merger plan';
const ANSWER = 'ANSWER-CANARY-90fe';
const SECRETS = [API_KEY, BEARER, QUERY_KEY];
const CONTENT = ['PROMPT-CANARY-e3d1', ANSWER];

let fake: FakeGemini;
let dir: string;
let deadOrigin: string;

beforeAll(async () => {
  fake = await startFakeGemini({ responseText: () => ANSWER });
  dir = await mkdtemp(join(tmpdir(), 'gempool-security-'));
  deadOrigin = `https://127.0.0.1:${await closedPort()}`;
});

afterAll(async () => {
  await fake?.close();
  await rm(dir, { recursive: true, force: true });
});

function newPool(): GeminiPool {
  return createGeminiPool({
    origins: [fake.origin],
    tls: { ca: fake.ca! },
    minConnections: 0,
    maxConnections: 4,
    headersTimeoutMs: 300,
    retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2, quickBaseDelayMs: 1, quickMaxDelayMs: 2 },
  });
}

/** Runs the workload; returns the errors callers saw. Every call is made with the canary prompt. */
async function workload(pool: GeminiPool): Promise<unknown[]> {
  const errors: unknown[] = [];
  const ai = geminiClient(pool, fake.origin, API_KEY);
  const vertex = vertexClient(pool, fake.origin, { accessToken: BEARER });
  const attempt = async (faults: Parameters<FakeGemini['setFaults']>[0], call: () => Promise<unknown>) => {
    fake.setFaults(faults);
    await runWithContext({ tenant: 'tenant-a', deadlineMs: 5_000 }, call).catch((error: unknown) => errors.push(error));
  };
  const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: PROMPT }] }] });
  await attempt([], () => callModel(ai, 'unary', PROMPT));
  await attempt([], () => callModel(ai, 'stream', `${PROMPT} (stream)`));
  await attempt([{ kind: 'status', status: 429, retryDelay: '0.01s' }], () => callModel(ai, 'unary', `${PROMPT} (retried)`));
  await attempt([{ kind: 'status', status: 503, times: Infinity }], () => callModel(ai, 'unary', `${PROMPT} (503)`));
  await attempt([{ kind: 'status', status: 429, quota: 'per-day', times: Infinity }], () => callModel(ai, 'stream', `${PROMPT} (quota)`));
  await attempt([{ kind: 'reset-mid-body', times: Infinity }], () => callModel(ai, 'unary', `${PROMPT} (reset)`));
  await attempt([{ kind: 'hang', times: Infinity }], () => callModel(ai, 'unary', `${PROMPT} (hang)`));
  await attempt([], () => callModel(vertex, 'unary', `${PROMPT} (vertex)`));
  await attempt([{ kind: 'status', status: 500, times: Infinity }], () => callModel(vertex, 'stream', `${PROMPT} (vertex 500)`));
  await attempt([], () => Promise.all([callModel(ai, 'unary', `${PROMPT} (shared)`), callModel(ai, 'unary', `${PROMPT} (shared)`)]));
  // A key in the query string, as older clients send it, on a failing call and on an unreachable origin.
  await attempt([{ kind: 'status', status: 503, times: Infinity }], async () => {
    const response = await pool.fetch(`${fake.origin}/v1beta/models/${MODEL}:generateContent?key=${QUERY_KEY}`, { method: 'POST', body });
    await response.text();
  });
  await attempt([], () => pool.fetch(`${deadOrigin}/v1beta/models/${MODEL}:generateContent?key=${QUERY_KEY}`, { method: 'POST', body, headers: { 'x-goog-api-key': API_KEY } }));
  fake.setFaults([]);
  return errors;
}

describe('credentials and content never leak', () => {
  it('appear nowhere in events, errors, spans, metrics, ledger, stats or console output', async () => {
    const pool = newPool();
    const capture = captureTelemetry(pool);
    const ledgerPath = join(dir, 'ledger.ndjson');
    const instrumentation = instrumentGempool(pool, { meterProvider: capture.meterProvider, tracerProvider: capture.tracerProvider, ledger: { path: ledgerPath } });
    let errors: unknown[];
    let text: string;
    try {
      errors = await workload(pool);
      await instrumentation.shutdown();
      const ledger = await readFile(ledgerPath, 'utf8');
      text = [await capture.dump(), ledger, JSON.stringify(pool.stats()), ...errors.map(errorText)].join('\n');
      // The capture is not empty: every channel saw the workload.
      expect(errors.length).toBeGreaterThanOrEqual(6);
      expect(capture.spanCount()).toBeGreaterThanOrEqual(12);
      expect(ledger.trim().split('\n').length).toBeGreaterThanOrEqual(12);
      expect(capture.events.get('call-end')!.length).toBeGreaterThanOrEqual(12);
      expect(capture.events.get('retry-scheduled')!.length).toBeGreaterThan(0);
      expect(text).toContain('gen_ai.client.operation.duration');
      expect(text).toContain('tenant-a'); // call-level attributes were captured
    } finally {
      await capture.stop();
      await pool.close({ timeoutMs: 500 });
    }
    for (const secret of [...SECRETS, ...CONTENT]) expect(text, `found ${secret}`).not.toContain(secret);
    // Fragments too: a redactor that keeps the tail (`…7c1e90d2`) still leaks.
    for (const secret of SECRETS) expect(text).not.toContain(secret.slice(-8));
  });

  it('with recordContent: true, may record content but still never a credential', async () => {
    const pool = newPool();
    const capture = captureTelemetry(pool);
    const ledgerPath = join(dir, 'ledger-content.ndjson');
    const instrumentation = instrumentGempool(pool, {
      meterProvider: capture.meterProvider,
      tracerProvider: capture.tracerProvider,
      ledger: { path: ledgerPath },
      recordContent: true,
    });
    let text: string;
    try {
      const errors = await workload(pool);
      await instrumentation.shutdown();
      text = [await capture.dump(), await readFile(ledgerPath, 'utf8'), JSON.stringify(pool.stats()), ...errors.map(errorText)].join('\n');
      expect(capture.spanCount()).toBeGreaterThanOrEqual(12);
    } finally {
      await capture.stop();
      await pool.close({ timeoutMs: 500 });
    }
    for (const secret of SECRETS) expect(text, `found ${secret}`).not.toContain(secret);
  });
});
