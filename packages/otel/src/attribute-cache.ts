// Metric attribute sets, built once per distinct combination instead of once per record. Metric
// attributes are low-cardinality by design (the SDK keeps one series per combination anyway), so
// the caches stay small; each is cleared if it ever grows past MAX_ENTRIES (a misbehaving caller
// inventing model names), which bounds memory without changing what is recorded.
import type { Attributes } from '@opentelemetry/api';
import type { CallEndEvent } from '@gempool/core';
import { ATTRIBUTES as A } from './metrics.js';

const MAX_ENTRIES = 2_048;

export function memoize<T>(build: (key: string) => T): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) {
      if (cache.size >= MAX_ENTRIES) cache.clear();
      cache.set(key, (value = build(key)));
    }
    return value;
  };
}

export function memoize2<T>(build: (a: string, b: string) => T): (a: string, b: string) => T {
  const inner = memoize((a) => memoize((b) => build(a, b)));
  return (a, b) => inner(a)(b);
}

/** The attribute sets one finished call records with. */
export interface CallAttributes {
  duration: Attributes;
  requests: Attributes;
  inputTokens: Attributes;
  outputTokens: Attributes;
  cost: Attributes;
}

/** Length-prefixed parts: unambiguous whatever characters a (caller-chosen) model name holds. */
function keyOf(...parts: string[]): string {
  let key = '';
  for (const part of parts) key += `${part.length}:${part}`;
  return key;
}

export function createCallAttributeCache(): { get(event: CallEndEvent): CallAttributes } {
  const build = (e: CallEndEvent): CallAttributes => {
    const base = { [A.operationName]: e.operation, [A.providerName]: e.provider, [A.requestModel]: e.model };
    const withResponse = { ...base, [A.responseModel]: e.servedModel };
    const error = e.errorType === undefined ? {} : { [A.errorType]: e.errorType };
    return Object.freeze({
      duration: Object.freeze({ ...withResponse, ...error }),
      requests: Object.freeze({ ...base, [A.lane]: e.lane, [A.outcome]: e.outcome, ...error }),
      inputTokens: Object.freeze({ ...withResponse, [A.tokenType]: 'input' }),
      outputTokens: Object.freeze({ ...withResponse, [A.tokenType]: 'output' }),
      cost: Object.freeze({ [A.providerName]: e.provider, [A.requestModel]: e.model, [A.responseModel]: e.servedModel }),
    });
  };
  let cache = new Map<string, CallAttributes>();
  return {
    get(e) {
      const key = keyOf(e.operation, e.provider, e.model, e.servedModel, e.lane, e.outcome, e.errorType ?? '');
      let attributes = cache.get(key);
      if (attributes === undefined) {
        if (cache.size >= MAX_ENTRIES) cache = new Map();
        cache.set(key, (attributes = build(e)));
      }
      return attributes;
    },
  };
}
