// A gc() handle without needing `--expose-gc` on the command line (npm scripts run plain `node`).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect = (globalThis as { gc?: () => void }).gc;
if (collect === undefined) {
  setFlagsFromString('--expose-gc');
  collect = runInNewContext('gc') as () => void;
}

/** Full collection (twice, so finalizers' garbage goes too), then heapUsed in bytes. */
export function settledHeap(): number {
  collect!();
  collect!();
  return process.memoryUsage().heapUsed;
}

export const fullGc = (): void => collect!();
