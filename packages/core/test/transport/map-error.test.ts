import { describe, expect, it } from 'vitest';
import { classifyError } from '../../src/policies/retry-classifier.js';
import { mapTransportError } from '../../src/transport/map-error.js';

const nodeError = (code: string, message: string) => Object.assign(new Error(message), { code, syscall: 'getaddrinfo' });

describe('transport error mapping', () => {
  it.each([
    ['ENOTFOUND', 'getaddrinfo ENOTFOUND generativelanguage.invalid'],
    ['EAI_AGAIN', 'getaddrinfo EAI_AGAIN generativelanguage.googleapis.com'],
  ])('%s is CONNECTION_ERROR reason dns, retried quickly', (code, message) => {
    const error = mapTransportError(nodeError(code, message), 'https://generativelanguage.invalid');
    expect(error.code).toBe('CONNECTION_ERROR');
    expect(error.details).toMatchObject({ reason: 'dns', errorCode: code, origin: 'https://generativelanguage.invalid' });
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('(dns)');
    expect(classifyError(error)).toMatchObject({ action: 'retry', pace: 'quick' });
  });

  it('a reset stays a reset, a refused connection stays refused', () => {
    expect(mapTransportError(nodeError('ECONNRESET', 'read ECONNRESET'), 'https://x.test').details).toMatchObject({ reason: 'reset' });
    expect(mapTransportError(nodeError('ECONNREFUSED', 'connect ECONNREFUSED'), 'https://x.test').details).toMatchObject({ reason: 'refused' });
  });
});
