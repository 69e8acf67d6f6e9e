// opossum 10 ships no TypeScript types. This is the small slice of its CircuitBreaker we use, kept
// internal (never in a public signature) so our .d.ts output does not depend on opossum's shape.
import { createRequire } from 'node:module';

export interface OpossumCircuit {
  readonly closed: boolean;
  readonly opened: boolean;
  readonly halfOpen: boolean;
  readonly name: string;
  open(): void;
  close(): void;
  shutdown(): void;
  on(event: 'open' | 'close' | 'halfOpen' | 'shutdown', listener: () => void): this;
}

export interface OpossumOptions {
  name: string;
  timeout: false;
  resetTimeout: number;
  enableSnapshots: boolean;
  rollingPercentilesEnabled: boolean;
  rotateBucketController: NodeJS.EventEmitter;
}

type OpossumConstructor = new (action: (...args: unknown[]) => unknown, options: OpossumOptions) => OpossumCircuit;

const require = createRequire(import.meta.url);
export const CircuitBreaker = require('opossum') as OpossumConstructor;
