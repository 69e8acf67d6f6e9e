// The compiled CLI as a child process: what the Dockerfile runs. Started on port 0 (the port is
// read from its log line), used through the SDK, then sent a real SIGTERM under load.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoogleGenAI } from '@google/genai';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { PROXY_PATHS } from '../../src/proxy/index.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const node = join(root, 'node_modules/.bin/node');
const bin = join(root, 'packages/cli/dist/bin.js');
const TOKEN = 'cli-proxy-token';
const UPSTREAM_KEY = 'cli-upstream-key';

let fake: FakeGemini;
let dir: string;

beforeAll(async () => {
  // Incremental: near-instant when dist is current. A compile error fails this file, loudly.
  await promisify(execFile)('npx', ['tsc', '-b', 'packages/cli'], { cwd: root, timeout: 120_000 });
  fake = await startFakeGemini({ tls: true, requireApiKey: UPSTREAM_KEY, latency: { fixedMs: 400 } });
  dir = mkdtempSync(join(tmpdir(), 'gempool-proxy-cli-'));
  writeFileSync(join(dir, 'ca.pem'), fake.ca!);
  writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
}, 150_000);

afterAll(async () => {
  await fake?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

interface Child {
  process: ChildProcess;
  stderr: () => string;
  exit: Promise<number | null>;
}

function startCli(args: string[], env: Record<string, string> = {}): Child {
  const child = spawn(node, [bin, 'proxy', ...args], { cwd: root, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, stderr: () => stderr, exit };
}

describe('gempool proxy (compiled CLI, child process)', () => {
  it('exits 2 naming the flag when a flag is bad', async () => {
    const child = startCli(['--port', 'eighty', '--no-auth'], { GEMINI_API_KEY: UPSTREAM_KEY });
    expect(await child.exit).toBe(2);
    expect(child.stderr()).toContain('`--port`');
  });

  it('serves through its pool, then drains on SIGTERM without losing an in-flight call and exits 0', async () => {
    const child = startCli(['--port', '0', '--token-file', join(dir, 'token'), '--upstream', fake.origin, '--ca-file', join(dir, 'ca.pem'), '--min-connections', '1', '--drain-timeout', '20s'], {
      GEMINI_API_KEY: UPSTREAM_KEY,
    });
    try {
      await expect.poll(() => /listening on (http:\/\/\S+),/.exec(child.stderr())?.[1], { timeout: 15_000 }).toBeDefined();
      const url = /listening on (http:\/\/\S+),/.exec(child.stderr())![1]!;
      await expect.poll(async () => (await fetch(url + PROXY_PATHS.readyz)).status, { timeout: 15_000 }).toBe(200);

      const ai = new GoogleGenAI({ apiKey: 'dummy', httpOptions: { baseUrl: url, headers: { Authorization: `Bearer ${TOKEN}` } } });
      const calls = Array.from({ length: 10 }, (_, i) => ai.models.generateContent({ model: 'gemini-2.5-flash', contents: `call ${i}` }).then((r) => r.text));
      // All ten reached upstream (monotonic count); with 400 ms upstream latency they are in flight.
      await expect.poll(() => fake.stats().requests.total).toBe(10);
      expect(fake.stats().inFlight).toBeGreaterThan(0);
      child.process.kill('SIGTERM');

      const texts = await Promise.all(calls);
      texts.forEach((text, i) => expect(text).toContain(`call ${i}`));
      expect(await child.exit).toBe(0);
      expect(child.stderr()).toContain('SIGTERM received, draining');
      expect(child.stderr()).toContain('closed');
      expect(child.stderr()).not.toContain(TOKEN);
      expect(child.stderr()).not.toContain(UPSTREAM_KEY);
    } finally {
      child.process.kill('SIGKILL');
    }
  });
});
