// Deterministic Gemini response bodies. The text echoes the start of the prompt so tests can tell
// responses apart; token counts follow the ~4 characters per token rule of thumb.
import { createHash } from 'node:crypto';

export interface PromptFacts {
  /** All text parts of the request, joined with spaces. */
  text: string;
  promptTokens: number;
}

/** Text of `contents` / `content` / `instances` / `requests` / `generateContentRequest` in a request body. */
export function promptText(body: unknown): string {
  const texts: string[] = [];
  collectText(body, texts, 0);
  return texts.join(' ');
}

function collectText(value: unknown, out: string[], depth: number): void {
  if (depth > 12 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) collectText(item, out, depth + 1);
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    if ((key === 'text' || key === 'content') && typeof child === 'string') out.push(child);
    else if (key !== 'systemInstruction' && key !== 'generationConfig' && key !== 'config') collectText(child, out, depth + 1);
  }
}

export function countTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export function echoText(prompt: string): string {
  const words = prompt.trim().split(/\s+/).filter(Boolean).slice(0, 8);
  return `Echo: ${words.length === 0 ? '(empty prompt)' : words.join(' ')}`;
}

export function responseId(seed: number, sequence: number): string {
  return createHash('sha256').update(`${seed}:${sequence}`).digest('base64url').slice(0, 22);
}

export interface GenerateFacts {
  model: string;
  text: string;
  promptTokens: number;
  responseId: string;
  /** Scripted content parts (function calls…) that replace the text answer. */
  parts?: Array<Record<string, unknown>> | undefined;
}

function usage(promptTokens: number, candidatesTokens: number): Record<string, unknown> {
  return {
    promptTokenCount: promptTokens,
    candidatesTokenCount: candidatesTokens,
    totalTokenCount: promptTokens + candidatesTokens,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: promptTokens }],
  };
}

export function generateContentBody(facts: GenerateFacts): Record<string, unknown> {
  return {
    candidates: [{ content: { parts: facts.parts ?? [{ text: facts.text }], role: 'model' }, finishReason: 'STOP', index: 0 }],
    usageMetadata: usage(facts.promptTokens, countTokens(facts.text)),
    modelVersion: facts.model,
    responseId: facts.responseId,
  };
}

/** Splits the answer into `chunks` stream events; only the last carries finishReason and full usage. */
export function streamChunkBodies(facts: GenerateFacts, chunks: number): Record<string, unknown>[] {
  // Scripted parts (a function call) are not split: they arrive whole in one event.
  const pieces = facts.parts !== undefined ? [''] : splitText(facts.text, chunks);
  return pieces.map((piece, index) => {
    const last = index === pieces.length - 1;
    const candidate: Record<string, unknown> = { content: { parts: facts.parts ?? [{ text: piece }], role: 'model' }, index: 0 };
    if (last) candidate['finishReason'] = 'STOP';
    return {
      candidates: [candidate],
      usageMetadata: last ? usage(facts.promptTokens, countTokens(facts.text)) : { promptTokenCount: facts.promptTokens, totalTokenCount: facts.promptTokens },
      modelVersion: facts.model,
      responseId: facts.responseId,
    };
  });
}

function splitText(text: string, chunks: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / chunks));
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += size) pieces.push(text.slice(start, start + size));
  return pieces.length === 0 ? [''] : pieces;
}

/** A unit vector derived from the text, so equal texts embed equally and different texts differ. */
export function embeddingValues(text: string, dimensions: number): number[] {
  const values: number[] = [];
  let block = Buffer.alloc(0);
  for (let counter = 0; values.length < dimensions; counter++) {
    if (block.length === 0) block = createHash('sha256').update(`${counter}:${text}`).digest();
    values.push(block.readInt16BE(0) / 32768);
    block = block.subarray(2);
  }
  const norm = Math.sqrt(values.reduce((sum, value) => sum + value * value, 0)) || 1;
  return values.map((value) => Number((value / norm).toFixed(6)));
}

export function requestedDimensions(body: unknown, fallback: number): number {
  const value = (body as { outputDimensionality?: unknown; parameters?: { outputDimensionality?: unknown } } | null) ?? {};
  const asked = value.outputDimensionality ?? value.parameters?.outputDimensionality;
  return typeof asked === 'number' && Number.isInteger(asked) && asked > 0 && asked <= 4096 ? asked : fallback;
}
