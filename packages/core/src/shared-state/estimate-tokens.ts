// Tokens a generateContent call will use, guessed before sending it: the text of the request at
// ~4 characters per token plus the output it may produce (its maxOutputTokens, else a default).
// The guess only has to be of the right size: the bucket is corrected from usageMetadata after.
import { DEFAULTS } from '../defaults.js';

const CHARS_PER_TOKEN = 4;

/** `body` is the request body as sent (JSON text or its parsed object); anything else counts as empty. */
export function estimateTokens(body: unknown, expectedOutputTokens: number = DEFAULTS.quotaLimiter.expectedOutputTokens): number {
  let request: unknown = body;
  if (typeof body === 'string') {
    try {
      request = JSON.parse(body);
    } catch {
      return Math.ceil(body.length / CHARS_PER_TOKEN) + expectedOutputTokens;
    }
  } else if (body instanceof Uint8Array) {
    return estimateTokens(new TextDecoder().decode(body), expectedOutputTokens);
  }
  const textChars = countTextChars(request, 0);
  const maxOutput = (request as { generationConfig?: { maxOutputTokens?: unknown } } | null)?.generationConfig?.maxOutputTokens;
  const output = typeof maxOutput === 'number' && Number.isFinite(maxOutput) && maxOutput >= 0 ? maxOutput : expectedOutputTokens;
  return Math.ceil(textChars / CHARS_PER_TOKEN) + output;
}

/** Characters in every `text` string of the request (contents, systemInstruction, tools…). */
function countTextChars(value: unknown, depth: number): number {
  if (depth > 32 || typeof value !== 'object' || value === null) return 0;
  let chars = 0;
  if (Array.isArray(value)) {
    for (const item of value) chars += countTextChars(item, depth + 1);
    return chars;
  }
  for (const [key, child] of Object.entries(value)) {
    if (key === 'text' && typeof child === 'string') chars += child.length;
    else chars += countTextChars(child, depth + 1);
  }
  return chars;
}
