// Turns fetch arguments (string | URL | Request, init) into a Call. Common bodies (string,
// Uint8Array, ArrayBuffer, URLSearchParams) are taken as they are; rare ones (Blob, FormData)
// are normalised through `new Response(body)`; a ReadableStream is passed through as a stream,
// which makes the call non-replayable (no retry, no coalescing). A Request's body is buffered so
// the call stays replayable (Gemini request bodies are small JSON).
import { Readable } from 'node:stream';
import type { Call, CallBody } from '../call.js';
import { getCallContext } from '../context.js';
import { DEFAULTS } from '../defaults.js';
import { GempoolError } from '../errors.js';
import { parseGeminiPath } from '../gemini-url.js';
import type { CallSite } from '../resource-pool/leak-tracker.js';

let nextCallId = 1;

export async function createCall(input: string | URL | Request, init: RequestInit | undefined, now: number, stack: CallSite | undefined): Promise<Call> {
  const request = typeof input === 'object' && 'headers' in input && !(input instanceof URL) ? (input as Request) : undefined;
  let url: URL;
  try {
    url = request !== undefined ? new URL(request.url) : input instanceof URL ? input : new URL(input as string);
  } catch (error) {
    throw new GempoolError('REQUEST_INVALID', `Invalid URL: ${String(input)}`, { cause: error });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new GempoolError('REQUEST_INVALID', `Unsupported protocol ${url.protocol}`);
  const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
  const headers = toHeaderRecord(init?.headers ?? request?.headers);
  let body: CallBody = null;
  let replayable = true;
  const initBody = init?.body;
  if (initBody !== undefined && initBody !== null) {
    [body, replayable] = await normaliseBody(initBody, headers);
  } else if (request?.body != null && init?.body === undefined) {
    body = new Uint8Array(await request.arrayBuffer());
  }
  const context = getCallContext();
  const path = url.pathname + url.search;
  const target = parseGeminiPath(path);
  return {
    callId: nextCallId++,
    origin: url.origin,
    path,
    method,
    headers,
    body,
    replayable,
    signal: init?.signal ?? request?.signal ?? undefined,
    target,
    context,
    lane: context?.lane ?? DEFAULTS.defaultLane,
    priority: context?.priority ?? 0,
    deadline: context?.deadlineMs === undefined ? undefined : now + context.deadlineMs,
    startTime: now,
    attempt: 1,
    retryReasons: [],
    region: target.location,
    servedModel: target.model,
    coalesced: false,
    stack,
    lease: undefined,
    route: undefined,
    usage: undefined,
    finishReasons: undefined,
    fingerprint: undefined,
  };
}

function toHeaderRecord(headers: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === undefined) return out;
  if (headers instanceof Headers) {
    headers.forEach((value, name) => {
      out[name] = value;
    });
  } else if (Array.isArray(headers)) {
    for (const [name, value] of headers) out[name!.toLowerCase()] = value!;
  } else {
    for (const name in headers) {
      const value = (headers as Record<string, string | undefined>)[name];
      if (value !== undefined) out[name.toLowerCase()] = String(value);
    }
  }
  return out;
}

async function normaliseBody(body: BodyInit, headers: Record<string, string>): Promise<[CallBody, boolean]> {
  if (typeof body === 'string') return [body, true];
  if (body instanceof Uint8Array) return [body, true];
  if (body instanceof ArrayBuffer) return [new Uint8Array(body), true];
  if (ArrayBuffer.isView(body)) return [new Uint8Array(body.buffer, body.byteOffset, body.byteLength), true];
  if (body instanceof URLSearchParams) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
    return [body.toString(), true];
  }
  if (body instanceof ReadableStream) return [Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>), false];
  // Blob, FormData: let the platform encode them (and pick the multipart boundary).
  const encoded = new Response(body);
  const type = encoded.headers.get('content-type');
  if (type !== null) headers['content-type'] ??= type;
  return [new Uint8Array(await encoded.arrayBuffer()), true];
}
