// Token usage and finish reasons from Gemini responses, read as the body passes to the consumer.
// Off by default: a collector exists only while usage tracking is on (telemetry or quotas).
// Unary JSON is parsed once at the end; SSE (`data: {json}`) and JSON-array streams use the last
// chunk that carries usageMetadata (Gemini repeats cumulative usage on the final chunk).
import { capText } from './content.js';
import type { TokenUsage } from './events.js';

export interface UsageResult {
  usage: TokenUsage | undefined;
  finishReasons: string[] | undefined;
}

interface GeminiChunk {
  usageMetadata?: {
    promptTokenCount?: number;
    candidatesTokenCount?: number;
    cachedContentTokenCount?: number;
    thoughtsTokenCount?: number;
    totalTokenCount?: number;
  };
  candidates?: Array<{ finishReason?: string }>;
}

/** Parses a whole Gemini response body (unary JSON, SSE or a JSON array of chunks). */
export function parseGeminiUsage(text: string): UsageResult {
  const chunks = parseChunks(text);
  let usage: TokenUsage | undefined;
  let finishReasons: string[] | undefined;
  for (let i = chunks.length - 1; i >= 0 && (usage === undefined || finishReasons === undefined); i--) {
    const chunk = chunks[i];
    if (chunk === null || typeof chunk !== 'object') continue;
    if (usage === undefined && chunk.usageMetadata !== undefined) usage = toTokenUsage(chunk.usageMetadata);
    if (finishReasons === undefined && Array.isArray(chunk.candidates)) {
      const reasons = chunk.candidates.map((candidate) => candidate?.finishReason).filter((reason): reason is string => typeof reason === 'string');
      if (reasons.length > 0) finishReasons = reasons;
    }
  }
  return { usage, finishReasons };
}

export function toTokenUsage(metadata: NonNullable<GeminiChunk['usageMetadata']>): TokenUsage {
  const inputTokens = metadata.promptTokenCount ?? 0;
  const outputTokens = (metadata.candidatesTokenCount ?? 0) + (metadata.thoughtsTokenCount ?? 0);
  return {
    inputTokens,
    outputTokens,
    cachedTokens: metadata.cachedContentTokenCount ?? 0,
    totalTokens: metadata.totalTokenCount ?? inputTokens + outputTokens,
  };
}

function parseChunks(text: string): GeminiChunk[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('data:') || trimmed.startsWith('event:')) {
    const chunks: GeminiChunk[] = [];
    for (const line of trimmed.split(/\r?\n/)) {
      if (!line.startsWith('data:')) continue;
      const parsed = tryParse(line.slice(5).trim());
      if (parsed !== undefined) chunks.push(parsed as GeminiChunk);
    }
    return chunks;
  }
  const parsed = tryParse(trimmed);
  if (Array.isArray(parsed)) return parsed as GeminiChunk[];
  return parsed === undefined ? [] : [parsed as GeminiChunk];
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Collects a body's bytes while usage tracking (or content tracking) is on and parses them once at
 * the end. With `keepTextBytes` > 0 (pool.trackContent()) finish() also keeps the body text,
 * capped at that many bytes, as `responseText`.
 */
export class UsageCollector {
  #chunks: Uint8Array[] = [];
  readonly #json: boolean;
  readonly #keepTextBytes: number;

  constructor(contentType: string | string[] | undefined, keepTextBytes = 0) {
    const type = Array.isArray(contentType) ? contentType[0] : contentType;
    // Only JSON and SSE bodies carry usage; skip the bytes of anything else.
    this.#json = type === undefined || /json|event-stream/i.test(type);
    this.#keepTextBytes = keepTextBytes;
  }

  push(chunk: Uint8Array): void {
    if (this.#json) this.#chunks.push(chunk);
  }

  finish(target: { usage: TokenUsage | undefined; finishReasons: string[] | undefined; responseText?: string | undefined }): void {
    if (!this.#json || this.#chunks.length === 0) return;
    const bytes = Buffer.concat(this.#chunks);
    const text = bytes.toString('utf8');
    const result = parseGeminiUsage(text);
    this.#chunks = [];
    if (result.usage !== undefined) target.usage = result.usage;
    if (result.finishReasons !== undefined) target.finishReasons = result.finishReasons;
    if (this.#keepTextBytes > 0) target.responseText = bytes.length <= this.#keepTextBytes ? text : capText(bytes, this.#keepTextBytes);
  }
}
