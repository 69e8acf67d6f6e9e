// A response read once into memory, from which any number of callers get their own Response.
import { kBodyBytes } from '../transport/pooled-response.js';

export interface BufferedResponse {
  status: number;
  statusText: string;
  headers: Headers;
  bytes: Uint8Array<ArrayBuffer>;
  /** The unread Response the bytes came with (a `call.bufferBody` attempt): one caller may have it as it is. */
  original?: Response | undefined;
}

/** Statuses a Response may not have a body with (`new Response(bytes, { status: 204 })` throws). */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

export async function bufferResponse(response: Response): Promise<BufferedResponse> {
  // The transport already read it (call.bufferBody): no second read through a body stream.
  const read = (response as unknown as Record<symbol, Uint8Array<ArrayBuffer> | undefined>)[kBodyBytes];
  if (read !== undefined) return { status: response.status, statusText: response.statusText, headers: response.headers, bytes: read, original: response };
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, statusText: response.statusText, headers: response.headers, bytes };
}

/** The original unread Response the first time (no copy), a fresh one after that. */
export function takeResponse(buffered: BufferedResponse): Response {
  const original = buffered.original;
  if (original === undefined) return toResponse(buffered);
  buffered.original = undefined;
  return original;
}

/** A fresh Response over the bytes (the Response constructor copies them: no copy needed here). */
export function toResponse(buffered: BufferedResponse): Response {
  const { status, statusText, headers } = buffered;
  if (NULL_BODY_STATUS.has(status)) return new Response(null, { status, statusText, headers });
  return bytesResponse(buffered.bytes, { status, statusText, headers });
}

/**
 * A Response over bytes in memory, carrying them (kBodyBytes) so pool.fetch can hand the caller a
 * leak-tracked body (transport/tracked-body.ts) without reading the Response again.
 */
export function bytesResponse(bytes: Uint8Array<ArrayBuffer>, init: ResponseInit): Response {
  const response = new Response(bytes, init);
  (response as unknown as Record<symbol, unknown>)[kBodyBytes] = bytes;
  return response;
}
