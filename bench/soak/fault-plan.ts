// Random fault scripts for the soak: every kind the fake server supports, on random models and
// methods, with random counts. A quiet script (no faults) comes up now and then so breakers close.
import type { Fault } from '@gempool/testing';
import type { Random } from './random.ts';

export const SOAK_MODELS = ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-2.0-flash-exp', 'gemini-embedding-001'] as const;
const METHODS = [undefined, 'generateContent', 'streamGenerateContent', 'batchEmbedContents', 'countTokens'];

function randomAction(random: Random): Fault {
  switch (random.int(0, 12)) {
    case 0:
      return { kind: 'status', status: 429, quota: 'per-minute', retryDelay: `${random.int(0, 2)}.${random.int(0, 9)}s` };
    case 1:
      return { kind: 'status', status: 429, quota: 'per-day' };
    case 2:
      return { kind: 'status', status: random.pick([500, 503]) };
    case 3:
      return { kind: 'status', status: 504 };
    case 4:
      return { kind: 'reset', scope: random.pick(['stream', 'connection'] as const) };
    case 5:
      return { kind: 'reset-mid-body', scope: random.pick(['stream', 'connection'] as const) };
    case 6:
      return { kind: 'hang' };
    case 7:
      return { kind: 'slow-headers', delayMs: random.int(100, 2_000) };
    case 8:
      return { kind: 'stall-body', afterChunks: random.int(1, 2) };
    case 9:
      return { kind: 'sse-error', afterChunks: random.int(1, 2), status: random.pick([500, 503]) };
    case 10:
      return { kind: 'goaway' };
    case 11:
      return { kind: 'status', status: 400 };
    default:
      return { kind: 'latency', addMs: random.int(50, 1_500) };
  }
}

export function randomFaults(random: Random): Fault[] {
  if (random.chance(0.15)) return [];
  return Array.from({ length: random.int(1, 4) }, () => {
    const fault: Fault = { ...randomAction(random), times: random.int(1, 30), after: random.int(0, 20) };
    if (random.chance(0.5)) fault.model = random.pick(SOAK_MODELS);
    const method = random.pick(METHODS);
    if (method !== undefined) fault.method = method;
    return fault;
  });
}

export const kindsOf = (faults: readonly Fault[]): string[] => faults.map((fault) => fault.kind);
