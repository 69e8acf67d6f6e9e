// Fleet-wide buckets in Redis: one atomic Lua take per call (both buckets and the 429 pause in
// one round trip). Keys use a {model} hash tag so a model's keys share a cluster slot.
import type { Redis } from 'ioredis';
import type { BucketLimits, TakeResult } from './bucket-limits.js';
import type { QuotaBackend } from './quota-backend.js';
import { ADJUST_SCRIPT, PAUSE_SCRIPT, TAKE_SCRIPT } from './redis-quota-script.js';

interface QuotaCommands {
  gempoolQuotaTake(bucket: string, pause: string, ...args: Array<number | string>): Promise<[number, number, number]>;
  gempoolQuotaAdjust(bucket: string, pause: string, ...args: Array<number | string>): Promise<number>;
  gempoolQuotaPause(pause: string, durationMs: number): Promise<number>;
}

export class RedisQuotaBackend implements QuotaBackend {
  readonly #redis: Redis & QuotaCommands;
  readonly #keyPrefix: string;

  constructor(redis: Redis, keyPrefix: string) {
    redis.defineCommand('gempoolQuotaTake', { numberOfKeys: 2, lua: TAKE_SCRIPT });
    redis.defineCommand('gempoolQuotaAdjust', { numberOfKeys: 2, lua: ADJUST_SCRIPT });
    redis.defineCommand('gempoolQuotaPause', { numberOfKeys: 1, lua: PAUSE_SCRIPT });
    this.#redis = redis as Redis & QuotaCommands;
    this.#keyPrefix = keyPrefix;
  }

  async take(model: string, limits: BucketLimits, tokens: number): Promise<TakeResult> {
    const [granted, waitMs, paused] = await this.#redis.gempoolQuotaTake(this.#bucketKey(model), this.#pauseKey(model), ...limitArgs(limits), tokens);
    return { granted: granted === 1, waitMs, paused: paused === 1 };
  }

  async adjust(model: string, limits: BucketLimits, requestDelta: number, tokenDelta: number): Promise<void> {
    await this.#redis.gempoolQuotaAdjust(this.#bucketKey(model), this.#pauseKey(model), ...limitArgs(limits), requestDelta, tokenDelta);
  }

  async pause(model: string, durationMs: number): Promise<void> {
    await this.#redis.gempoolQuotaPause(this.#pauseKey(model), Math.max(1, Math.ceil(durationMs)));
  }

  #bucketKey(model: string): string {
    return `${this.#keyPrefix}quota:{${model}}:bucket`;
  }

  #pauseKey(model: string): string {
    return `${this.#keyPrefix}quota:{${model}}:pause`;
  }
}

function limitArgs(limits: BucketLimits): number[] {
  return [limits.requestsPerMs, limits.requestCapacity, limits.tokensPerMs, limits.tokenCapacity];
}
