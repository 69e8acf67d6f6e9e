// Flag validation: a bad value is a clear message naming the flag and exit code 2, before any
// server starts; GEMINI_API_KEY switches to a small real-API run unless --offline.
import { describe, expect, it } from 'vitest';
import { run, type DemoIo } from '../../src/commands/demo.js';
import { DEMO_DEFAULTS, parseDemoArgs, REAL_DEFAULTS } from '../../src/demo/demo-options.js';

function captureIo(): DemoIo & { out: string; err: string } {
  const io = { out: '', err: '', stdout: (text: string) => void (io.out += text), stderr: (text: string) => void (io.err += text), stdoutIsTty: false, stderrIsTty: false, env: {} };
  return io;
}

describe('gempool demo flags', () => {
  it.each([
    [['--rtt', '-5'], '--rtt'],
    [['--rtt', '1.5'], '--rtt'],
    [['--calls', '0'], '--calls'],
    [['--calls', 'many'], '--calls'],
    [['--concurrency', '100000'], '--concurrency'],
    [['--phases', 'gempool,turbo'], '--phases'],
    [['--report'], '--report'],
    [['--report', 'a.html', '--no-report'], '--no-report'],
    [['--bogus'], 'argument'],
    [['--json=yes'], 'argument'],
  ])('%j → exit 2 naming %s', async (argv, field) => {
    const io = captureIo();
    expect(await run(argv, io)).toBe(2);
    expect(io.err).toContain(`Expected \`${field}\``);
    expect(io.err).toContain('Usage: gempool demo');
    expect(io.out).toBe('');
  });

  it('--help prints usage and exits 0', async () => {
    const io = captureIo();
    expect(await run(['--help'], io)).toBe(0);
    expect(io.out).toContain('--concurrency');
  });

  it('parses values, both flag forms and keeps the phase order canonical', () => {
    const options = parseDemoArgs(['--rtt=0', '--calls', '60', '--phases', 'gempool,per-call', '--json', '--no-report'], {});
    expect(options).toMatchObject({ rttMs: 0, calls: 60, concurrency: DEMO_DEFAULTS.concurrency, json: true, reportPath: undefined, phases: ['per-call', 'gempool'], real: false });
  });

  it('defaults to the embedded server, or a small real run when GEMINI_API_KEY is set', () => {
    expect(parseDemoArgs([], {})).toMatchObject({ real: false, calls: 600, concurrency: 150, rttMs: 40, reportPath: 'gempool-report.html' });
    expect(parseDemoArgs([], { GEMINI_API_KEY: 'k' })).toMatchObject({ real: true, ...REAL_DEFAULTS });
    expect(parseDemoArgs([], { GEMINI_API_KEY: '  ' }).real).toBe(false);
    expect(parseDemoArgs(['--offline'], { GEMINI_API_KEY: 'k' }).real).toBe(false);
  });
});
