// Classifies how each soak call ended. A call is fine when it succeeded, failed with a typed
// GempoolError (anywhere in the cause chain: the SDK may wrap what our fetch threw), or got an
// HTTP error response from upstream (the SDK turns that into ApiError with a status). Anything
// else, or a call that never settles, is "lost".
import { isGempoolError } from '@gempool/core';

export interface Tally {
  started: number;
  succeeded: number;
  typed: Map<string, number>;
  httpStatus: Map<string, number>;
  lost: Map<string, number>;
  lostExamples: string[];
}

export const createTally = (): Tally => ({ started: 0, succeeded: 0, typed: new Map(), httpStatus: new Map(), lost: new Map(), lostExamples: [] });

const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

function typedCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (isGempoolError(current)) return current.code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function recordFailure(tally: Tally, error: unknown): void {
  const code = typedCode(error);
  if (code !== undefined) return void bump(tally.typed, code);
  const status = (error as { status?: unknown })?.status;
  if ((error as Error)?.name === 'ApiError' && typeof status === 'number') return void bump(tally.httpStatus, String(status));
  const name = `${(error as Error)?.name ?? typeof error}: ${String((error as Error)?.message ?? error).slice(0, 80)}`;
  bump(tally.lost, (error as Error)?.name ?? typeof error);
  if (tally.lostExamples.length < 5) tally.lostExamples.push(name);
}

export const sum = (map: Map<string, number>): number => [...map.values()].reduce((a, b) => a + b, 0);
export const asObject = (map: Map<string, number>): Record<string, number> => Object.fromEntries([...map].sort((a, b) => b[1] - a[1]));
