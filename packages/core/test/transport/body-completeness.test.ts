import { describe, expect, it } from 'vitest';
import { bodyCompletenessFor } from '../../src/transport/body-completeness.js';

const enc = (text: string) => new TextEncoder().encode(text);

function judge(contentType: string, chunks: string[], emptyIsComplete = false): boolean | undefined {
  const check = bodyCompletenessFor(contentType, emptyIsComplete);
  if (check === undefined) return undefined;
  for (const chunk of chunks) check.push(enc(chunk));
  return check.complete();
}

describe('body completeness (HTTP/2 bodies without content-length)', () => {
  const whole = JSON.stringify({ candidates: [{ content: { parts: [{ text: 'a "quoted" {brace} [x] \\ end' }] } }], usageMetadata: { totalTokenCount: 3 } });

  it('a JSON body is whole only when every bracket outside strings closed, whatever the chunking', () => {
    expect(judge('application/json; charset=UTF-8', [whole])).toBe(true);
    for (let cut = 1; cut < whole.length; cut++) {
      expect(judge('application/json', [whole.slice(0, cut), whole.slice(cut)])).toBe(true);
      expect(judge('application/json', [whole.slice(0, cut)])).toBe(false);
    }
  });

  it('a streamed JSON array is whole when the array closed', () => {
    expect(judge('application/json', ['[{"a":1}', ',\r\n{"b":"]"}', ']'])).toBe(true);
    expect(judge('application/json', ['[{"a":1}', ',\r\n{"b":"]"}'])).toBe(false);
  });

  it('an empty JSON body is incomplete for a success, whole for an error status', () => {
    expect(judge('application/json', [], false)).toBe(false);
    expect(judge('application/json', [], true)).toBe(true);
  });

  it('an event stream is whole when empty or when its last event ended with a blank line', () => {
    expect(judge('text/event-stream', [])).toBe(true);
    expect(judge('text/event-stream', ['data: {"a":1}\n\n', 'data: {"b":2}\n\n'])).toBe(true);
    expect(judge('text/event-stream', ['data: {"a":1}\r\n\r\n'])).toBe(true);
    expect(judge('text/event-stream', ['data: {"a":1}\r\n', '\r\n'])).toBe(true);
    expect(judge('text/event-stream', ['data: {"a":1}\n\n', 'data: {"b"'])).toBe(false);
    expect(judge('text/event-stream', ['data: {"a":1}\r\n'])).toBe(false);
  });

  it('other content types are not judged', () => {
    expect(judge('text/plain', ['x'])).toBeUndefined();
  });
});
