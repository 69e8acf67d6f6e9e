// A pool stand-in driven by hand: a real core TypedEmitter plus a stats() snapshot the test sets.
// It emits exactly what createGeminiPool emits for a scenario, so tests can assert exact counts.
import { TypedEmitter, type CallEndEvent, type CallInfo, type RetryReason, type TokenUsage } from '@gempool/core';
import type { InstrumentablePool, PoolStatsLike } from '../../src/instrumentable-pool.js';

export const ORIGIN = 'https://generativelanguage.googleapis.com';

export class ScriptedPool extends TypedEmitter implements InstrumentablePool {
  snapshot: PoolStatsLike = {};
  usageTracked = false;
  #nextCallId = 1;

  stats(): PoolStatsLike {
    return this.snapshot;
  }

  trackUsage(): void {
    this.usageTracked = true;
  }

  start(model: string, extra: Partial<CallInfo> = {}): CallInfo {
    const info: CallInfo = {
      callId: this.#nextCallId++,
      operation: 'generate_content',
      method: 'generateContent',
      model,
      apiVersion: 'v1beta',
      provider: 'gcp.gemini',
      origin: ORIGIN,
      lane: 'standard',
      tenant: undefined,
      streaming: false,
      startTime: 0,
      ...extra,
    };
    this.emit('call-start', info);
    return info;
  }

  attempt(info: CallInfo, attempt: number, status: number | undefined, errorCode?: string): void {
    const base = { callId: info.callId, attempt, origin: info.origin, region: undefined, model: info.model, time: 0 };
    this.emit('attempt-start', base);
    this.emit('attempt-end', { ...base, status, errorCode, durationMs: 20 });
  }

  end(info: CallInfo, facts: Partial<CallEndEvent> & { usage?: TokenUsage; retryReasons?: RetryReason[] } = {}): void {
    const status = facts.status ?? 200;
    const failed = status >= 400 || facts.errorCode !== undefined;
    this.emit('call-end', {
      ...info,
      outcome: failed ? 'error' : 'success',
      status,
      errorCode: undefined,
      errorType: failed ? (facts.errorCode ?? String(status)) : undefined,
      durationMs: 120,
      attempts: 1,
      retryReasons: [],
      usage: undefined,
      finishReasons: undefined,
      coalesced: false,
      region: undefined,
      servedModel: info.model,
      ...facts,
    });
  }
}

export const usage = (inputTokens: number, outputTokens: number, cachedTokens = 0): TokenUsage => ({
  inputTokens,
  outputTokens,
  cachedTokens,
  totalTokens: inputTokens + outputTokens,
});
