// Bad input, part 1 (issue 11, part 4): random createGeminiPool options. Each object either builds
// a pool (which then closes promptly) or throws a ConfigError (`CONFIG_INVALID`) whose message
// names the offending field: never another exception type, never a hang. Unknown keys, at any
// level, are rejected by their full path.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, createGeminiPool, isGempoolError } from '@gempool/core';
import { KNOWN_FIELDS, LOOPBACK_ORIGIN, junk, poolOptions, singleFieldOptions } from './pool-option-arbitraries.js';

/** `retry.maxAttempts` → `retry`, `origins[0]` → `origins`, `resolveRegion("x")` → `resolveRegion`. */
const rootOf = (field: string) => field.split(/[.[(]/)[0]!;

async function buildOrExplain(options: unknown): Promise<void> {
  let pool;
  try {
    pool = createGeminiPool(options as never);
  } catch (error) {
    // Anything but a ConfigError fails the property with the original error shown.
    if (!(error instanceof ConfigError)) throw error;
    expect(isGempoolError(error, 'CONFIG_INVALID')).toBe(true);
    expect(error.message).toContain(`\`${error.field}\``);
    const unknownTopLevel = typeof options === 'object' && options !== null && Object.hasOwn(options, error.field) && !KNOWN_FIELDS.includes(error.field);
    if (unknownTopLevel) expect(error.message).toContain('to be a known option');
    else expect(['options', ...KNOWN_FIELDS]).toContain(rootOf(error.field));
    return;
  }
  await pool.close({ timeoutMs: 100 });
}

describe('createGeminiPool options fuzz', () => {
  it('builds a pool or throws a ConfigError naming a field (or the unknown key), for any option object', async () => {
    await fc.assert(fc.asyncProperty(poolOptions, buildOrExplain), { numRuns: 400 });
  });

  it('reaches every field: one documented field, valid or junk, over an otherwise valid object', async () => {
    await fc.assert(fc.asyncProperty(singleFieldOptions, buildOrExplain), { numRuns: 600 });
  });

  // No silent defaults: a number field given something that is not a usable number is rejected by name.
  const NUMBER_FIELDS = ['maxConnections', 'connectTimeoutMs', 'idleTimeoutMs', 'leakTimeoutMs', 'maxQueue', 'headersTimeoutMs', 'bodyTimeoutMs', 'retry.maxAttempts', 'retry.baseDelayMs', 'breaker.windowMs', 'breaker.errorThreshold', 'coalesce.windowMs'];
  const notANumber = fc.oneof(
    fc.constantFrom<unknown>(NaN, -Infinity, -1, '10', '', true, null, [], {}, Symbol('n'), 10n, () => 10),
    fc.string({ maxLength: 4 }),
    fc.integer({ max: -1 }),
  );
  it('rejects a non-number in a number field, naming exactly that field', async () => {
    await fc.assert(
      fc.property(fc.constantFrom(...NUMBER_FIELDS), notANumber, (path, value) => {
        const [head, leaf] = path.split('.') as [string, string | undefined];
        const options = { origins: [LOOPBACK_ORIGIN], minConnections: 0, [head]: leaf === undefined ? value : { [leaf]: value } };
        let thrown: unknown;
        try {
          createGeminiPool(options as never);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(ConfigError);
        expect((thrown as ConfigError).field).toBe(path);
      }),
      { numRuns: 300 },
    );
  });

  it('treats a non-object options argument the same way', async () => {
    await fc.assert(fc.asyncProperty(junk.filter((value) => typeof value !== 'object' || value === null || Array.isArray(value)), buildOrExplain), { numRuns: 100 });
  });

  it('rejects any unknown top-level key by name, whatever its value', async () => {
    const unknownKey = fc.string({ minLength: 1, maxLength: 12 }).filter((key) => !KNOWN_FIELDS.includes(key) && key !== '__proto__');
    await fc.assert(
      fc.property(unknownKey, junk, (key, value) => {
        let thrown: unknown;
        try {
          createGeminiPool({ origins: [LOOPBACK_ORIGIN], minConnections: 0, [key]: value } as never);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(ConfigError);
        expect((thrown as ConfigError).field).toBe(key);
      }),
      { numRuns: 200 },
    );
  });

  // An unset minConnections follows a smaller maxConnections down instead of being rejected.
  it('accepts maxConnections below the default minConnections when minConnections is not given', async () => {
    const pool = createGeminiPool({ origins: [LOOPBACK_ORIGIN], maxConnections: 5 });
    expect(pool.stats().origins[LOOPBACK_ORIGIN]).toMatchObject({ max: 5 });
    await pool.close({ timeoutMs: 100 });
  });
});
