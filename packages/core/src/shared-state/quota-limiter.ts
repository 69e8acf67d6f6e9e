// Fleet-wide quotas per model (options.quotas): before a call is sent it takes one request and its
// estimated tokens from the model's buckets, waiting in priority order when they are empty; after
// the call, settle() corrects the token bucket with what usageMetadata says was really used. A 429
// with RetryInfo pauses the model for the whole fleet. Models without a quota pass straight through.
import type { Clock } from '../clock.js';
import { DEFAULTS } from '../defaults.js';
import type { TypedEmitter } from '../events.js';
import { matchesModel } from '../gemini-url.js';
import { bucketLimits, type BucketLimits } from './bucket-limits.js';
import type { QuotaBackend } from './quota-backend.js';
import { QuotaWaitQueue } from './quota-wait-queue.js';
import type { ResolvedQuota } from './validate-shared-state-options.js';

export interface AcquireOptions {
  /** Higher is served first. Default 0. */
  priority?: number;
  /** Clock time to give up waiting (QUOTA_WAIT_TIMEOUT). Default: now + quotaLimiter.maxWaitMs. */
  deadline?: number;
  signal?: AbortSignal;
}

export interface QuotaTicket {
  /** Tokens taken before the call. */
  readonly estimatedTokens: number;
  /** Corrects the token bucket with the tokens really used (usageMetadata.totalTokenCount). Once only; undefined keeps the estimate. */
  settle(actualTokens: number | undefined): void;
}

export interface QuotaLimiter {
  /** The model has a quota (a call to it goes through acquire). */
  covers(model: string): boolean;
  acquire(model: string, estimatedTokens: number, options?: AcquireOptions): Promise<QuotaTicket>;
  /** After a 429 with RetryInfo: no call to `model` starts anywhere in the fleet for `durationMs`. */
  pause(model: string, durationMs: number): void;
  /** Callers waiting for quota, per model. */
  waiting(): Record<string, number>;
}

export interface QuotaLimiterOptions {
  quotas: Map<string, ResolvedQuota>;
  backend: QuotaBackend;
  clock: Clock;
  emitter: TypedEmitter;
  burstMs?: number;
  maxWaitMs?: number;
}

const FREE_TICKET: QuotaTicket = Object.freeze({ estimatedTokens: 0, settle: () => {} });

export function createQuotaLimiter(options: QuotaLimiterOptions): QuotaLimiter {
  const { backend, clock, emitter } = options;
  const burstMs = options.burstMs ?? DEFAULTS.quotaLimiter.burstMs;
  const maxWaitMs = options.maxWaitMs ?? DEFAULTS.quotaLimiter.maxWaitMs;
  // Per model: its limits (undefined when no quota names it) and its wait queue.
  const limitsByModel = new Map<string, BucketLimits | undefined>();
  const queues = new Map<string, QuotaWaitQueue>();
  const report = (source: string) => (error: unknown) =>
    emitter.emit('warning', { source: `quota:${source}`, message: error instanceof Error ? error.message : String(error) });

  const limitsFor = (model: string): BucketLimits | undefined => {
    if (limitsByModel.has(model)) return limitsByModel.get(model);
    let limits: BucketLimits | undefined;
    for (const [pattern, quota] of options.quotas) {
      if (matchesModel(model, pattern)) {
        limits = bucketLimits(quota, burstMs);
        break;
      }
    }
    limitsByModel.set(model, limits);
    return limits;
  };

  const queueFor = (model: string, limits: BucketLimits): QuotaWaitQueue => {
    let queue = queues.get(model);
    if (queue === undefined) {
      queue = new QuotaWaitQueue(
        model,
        (tokens) => backend.take(model, limits, tokens),
        (tokens) => void backend.adjust(model, limits, -1, -tokens).catch(report('refund')),
        clock,
        emitter,
        backend.ready?.bind(backend),
      );
      queues.set(model, queue);
    }
    return queue;
  };

  return {
    covers: (model) => limitsFor(normalize(model)) !== undefined,

    async acquire(rawModel, estimatedTokens, acquireOptions = {}) {
      const model = normalize(rawModel);
      const limits = limitsFor(model);
      if (limits === undefined) return FREE_TICKET;
      const tokens = Math.max(0, Math.ceil(estimatedTokens));
      await queueFor(model, limits).wait(tokens, {
        priority: acquireOptions.priority ?? 0,
        deadline: acquireOptions.deadline ?? clock.now() + maxWaitMs,
        signal: acquireOptions.signal,
      });
      let settled = false;
      return {
        estimatedTokens: tokens,
        settle(actualTokens) {
          if (settled) return;
          settled = true;
          if (actualTokens === undefined || limits.tokenCapacity === 0 || actualTokens === tokens) return;
          backend.adjust(model, limits, 0, actualTokens - tokens).catch(report('settle'));
        },
      };
    },

    pause(rawModel, durationMs) {
      const model = normalize(rawModel);
      if (limitsFor(model) === undefined || !(durationMs > 0)) return;
      backend.pause(model, durationMs).catch(report('pause'));
    },

    waiting() {
      const result: Record<string, number> = {};
      for (const [model, queue] of queues) if (queue.size > 0) result[model] = queue.size;
      return result;
    },
  };
}

function normalize(model: string): string {
  return model.startsWith('models/') ? model.slice(7) : model;
}
