// `gempool demo` flags → DemoOptions. Every value is checked here, once; a bad one is a
// ConfigError naming the flag, which the command turns into a message and exit code 2.
import { ConfigError } from '@gempool/core';

export const PHASE_NAMES = ['per-call', 'default-fetch', 'gempool'] as const;
export type PhaseName = (typeof PHASE_NAMES)[number];

export interface DemoOptions {
  /** Simulated WAN round trip (embedded server only). */
  rttMs: number;
  calls: number;
  /** Most calls the agent fleet has in flight at once. */
  concurrency: number;
  json: boolean;
  /** Where to write the HTML report; undefined: no report. */
  reportPath: string | undefined;
  phases: PhaseName[];
  /** The real Gemini API (GEMINI_API_KEY set and not --offline) rather than the embedded server. */
  real: boolean;
  seed: number;
  help: boolean;
}

export const DEMO_DEFAULTS = Object.freeze({ rttMs: 40, calls: 600, concurrency: 150, reportPath: 'gempool-report.html', seed: 7 });
/** The real-API run is deliberately tiny and cheap. */
export const REAL_DEFAULTS = Object.freeze({ calls: 20, concurrency: 10 });

export const DEMO_USAGE = `Usage: gempool demo [options]

Runs one agent-fleet workload three ways — a new connection per call, Node's default fetch,
and gempool — through the real @google/genai SDK, and compares them.

  --rtt <ms>            simulated network round trip to the embedded server (default 40)
  --calls <n>           calls per phase (default 600; 20 against the real API)
  --concurrency <n>     most calls in flight at once (default 150; 10 against the real API)
  --phases <list>       comma-separated subset of: ${PHASE_NAMES.join(', ')}
  --report <path>       where to write the HTML report (default ./gempool-report.html)
  --no-report           do not write the HTML report
  --json                print only a JSON result on stdout
  --seed <n>            workload seed (default 7)
  --offline             use the embedded server even when GEMINI_API_KEY is set

With GEMINI_API_KEY set, a small, cheap run goes to the real Gemini API instead.
`;

const VALUE_FLAGS = new Set(['--rtt', '--calls', '--concurrency', '--phases', '--report', '--seed']);

export function parseDemoArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): DemoOptions {
  const given = new Map<string, string>();
  const switches = new Set<string>();
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    const [flag, inline] = argument.startsWith('--') && argument.includes('=') ? [argument.slice(0, argument.indexOf('=')), argument.slice(argument.indexOf('=') + 1)] : [argument, undefined];
    if (VALUE_FLAGS.has(flag)) {
      const value = inline ?? argv[++index];
      if (value === undefined || value === '') throw new ConfigError(flag, 'followed by a value', value);
      given.set(flag, value);
    } else if (['--json', '--no-report', '--offline', '--help', '-h'].includes(flag) && inline === undefined) {
      switches.add(flag);
    } else {
      throw new ConfigError('argument', `one of ${[...VALUE_FLAGS, '--json', '--no-report', '--offline', '--help'].join(', ')}`, argument);
    }
  }
  if (switches.has('--no-report') && given.has('--report')) throw new ConfigError('--no-report', 'not combined with --report', '--report');

  const real = !switches.has('--offline') && typeof env.GEMINI_API_KEY === 'string' && env.GEMINI_API_KEY.trim() !== '';
  const defaults = real ? { ...DEMO_DEFAULTS, ...REAL_DEFAULTS } : DEMO_DEFAULTS;
  const concurrency = integer(given, '--concurrency', 1, 10_000) ?? defaults.concurrency;
  return {
    rttMs: integer(given, '--rtt', 0, 5_000) ?? defaults.rttMs,
    calls: integer(given, '--calls', 1, 100_000) ?? defaults.calls,
    concurrency,
    json: switches.has('--json'),
    reportPath: switches.has('--no-report') ? undefined : (given.get('--report') ?? defaults.reportPath),
    phases: phases(given.get('--phases')),
    real,
    seed: integer(given, '--seed', 0, 2 ** 31 - 1) ?? defaults.seed,
    help: switches.has('--help') || switches.has('-h'),
  };
}

function integer(given: Map<string, string>, flag: string, min: number, max: number): number | undefined {
  const text = given.get(flag);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(flag, `an integer from ${min} to ${max}`, text);
  }
  return value;
}

function phases(text: string | undefined): PhaseName[] {
  if (text === undefined) return [...PHASE_NAMES];
  const names = text.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!(PHASE_NAMES as readonly string[]).includes(name)) throw new ConfigError('--phases', `a comma-separated list of ${PHASE_NAMES.join(', ')}`, text);
  }
  // Keep the canonical order (before → after), once each.
  return PHASE_NAMES.filter((name) => names.includes(name));
}
