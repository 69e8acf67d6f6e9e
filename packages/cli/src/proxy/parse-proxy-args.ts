// `gempool proxy` flags → ProxyOptions. Every bad flag is a ConfigError naming the flag (the CLI
// exits 2 with its message). Secrets come from the environment or files; a token on argv works but
// draws a warning because process listings show it.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError } from '@gempool/core';
import { PROXY_DEFAULTS, PROXY_ENV } from './proxy-defaults.js';
import { parseOrigin, validateProxyOptions, type OptionNames, type ProxyOptions } from './proxy-options.js';

export const FLAG_NAMES: OptionNames = {
  port: '--port',
  host: '--host',
  tokens: '--token',
  noAuth: '--no-auth',
  origin: '--upstream',
  apiKey: PROXY_ENV.apiKeys.join(' / '),
  useAdc: '--adc',
  drainTimeoutMs: '--drain-timeout',
  maxRequestBytes: '--max-request-bytes',
  warmupRetryMs: '--warmup-retry',
};

const FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  token: { type: 'string', multiple: true },
  'token-file': { type: 'string' },
  'no-auth': { type: 'boolean' },
  upstream: { type: 'string' },
  'api-key-file': { type: 'string' },
  adc: { type: 'boolean' },
  'drain-timeout': { type: 'string' },
  'ca-file': { type: 'string' },
  'min-connections': { type: 'string' },
  'max-connections': { type: 'string' },
  'max-request-bytes': { type: 'string' },
  'no-coalesce': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const PROXY_USAGE = `Usage: gempool proxy [flags]

Serves the Gemini REST API on the same paths and forwards every call through a warm gempool pool.
  --port N               listen port (default ${PROXY_DEFAULTS.port})
  --host H               listen address (default ${PROXY_DEFAULTS.host}; 0.0.0.0 in containers)
  --token-file F         file holding the bearer token clients must send (or env ${PROXY_ENV.token};
                         several tokens, comma-separated, for rotation)
  --token T              same, on the command line (visible in process listings)
  --no-auth              serve without client authentication (explicit opt-out)
  --upstream URL         upstream origin (default ${PROXY_DEFAULTS.upstream})
  --api-key-file F       upstream API key file (default: env ${PROXY_ENV.apiKeys.join(' or ')})
  --adc                  authenticate upstream with Application Default Credentials (Vertex AI)
  --ca-file F            extra CA certificate(s), PEM, trusted for the upstream
  --drain-timeout D      on SIGTERM, wait this long for in-flight calls (default ${PROXY_DEFAULTS.drainTimeoutMs / 1000}s; 500ms, 30s, 2m)
  --min-connections N    warm connections kept open
  --max-connections N    connection ceiling
  --max-request-bytes N  largest request body accepted (default ${PROXY_DEFAULTS.maxRequestBytes})
  --no-coalesce          never share one upstream call between identical concurrent calls
                         (callers share the proxy's credential, so by default they may share answers)
Endpoints: /healthz (alive), /readyz (pool warm), /metrics (Prometheus); all other paths are forwarded.
`;

export interface ParsedProxyArgs {
  options: ProxyOptions;
  help: boolean;
  /** Advice for the operator (never containing a secret). */
  warnings: string[];
}

export interface ParseEnvironment {
  env?: Record<string, string | undefined>;
  readFile?: (path: string) => string;
}

export function parseProxyArgs(argv: readonly string[], environment: ParseEnvironment = {}): ParsedProxyArgs {
  const env = environment.env ?? process.env;
  const readFile = environment.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const values = parseFlags(argv);
  const warnings: string[] = [];
  if (values.help === true) return { options: { upstream: {} }, help: true, warnings };

  const tokens = collectTokens(values, env, readFile, warnings);
  const apiKey = values.adc === true ? undefined : readApiKey(values['api-key-file'], env, readFile);
  const options: ProxyOptions = {
    port: values.port === undefined ? PROXY_DEFAULTS.port : parseInteger(values.port, FLAG_NAMES.port),
    host: values.host ?? PROXY_DEFAULTS.host,
    tokens,
    noAuth: values['no-auth'] === true,
    upstream: {
      origin: parseOrigin(values.upstream ?? PROXY_DEFAULTS.upstream, FLAG_NAMES.origin),
      ...(apiKey === undefined ? {} : { apiKey }),
      ...(values.adc === true ? { useAdc: true } : {}),
    },
    drainTimeoutMs: values['drain-timeout'] === undefined ? PROXY_DEFAULTS.drainTimeoutMs : parseDuration(values['drain-timeout'], FLAG_NAMES.drainTimeoutMs),
  };
  if (values['max-request-bytes'] !== undefined) options.maxRequestBytes = parseInteger(values['max-request-bytes'], FLAG_NAMES.maxRequestBytes);
  options.pool = poolOptions(values, readFile);
  validateProxyOptions(options, FLAG_NAMES);
  return { options, help: false, warnings };
}

type FlagValues = ReturnType<typeof parseFlags>;

function parseFlags(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    // parseArgs names the offending flag in its message: make it the field of the ConfigError.
    const message = error instanceof Error ? error.message : String(error);
    const flag = /'(--?[\w-]+)/.exec(message)?.[1] ?? 'gempool proxy';
    throw new ConfigError(flag, 'a known flag, with a value where it takes one (see `gempool proxy --help`)', message.split('. ')[0]);
  }
}

function collectTokens(values: FlagValues, env: Record<string, string | undefined>, readFile: (path: string) => string, warnings: string[]): string[] {
  const sources: string[] = [];
  if (values.token !== undefined) {
    warnings.push(`${FLAG_NAMES.tokens} on the command line is visible in process listings; prefer ${PROXY_ENV.token} or --token-file`);
    sources.push(...values.token);
  }
  if (values['token-file'] !== undefined) sources.push(readSecretFile(values['token-file'], '--token-file', readFile));
  if (sources.length === 0 && env[PROXY_ENV.token] !== undefined && env[PROXY_ENV.token] !== '') sources.push(env[PROXY_ENV.token]!);
  // With --no-auth an inherited token in the environment is ignored rather than a contradiction.
  if (values['no-auth'] === true && values.token === undefined && values['token-file'] === undefined) return [];
  return sources.flatMap((source) => source.split(',')).map((token) => token.trim()).filter((token) => token !== '');
}

function readApiKey(file: string | undefined, env: Record<string, string | undefined>, readFile: (path: string) => string): string | undefined {
  if (file !== undefined) return readSecretFile(file, '--api-key-file', readFile);
  for (const name of PROXY_ENV.apiKeys) {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

function readSecretFile(path: string, flag: string, readFile: (path: string) => string): string {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    throw new ConfigError(flag, 'a readable file', `${path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  const secret = text.trim();
  if (secret === '') throw new ConfigError(flag, 'a file holding a secret', `${path} (empty)`);
  return secret;
}

function poolOptions(values: FlagValues, readFile: (path: string) => string): NonNullable<ProxyOptions['pool']> {
  const pool: NonNullable<ProxyOptions['pool']> = {};
  if (values['min-connections'] !== undefined) pool.minConnections = parseInteger(values['min-connections'], '--min-connections');
  if (values['max-connections'] !== undefined) pool.maxConnections = parseInteger(values['max-connections'], '--max-connections');
  if (values['no-coalesce'] === true) pool.coalesce = false;
  if (values['ca-file'] !== undefined) {
    let ca: string;
    try {
      ca = readFile(values['ca-file']);
    } catch (error) {
      throw new ConfigError('--ca-file', 'a readable PEM file', `${values['ca-file']} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError('--ca-file', 'a PEM file with at least one certificate', values['ca-file']);
    pool.tls = { ca };
  }
  return pool;
}

function parseInteger(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) throw new ConfigError(flag, 'a whole number', text);
  return Number(text);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000 };

/** `500ms`, `30s`, `2m`, or a bare number of seconds → milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (match === null || Number(match[1]) <= 0) throw new ConfigError(flag, 'a positive duration such as `500ms`, `30s` or `2m`', text);
  return Number(match[1]) * DURATION_UNITS[match[2] ?? 's']!;
}
