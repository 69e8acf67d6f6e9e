// Answers one Gemini REST call: route → count → read body → auth → fault → latency → respond.
import type { Fault } from './fault-types.js';
import type { FaultScript } from './fault-script.js';
import type { Exchange } from './exchange.js';
import type { LatencyModel } from './latency-model.js';
import type { StatsRecorder } from './server-stats.js';
import { rpcStatusBody } from './rpc-status.js';
import {
  countTokens,
  echoText,
  embeddingValues,
  generateContentBody,
  promptText,
  requestedDimensions,
  responseId,
  streamChunkBodies,
  type GenerateFacts,
} from './responses.js';

/** What `responseText` sees of a request. */
export interface FakeGeminiRequest {
  model: string;
  method: string;
  /** `gcp.gemini` for Google AI paths, `gcp.vertex_ai` for Vertex paths. */
  provider: 'gcp.gemini' | 'gcp.vertex_ai';
  apiVersion: string;
  prompt: string;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

export interface HandlerContext {
  script: FaultScript;
  latency: LatencyModel;
  stats: StatsRecorder;
  seed: number;
  streamChunks: number;
  streamIntervalMs: number;
  embeddingDimensions: number;
  requireApiKey: string | undefined;
  responseText: ((request: FakeGeminiRequest) => string) | undefined;
  responseParts: ((request: FakeGeminiRequest) => Array<Record<string, unknown>> | undefined) | undefined;
  /** Waits on a timer the server clears when it closes. */
  sleep(ms: number): Promise<void>;
  nextSequence(): number;
}

// Google AI: /v1beta/models/M:method. Vertex: /v1beta1/projects/P/locations/L/publishers/google/models/M:method,
// or /v1beta1/publishers/google/models/M:method in Vertex express mode (API key, no project).
const ROUTE = /^\/(v\d+(?:alpha|beta)?\d*)\/(projects\/[^/]+\/locations\/[^/]+\/publishers\/google\/|publishers\/google\/)?models\/([^/:]+):(\w+)$/;
const METHODS = new Set(['generateContent', 'streamGenerateContent', 'countTokens', 'embedContent', 'batchEmbedContents', 'predict']);
const JSON_HEADERS = { 'content-type': 'application/json; charset=UTF-8' };

export async function handleGeminiRequest(exchange: Exchange, context: HandlerContext): Promise<void> {
  const url = new URL(exchange.request.url ?? '/', 'http://fake');
  const route = ROUTE.exec(url.pathname);
  if (route === null || exchange.request.method !== 'POST' || !METHODS.has(route[4]!)) {
    context.stats.requestStarted('unknown', 'unknown', exchange.httpVersion);
    exchange.onClose(() => context.stats.requestEnded());
    sendJson(exchange, 404, rpcStatusBody(404, { message: `No route for ${exchange.request.method} ${url.pathname}` }));
    return;
  }
  const [, apiVersion, vertexPrefix, encodedModel, method] = route as unknown as [string, string, string | undefined, string, string];
  const model = decodeURIComponent(encodedModel);
  context.stats.requestStarted(model, method, exchange.httpVersion);
  exchange.onClose(() => context.stats.requestEnded());

  const rawBody = await exchange.readBody();
  const authProblem = checkApiKey(exchange, url, context.requireApiKey);
  if (authProblem !== undefined) return sendJson(exchange, authProblem.status, rpcStatusBody(authProblem.status, { message: authProblem.message }));
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return sendJson(exchange, 400, rpcStatusBody(400, { message: 'Invalid JSON payload received.' }));
  }

  const fault = context.script.take(model, method);
  if (fault !== undefined) context.stats.faultFired(fault.kind);
  let delayMs = context.latency.delayFor(model);
  if (fault?.kind === 'latency') delayMs += fault.addMs;
  if (fault?.kind === 'slow-headers') delayMs += fault.delayMs;
  if (delayMs > 0) await context.sleep(delayMs);
  if (exchange.gone) return;

  switch (fault?.kind) {
    case 'hang':
      return; // the request stays open until the client or close() ends it
    case 'reset':
      return fault.scope === 'connection' ? exchange.resetConnection() : exchange.resetStream();
    case 'status':
      return sendJson(exchange, fault.status, rpcStatusBody(fault.status, { ...fault, model }));
    case 'goaway':
      exchange.announceGoaway();
      break;
    default:
      break;
  }

  const prompt = promptText(body);
  const request: FakeGeminiRequest = {
    model,
    method,
    provider: vertexPrefix === undefined ? 'gcp.gemini' : 'gcp.vertex_ai',
    apiVersion,
    prompt,
    body,
    headers: exchange.request.headers,
  };
  if (method === 'streamGenerateContent') return streamGenerate(exchange, context, request, url.searchParams.get('alt') === 'sse', fault);
  return sendJson(exchange, 200, unaryBody(context, request), fault);
}

function unaryBody(context: HandlerContext, request: FakeGeminiRequest): unknown {
  const { body, prompt } = request;
  const dimensions = requestedDimensions(body, context.embeddingDimensions);
  switch (request.method) {
    case 'countTokens':
      return { totalTokens: countTokens(prompt), promptTokensDetails: [{ modality: 'TEXT', tokenCount: countTokens(prompt) }] };
    case 'embedContent':
      return { embedding: { values: embeddingValues(prompt, dimensions) }, usageMetadata: { promptTokenCount: countTokens(prompt), totalTokenCount: countTokens(prompt) } };
    case 'batchEmbedContents':
      return { embeddings: listOf(body, 'requests').map((item) => ({ values: embeddingValues(promptText(item), requestedDimensions(item, dimensions)) })) };
    case 'predict':
      return {
        predictions: listOf(body, 'instances').map((item) => {
          const text = promptText(item);
          return { embeddings: { values: embeddingValues(text, dimensions), statistics: { token_count: countTokens(text), truncated: false } } };
        }),
        metadata: { billableCharacterCount: prompt.length },
      };
    default:
      return generateContentBody(generateFacts(context, request));
  }
}

function listOf(body: unknown, key: string): unknown[] {
  const value = (body as Record<string, unknown> | null)?.[key];
  return Array.isArray(value) ? value : [];
}

function generateFacts(context: HandlerContext, request: FakeGeminiRequest): GenerateFacts {
  const parts = context.responseParts?.(request);
  const text = parts !== undefined ? JSON.stringify(parts) : context.responseText === undefined ? echoText(request.prompt) : String(context.responseText(request));
  return { model: request.model, text, parts, promptTokens: countTokens(request.prompt), responseId: responseId(context.seed, context.nextSequence()) };
}

function sendJson(exchange: Exchange, status: number, body: unknown, fault?: Fault): void {
  const text = JSON.stringify(body);
  if (fault?.kind === 'stall-body' || fault?.kind === 'reset-mid-body') {
    // Unary bodies have no chunks: send the first half, then stall or break.
    exchange.writeHead(status, JSON_HEADERS);
    exchange.write(text.slice(0, Math.floor(text.length / 2)));
    if (fault.kind === 'reset-mid-body') breakMidBody(exchange, fault);
    return;
  }
  exchange.writeHead(status, { ...JSON_HEADERS, 'content-length': String(Buffer.byteLength(text)) });
  exchange.end(text);
}

async function streamGenerate(exchange: Exchange, context: HandlerContext, request: FakeGeminiRequest, sse: boolean, fault: Fault | undefined): Promise<void> {
  const chunks = streamChunkBodies(generateFacts(context, request), context.streamChunks);
  const frame = (json: unknown, index: number): string => (sse ? `data: ${JSON.stringify(json)}\n\n` : `${index === 0 ? '[' : ',\r\n'}${JSON.stringify(json)}`);
  exchange.writeHead(200, sse ? { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } : JSON_HEADERS);
  const stopAt = fault?.kind === 'stall-body' || fault?.kind === 'sse-error' ? (fault.afterChunks ?? 1) : fault?.kind === 'reset-mid-body' ? 1 : Infinity;
  for (let index = 0; index < chunks.length; index++) {
    if (index === stopAt) break;
    if (index > 0 && context.streamIntervalMs > 0) await context.sleep(context.streamIntervalMs);
    if (exchange.gone) return;
    exchange.write(frame(chunks[index], index));
  }
  if (fault?.kind === 'stall-body') return;
  if (fault?.kind === 'reset-mid-body') return breakMidBody(exchange, fault);
  if (fault?.kind === 'sse-error') {
    const status = fault.status ?? 500;
    exchange.end(frame(rpcStatusBody(status, { model: request.model }), stopAt) + (sse ? '' : ']'));
    return;
  }
  exchange.end(sse ? undefined : ']');
}

function breakMidBody(exchange: Exchange, fault: Extract<Fault, { kind: 'reset-mid-body' }>): void {
  // Let the partial body reach the client before the reset overtakes it.
  setImmediate(() => (fault.scope === 'connection' ? exchange.resetConnection() : exchange.resetStream()));
}

function checkApiKey(exchange: Exchange, url: URL, required: string | undefined): { status: number; message: string } | undefined {
  if (required === undefined) return undefined;
  const bearer = exchange.header('authorization')?.replace(/^Bearer\s+/i, '');
  const given = exchange.header('x-goog-api-key') ?? url.searchParams.get('key') ?? bearer;
  if (given === undefined) return { status: 403, message: 'Method doesn\'t allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.' };
  if (given !== required) return { status: 400, message: 'API key not valid. Please pass a valid API key.' };
  return undefined;
}
