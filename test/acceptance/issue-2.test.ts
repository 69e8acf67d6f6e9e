// Issue 2 (foundation) acceptance checks, written from the issue text and the README (Testing section) only:
// toolchain, the README's two commands, startFakeGemini over TLS + HTTP/2 through the real
// @google/genai client and raw undici, scripted faults, stats, and startLatencyProxy.
import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import { GoogleGenAI } from '@google/genai';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL, modelPath, promptBody, rawClient, until } from './issue-2-3-helpers.js';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const projectNode = `${root}node_modules/.bin/node`;
const readJson = (path: string) => JSON.parse(readFileSync(`${root}${path}`, 'utf8')) as Record<string, any>;
const workspaces = ['@gempool/core', '@gempool/otel', '@gempool/testing', '@gempool/genai', '@gempool/langchain'];

describe('issue 2.1: toolchain', () => {
  it('engines.node is >=22.19 (root and every workspace package)', () => {
    expect(readJson('package.json').engines.node).toBe('>=22.19');
    for (const dir of ['packages/core', 'packages/otel', 'packages/testing', 'integrations/genai', 'integrations/langchain']) {
      expect(readJson(`${dir}/package.json`).engines?.node, dir).toBe('>=22.19');
    }
  });

  it('npm scripts run on Node 24 even with the system Node 20 first on PATH', async () => {
    const { stdout } = await run('npm', ['exec', '--offline', '-c', 'node -p process.versions.node'], { cwd: root, env: { ...process.env, PATH: '/usr/bin:/bin' } });
    expect(stdout.trim()).toMatch(/^24\./);
  });

  it.each(workspaces)('%s resolves by name from the repo root as built JavaScript with the project Node', async (name) => {
    const script = `const m = await import('${name}'); console.log(JSON.stringify({ url: import.meta.resolve('${name}'), exports: Object.keys(m).length }))`;
    const { stdout } = await run(projectNode, ['--input-type=module', '-e', script], { cwd: root });
    const result = JSON.parse(stdout) as { url: string; exports: number };
    expect(result.url).toMatch(/\/dist\/index\.js$/);
    expect(result.exports).toBeGreaterThan(0);
  });

  it('the install step builds (a prepare script runs the TypeScript build)', () => {
    expect(readJson('package.json').scripts.prepare).toMatch(/tsc -b/);
  });
});

describe('issue 2.2: README commands and CI', () => {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const firstBlock = /```(?:sh|bash)?\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const commands = firstBlock.split('\n').map((line) => line.replace(/#.*$/, '').trim()).filter(Boolean);

  it('the README starts with exactly two commands: install + start, install + test', () => {
    expect(readme.indexOf('```')).toBeLessThan(readme.indexOf('\n##') === -1 ? Infinity : readme.indexOf('\n##'));
    expect(commands).toEqual(['npm install && npm start', 'npm install && npm test']);
  });

  it('npm start runs and prints what it did (short offline run)', async () => {
    const args = ['start', '--silent', '--', '--calls', '6', '--concurrency', '3', '--rtt', '1', '--no-report', '--json', '--offline', '--phases', 'gempool'];
    const { stdout } = await run('npm', args, { cwd: root, env: { ...process.env, PATH: '/usr/bin:/bin' }, timeout: 25_000 });
    expect(stdout.length).toBeGreaterThan(0);
    expect(() => JSON.parse(stdout)).not.toThrow();
  });

  it('.ci/run is executable and runs the README test command, typecheck and lint', () => {
    accessSync(`${root}.ci/run`, constants.X_OK);
    const ci = readFileSync(`${root}.ci/run`, 'utf8');
    expect(ci).toContain(commands[1]);
    expect(ci).toMatch(/npm run typecheck|tsc/);
    expect(ci).toMatch(/npm run lint|eslint/);
  });
});

describe('issue 2.3: startFakeGemini over TLS (HTTP/2 + HTTP/1.1)', () => {
  let fake: FakeGemini;
  let raw: ReturnType<typeof rawClient>;
  let ai: GoogleGenAI;
  beforeAll(async () => {
    fake = await startFakeGemini({ tls: true, latency: { 'gemini-slow': { fixedMs: 60 }, '*': { fixedMs: 0 } } });
    raw = rawClient(fake);
    const fetchOverAgent = (input: unknown, init?: unknown) => undiciFetch(input as string, { ...(init as object), dispatcher: raw.agent });
    ai = new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: fake.origin, fetch: fetchOverAgent as unknown as typeof fetch } });
  });
  afterAll(async () => {
    await raw.agent.close();
    await fake.close();
  });

  it('returns { origin, ca, stats(), setFaults(list), close() }', () => {
    expect(fake.origin).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(fake.ca).toContain('BEGIN CERTIFICATE');
    for (const fn of [fake.stats, fake.setFaults, fake.close]) expect(typeof fn).toBe('function');
  });

  it('the real GenAI SDK: generateContent, stream, countTokens, embedContent, with usageMetadata', async () => {
    const response = await ai.models.generateContent({ model: MODEL, contents: 'Hello there' });
    expect(response.text).toBe('Echo: Hello there');
    expect(response.usageMetadata?.totalTokenCount).toBeGreaterThan(0);
    let streamed = '';
    let chunks = 0;
    for await (const chunk of await ai.models.generateContentStream({ model: MODEL, contents: 'stream me' })) {
      streamed += chunk.text ?? '';
      chunks++;
    }
    expect(chunks).toBeGreaterThan(1);
    expect(streamed).toContain('stream me');
    expect((await ai.models.countTokens({ model: MODEL, contents: 'count these tokens' })).totalTokens).toBeGreaterThan(0);
    const embedded = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: ['a', 'b'] });
    expect(embedded.embeddings?.map((e) => e.values?.length)).toEqual([768, 768]);
  });

  it.each([
    ['Google AI v1', modelPath(MODEL, 'generateContent', 'v1')],
    ['Google AI v1beta', modelPath(MODEL, 'generateContent', 'v1beta')],
    ['Vertex v1', `/v1/projects/p/locations/us-central1/publishers/google/models/${MODEL}:generateContent`],
    ['Vertex v1beta1', `/v1beta1/projects/p/locations/us-central1/publishers/google/models/${MODEL}:generateContent`],
  ])('%s path answers generateContent', async (_name, path) => {
    const res = await raw.request(path, { body: promptBody('path check') });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).usageMetadata.promptTokenCount).toBeGreaterThan(0);
  });

  it('streamGenerateContent: SSE with alt=sse, a JSON array without it', async () => {
    const sse = await raw.fetch(`${modelPath(MODEL, 'streamGenerateContent')}?alt=sse`, { body: promptBody('sse') });
    expect(sse.headers.get('content-type')).toMatch(/text\/event-stream/);
    expect((await sse.text()).match(/^data: \{/gm)?.length).toBeGreaterThan(1);
    const array = await raw.fetch(modelPath(MODEL, 'streamGenerateContent'), { body: promptBody('array') });
    const items = JSON.parse(await array.text()) as Array<{ usageMetadata?: unknown }>;
    expect(Array.isArray(items) && items.length > 1).toBe(true);
  });

  it('embedContent and batchEmbedContents answer on their own paths', async () => {
    const one = await raw.request(modelPath('gemini-embedding-001', 'embedContent'), { body: JSON.stringify({ content: { parts: [{ text: 'x' }] } }) });
    expect(JSON.parse(one.text).embedding.values).toHaveLength(768);
    const body = JSON.stringify({ requests: [{ content: { parts: [{ text: 'x' }] } }, { content: { parts: [{ text: 'y' }] } }] });
    const batch = await raw.request(modelPath('gemini-embedding-001', 'batchEmbedContents'), { body });
    expect(JSON.parse(batch.text).embeddings).toHaveLength(2);
  });

  it('ALPN offers h2 and http/1.1; stats() sees both versions', async () => {
    const alpn = async (protocols: string[]) =>
      new Promise<string | false>((resolve, reject) => {
        const socket = tlsConnect({ host: '127.0.0.1', port: Number(new URL(fake.origin).port), ca: fake.ca, ALPNProtocols: protocols }, () => {
          resolve(socket.alpnProtocol ?? false);
          socket.end();
        });
        socket.on('error', reject);
      });
    expect(await alpn(['h2', 'http/1.1'])).toBe('h2');
    expect(await alpn(['http/1.1'])).toBe('http/1.1');
    const h1 = new Agent({ connect: { ca: fake.ca }, allowH2: false });
    await undiciFetch(`${fake.origin}${modelPath(MODEL, 'countTokens')}`, { dispatcher: h1, method: 'POST', body: promptBody('h1') }).then((r) => r.text());
    await h1.close();
    const versions = fake.stats().httpVersions;
    expect(versions['2']).toBeGreaterThan(0);
    expect(versions['1.1']).toBeGreaterThan(0);
  });

  it('latency model per model: a fixed 60 ms model answers no sooner (lower bound only)', async () => {
    const start = performance.now();
    await raw.request(modelPath('gemini-slow', 'generateContent'), { body: promptBody('slow') });
    expect(performance.now() - start).toBeGreaterThanOrEqual(55);
  });

  it('stats(): connections accepted, TLS handshakes, open, requests by model and method, max concurrency', async () => {
    fake.resetStats();
    await Promise.all([1, 2, 3].map((i) => raw.request(modelPath('gemini-stats', 'generateContent'), { body: promptBody(`s${i}`) })));
    const stats = fake.stats();
    expect(stats.requests.byModel['gemini-stats']).toBe(3);
    expect(stats.requests.byMethod.generateContent).toBe(3);
    expect(stats.maxConcurrentRequests).toBeGreaterThanOrEqual(1);
    expect(stats.connections).toEqual(expect.objectContaining({ accepted: expect.any(Number), open: expect.any(Number), tlsHandshakes: expect.any(Number) }));
    const fresh = await startFakeGemini({ tls: true });
    const agent = new Agent({ connect: { ca: fresh.ca } });
    await undiciFetch(`${fresh.origin}${modelPath(MODEL, 'countTokens')}`, { dispatcher: agent, method: 'POST', body: promptBody('x') }).then((r) => r.text());
    expect(fresh.stats().connections).toEqual({ accepted: 1, open: 1, tlsHandshakes: 1 });
    await agent.close();
    await until(() => fresh.stats().connections.open === 0, 'the closed connection to be counted');
    await fresh.close();
  });
});

describe('issue 2.3: tls: false serves plain HTTP/1.1', () => {
  it('answers over http:// with HTTP/1.1 and no CA', async () => {
    const fake = await startFakeGemini({ tls: false });
    try {
      expect(fake.origin).toMatch(/^http:\/\//);
      expect(fake.ca).toBeUndefined();
      const res = await undiciFetch(`${fake.origin}${modelPath(MODEL, 'generateContent')}`, { method: 'POST', body: promptBody('plain') });
      expect(res.status).toBe(200);
      await res.text();
      expect(fake.stats().httpVersions).toEqual({ '1.1': 1 });
    } finally {
      await fake.close();
    }
  });
});
