// Options of startFakeGemini, validated once with messages that name the field.
import { ConfigError } from '@gempool/core';
import type { Fault } from './fault-types.js';
import type { FakeGeminiRequest } from './gemini-handler.js';
import type { LatencyOption } from './latency-model.js';

export interface FakeGeminiOptions {
  /** TLS with HTTP/2 and HTTP/1.1 (ALPN) when true (default); plain HTTP/1.1 when false. */
  tls?: boolean;
  /** Default 0 (any free port). */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Time before headers: `{ fixedMs, spreadMs }` for all models or keyed by model glob. */
  latency?: LatencyOption;
  /** Initial fault script; replace it later with `setFaults`. */
  faults?: Fault[];
  /** Events per streamGenerateContent response; default 3. */
  streamChunks?: number;
  /** Pause between stream events; default 0. */
  streamIntervalMs?: number;
  /** HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS the server advertises; default 100 (Google's front ends use 100). */
  maxConcurrentStreams?: number;
  /** Seed for latency jitter and response ids; default 1. */
  seed?: number;
  /** Values per embedding when the request does not ask for `outputDimensionality`; default 768. */
  embeddingDimensions?: number;
  /** Answer text for generate calls; default `Echo: <first words of the prompt>`. */
  responseText?: (request: FakeGeminiRequest) => string;
  /**
   * Content parts to answer generate calls with instead of text, e.g.
   * `[{ functionCall: { name: 'lookup', args: { q: 'x' } } }]` to script an agent's tool call.
   * Return `undefined` to fall back to the text answer.
   */
  responseParts?: (request: FakeGeminiRequest) => Array<Record<string, unknown>> | undefined;
  /** When set, calls must carry this key (`x-goog-api-key`, `?key=` or `Authorization: Bearer`). */
  requireApiKey?: string;
}

export interface ResolvedFakeGeminiOptions {
  tls: boolean;
  port: number;
  host: string;
  latency: LatencyOption | undefined;
  faults: Fault[];
  streamChunks: number;
  streamIntervalMs: number;
  maxConcurrentStreams: number;
  seed: number;
  embeddingDimensions: number;
  responseText: ((request: FakeGeminiRequest) => string) | undefined;
  responseParts: ((request: FakeGeminiRequest) => Array<Record<string, unknown>> | undefined) | undefined;
  requireApiKey: string | undefined;
}

export function resolveFakeGeminiOptions(options: FakeGeminiOptions = {}): ResolvedFakeGeminiOptions {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'an object', options);
  const { tls = true, port = 0, host = '127.0.0.1', streamChunks = 3, streamIntervalMs = 0, maxConcurrentStreams = 100, seed = 1, embeddingDimensions = 768 } = options;
  if (typeof tls !== 'boolean') throw new ConfigError('tls', 'a boolean', tls);
  integer(port, 'port', 0, 65535);
  if (typeof host !== 'string' || host === '') throw new ConfigError('host', 'a non-empty string', host);
  integer(streamChunks, 'streamChunks', 1, 10_000);
  if (typeof streamIntervalMs !== 'number' || !Number.isFinite(streamIntervalMs) || streamIntervalMs < 0) {
    throw new ConfigError('streamIntervalMs', 'a finite number from 0 and up', streamIntervalMs);
  }
  integer(maxConcurrentStreams, 'maxConcurrentStreams', 1, 2 ** 31 - 1);
  integer(seed, 'seed', 0, 2 ** 32 - 1);
  integer(embeddingDimensions, 'embeddingDimensions', 1, 4096);
  if (options.responseText !== undefined && typeof options.responseText !== 'function') throw new ConfigError('responseText', 'a function', options.responseText);
  if (options.responseParts !== undefined && typeof options.responseParts !== 'function') throw new ConfigError('responseParts', 'a function', options.responseParts);
  if (options.requireApiKey !== undefined && (typeof options.requireApiKey !== 'string' || options.requireApiKey === '')) {
    throw new ConfigError('requireApiKey', 'a non-empty string', options.requireApiKey);
  }
  return {
    tls,
    port,
    host,
    latency: options.latency,
    faults: options.faults ?? [],
    streamChunks,
    streamIntervalMs,
    maxConcurrentStreams,
    seed,
    embeddingDimensions,
    responseText: options.responseText,
    responseParts: options.responseParts,
    requireApiKey: options.requireApiKey,
  };
}

function integer(value: unknown, field: string, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(field, `an integer from ${min} to ${max}`, value);
  }
}
