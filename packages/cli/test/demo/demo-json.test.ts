// The demo end to end in --json mode with a tiny workload, in-process against the embedded server:
// it must account for every call in every phase and open fewer connections with gempool than
// with a connection per call. No timing assertions: numbers vary with the machine.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, type DemoIo } from '../../src/commands/demo.js';
import type { DemoResult } from '../../src/demo/run-demo.js';

function captureIo(env: Record<string, string | undefined> = {}): DemoIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: (text: string) => void (io.out += text),
    stderr: (text: string) => void (io.err += text),
    stdoutIsTty: false,
    stderrIsTty: false,
    env,
  };
  return io;
}

describe('gempool demo --json', () => {
  let dir: string;
  let result: DemoResult;
  let code: number;
  let io: ReturnType<typeof captureIo>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gempool-demo-'));
    // A key in the environment must not switch a run marked --offline to the real API.
    io = captureIo({ GEMINI_API_KEY: 'must-never-be-used-or-printed' });
    code = await run(['--json', '--offline', '--calls', '60', '--rtt', '5', '--concurrency', '40', '--report', join(dir, 'report.html')], io);
    result = JSON.parse(io.out) as DemoResult;
  }, 60_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints nothing but one JSON document on stdout and exits 0', () => {
    expect(code).toBe(0);
    expect(io.out.trim().startsWith('{')).toBe(true);
    expect(io.err).toBe('');
    expect(result.mode).toBe('embedded');
    expect(result.phases.map((phase) => phase.name)).toEqual(['per-call', 'default-fetch', 'gempool']);
  });

  it('accounts for every call in every phase (successes + typed failures = calls)', () => {
    expect(result.invariants.allCallsAccounted).toBe(true);
    for (const phase of result.phases) {
      const failures = Object.values(phase.errors).reduce((sum, n) => sum + n, 0);
      expect(phase.calls).toBe(60);
      expect(phase.succeeded + failures).toBe(60);
      for (const errorCode of Object.keys(phase.errors)) expect(errorCode).toMatch(/^[A-Z0-9_]+$/);
    }
  });

  it('opens one connection per call in the baseline and far fewer with gempool', () => {
    const perCall = result.phases.find((phase) => phase.name === 'per-call')!;
    const gempool = result.phases.find((phase) => phase.name === 'gempool')!;
    expect(perCall.connectionsOpened).toBe(60);
    expect(perCall.tlsHandshakes).toBe(60);
    expect(gempool.connectionsOpened).toBeLessThan(perCall.connectionsOpened!);
    expect(result.invariants.gempoolFewerConnections).toBe(true);
  });

  it('reports gempool-only counters for gempool and none for the baselines', () => {
    const [perCall, defaultFetch, gempool] = result.phases;
    for (const baseline of [perCall!, defaultFetch!]) {
      expect(baseline.retries).toBeNull();
      expect(baseline.coalesced).toBeNull();
      expect(baseline.breakerTrips).toBeNull();
      // The scripted 429s and 503s reach baseline callers as typed HTTP failures.
      expect(baseline.errors.HTTP_429).toBeGreaterThan(0);
    }
    expect(gempool!.retries).toBeGreaterThan(0);
    expect(gempool!.coalesced).toBeGreaterThan(0);
    // Coalesced callers never reached the server.
    expect(gempool!.serverRequests).toBeLessThan(60 + gempool!.retries!);
    expect(gempool!.tokens.total).toBeLessThan(perCall!.tokens.total);
  });

  it('writes a self-contained HTML report with the charts', async () => {
    expect(result.reportPath).toBe(join(dir, 'report.html'));
    const html = await readFile(result.reportPath!, 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('Open connections');
    expect(html).toContain('Calls by lane');
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect(io.out + html).not.toContain('must-never-be-used-or-printed');
  });
});
