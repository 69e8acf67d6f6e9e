// Pipeline step (just inside coalescing): concurrent embedding calls for the same model, credential
// and tenant within `batching.windowMs` go upstream as one batchEmbedContents (up to maxBatchSize
// requests), and the answer is split back so each caller gets exactly the response it would have
// got alone. @google/genai 3.x already sends every embedContent as a one-item batchEmbedContents,
// so both shapes are merged: `embedContent` ({content,…} → {embedding}) and `batchEmbedContents`
// ({requests:[…]} → {embeddings:[…]}). Gemini API only: Vertex has no batchEmbedContents.
import { credentialFingerprint, type Call } from '../call.js';
import type { TimerHandle } from '../clock.js';
import { GempoolError } from '../errors.js';
import { parseGeminiPath } from '../gemini-url.js';
import type { Next, Step, StepContext } from '../pipeline.js';
import { bufferResponse, bytesResponse, toResponse } from './buffered-response.js';
import { endedByOthers, untilOwnEnd } from './own-end.js';
import { policyRuntimeFor } from './policy-runtime.js';

interface Waiter {
  call: Call;
  items: unknown[];
  /** An embedContent caller (one item, answered as `{ embedding }`). */
  single: boolean;
  resolve(response: Response): void;
  reject(error: unknown): void;
}

interface Batch {
  key: string;
  next: Next;
  waiters: Waiter[];
  size: number;
  timer: TimerHandle | undefined;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=UTF-8' };

export function createEmbedBatchStep(context: StepContext): Step | undefined {
  const { config, clock, emitter } = policyRuntimeFor(context);
  const { enabled, windowMs, maxBatchSize } = config.batching;
  if (!enabled) return undefined;
  const open = new Map<string, Batch>();
  const stats = { batches: 0, batchedCalls: 0 };
  context.stats.register('batching', () => ({ ...stats, open: open.size }));

  const flush = (batch: Batch): void => {
    if (open.get(batch.key) === batch) open.delete(batch.key);
    if (batch.timer !== undefined) clock.clearTimeout(batch.timer);
    const { waiters } = batch;
    // Alone in its window: send it exactly as it came.
    if (waiters.length === 1) {
      batch.next(waiters[0]!.call).then(waiters[0]!.resolve, waiters[0]!.reject);
      return;
    }
    stats.batches++;
    stats.batchedCalls += waiters.length;
    const carrier = waiters[0]!.call;
    // The batch runs until the last waiter's deadline (none if one has none); each waiter still
    // ends at its own (untilOwnEnd below).
    carrier.deadline = waiters.some((waiter) => waiter.call.deadline === undefined) ? undefined : Math.max(...waiters.map((waiter) => waiter.call.deadline!));
    const [path, query] = carrier.path.split('?') as [string, string | undefined];
    carrier.path = `${path.replace(/:(embedContent|batchEmbedContents)$/, ':batchEmbedContents')}${query === undefined ? '' : `?${query}`}`;
    carrier.target = parseGeminiPath(carrier.path);
    carrier.body = JSON.stringify({ requests: waiters.flatMap((waiter) => waiter.items) });
    carrier.bufferBody = true;
    if (emitter.has('batch')) emitter.emit('batch', { model: carrier.target.model, size: batch.size });
    batch
      .next(carrier)
      .then(bufferResponse)
      .then((buffered) => {
        if (buffered.status >= 300) return waiters.forEach((waiter) => waiter.resolve(toResponse(buffered)));
        const embeddings = parseEmbeddings(buffered.bytes);
        if (!Array.isArray(embeddings) || embeddings.length !== batch.size) {
          throw new GempoolError('BAD_RESPONSE', `batchEmbedContents answered ${Array.isArray(embeddings) ? embeddings.length : 'no'} embeddings for ${batch.size} requests`);
        }
        let offset = 0;
        for (const waiter of waiters) {
          const mine = embeddings.slice(offset, offset + waiter.items.length);
          offset += waiter.items.length;
          const body = waiter.single ? { embedding: mine[0] } : { embeddings: mine };
          waiter.resolve(bytesResponse(Buffer.from(JSON.stringify(body)) as Uint8Array<ArrayBuffer>, { status: 200, headers: JSON_HEADERS }));
        }
      })
      .catch((error: unknown) => waiters.forEach((waiter) => waiter.reject(error)));
  };

  return (call, next) => {
    const parsed = batchable(call);
    if (parsed === undefined || parsed.items.length > maxBatchSize) return next(call);
    const key = `${credentialFingerprint(call)}\0${call.context?.tenant ?? ''}\0${call.origin}\0${call.target.apiVersion}\0${call.target.model}\0${call.path.split('?')[1] ?? ''}`;
    let batch = open.get(key);
    if (batch !== undefined && batch.size + parsed.items.length > maxBatchSize) {
      flush(batch);
      batch = undefined;
    }
    if (batch === undefined) {
      const created: Batch = { key, next, waiters: [], size: 0, timer: undefined };
      created.timer = clock.setTimeout(() => flush(created), windowMs);
      open.set(key, created);
      batch = created;
    }
    const target = batch;
    const ownDeadline = call.deadline;
    const carrier = target.waiters.length === 0;
    const shared = new Promise<Response>((resolve, reject) => {
      target.waiters.push({ call, items: parsed.items, single: parsed.single, resolve, reject });
      target.size += parsed.items.length;
      if (target.size >= maxBatchSize) flush(target);
    });
    return untilOwnEnd(shared, call, ownDeadline, clock).catch((error: unknown) => {
      // Another caller's abort or deadline ended the batch: send this call on its own.
      if (!carrier && endedByOthers(error, call, ownDeadline, clock)) return next(call);
      throw error;
    });
  };
}

/** The call's embedding requests, or undefined when it cannot be batched. */
function batchable(call: Call): { items: unknown[]; single: boolean } | undefined {
  const { target } = call;
  if (call.method !== 'POST' || target.provider !== 'gcp.gemini') return undefined;
  if (target.method !== 'embedContent' && target.method !== 'batchEmbedContents') return undefined;
  if (typeof call.body !== 'string' && !(call.body instanceof Uint8Array)) return undefined;
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(typeof call.body === 'string' ? call.body : new TextDecoder().decode(call.body)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (target.method === 'embedContent') return { items: [{ model: `models/${target.model}`, ...json }], single: true };
  return Array.isArray(json.requests) && json.requests.length > 0 ? { items: json.requests, single: false } : undefined;
}

/** The `embeddings` of a batch answer; a body that is not JSON is a typed error, never a bare SyntaxError. */
function parseEmbeddings(bytes: Uint8Array): unknown {
  try {
    return (JSON.parse(new TextDecoder().decode(bytes)) as { embeddings?: unknown } | null)?.embeddings;
  } catch (error) {
    throw new GempoolError('BAD_RESPONSE', 'batchEmbedContents answered a body that is not JSON', { retryable: true, cause: error });
  }
}
