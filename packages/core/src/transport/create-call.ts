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
import { parseGeminiPath, type GeminiTarget } from '../gemini-url.js';
import type { CallSite } from '../resource-pool/leak-tracker.js';

let nextCallId = 1;

interface ParsedUrl {
  origin: string;
  /** Path plus query string. */
  path: string;
  target: GeminiTarget;
}

// An agent calls a handful of URLs (model × method): parse each once, not per call. Bounded; the
// cached targets are shared by calls and never mutated (steps replace call.target, not its fields).
const parsedUrls = new Map<string, ParsedUrl>();
const MAX_PARSED_URLS = 512;

function parseUrl(input: string | URL): ParsedUrl {
  const href = typeof input === 'string' ? input : input.href;
  const cached = parsedUrls.get(href);
  if (cached !== undefined) return cached;
  let url: URL;
  try {
    url = typeof input === 'string' ? new URL(input) : input;
  } catch (error) {
    throw new GempoolError('REQUEST_INVALID', `Invalid URL: ${String(input)}`, { cause: error });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new GempoolError('REQUEST_INVALID', `Unsupported protocol ${url.protocol}`);
  const path = url.pathname + url.search;
  const parsed: ParsedUrl = { origin: url.origin, path, target: Object.freeze(parseGeminiPath(path)) };
  if (parsedUrls.size >= MAX_PARSED_URLS) parsedUrls.clear();
  parsedUrls.set(href, parsed);
  return parsed;
}

/** A Call, synchronously for the common bodies (text, bytes); a Promise when a body must be read first. */
export function createCall(input: string | URL | Request, init: RequestInit | undefined, now: number, stack: CallSite | undefined): Call | Promise<Call> {
  const request = typeof input === 'object' && 'headers' in input && !(input instanceof URL) ? (input as Request) : undefined;
  const url = parseUrl(request !== undefined ? request.url : (input as string | URL));
  const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
  const headers = toHeaderRecord(init?.headers ?? request?.headers);
  const signal = init?.signal ?? request?.signal ?? undefined;
  const initBody = init?.body;
  if (initBody !== undefined && initBody !== null) {
    const quick = quickBody(initBody, headers);
    if (quick !== undefined) return buildCall(url, method, headers, quick, typeof quick === 'string' || quick instanceof Uint8Array, signal, now, stack);
    return readBody(initBody, headers).then(([body, replayable]) => buildCall(url, method, headers, body, replayable, signal, now, stack));
  }
  if (request?.body != null && init?.body === undefined) {
    return request.arrayBuffer().then((bytes) => buildCall(url, method, headers, new Uint8Array(bytes), true, signal, now, stack));
  }
  return buildCall(url, method, headers, null, true, signal, now, stack);
}

function buildCall(url: ParsedUrl, method: string, headers: Record<string, string>, body: CallBody, replayable: boolean, signal: AbortSignal | undefined, now: number, stack: CallSite | undefined): Call {
  const context = getCallContext();
  const { target } = url;
  return {
    callId: nextCallId++,
    origin: url.origin,
    path: url.path,
    method,
    headers,
    body,
    replayable,
    signal,
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

/** The body as undici takes it, when no reading is needed; undefined when it must be read (readBody). */
function quickBody(body: BodyInit, headers: Record<string, string>): CallBody | undefined {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof URLSearchParams) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
    return body.toString();
  }
  // A stream is passed through as it is: the call cannot be replayed (no retry, no coalescing).
  if (body instanceof ReadableStream) return Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
  return undefined;
}

async function readBody(body: BodyInit, headers: Record<string, string>): Promise<[CallBody, boolean]> {
  // Blob, FormData: let the platform encode them (and pick the multipart boundary).
  const encoded = new Response(body);
  const type = encoded.headers.get('content-type');
  if (type !== null) headers['content-type'] ??= type;
  return [new Uint8Array(await encoded.arrayBuffer()), true];
}
