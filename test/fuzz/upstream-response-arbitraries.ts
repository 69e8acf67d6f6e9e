// fast-check arbitraries for what a broken upstream (or a middlebox in front of it) may send back:
// a status, a content-type and a body that is truncated JSON, binary garbage, invalid SSE, random
// text or any JSON value. Turned into a raw upstream script by `respondWith`.
import fc from 'fast-check';
import { candidateJson } from '../helpers/raw-gemini-bodies.js';
import type { RawResponder } from '../helpers/raw-upstream.js';

export interface ResponseSpec {
  status: number;
  contentType: string | undefined;
  body: string | Uint8Array;
}

const goodJson = candidateJson('fuzzed answer');
const truncatedJson = fc.nat(goodJson.length - 1).map((cut) => goodJson.slice(0, cut));
const truncatedSse = fc.nat(goodJson.length + 12).map((cut) => `data: ${goodJson}\r\n\r\n`.slice(0, cut));
const invalidSse = fc
  .array(
    fc.oneof(
      fc.constant('data: {not json\n\n'),
      fc.constant('event: error\ndata: {"error":{"code":500}}\n\n'),
      fc.constant(': comment only\n\n'),
      fc.constant('data: {"candidates": 5}\n\n'),
      fc.constant('data: [DONE]\n\n'),
      fc.constant(`data: ${goodJson}\n\n`),
      fc.string({ maxLength: 20 }),
    ),
    { maxLength: 4 },
  )
  .map((lines) => lines.join(''));
const garbage = fc.uint8Array({ maxLength: 256 });
const anyJson = fc.json({ maxDepth: 3 });

export const responseSpec: fc.Arbitrary<ResponseSpec> = fc.record({
  status: fc.constantFrom(200, 200, 200, 201, 204, 205, 302, 304, 400, 404, 429, 500, 502, 503, 504),
  contentType: fc.constantFrom('application/json; charset=UTF-8', 'text/event-stream', 'text/html', 'application/octet-stream', undefined),
  body: fc.oneof(truncatedJson, truncatedSse, invalidSse, garbage, anyJson, fc.string({ maxLength: 64 }), fc.constant('')),
});

export function respondWith(spec: ResponseSpec): RawResponder {
  return (exchange) => {
    exchange.writeHead(spec.status, spec.contentType === undefined ? {} : { 'content-type': spec.contentType });
    exchange.end(spec.body);
  };
}
