// The error-event detector on its own: what counts as a stream's error event and what does not.
import { describe, expect, it } from 'vitest';
import { StreamErrorWatch } from '../../src/transport/stream-error-watch.js';

const chunk = (text: string) => Buffer.from(text);
const DATA = '{"candidates":[{"content":{"parts":[{"text":"hi"}],"role":"model"},"index":0}]}';
const ERROR = '{"error":{"code":503,"message":"overloaded","status":"UNAVAILABLE"}}';

function feed(sse: boolean, ...chunks: string[]) {
  const watch = new StreamErrorWatch(sse);
  return chunks.map((text) => watch.check(chunk(text)));
}

describe('StreamErrorWatch', () => {
  it('spots an SSE error event and reads its code', () => {
    expect(feed(true, `data: ${DATA}\n\n`, `data: ${ERROR}\n\n`)).toEqual([undefined, { status: 503 }]);
  });

  it('spots the error element of a streamed JSON array, pretty-printed or not', () => {
    expect(feed(false, `[${DATA}`, `,\r\n${ERROR}]`)).toEqual([undefined, { status: 503 }]);
    expect(feed(false, '[{\n  "error": {\n    "code": 429,\n    "status": "RESOURCE_EXHAUSTED"\n  }\n}\n]')).toEqual([{ status: 429 }]);
  });

  it('spots an event split across two chunks, even inside the `"error"` key', () => {
    expect(feed(true, `data: ${DATA}\n\ndata: {"err`, 'or":{"code":500}}\n\n')).toEqual([undefined, { status: 500 }]);
    expect(feed(true, `data: ${DATA}\n\ndata: {`, '"error":{"code":500}}\n\n')).toEqual([undefined, { status: 500 }]);
  });

  it('leaves the status undefined when the code is not an HTTP error status', () => {
    expect(feed(true, 'data: {"error":{"message":"no code"}}\n\n')).toEqual([{ status: undefined }]);
  });

  it('ignores an "error" key nested in a function call and the word in text', () => {
    const call = '{"candidates":[{"content":{"parts":[{"functionCall":{"name":"report","args":{"error":{"code":500}}}}]}}]}';
    const text = '{"candidates":[{"content":{"parts":[{"text":"data: {\\"error\\": {\\"code\\": 500}}"}]}}]}';
    expect(feed(true, `data: ${call}\n\n`, `data: ${text}\n\n`)).toEqual([undefined, undefined]);
    expect(feed(false, `[${call}`, `,${text}]`)).toEqual([undefined, undefined]);
  });
});
