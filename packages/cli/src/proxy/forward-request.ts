// One forwarded call: read the caller's body (bounded), send it through the pool with the proxy's
// own credential, then relay status, headers and body as they arrive. The body is piped chunk by
// chunk with backpressure, never buffered, so streamGenerateContent events reach the caller as the
// upstream sends them; a caller that disconnects aborts the upstream call and frees its slot.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { GempoolError, gempoolErrorResponse, isGempoolError } from '@gempool/core';
import { clientResponseHeaders, upstreamPath, upstreamRequestHeaders } from './forward-headers.js';
import { sendRpcStatus } from './rpc-status.js';
import type { UpstreamCredential } from './upstream-credential.js';

/** What the proxy needs from a pool: the fetch-compatible entry point. */
export type PoolFetch = (url: string, init: RequestInit) => Promise<Response>;

export interface ForwardContext {
  fetch: PoolFetch;
  origin: string;
  credential: UpstreamCredential;
  maxRequestBytes: number;
  log: (line: string) => void;
}

export async function forwardRequest(req: IncomingMessage, res: ServerResponse, context: ForwardContext): Promise<void> {
  const url = req.url ?? '';
  if (!url.startsWith('/')) {
    sendRpcStatus(res, 400, 'INVALID_ARGUMENT', 'The request target must be a path (origin-form)');
    return;
  }
  const aborter = new AbortController();
  // 'close' before the response finished means the caller went away: cancel upstream too.
  res.once('close', () => {
    if (!res.writableFinished) aborter.abort();
  });

  const body = await readBody(req, res, context.maxRequestBytes);
  if (body === undefined) return;

  let response: Response;
  try {
    const headers = { ...upstreamRequestHeaders(req.headers), ...(await context.credential.headers()) };
    response = await context.fetch(context.origin + upstreamPath(url), {
      method: req.method ?? 'GET',
      headers,
      body: body.length === 0 && (req.method === 'GET' || req.method === 'HEAD') ? undefined : body,
      signal: aborter.signal,
    });
  } catch (error) {
    if (aborter.signal.aborted) return; // nobody is left to answer
    const failure = isGempoolError(error) ? error : new GempoolError('UPSTREAM_ERROR', 'The proxy could not complete the upstream call', { cause: error, retryable: true });
    context.log(`gempool proxy: ${req.method} ${pathOnly(url)} failed: ${failure.code} ${errorMessage(error)}`);
    // The same Google-shaped error the in-process transport gives, so gempoolErrorCode() works on
    // the caller's SDK error and SDK retry logic sees 429/503/504 as it would from Gemini.
    response = gempoolErrorResponse(failure);
  }
  await relayResponse(response, res, aborter);
}

async function relayResponse(response: Response, res: ServerResponse, aborter: AbortController): Promise<void> {
  res.writeHead(response.status, clientResponseHeaders(response.headers));
  // Headers go out now: a stream's first event must not wait for Node to batch them with a chunk.
  res.flushHeaders();
  if (response.body === null) {
    res.end();
    return;
  }
  try {
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), res);
  } catch {
    // The upstream body failed mid-way or the caller left; pipeline destroyed both sides, which is
    // all a half-sent response allows. Cancelling upstream releases the pool slot either way.
    aborter.abort();
  }
}

/** The request body as one buffer (calls stay replayable for retries and coalescing), or undefined after answering 413. */
async function readBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): Promise<Buffer<ArrayBuffer> | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) {
    tooLarge(res, maxBytes);
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        tooLarge(res, maxBytes);
        req.resume();
        return undefined;
      }
      chunks.push(chunk as Buffer);
    }
  } catch {
    return undefined; // the caller aborted while sending
  }
  return Buffer.concat(chunks);
}

function tooLarge(res: ServerResponse, maxBytes: number): void {
  sendRpcStatus(res, 413, 'INVALID_ARGUMENT', `The request body exceeds the proxy's limit of ${maxBytes} bytes`, { connection: 'close' });
}

/** Paths are logged without their query: a query may carry a key. */
function pathOnly(url: string): string {
  const queryStart = url.indexOf('?');
  return queryStart === -1 ? url : url.slice(0, queryStart);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
