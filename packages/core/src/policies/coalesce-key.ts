// The coalescing key of a call: same credential (a hash of it), tenant, URL and canonical request
// body. Canonicalising (JSON parse + re-serialise with sorted keys) every body costs more than it
// ever shares, so it is done only when needed: calls are keyed on the body as sent first, and a
// body is canonicalised only when another flight to the same URL with a body of the same length
// is under way (a permutation of the same compact JSON keeps its length). So identical bytes share
// at the cost of a map lookup, and "the same JSON, keys in another order" still shares.
import { credentialFingerprint, type Call } from '../call.js';

const COALESCABLE_METHODS = new Set(['generateContent', 'countTokens', 'embedContent', 'batchEmbedContents']);

export interface CoalesceKey {
  /** Credential, tenant, URL and the body as sent: equal strings mean equal calls. */
  readonly raw: string;
  /** Credential, tenant, URL and body length: only calls of the same shape can be canonically equal. */
  readonly shape: string;
  readonly body: string | Uint8Array;
  /** The canonical body, once computed (null: not JSON, never canonically equal to another). */
  canonical: string | null | undefined;
}

/** The sharing key, or undefined when the call must not be coalesced. */
export function coalesceKey(call: Call): CoalesceKey | undefined {
  if (call.method !== 'POST' || call.target.streaming || !COALESCABLE_METHODS.has(call.target.method)) return undefined;
  if (call.context?.coalesce === false || !call.replayable) return undefined;
  const body = call.body;
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return undefined;
  // Bytes become a latin1 string: one char per byte, so equal keys mean equal bytes.
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1');
  const head = `${credentialFingerprint(call)}\0${call.context?.tenant ?? ''}\0${call.origin}${call.path}\0`;
  return { raw: `${head}${typeof body === 'string' ? 's' : 'b'}${text}`, shape: `${head}${text.length}`, body, canonical: undefined };
}

/** True when both bodies are the same JSON value up to object key order (canonicalised once each, lazily). */
export function canonicallyEqual(a: CoalesceKey, b: CoalesceKey): boolean {
  if (a.shape !== b.shape) return false;
  a.canonical ??= canonicalBody(a.body);
  if (a.canonical === null) return false;
  b.canonical ??= canonicalBody(b.body);
  return a.canonical === b.canonical;
}

/** Canonical form of a JSON body (object keys sorted at every level), null when it is not JSON. */
export function canonicalBody(body: string | Uint8Array): string | null {
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  try {
    return canonicalJson(JSON.parse(text));
  } catch {
    return null;
  }
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  let out = '{';
  for (const key of keys) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(key)}:${canonicalJson(item)}`;
  }
  return `${out}}`;
}
