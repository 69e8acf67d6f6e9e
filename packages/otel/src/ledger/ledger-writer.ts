// Buffers ledger records and hands them to a sink in batches, off the request path. `add()` only
// pushes to an array; a failing or slow sink can drop records (with a warning and the
// gempool.ledger.dropped counter) but never blocks or fails a call.
import { unrefTimer } from '@gempool/core';
import type { LedgerRecord } from './ledger-record.js';

export interface LedgerSink {
  /** Low-cardinality name used on the dropped-records counter (`ndjson`, `bigquery`). */
  readonly name: string;
  write(records: LedgerRecord[]): Promise<void>;
  close?(): Promise<void>;
}

export interface LedgerWriterOptions {
  sink: LedgerSink;
  /** Records per sink write. Default 100. */
  batchSize?: number;
  /** Longest a record waits before being written. Default 1 000 ms. */
  flushIntervalMs?: number;
  /** Records held while the sink is busy or failing; beyond this new records are dropped. Default 10 000. */
  maxBuffered?: number;
  onDropped(sink: string, count: number, reason: string): void;
}

export const LEDGER_DEFAULTS = Object.freeze({ batchSize: 100, flushIntervalMs: 1_000, maxBuffered: 10_000 });

export class LedgerWriter {
  readonly #sink: LedgerSink;
  readonly #batchSize: number;
  readonly #flushIntervalMs: number;
  readonly #maxBuffered: number;
  readonly #onDropped: LedgerWriterOptions['onDropped'];
  #buffer: LedgerRecord[] = [];
  #writing: Promise<void> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: LedgerWriterOptions) {
    this.#sink = options.sink;
    this.#batchSize = options.batchSize ?? LEDGER_DEFAULTS.batchSize;
    this.#flushIntervalMs = options.flushIntervalMs ?? LEDGER_DEFAULTS.flushIntervalMs;
    this.#maxBuffered = options.maxBuffered ?? LEDGER_DEFAULTS.maxBuffered;
    this.#onDropped = options.onDropped;
  }

  add(record: LedgerRecord): void {
    if (this.#closed) return;
    if (this.#buffer.length >= this.#maxBuffered) {
      this.#onDropped(this.#sink.name, 1, 'buffer full');
      return;
    }
    this.#buffer.push(record);
    if (this.#buffer.length >= this.#batchSize) this.#kick();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#kick();
      }, this.#flushIntervalMs);
      unrefTimer(this.#timer);
    }
  }

  /** Writes everything buffered so far; resolves when the sink has answered (never rejects). */
  async flush(): Promise<void> {
    while (this.#writing !== undefined || this.#buffer.length > 0) {
      this.#kick();
      await this.#writing;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
    await this.#sink.close?.().catch((error: unknown) => this.#onDropped(this.#sink.name, 0, describe(error)));
  }

  // One write in flight at a time, so a slow sink sees back-pressure as buffered records.
  #kick(): void {
    if (this.#writing !== undefined || this.#buffer.length === 0) return;
    const batch = this.#buffer.splice(0, this.#batchSize);
    this.#writing = this.#sink
      .write(batch)
      .catch((error: unknown) => this.#onDropped(this.#sink.name, batch.length, describe(error)))
      .finally(() => {
        this.#writing = undefined;
        if (this.#buffer.length >= this.#batchSize) this.#kick();
        else if (this.#buffer.length > 0 && this.#timer === undefined && !this.#closed) {
          this.#timer = setTimeout(() => {
            this.#timer = undefined;
            this.#kick();
          }, this.#flushIntervalMs);
          unrefTimer(this.#timer);
        }
      });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
