// Counts events over a rolling time window in fixed buckets, read lazily from the injected clock:
// no interval timer runs, so an idle pool costs nothing and tests drive it with a manual clock.
import type { Clock } from '../clock.js';

export class RollingCounter<Field extends string> {
  readonly #clock: Clock;
  readonly #bucketMs: number;
  readonly #fields: readonly Field[];
  /** Ring of buckets; each holds one count per field. */
  readonly #buckets: Array<Record<Field, number>>;
  /** Index of the bucket number (time / bucketMs) currently at #head. */
  #headBucket: number;
  #head = 0;

  constructor(clock: Clock, windowMs: number, fields: readonly Field[], bucketCount = 10) {
    this.#clock = clock;
    this.#fields = fields;
    this.#bucketMs = Math.max(1, windowMs / bucketCount);
    this.#buckets = Array.from({ length: bucketCount }, () => this.#emptyBucket());
    this.#headBucket = Math.floor(clock.now() / this.#bucketMs);
  }

  add(field: Field, amount = 1): void {
    this.#rotate();
    this.#buckets[this.#head]![field] += amount;
  }

  /** Sum of `field` over the window. */
  sum(field: Field): number {
    this.#rotate();
    let total = 0;
    for (const bucket of this.#buckets) total += bucket[field];
    return total;
  }

  reset(): void {
    for (let i = 0; i < this.#buckets.length; i++) this.#buckets[i] = this.#emptyBucket();
  }

  #rotate(): void {
    const current = Math.floor(this.#clock.now() / this.#bucketMs);
    const steps = Math.min(current - this.#headBucket, this.#buckets.length);
    for (let i = 0; i < steps; i++) {
      this.#head = (this.#head + 1) % this.#buckets.length;
      this.#buckets[this.#head] = this.#emptyBucket();
    }
    if (current > this.#headBucket) this.#headBucket = current;
  }

  #emptyBucket(): Record<Field, number> {
    const bucket = {} as Record<Field, number>;
    for (const field of this.#fields) bucket[field] = 0;
    return bucket;
  }
}
