// One random soak call through the real @google/genai SDK: unary, streamed, embedding or
// countTokens, on several models (so several lanes), with repeated prompts (coalescing, batching).
import type { GoogleGenAI } from '@google/genai';
import type { Random } from './random.ts';

const REPEATED = ['What is the capital of France?', 'Summarise the last ticket', 'Translate hello to German', 'List three prime numbers'];

function prompt(random: Random): string {
  return random.chance(0.3) ? random.pick(REPEATED) : `soak prompt ${random.int(0, 1e9)} about order ${random.int(0, 1e6)}`;
}

export interface SoakCall {
  /** `unary`, `stream`, `stream-early-stop`, `embed` or `count`, with the model. */
  kind: string;
  run(): Promise<void>;
}

export function soakCall(ai: GoogleGenAI, random: Random): SoakCall {
  const roll = random.next();
  const model = random.pick(['gemini-2.5-flash', 'gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-2.0-flash-exp']);
  const text = prompt(random);
  if (roll < 0.45) return { kind: `unary ${model}`, run: async () => void (await ai.models.generateContent({ model, contents: text })) };
  if (roll < 0.7) {
    // Now and then a consumer stops reading early: the pool must get the slot back anyway.
    const stopAfter = random.chance(0.1) ? 1 : Infinity;
    return {
      kind: `${stopAfter === 1 ? 'stream-early-stop' : 'stream'} ${model}`,
      async run() {
        const stream = await ai.models.generateContentStream({ model, contents: text });
        let chunks = 0;
        for await (const _chunk of stream) if (++chunks >= stopAfter) break;
      },
    };
  }
  if (roll < 0.95) return { kind: 'embed gemini-embedding-001', run: async () => void (await ai.models.embedContent({ model: 'gemini-embedding-001', contents: text })) };
  return { kind: `count ${model}`, run: async () => void (await ai.models.countTokens({ model, contents: text })) };
}
