// Spots the error event that ends a Gemini stream: `data: {"error": {…}}` in SSE, or an
// `{"error": {…}}` element of a streamed JSON array. @google/genai throws on that event and
// releases its reader without cancelling the body, so the pool treats it as the end of the call
// (pooled-response.ts). Watching costs one byte search for `"error"` per delivered chunk of a
// streaming response; the event's shape and code are only looked at on a hit.

const KEY = Buffer.from('"error"');
// The key must open a top-level object: right after `data:` (SSE) or after `[` / `,` (JSON array).
// A nested `"error"` key (function-call arguments) follows a `:`, and one inside a string value is
// escaped (`\"error\"`), so neither matches.
const SSE_EVENT = /(?:^|[\r\n])data:[ \t]*\{\s*"error"\s*:\s*\{/;
const ARRAY_ELEMENT = /[[,]\s*\{\s*"error"\s*:\s*\{/;
const CODE = /"code"\s*:\s*(\d{3})\b/;

export interface StreamErrorEvent {
  /** The event's `error.code` when it is an HTTP status (400–599), as the SDK reports it. */
  status: number | undefined;
}

export class StreamErrorWatch {
  readonly #sse: boolean;
  #previous: Buffer | undefined;

  constructor(sse: boolean) {
    this.#sse = sse;
  }

  /** Looks at the next delivered chunk; returns the error event it completes, if any. */
  check(chunk: Buffer): StreamErrorEvent | undefined {
    const previous = this.#previous;
    this.#previous = chunk;
    if (chunk.indexOf(KEY) === -1 && !keyStraddles(previous, chunk)) return undefined;
    // Rare path: the event may have started in the previous chunk.
    const text = (previous === undefined ? chunk : Buffer.concat([previous, chunk])).toString('utf8');
    const match = (this.#sse ? SSE_EVENT : ARRAY_ELEMENT).exec(text);
    if (match === null) return undefined;
    const code = Number(CODE.exec(text.slice(match.index))?.[1]);
    return { status: code >= 400 && code < 600 ? code : undefined };
  }
}

/** Whether `"error"` starts at the end of `previous` and finishes at the start of `next`. */
function keyStraddles(previous: Buffer | undefined, next: Buffer): boolean {
  if (previous === undefined) return false;
  for (let head = 1; head < KEY.length; head++) {
    const tail = KEY.length - head;
    if (previous.length < head || next.length < tail) continue;
    let matches = true;
    for (let i = 0; i < KEY.length && matches; i++) matches = (i < head ? previous[previous.length - head + i] : next[i - head]) === KEY[i];
    if (matches) return true;
  }
  return false;
}
