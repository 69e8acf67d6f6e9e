import { describe, expect, it } from 'vitest';
import type { Call } from '../../src/call.js';
import { canonicalBody, canonicallyEqual, coalesceKey } from '../../src/policies/coalesce-key.js';
import { parseGeminiPath } from '../../src/gemini-url.js';

const PATH = '/v1beta/models/gemini-2.5-flash:generateContent';

function call(body: string | Uint8Array, extra: Partial<Call> = {}): Call {
  return {
    method: 'POST',
    origin: 'https://example.test',
    path: PATH,
    target: parseGeminiPath(PATH),
    headers: { 'x-goog-api-key': 'key-a' },
    body,
    replayable: true,
    context: undefined,
    fingerprint: undefined,
    ...extra,
  } as Call;
}

describe('coalescing key', () => {
  it('ignores key order (at every level) and whitespace in the canonical form, not values or array order', () => {
    expect(canonicalBody('{"b":1,"a":{"y":[1,2],"x":null}}')).toBe(canonicalBody(new TextEncoder().encode('{ "a": { "x": null, "y": [1, 2] }, "b": 1 }')));
    expect(canonicalBody('{"a":[1,2]}')).not.toBe(canonicalBody('{"a":[2,1]}'));
    expect(canonicalBody('not json')).toBeNull();
  });

  it('same bytes: same raw key; a key permutation: another raw key, the same shape, canonically equal', () => {
    const a = coalesceKey(call('{"a":1,"b":"x"}'))!;
    const same = coalesceKey(call('{"a":1,"b":"x"}'))!;
    const permuted = coalesceKey(call('{"b":"x","a":1}'))!;
    expect(same.raw).toBe(a.raw);
    expect(a.canonical).toBeUndefined();
    expect(permuted.raw).not.toBe(a.raw);
    expect(canonicallyEqual(permuted, a)).toBe(true);
    expect(canonicallyEqual(coalesceKey(call('{"b":"y","a":1}'))!, a)).toBe(false);
  });

  it('never equal across credentials, tenants, URLs, or for bodies that are not JSON', () => {
    const a = coalesceKey(call('{"a":1,"b":2}'))!;
    expect(canonicallyEqual(coalesceKey(call('{"b":2,"a":1}', { headers: { 'x-goog-api-key': 'key-b' } }))!, a)).toBe(false);
    expect(canonicallyEqual(coalesceKey(call('{"b":2,"a":1}', { context: { tenant: 't2' } }))!, a)).toBe(false);
    expect(canonicallyEqual(coalesceKey(call('{"b":2,"a":1}', { origin: 'https://other.test' }))!, a)).toBe(false);
    expect(canonicallyEqual(coalesceKey(call('not json'))!, coalesceKey(call('not json'))!)).toBe(false);
  });

  it('no key for streaming calls, opted-out calls or stream bodies', () => {
    const stream = '/v1beta/models/gemini-2.5-flash:streamGenerateContent';
    expect(coalesceKey(call('{}', { path: stream, target: parseGeminiPath(stream) }))).toBeUndefined();
    expect(coalesceKey(call('{}', { context: { coalesce: false } }))).toBeUndefined();
    expect(coalesceKey(call('{}', { replayable: false }))).toBeUndefined();
  });
});
