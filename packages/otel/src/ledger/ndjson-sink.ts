// The default ledger sink: one JSON object per line, appended to a local file (mount a volume or
// ship it with your log agent). The file is opened lazily and kept open.
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LedgerSink } from './ledger-writer.js';
import type { LedgerRecord } from './ledger-record.js';

export function createNdjsonSink(path: string): LedgerSink {
  let handle: Promise<FileHandle> | undefined;
  const file = () => {
    handle ??= mkdir(dirname(path), { recursive: true }).then(() => open(path, 'a'));
    return handle;
  };
  return {
    name: 'ndjson',
    async write(records: LedgerRecord[]) {
      const text = records.map((record) => JSON.stringify(record)).join('\n') + '\n';
      await (await file()).appendFile(text, 'utf8');
    },
    async close() {
      if (handle !== undefined) await (await handle).close();
      handle = undefined;
    },
  };
}
