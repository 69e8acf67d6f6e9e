// Well-formed Gemini answers for the raw upstream, so a scripted fault can be followed by a good
// response: a generateContent JSON body, or `?alt=sse` events for streamGenerateContent.
import type { RawExchange, RawResponder } from './raw-upstream.js';

export const isStreamPath = (path: string) => path.includes(':streamGenerateContent');

export function candidateJson(text: string): string {
  return JSON.stringify({
    candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 },
    modelVersion: 'gemini-2.5-flash',
  });
}

/** Answers like Gemini: JSON for unary calls, two SSE events for streams. */
export function answerOk(exchange: RawExchange, text = 'raw ok'): void {
  if (isStreamPath(exchange.path)) {
    exchange.writeHead(200, { 'content-type': 'text/event-stream' });
    exchange.end(`data: ${candidateJson(text.slice(0, 3))}\r\n\r\ndata: ${candidateJson(text.slice(3))}\r\n\r\n`);
    return;
  }
  exchange.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
  exchange.end(candidateJson(text));
}

/** `first` for the first `times` requests, then good answers. */
export function thenOk(first: RawResponder, times = 1): RawResponder {
  let seen = 0;
  return (exchange) => (seen++ < times ? first(exchange) : answerOk(exchange));
}
