import { describe, expect, it } from 'vitest';
import { ConfigError, GempoolError, PoolClosedError, QueueFullError, isGempoolError } from '@gempool/core';

describe('error catalogue', () => {
  it('brands every gempool error and keeps subclass checks precise', () => {
    const closed = new PoolClosedError();
    expect(closed).toBeInstanceOf(GempoolError);
    expect(closed).toBeInstanceOf(PoolClosedError);
    expect(closed instanceof QueueFullError).toBe(false);
    expect(closed.code).toBe('POOL_CLOSED');
    expect(isGempoolError(closed, 'POOL_CLOSED')).toBe(true);
    expect(isGempoolError(new Error('x'))).toBe(false);
  });

  it('recognises an error from another copy of the package by its brand', () => {
    const foreign = Object.create({ [Symbol.for('gempool.error')]: true });
    expect(foreign instanceof GempoolError).toBe(true);
  });

  it('names the field, the expectation and the value in config errors', () => {
    const error = new ConfigError('maxConnections', 'a number from 1 and up', 0);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.field).toBe('maxConnections');
    expect(error.message).toBe('Expected `maxConnections` to be a number from 1 and up, got `0` (number)');
  });
});
