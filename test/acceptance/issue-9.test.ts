// Issue 9: `gempool demo --json`, the `gempool proxy` service (library and CLI, real GenAI SDK
// pointed at it) and the deployment artifacts, through the `gempool` package and its CLI.
import { execFile, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ApiError, GoogleGenAI } from '@google/genai';
import { startFakeGemini, type FakeGemini } from '@gempool/testing';
import { drainOnSignals, startProxy, type RunningProxy } from 'gempool';

const run = promisify(execFile);
const NODE = 'node_modules/.bin/node';
const BIN = 'packages/cli/dist/bin.js';
const TOKEN = 'proxy-token-acceptance-9';
const UPSTREAM_KEY = 'upstream-key-acceptance-9';

let fake: FakeGemini | undefined;
let proxy: RunningProxy | undefined;
afterEach(async () => {
  await proxy?.close().catch(() => undefined);
  await fake?.close();
  proxy = undefined;
  fake = undefined;
});

async function startPair(fakeOptions = {}) {
  fake = await startFakeGemini({ tls: true, requireApiKey: UPSTREAM_KEY, ...fakeOptions });
  proxy = await startProxy({ port: 0, tokens: [TOKEN], upstream: { origin: fake.origin, apiKey: UPSTREAM_KEY }, pool: { tls: { ca: fake.ca }, minConnections: 1 } });
  await proxy.ready();
  return { fake, proxy };
}

const sdk = (baseUrl: string, apiKey: string) => new GoogleGenAI({ apiKey, httpOptions: { baseUrl } });

describe('issue 9: gempool proxy (library)', () => {
  it('binds 127.0.0.1 by default and answers the real GenAI SDK (unary and stream) with the token; upstream key held by the proxy', async () => {
    const { proxy } = await startPair();
    expect(new URL(proxy.url).hostname).toBe('127.0.0.1');
    const ai = sdk(proxy.url, TOKEN);
    expect((await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'via proxy' })).text).toBe('Echo: via proxy');
    let streamed = '';
    for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'stream via proxy' })) streamed += chunk.text ?? '';
    expect(streamed).toContain('stream');
  });

  it('without a token (or with a wrong one) the caller gets 401 UNAUTHENTICATED', async () => {
    const { proxy } = await startPair();
    const error = await sdk(proxy.url, 'wrong').models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' }).catch((e: unknown) => e);
    expect((error as ApiError).status).toBe(401);
    const bare = await fetch(`${proxy.url}/v1beta/models/gemini-2.5-flash:generateContent`, { method: 'POST', body: '{}' });
    expect(bare.status).toBe(401);
    expect(JSON.stringify(await bare.json())).toContain('UNAUTHENTICATED');
  });

  it('requires a token unless noAuth is explicit', async () => {
    fake = await startFakeGemini({ tls: true });
    await expect(startProxy({ port: 0, upstream: { origin: fake.origin, apiKey: 'k' } })).rejects.toThrow(/token|noAuth/i);
  });

  it('/healthz, /readyz (ready once warm) and /metrics (Prometheus) need no token', async () => {
    const { proxy } = await startPair();
    expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${proxy.url}/readyz`)).status).toBe(200);
    await sdk(proxy.url, TOKEN).models.generateContent({ model: 'gemini-2.5-flash', contents: 'for metrics' });
    const metrics = await (await fetch(`${proxy.url}/metrics`)).text();
    expect(metrics).toMatch(/^gempool_utilization/m);
    expect(metrics).toContain('gempool_requests_total');
    expect(metrics).not.toContain(UPSTREAM_KEY);
    expect(metrics).not.toContain(TOKEN);
  });

  it('/readyz is 503 until the pool is warm (upstream unreachable)', async () => {
    fake = await startFakeGemini({ tls: true });
    const origin = fake.origin;
    const ca = fake.ca;
    await fake.close();
    fake = undefined;
    proxy = await startProxy({ port: 0, noAuth: true, upstream: { origin, apiKey: 'k' }, pool: { tls: { ca }, connectTimeoutMs: 200 }, warmupRetryMs: 60_000 });
    expect((await fetch(`${proxy.url}/readyz`)).status).toBe(503);
    expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200);
  });

  it('SIGTERM during load: stops accepting, drains in-flight calls (none lost), then closes', async () => {
    const { proxy } = await startPair({ latency: { fixedMs: 80 } });
    const signals = new EventEmitter(); // stands in for `process`
    const drained = drainOnSignals(proxy, { source: signals });
    const ai = sdk(proxy.url, TOKEN);
    const calls = Array.from({ length: 20 }, (_, i) => ai.models.generateContent({ model: 'gemini-2.5-flash', contents: `in flight ${i}` }));
    while (proxy.inFlight < 20) await new Promise((resolve) => setTimeout(resolve, 5));
    signals.emit('SIGTERM');
    const answers = await Promise.all(calls);
    expect(answers.map((a) => a.text)).toEqual(answers.map((_, i) => `Echo: in flight ${i}`));
    expect(await drained).toMatchObject({ abandoned: 0 });
    await expect(fetch(`${proxy.url}/healthz`)).rejects.toThrow();
  });
});

describe('issue 9: gempool proxy (CLI)', () => {
  it('exits 2 naming the flag on a bad flag, and refuses to start with neither a token nor --no-auth', async () => {
    const bad = await run(NODE, [BIN, 'proxy', '--port', 'eighty']).catch((e: { code: number; stderr: string }) => e);
    expect((bad as { code: number }).code).toBe(2);
    expect((bad as { stderr: string }).stderr).toContain('--port');
    const env = { ...process.env, GEMINI_API_KEY: 'k', GEMPOOL_PROXY_TOKEN: '' };
    const noAuth = await run(NODE, [BIN, 'proxy', '--port', '0'], { env }).catch((e: { code: number }) => e);
    expect((noAuth as { code: number }).code).toBe(2);
  });

  it('SIGTERM to the process: in-flight calls finish, exit code 0', async () => {
    fake = await startFakeGemini({ tls: true, latency: { fixedMs: 80 } });
    const dir = await mkdtemp(join(tmpdir(), 'gempool-9-'));
    await writeFile(join(dir, 'ca.pem'), fake.ca!);
    await writeFile(join(dir, 'key'), 'k');
    const child = spawn(NODE, [BIN, 'proxy', '--port', '0', '--no-auth', '--upstream', fake.origin, '--ca-file', join(dir, 'ca.pem'), '--api-key-file', join(dir, 'key'), '--min-connections', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    while (!/http:\/\/127\.0\.0\.1:\d+/.test(output)) await new Promise((resolve) => setTimeout(resolve, 20));
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(output)![0];
    while ((await fetch(`${url}/readyz`)).status !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
    const ai = sdk(url, 'unused');
    const calls = Array.from({ length: 10 }, (_, i) => ai.models.generateContent({ model: 'gemini-2.5-flash', contents: `cli ${i}` }));
    while (fake.stats().inFlight < 10) await new Promise((resolve) => setTimeout(resolve, 5));
    child.kill('SIGTERM');
    expect((await Promise.all(calls)).map((a) => a.text)).toEqual(calls.map((_, i) => `Echo: cli ${i}`));
    expect(await exited).toBe(0);
  });
});

describe('issue 9: gempool demo --json', () => {
  it('runs a small workload: every call accounted for, gempool opens fewer connections than connection-per-call; writes the HTML report', async () => {
    const report = join(await mkdtemp(join(tmpdir(), 'gempool-9-')), 'report.html');
    const { stdout } = await run(NODE, [BIN, 'demo', '--json', '--report', report, '--calls', '40', '--concurrency', '20', '--rtt', '2'], { timeout: 25_000, env: { ...process.env, GEMINI_API_KEY: '' } });
    const result = JSON.parse(stdout) as { phases: Array<{ name: string; calls: number; succeeded: number; failed: number; connectionsOpened: number }>; invariants: Record<string, boolean> };
    expect(result.phases.map((p) => p.name)).toEqual(['per-call', 'default-fetch', 'gempool']);
    for (const phase of result.phases) expect(phase.succeeded + phase.failed).toBe(40);
    expect(result.invariants).toEqual({ allCallsAccounted: true, gempoolFewerConnections: true });
    const byName = Object.fromEntries(result.phases.map((p) => [p.name, p]));
    expect(byName.gempool!.connectionsOpened).toBeLessThan(byName['per-call']!.connectionsOpened);
    // The report is one self-contained page with charts: inline SVG, no external scripts or styles.
    const html = await readFile(report, 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/);
  }, 30_000);

  it('a bad flag exits 2 naming it', async () => {
    const error = await run(NODE, [BIN, 'demo', '--calls', '0']).catch((e: { code: number; stderr: string }) => e);
    expect((error as { code: number }).code).toBe(2);
    expect((error as { stderr: string }).stderr).toContain('--calls');
  });
});

describe('issue 9: deployment artifacts', () => {
  const yamlDocs = async (path: string) => parseAllDocuments(await readFile(path, 'utf8')).map((d) => d.toJS() as Record<string, any>);

  it('Kubernetes: readiness on /readyz, PDB, HPA on an external utilisation metric, grace period longer than the drain', async () => {
    const [deployment] = await yamlDocs('integrations/deploy/k8s/deployment.yaml');
    const container = deployment!.spec.template.spec.containers[0];
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    const args: string[] = [...(container.command ?? []), ...(container.args ?? [])];
    const port = Number(args[args.indexOf('--port') + 1] ?? 8080);
    expect([container.readinessProbe.httpGet.port, container.ports?.[0]?.containerPort]).toContain(port);
    const drain = args.includes('--drain-timeout') ? args[args.indexOf('--drain-timeout') + 1]! : '30s';
    expect(deployment!.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(Number.parseInt(drain, 10));
    const [pdb] = await yamlDocs('integrations/deploy/k8s/pdb.yaml');
    expect(pdb!.kind).toBe('PodDisruptionBudget');
    const [hpa] = await yamlDocs('integrations/deploy/k8s/hpa.yaml');
    expect(hpa!.spec.metrics[0].type).toBe('External');
    expect(JSON.stringify(hpa!.spec.metrics[0])).toContain('gempool_utilization');
  });

  it('Cloud Run: min instances, concurrency, startup probe on /readyz', async () => {
    const [service] = await yamlDocs('integrations/deploy/cloud-run/service.yaml');
    const template = service!.spec.template;
    expect(Number(template.metadata.annotations['autoscaling.knative.dev/minScale'])).toBeGreaterThanOrEqual(1);
    expect(template.spec.containerConcurrency).toBeGreaterThan(0);
    expect(template.spec.containers[0].startupProbe.httpGet.path).toBe('/readyz');
  });

  it('Dockerfile runs the proxy', async () => {
    expect(await readFile('integrations/deploy/Dockerfile', 'utf8')).toMatch(/CMD .*"proxy"/);
  });
});
