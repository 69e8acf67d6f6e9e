// Validation of options.quotas / options.sharedState and the token estimate made before a call.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/index.js';
import { validateQuotas, validateSharedState } from '../../src/shared-state/validate-shared-state-options.js';
import { estimateTokens } from '../../src/shared-state/estimate-tokens.js';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('shared-state options', () => {
  it('accepts quotas and strips a models/ prefix', () => {
    const quotas = validateQuotas({ 'models/gemini-2.5-pro': { rpm: 1000, tpm: 2_000_000 }, 'gemini-*-flash': { rpm: 5 } });
    expect([...quotas]).toEqual([
      ['gemini-2.5-pro', { rpm: 1000, tpm: 2_000_000 }],
      ['gemini-*-flash', { rpm: 5, tpm: undefined }],
    ]);
  });

  it.each([
    [{ m: { rpm: 0 } }, 'quotas["m"].rpm', '`0` (number)'],
    [{ m: { tpm: '5' } }, 'quotas["m"].tpm', '`"5"` (string)'],
    [{ m: {} }, 'quotas["m"]', 'an object'],
    [{ m: { rps: 1 } }, 'quotas["m"].rps', '`1` (number)'],
    [[], 'quotas', 'an array of length 0'],
  ])('rejects quotas %j naming %s', (quotas, field, given) => {
    const error = configError(() => validateQuotas(quotas));
    expect(error.field).toBe(field);
    expect(error.message).toContain(given);
  });

  it('validates sharedState without echoing the Redis URL', () => {
    expect(validateSharedState({ redis: 'redis://10.0.0.3:6379' })).toEqual({ redis: 'redis://10.0.0.3:6379', keyPrefix: 'gempool:', fallbackFleetSize: 10 });
    expect(validateSharedState(undefined)).toBeUndefined();
    const error = configError(() => validateSharedState({ redis: 'http://:secret-password@host' }));
    expect(error.field).toBe('sharedState.redis');
    expect(error.message).not.toContain('secret-password');
    expect(configError(() => validateSharedState({ redis: 'redis://h', keyPrefix: 'a b' })).field).toBe('sharedState.keyPrefix');
  });

  it.each([0, 2.5, '4', -1])('rejects sharedState.fallbackFleetSize %j', (fallbackFleetSize) => {
    const error = configError(() => validateSharedState({ redis: 'redis://h', fallbackFleetSize }));
    expect(error.field).toBe('sharedState.fallbackFleetSize');
    expect(error.message).toContain('a whole number from 1 up');
  });

  it('estimates tokens from the text parts and maxOutputTokens', () => {
    const body = {
      contents: [{ role: 'user', parts: [{ text: 'x'.repeat(400) }, { inlineData: { mimeType: 'image/png', data: 'AAAA' } }] }],
      systemInstruction: { parts: [{ text: 'y'.repeat(40) }] },
      generationConfig: { maxOutputTokens: 256 },
    };
    expect(estimateTokens(body)).toBe(110 + 256);
    expect(estimateTokens(JSON.stringify(body))).toBe(110 + 256);
    expect(estimateTokens(new TextEncoder().encode(JSON.stringify({ contents: [{ parts: [{ text: 'abcd' }] }] })), 100)).toBe(101);
    expect(estimateTokens(undefined, 100)).toBe(100);
  });
});
