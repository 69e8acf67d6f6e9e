import { describe, expect, it } from 'vitest';
import { ConfigError } from '@gempool/core';
import { parseDuration, parseProxyArgs, PROXY_DEFAULTS } from '../../src/proxy/index.js';

const KEY_ENV = { GEMINI_API_KEY: 'upstream-key-123' };

function expectFlagError(run: () => unknown, flag: string): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe(flag);
    expect((error as ConfigError).message).toContain(`\`${flag}\``);
    return error as ConfigError;
  }
  throw new Error(`expected a ConfigError naming ${flag}`);
}

describe('parseProxyArgs', () => {
  it('applies the documented defaults and reads secrets from the environment', () => {
    const { options, warnings } = parseProxyArgs([], { env: { ...KEY_ENV, GEMPOOL_PROXY_TOKEN: 'proxy-token' } });
    expect(options.port).toBe(PROXY_DEFAULTS.port);
    expect(options.host).toBe('127.0.0.1');
    expect(options.tokens).toEqual(['proxy-token']);
    expect(options.noAuth).toBe(false);
    expect(options.upstream).toEqual({ origin: 'https://generativelanguage.googleapis.com', apiKey: 'upstream-key-123' });
    expect(options.drainTimeoutMs).toBe(30_000);
    expect(warnings).toEqual([]);
  });

  it('reads every flag', () => {
    const files: Record<string, string> = { '/run/token': 'file-token\n', '/run/key': ' file-key \n', '/run/ca.pem': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' };
    const { options } = parseProxyArgs(
      ['--port', '9000', '--host', '0.0.0.0', '--token-file', '/run/token', '--upstream', 'https://127.0.0.1:8443/', '--api-key-file', '/run/key', '--ca-file', '/run/ca.pem', '--drain-timeout', '1500ms', '--min-connections', '2', '--max-connections', '8', '--max-request-bytes', '1024', '--no-coalesce'],
      { env: {}, readFile: (path) => files[path] ?? '' },
    );
    expect(options).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      tokens: ['file-token'],
      upstream: { origin: 'https://127.0.0.1:8443', apiKey: 'file-key' },
      drainTimeoutMs: 1500,
      maxRequestBytes: 1024,
      pool: { minConnections: 2, maxConnections: 8, tls: { ca: files['/run/ca.pem'] }, coalesce: false },
    });
  });

  it('splits comma-separated tokens for rotation and warns about tokens on argv without echoing them', () => {
    const { options, warnings } = parseProxyArgs(['--token', 'old-token,new-token'], { env: KEY_ENV });
    expect(options.tokens).toEqual(['old-token', 'new-token']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).not.toContain('old-token');
  });

  it('uses ADC instead of an API key with --adc', () => {
    const { options } = parseProxyArgs(['--adc', '--no-auth', '--upstream', 'https://us-central1-aiplatform.googleapis.com'], { env: KEY_ENV });
    expect(options.upstream).toEqual({ origin: 'https://us-central1-aiplatform.googleapis.com', useAdc: true });
    expect(options.noAuth).toBe(true);
    expect(options.tokens).toEqual([]);
  });

  it('requires a client token unless --no-auth is given', () => {
    expectFlagError(() => parseProxyArgs([], { env: KEY_ENV }), '--token');
    expect(parseProxyArgs(['--no-auth'], { env: KEY_ENV }).options.noAuth).toBe(true);
    expectFlagError(() => parseProxyArgs(['--no-auth', '--token', 'x'], { env: KEY_ENV }), '--no-auth');
  });

  it('requires an upstream credential', () => {
    const error = expectFlagError(() => parseProxyArgs(['--no-auth'], { env: {} }), 'GEMINI_API_KEY / GOOGLE_API_KEY');
    expect(error.message).toContain('--adc');
  });

  it.each([
    [['--port', 'eighty'], '--port'],
    [['--port', '70000'], '--port'],
    [['--upstream', 'ftp://example.com'], '--upstream'],
    [['--upstream', 'https://example.com/v1beta'], '--upstream'],
    [['--drain-timeout', 'soon'], '--drain-timeout'],
    [['--drain-timeout', '0s'], '--drain-timeout'],
    [['--min-connections', '-1'], '--min-connections'],
    [['--bogus'], '--bogus'],
    [['--port'], '--port'],
  ])('rejects %j naming %s', (argv, flag) => {
    expectFlagError(() => parseProxyArgs(argv, { env: { ...KEY_ENV, GEMPOOL_PROXY_TOKEN: 't' } }), flag);
  });

  it('never echoes a secret in an error', () => {
    const error = expectFlagError(() => parseProxyArgs(['--upstream', 'https://user:hunter2@example.com'], { env: { ...KEY_ENV, GEMPOOL_PROXY_TOKEN: 't' } }), '--upstream');
    expect(error.message).not.toContain('hunter2');
    const spaced = expectFlagError(() => parseProxyArgs(['--token', 'has space-secret'], { env: KEY_ENV }), '--token');
    expect(spaced.message).not.toContain('space-secret');
  });

  it('names unreadable and empty secret files', () => {
    const readFile = (path: string) => {
      if (path === '/empty') return '\n';
      throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    };
    expectFlagError(() => parseProxyArgs(['--token-file', '/missing'], { env: KEY_ENV, readFile }), '--token-file');
    expectFlagError(() => parseProxyArgs(['--token-file', '/empty'], { env: KEY_ENV, readFile }), '--token-file');
    expectFlagError(() => parseProxyArgs(['--no-auth', '--ca-file', '/empty'], { env: KEY_ENV, readFile }), '--ca-file');
  });

  it('answers --help without validating anything else', () => {
    expect(parseProxyArgs(['--help'], { env: {} }).help).toBe(true);
  });
});

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['2m', 120_000],
    ['45', 45_000],
    ['1.5s', 1_500],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text, '--drain-timeout')).toBe(ms);
  });
});
