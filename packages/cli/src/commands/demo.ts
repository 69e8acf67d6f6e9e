// `gempool demo` — for now a smoke scenario: starts the fake Gemini server over TLS (HTTP/2),
// makes ~20 calls through the real @google/genai SDK and prints what the server saw.
// The agent-fleet demo replaces this; the signature stays.
import { GoogleGenAI } from '@google/genai';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { Agent, fetch as undiciFetch } from 'undici';

const MODEL = 'gemini-2.5-flash';

export async function run(_argv: string[]): Promise<number> {
  const fake = await startFakeGemini({ latency: { fixedMs: 20, spreadMs: 30 }, faults: [{ kind: 'status', status: 429, quota: 'per-minute', after: 3 }, { kind: 'status', status: 503, after: 8 }] });
  // Trust the fake's freshly generated CA; undici's own fetch, since Node's rejects an undici 8 dispatcher.
  const agent = new Agent({ connect: { ca: fake.ca }, allowH2: true });
  const fetchViaAgent = ((input: Parameters<typeof undiciFetch>[0], init?: Parameters<typeof undiciFetch>[1]) =>
    undiciFetch(input, { ...init, dispatcher: agent })) as unknown as typeof fetch;
  const ai = new GoogleGenAI({ apiKey: 'demo-key', httpOptions: { baseUrl: fake.origin, fetch: fetchViaAgent } });
  const print = (line: string) => process.stdout.write(`${line}\n`);
  print(`gempool demo (smoke): fake Gemini at ${fake.origin} (TLS, HTTP/2 + HTTP/1.1)`);
  const outcomes = new Map<string, number>();
  const record = (outcome: string) => outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);

  try {
    const calls: Promise<void>[] = [];
    for (let index = 0; index < 14; index++) calls.push(generate(ai, index, record, print));
    await Promise.all(calls);
    for (let index = 0; index < 3; index++) await stream(ai, index, record, print);
    const tokens = await ai.models.countTokens({ model: MODEL, contents: 'How many tokens is this sentence?' });
    record('200 countTokens');
    print(`  countTokens → ${tokens.totalTokens} tokens`);
    const embedded = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: ['first text', 'second text'], config: { outputDimensionality: 8 } });
    record('200 embedContent');
    print(`  embedContent → ${embedded.embeddings?.length ?? 0} vectors of ${embedded.embeddings?.[0]?.values?.length ?? 0} values`);
    summarize(fake, outcomes, print);
    return 0;
  } finally {
    await agent.close();
    await fake.close();
  }
}

async function generate(ai: GoogleGenAI, index: number, record: (outcome: string) => void, print: (line: string) => void): Promise<void> {
  try {
    const response = await ai.models.generateContent({ model: MODEL, contents: `Question number ${index}: what is pooling?` });
    record('200 generateContent');
    print(`  generateContent #${index} → "${response.text}" (${response.usageMetadata?.totalTokenCount} tokens)`);
  } catch (error) {
    const status = (error as { status?: number }).status ?? 'error';
    record(`${status} generateContent`);
    print(`  generateContent #${index} → ${status} (scripted fault)`);
  }
}

async function stream(ai: GoogleGenAI, index: number, record: (outcome: string) => void, print: (line: string) => void): Promise<void> {
  let chunks = 0;
  let text = '';
  for await (const chunk of await ai.models.generateContentStream({ model: MODEL, contents: `Stream number ${index}, please` })) {
    chunks++;
    text += chunk.text ?? '';
  }
  record('200 streamGenerateContent');
  print(`  generateContentStream #${index} → ${chunks} chunks: "${text}"`);
}

function summarize(fake: FakeGemini, outcomes: Map<string, number>, print: (line: string) => void): void {
  const stats = fake.stats();
  print('Summary');
  print(`  calls: ${[...outcomes.values()].reduce((sum, count) => sum + count, 0)} (${[...outcomes].map(([outcome, count]) => `${count}× ${outcome}`).join(', ')})`);
  print(`  connections accepted: ${stats.connections.accepted}, TLS handshakes: ${stats.connections.tlsHandshakes}`);
  print(`  HTTP versions: ${Object.entries(stats.httpVersions).map(([version, count]) => `HTTP/${version} × ${count}`).join(', ')}`);
  print(`  max concurrent requests seen by the server: ${stats.maxConcurrentRequests}`);
  print(`  faults injected: ${JSON.stringify(stats.faultsInjected)}`);
}
