// Streams ledger records into a BigQuery table the user names (tabledata.insertAll through the
// official client). The table is expected to exist with LEDGER_BIGQUERY_SCHEMA; rows carry an
// insertId so BigQuery can de-duplicate the client's own retries.
import type { BigQuery, BigQueryOptions } from '@google-cloud/bigquery';
import type { LedgerSink } from './ledger-writer.js';
import type { LedgerRecord } from './ledger-record.js';

export interface BigQuerySinkOptions {
  dataset: string;
  table: string;
  /** A ready client; otherwise one is built from `clientOptions` (Application Default Credentials). */
  client?: BigQuery;
  clientOptions?: BigQueryOptions;
}

export function createBigQuerySink(options: BigQuerySinkOptions): LedgerSink {
  let table: Promise<ReturnType<ReturnType<BigQuery['dataset']>['table']>> | undefined;
  const target = () => {
    // Loaded on first use: most services never enable this sink.
    table ??= (async () => {
      const client = options.client ?? new (await import('@google-cloud/bigquery')).BigQuery(options.clientOptions);
      return client.dataset(options.dataset).table(options.table);
    })();
    return table;
  };
  return {
    name: 'bigquery',
    async write(records: LedgerRecord[]) {
      // partialRetries 0: a rejected row is dropped and counted, not retried forever.
      await (await target()).insert(records, { partialRetries: 0 });
    },
  };
}
