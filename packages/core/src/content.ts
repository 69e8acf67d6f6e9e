// Opt-in capture of prompt and response text (pool.trackContent(), which @gempool/otel calls for
// `recordContent: true`). Off by default and free when off: the pool checks one number per call.
// Only bodies are captured, never headers or URLs, so an API key or bearer token can not end up
// in an event; each text is capped at `maxBytes` of UTF-8 (DEFAULTS.maxContentBytes, 64 KiB).
import type { CallBody } from './call.js';
import { ConfigError } from './errors.js';

/** The request body as text, capped; undefined for stream bodies (they are read once, by the send). */
export function requestBodyText(body: CallBody, maxBytes: number): string | undefined {
  if (typeof body === 'string') return Buffer.byteLength(body) <= maxBytes ? body : capText(Buffer.from(body), maxBytes);
  if (body instanceof Uint8Array) return capText(Buffer.from(body.buffer, body.byteOffset, body.byteLength), maxBytes);
  return undefined;
}

/** Decodes at most `maxBytes` of UTF-8 (a character cut in half at the end becomes U+FFFD). */
export function capText(bytes: Buffer, maxBytes: number): string {
  return (bytes.length <= maxBytes ? bytes : bytes.subarray(0, maxBytes)).toString('utf8');
}

export function validateMaxContentBytes(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ConfigError('trackContent.maxBytes', 'an integer from 1 and up', value);
  }
  return value;
}
