// Prompt and response content in the shape of the OpenTelemetry GenAI semantic conventions
// (`gen_ai.input.messages`, `gen_ai.output.messages`, `gen_ai.system_instructions`, opt-in), built
// from the body text core puts on call-end after pool.trackContent(). Only used with
// `recordContent: true`. Core caps each text (64 KiB by default): a body cut there is no longer
// JSON, so it is recorded as one text part holding the raw text rather than dropped.
import type { CallEndEvent } from '@gempool/core';

export type MessagePart = { type: string; [key: string]: unknown };
export interface ChatMessage {
  role: string;
  parts: MessagePart[];
}
export interface OutputMessage extends ChatMessage {
  finish_reason: string;
}

export interface GenAiContent {
  inputMessages: ChatMessage[] | undefined;
  systemInstructions: MessagePart[] | undefined;
  outputMessages: OutputMessage[] | undefined;
}

interface GeminiPart {
  text?: string;
  thought?: boolean;
  functionCall?: { id?: string; name?: string; args?: unknown };
  functionResponse?: { id?: string; name?: string; response?: unknown };
  inlineData?: { mimeType?: string; data?: string };
  fileData?: { mimeType?: string; fileUri?: string };
}
interface GeminiContent {
  role?: string;
  parts?: GeminiPart[];
}
interface GeminiChunk {
  candidates?: Array<{ index?: number; content?: GeminiContent; finishReason?: string }>;
}

export function toGenAiContent(event: CallEndEvent): GenAiContent {
  const request = event.requestText === undefined ? undefined : parseJson(event.requestText);
  const input = request === undefined ? undefined : inputFromRequest(request);
  return {
    inputMessages: input?.messages ?? (event.requestText === undefined ? undefined : [{ role: 'user', parts: [textPart(event.requestText)] }]),
    systemInstructions: input?.system,
    outputMessages: event.responseText === undefined ? undefined : outputFromResponse(event.responseText, event),
  };
}

function inputFromRequest(body: unknown): { messages: ChatMessage[]; system: MessagePart[] | undefined } | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const request = body as { contents?: GeminiContent[]; content?: GeminiContent; requests?: Array<{ content?: GeminiContent }>; systemInstruction?: GeminiContent; system_instruction?: GeminiContent };
  // generateContent / countTokens: `contents`; embedContent: `content`; batchEmbedContents: `requests[].content`.
  const contents = request.contents ?? (request.content !== undefined ? [request.content] : request.requests?.flatMap((item) => (item.content === undefined ? [] : [item.content])));
  if (!Array.isArray(contents)) return undefined;
  const system = request.systemInstruction ?? request.system_instruction;
  return {
    messages: contents.map((content) => ({ role: inputRole(content), parts: toParts(content.parts) })),
    system: system === undefined ? undefined : toParts(system.parts),
  };
}

function outputFromResponse(text: string, event: CallEndEvent): OutputMessage[] | undefined {
  const chunks = parseResponseChunks(text);
  if (chunks === undefined) {
    return [{ role: 'assistant', parts: [textPart(text)], finish_reason: finishReason(event.finishReasons?.[0], false) ?? (event.outcome === 'error' ? 'error' : 'stop') }];
  }
  // A stream repeats each candidate across chunks: join them by candidate index, in order.
  const byIndex = new Map<number, { parts: GeminiPart[]; finishReason: string | undefined }>();
  for (const chunk of chunks) {
    for (const [position, candidate] of (chunk.candidates ?? []).entries()) {
      const index = candidate.index ?? position;
      const entry = byIndex.get(index) ?? { parts: [], finishReason: undefined };
      entry.parts.push(...(candidate.content?.parts ?? []));
      entry.finishReason = candidate.finishReason ?? entry.finishReason;
      byIndex.set(index, entry);
    }
  }
  if (byIndex.size === 0) return undefined; // an error body or embeddings: no generated message
  return [...byIndex.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, entry]) => {
      const parts = toParts(mergeText(entry.parts));
      const calledTool = parts.some((part) => part.type === 'tool_call');
      return { role: 'assistant', parts, finish_reason: finishReason(entry.finishReason, calledTool) ?? 'stop' };
    });
}

/** Unary JSON, SSE (`data: {json}`) or a JSON array of chunks; undefined when it is not JSON (cut at the cap). */
function parseResponseChunks(text: string): GeminiChunk[] | undefined {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('data:')) {
    const chunks: GeminiChunk[] = [];
    for (const line of trimmed.split(/\r?\n/)) {
      if (!line.startsWith('data:')) continue;
      const chunk = parseJson(line.slice(5).trim());
      if (chunk === undefined) return undefined;
      chunks.push(chunk as GeminiChunk);
    }
    return chunks;
  }
  const parsed = parseJson(trimmed);
  if (parsed === undefined || parsed === null || typeof parsed !== 'object') return undefined;
  return Array.isArray(parsed) ? (parsed as GeminiChunk[]) : [parsed as GeminiChunk];
}

/** Streamed text arrives in pieces; adjacent plain text parts become one. */
function mergeText(parts: GeminiPart[]): GeminiPart[] {
  const merged: GeminiPart[] = [];
  for (const part of parts) {
    const last = merged.at(-1);
    if (last !== undefined && isPlainText(last) && isPlainText(part) && last.thought === part.thought) merged[merged.length - 1] = { ...last, text: last.text! + part.text! };
    else merged.push(part);
  }
  return merged;
}

const isPlainText = (part: GeminiPart) => typeof part.text === 'string' && Object.keys(part).every((key) => key === 'text' || key === 'thought');

function toParts(parts: GeminiPart[] | undefined): MessagePart[] {
  return (parts ?? []).map((part): MessagePart => {
    if (typeof part.text === 'string') return part.thought === true ? { type: 'reasoning', content: part.text } : textPart(part.text);
    if (part.functionCall !== undefined) return { type: 'tool_call', id: part.functionCall.id ?? null, name: part.functionCall.name ?? '', arguments: part.functionCall.args ?? null };
    if (part.functionResponse !== undefined) return { type: 'tool_call_response', id: part.functionResponse.id ?? null, response: part.functionResponse.response ?? null };
    if (part.inlineData !== undefined) return { type: 'blob', mime_type: part.inlineData.mimeType ?? null, modality: modalityOf(part.inlineData.mimeType), content: part.inlineData.data ?? '' };
    if (part.fileData !== undefined) return { type: 'uri', mime_type: part.fileData.mimeType ?? null, modality: modalityOf(part.fileData.mimeType), uri: part.fileData.fileUri ?? '' };
    return { type: Object.keys(part)[0] ?? 'unknown' };
  });
}

/** Gemini has no tool role: a turn that only returns function results is the tool speaking. */
function inputRole(content: GeminiContent): string {
  const parts = content.parts ?? [];
  if (parts.length > 0 && parts.every((part) => part.functionResponse !== undefined)) return 'tool';
  if (content.role === 'model') return 'assistant';
  return content.role ?? 'user';
}

function finishReason(reason: string | undefined, calledTool: boolean): string | undefined {
  if (calledTool) return 'tool_call';
  switch (reason) {
    case undefined:
      return undefined;
    case 'STOP':
      return 'stop';
    case 'MAX_TOKENS':
      return 'length';
    case 'SAFETY':
    case 'RECITATION':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY':
      return 'content_filter';
    default:
      return reason.toLowerCase();
  }
}

function modalityOf(mimeType: string | undefined): string {
  const kind = mimeType?.split('/')[0];
  return kind === 'image' || kind === 'video' || kind === 'audio' ? kind : 'file';
}

const textPart = (content: string): MessagePart => ({ type: 'text', content });

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
