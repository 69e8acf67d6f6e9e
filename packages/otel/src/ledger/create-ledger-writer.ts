// The `ledger` option → a LedgerWriter over the chosen sink, validated once.
import { ConfigError } from '@gempool/core';
import { createBigQuerySink, type BigQuerySinkOptions } from './bigquery-sink.js';
import { LedgerWriter, type LedgerSink } from './ledger-writer.js';
import { createNdjsonSink } from './ndjson-sink.js';

export const DEFAULT_LEDGER_PATH = './gempool-ledger.ndjson';

export interface LedgerOptions {
  /** NDJSON file (the default sink): default `./gempool-ledger.ndjson`. */
  path?: string;
  /** Stream into BigQuery instead of a file. */
  bigquery?: BigQuerySinkOptions;
  /** Any other destination. */
  sink?: LedgerSink;
  /** Records per write. Default 100 (BigQuery recommends ≤ 500 rows per insertAll). */
  batchSize?: number;
  /** Longest a record waits before being written. Default 1 000 ms. */
  flushIntervalMs?: number;
  /** Records held while the sink is slow or failing; beyond this they are dropped. Default 10 000. */
  maxBuffered?: number;
}

export function createLedgerWriter(
  options: LedgerOptions,
  onDropped: (sink: string, count: number, reason: string) => void,
): LedgerWriter {
  const chosen = [options.path, options.bigquery, options.sink].filter((value) => value !== undefined).length;
  if (chosen > 1) throw new ConfigError('ledger', 'at most one of `path`, `bigquery` or `sink`', options);
  for (const field of ['batchSize', 'flushIntervalMs', 'maxBuffered'] as const) {
    const value = options[field];
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw new ConfigError(`ledger.${field}`, 'an integer from 1 and up', value);
    }
  }
  if (options.path !== undefined && (typeof options.path !== 'string' || options.path === '')) {
    throw new ConfigError('ledger.path', 'a non-empty file path', options.path);
  }
  if (options.bigquery !== undefined) {
    for (const field of ['dataset', 'table'] as const) {
      if (typeof options.bigquery[field] !== 'string' || options.bigquery[field] === '') {
        throw new ConfigError(`ledger.bigquery.${field}`, 'a non-empty string', options.bigquery[field]);
      }
    }
  }
  if (options.sink !== undefined && (typeof options.sink.write !== 'function' || typeof options.sink.name !== 'string')) {
    throw new ConfigError('ledger.sink', 'a sink with `name` and `write(records)`', options.sink);
  }
  const sink =
    options.sink ?? (options.bigquery !== undefined ? createBigQuerySink(options.bigquery) : createNdjsonSink(options.path ?? DEFAULT_LEDGER_PATH));
  return new LedgerWriter({
    sink,
    batchSize: options.batchSize,
    flushIntervalMs: options.flushIntervalMs,
    maxBuffered: options.maxBuffered,
    onDropped,
  });
}
