import { describe, expect, it } from 'vitest';
import { parseDurationMs, parseGeminiStatus } from '../../src/policies/gemini-status.js';
import { classifyError, classifyStatus } from '../../src/policies/retry-classifier.js';
import { ConfigError, DeadlineExceededError, GempoolError } from '@gempool/core';

const quotaBody = (quotaId: string, retryDelay?: string) =>
  JSON.stringify({
    error: {
      code: 429,
      status: 'RESOURCE_EXHAUSTED',
      message: 'Quota exceeded',
      details: [
        ...(retryDelay === undefined ? [] : [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay }]),
        { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId }] },
      ],
    },
  });

describe('parseGeminiStatus', () => {
  it('reads code, status, RetryInfo delay and quota ids', () => {
    const status = parseGeminiStatus(quotaBody('GenerateRequestsPerMinutePerProjectPerModel', '45.8s'));
    expect(status).toEqual({
      code: 429,
      status: 'RESOURCE_EXHAUSTED',
      retryDelayMs: 45_800,
      quotaIds: ['GenerateRequestsPerMinutePerProjectPerModel'],
      perDayQuotaExhausted: false,
    });
  });

  it('detects a per-day quota from the quota id', () => {
    const status = parseGeminiStatus(new TextEncoder().encode(quotaBody('GenerateRequestsPerDayPerProjectPerModel-FreeTier')));
    expect(status.perDayQuotaExhausted).toBe(true);
    expect(status.retryDelayMs).toBeUndefined();
  });

  it('gives empty facts for bodies that are not a google.rpc.Status', () => {
    for (const body of [undefined, '', 'not json', '{"ok":true}', '[]', '{"error":"x"}']) {
      expect(parseGeminiStatus(body)).toMatchObject({ code: undefined, status: undefined, retryDelayMs: undefined, quotaIds: [], perDayQuotaExhausted: false });
    }
  });

  it('parses protobuf durations in string and object form', () => {
    expect(parseDurationMs('2s')).toBe(2000);
    expect(parseDurationMs('0.25s')).toBe(250);
    expect(parseDurationMs({ seconds: 3, nanos: 500_000_000 })).toBe(3500);
    expect(parseDurationMs('soon')).toBeUndefined();
  });
});

describe('retry classifier', () => {
  const noBody = parseGeminiStatus(undefined);

  it('backs off on 429 and 5xx, retries 504 quickly, never retries other 4xx', () => {
    expect(classifyStatus(429, noBody)).toMatchObject({ action: 'retry', reason: '429', pace: 'backoff' });
    expect(classifyStatus(503, noBody)).toMatchObject({ action: 'retry', reason: '5xx', pace: 'backoff' });
    expect(classifyStatus(500, noBody)).toMatchObject({ action: 'retry', reason: '5xx', pace: 'backoff' });
    expect(classifyStatus(504, noBody)).toMatchObject({ action: 'retry', reason: '504', pace: 'quick' });
    for (const status of [400, 401, 403, 404, 501]) expect(classifyStatus(status, noBody)).toEqual({ action: 'stop' });
  });

  it('uses the RetryInfo delay when asked to honour it', () => {
    const body = parseGeminiStatus(quotaBody('PerMinute', '7s'));
    expect(classifyStatus(429, body)).toEqual({ action: 'retry', reason: 'retry-info', pace: 'backoff', serverDelayMs: 7000 });
    expect(classifyStatus(429, body, false)).toMatchObject({ reason: '429', serverDelayMs: undefined });
  });

  it('fails fast on a per-day quota', () => {
    const body = parseGeminiStatus(quotaBody('GenerateRequestsPerDayPerProject', '30s'));
    expect(classifyStatus(429, body)).toEqual({ action: 'quota-exhausted', quotaIds: ['GenerateRequestsPerDayPerProject'] });
  });

  it('classifies network errors through the fetch cause chain', () => {
    const reset = new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
    expect(classifyError(reset)).toMatchObject({ action: 'retry', reason: 'reset', pace: 'quick' });
    expect(classifyError(Object.assign(new Error('session closed'), { code: 'ERR_HTTP2_GOAWAY_SESSION' }))).toMatchObject({ reason: 'goaway' });
    expect(classifyError(Object.assign(new Error('t'), { code: 'UND_ERR_HEADERS_TIMEOUT' }))).toMatchObject({ reason: 'timeout' });
    expect(classifyError(new GempoolError('CONNECTION_ERROR', 'connection lost'))).toMatchObject({ reason: 'reset' });
  });

  it('never retries aborts, deadlines, config errors or unknown errors', () => {
    expect(classifyError(new DOMException('aborted', 'AbortError'))).toEqual({ action: 'stop' });
    expect(classifyError(new DeadlineExceededError(100))).toEqual({ action: 'stop' });
    expect(classifyError(new ConfigError('x', 'y', 1))).toEqual({ action: 'stop' });
    expect(classifyError(new Error('bug'))).toEqual({ action: 'stop' });
  });
});
