// How a test sees the end of one SDK call: 'success', a gempool error code, or `http-<status>` when
// the SDK turned an upstream response into its own ApiError. Anything else is `untyped:<name>`,
// which the fault and fuzz tests reject: "every call ends in a response or a typed error".
import { ApiError } from '@google/genai';
import { GempoolError, gempoolErrorCode, isGempoolError } from '@gempool/core';

export type CallOutcome = 'success' | `http-${number}` | `untyped:${string}` | GempoolError['code'];

/** The GempoolError thrown or found in the `cause` chain (the SDK may wrap what the fetch threw). */
export function findGempoolError(error: unknown): GempoolError | undefined {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    if (isGempoolError(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function outcomeOf(error: unknown): CallOutcome {
  if (error === undefined) return 'success';
  const gempool = findGempoolError(error);
  if (gempool !== undefined) return gempool.code;
  if (error instanceof ApiError) {
    // createGoogleGenAI turns gempool failures into Google error responses: read the code back.
    const code = gempoolErrorCode(error);
    return (code as GempoolError['code'] | undefined) ?? `http-${error.status}`;
  }
  const name = (error as { name?: unknown } | null)?.name;
  return `untyped:${typeof name === 'string' ? name : typeof error}`;
}

/** Settles `promise` and reports how it ended; `backstopMs` turns a hang into an `untyped:hang`. */
export async function settle(promise: Promise<unknown>, backstopMs: number): Promise<{ outcome: CallOutcome; error: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), backstopMs)));
  try {
    const result = await Promise.race([promise.then(() => 'done' as const), hang]);
    if (result === 'hang') return { outcome: 'untyped:hang', error: undefined };
    return { outcome: 'success', error: undefined };
  } catch (error) {
    return { outcome: outcomeOf(error), error };
  } finally {
    clearTimeout(timer);
  }
}
