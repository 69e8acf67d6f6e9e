// Tells whether a response body that "ended" arrived whole, for the one case where the transport
// cannot: an HTTP/2 response without content-length. A server (or proxy) that resets the stream
// with RST_STREAM(NO_ERROR), or tears the connection down mid-body, makes Node's HTTP/2 client —
// and so undici — report a clean end with half a body; the SDK then throws a bare SyntaxError.
// Gemini bodies are JSON or an SSE event stream, both of which show their own end: a JSON value
// whose brackets all closed, an event stream whose last event ended with a blank line.
// Only used when there is no content-length (undici checks the length itself), so the per-byte
// scan never runs on responses that carry one.

export interface BodyCompleteness {
  push(chunk: Uint8Array): void;
  /** False when the body stopped part-way through a JSON value or an SSE event. */
  complete(): boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const LF = 0x0a;
const CR = 0x0d;

/** A checker for this content-type, or undefined when the body's end cannot be judged from it. */
export function bodyCompletenessFor(contentType: string | undefined, emptyIsComplete: boolean): BodyCompleteness | undefined {
  if (contentType === undefined) return undefined;
  if (/^\s*text\/event-stream/i.test(contentType)) return new EventStreamCompleteness();
  if (/json/i.test(contentType)) return new JsonCompleteness(emptyIsComplete);
  return undefined;
}

/** Tracks bracket depth outside strings: a whole JSON document (or streamed JSON array) ends at depth 0. */
export class JsonCompleteness implements BodyCompleteness {
  readonly #emptyIsComplete: boolean;
  #depth = 0;
  #inString = false;
  #escaped = false;
  #sawValue = false;

  constructor(emptyIsComplete: boolean) {
    this.#emptyIsComplete = emptyIsComplete;
  }

  push(chunk: Uint8Array): void {
    let depth = this.#depth;
    let inString = this.#inString;
    let escaped = this.#escaped;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === BACKSLASH) escaped = true;
        else if (byte === QUOTE) inString = false;
      } else if (byte === QUOTE) inString = true;
      else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--;
    }
    if (chunk.length > 0) this.#sawValue = true;
    this.#depth = depth;
    this.#inString = inString;
    this.#escaped = escaped;
  }

  complete(): boolean {
    if (!this.#sawValue) return this.#emptyIsComplete;
    return this.#depth <= 0 && !this.#inString;
  }
}

/** An event stream is whole when it is empty or its last event ended with a blank line. */
export class EventStreamCompleteness implements BodyCompleteness {
  // The last four bytes seen, oldest first (-1: none yet).
  readonly #tail = [-1, -1, -1, -1];

  push(chunk: Uint8Array): void {
    const tail = this.#tail;
    for (let i = Math.max(0, chunk.length - 4); i < chunk.length; i++) {
      tail.shift();
      tail.push(chunk[i]!);
    }
  }

  complete(): boolean {
    const [a, b, c, d] = this.#tail;
    if (d === -1) return true;
    // A blank line: "\n\n", "\r\r" or "\r\n\r\n".
    return (c === LF && d === LF) || (c === CR && d === CR) || (a === CR && b === LF && c === CR && d === LF);
  }
}
