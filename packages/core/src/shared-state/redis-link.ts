// The connection to Redis: one client for commands and one for pub/sub, both reconnecting on their
// own (ioredis retryStrategy). Commands never queue while Redis is away (enableOfflineQueue off,
// short commandTimeout), so a caller learns at once that it must decide locally. This class keeps
// the connected/disconnected state, counts those local decisions, and tells the pool about both.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { unrefTimer, type Clock } from '../clock.js';
import { DEFAULTS } from '../defaults.js';
import type { TypedEmitter } from '../events.js';

export interface RedisLinkOptions {
  url: string;
  keyPrefix: string;
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  reconnectMaxDelayMs?: number;
}

export interface RedisLinkStats {
  connected: boolean;
  /** Decisions made locally because Redis was unavailable (quota takes, breaker publishes…). */
  fallbacks: number;
  /** Times the link came back after being lost. */
  reconnects: number;
  /** Last Redis error seen, without the URL. */
  lastError: string | undefined;
}

/** Warnings about the same outage are not repeated more often than this. */
const WARNING_INTERVAL_MS = 10_000;

export class RedisLink {
  /** Tells this instance's own pub/sub messages from the fleet's. */
  readonly instanceId = randomUUID();
  readonly keyPrefix: string;
  readonly commands: Redis;
  readonly subscriber: Redis;
  readonly #emitter: TypedEmitter;
  readonly #clock: Clock;
  readonly #readyListeners = new Set<() => void>();
  #announced: 'connected' | 'disconnected' | undefined;
  #fallbacks = 0;
  #reconnects = 0;
  #lastError: string | undefined;
  #lastWarningAt = -Infinity;
  #closed = false;
  /** Pending until the first connection attempt has succeeded or failed. */
  #firstAttempt: Promise<void> | undefined;
  #settleFirstAttempt: () => void = () => {};

  constructor(options: RedisLinkOptions, emitter: TypedEmitter, clock: Clock) {
    this.keyPrefix = options.keyPrefix;
    this.#emitter = emitter;
    this.#clock = clock;
    const maxDelay = options.reconnectMaxDelayMs ?? DEFAULTS.sharedState.reconnectMaxDelayMs;
    this.commands = new Redis(options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? DEFAULTS.sharedState.commandTimeoutMs,
      connectTimeout: options.connectTimeoutMs ?? DEFAULTS.sharedState.connectTimeoutMs,
      retryStrategy: (times) => Math.min(maxDelay, 50 * 2 ** Math.min(times, 10)),
    });
    // Subscriptions may queue until connected; ioredis re-subscribes by itself after a reconnect.
    this.subscriber = this.commands.duplicate({ enableOfflineQueue: true, commandTimeout: undefined, maxRetriesPerRequest: null });
    // Before the first attempt has an outcome, nothing is known about the fleet: callers may wait
    // for it (bounded by the connect timeout, which ioredis enforces; the timer is a backstop).
    const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULTS.sharedState.connectTimeoutMs;
    this.#firstAttempt = new Promise<void>((resolve) => {
      const backstop = unrefTimer(clock.setTimeout(() => this.#settleFirstAttempt(), connectTimeoutMs));
      this.#settleFirstAttempt = () => {
        this.#settleFirstAttempt = () => {};
        clock.clearTimeout(backstop);
        this.#firstAttempt = undefined;
        resolve();
      };
    });
    this.commands.on('ready', () => this.#onReady());
    this.commands.on('close', () => this.#onDown('connection closed'));
    this.commands.on('error', (error: Error) => (this.#lastError = error.message));
    this.subscriber.on('error', (error: Error) => (this.#lastError = error.message));
  }

  /** Commands can be sent now. */
  get connected(): boolean {
    return this.commands.status === 'ready';
  }

  /** Until the first connection attempt succeeded or failed: a promise settled then; afterwards undefined. */
  firstAttempt(): Promise<void> | undefined {
    return this.#firstAttempt;
  }

  /** Called after every (re)connect: resynchronise state that Redis may have lost. */
  onReady(listener: () => void): () => void {
    this.#readyListeners.add(listener);
    return () => this.#readyListeners.delete(listener);
  }

  /** Records a decision made locally instead of through Redis; warns (rate-limited) why. */
  noteFallback(source: string, error?: unknown): void {
    this.#fallbacks++;
    if (error instanceof Error) this.#lastError = error.message;
    const now = this.#clock.now();
    if (now - this.#lastWarningAt < WARNING_INTERVAL_MS) return;
    this.#lastWarningAt = now;
    this.#emitter.emit('warning', {
      source: `shared-state:${source}`,
      message: `Redis unavailable (${this.#lastError ?? 'not connected'}); using local limits and breakers until it returns`,
    });
  }

  stats(): RedisLinkStats {
    return { connected: this.connected, fallbacks: this.#fallbacks, reconnects: this.#reconnects, lastError: this.#lastError };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#readyListeners.clear();
    this.#settleFirstAttempt();
    this.commands.disconnect();
    this.subscriber.disconnect();
  }

  #onReady(): void {
    this.#settleFirstAttempt();
    if (this.#announced === 'disconnected') this.#reconnects++;
    this.#announce('connected', 'ready');
    for (const listener of this.#readyListeners) {
      try {
        listener();
      } catch (error) {
        this.#emitter.emit('warning', { source: 'shared-state:resync', message: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  #onDown(reason: string): void {
    this.#settleFirstAttempt();
    if (this.#closed) return;
    // A fresh outage deserves a fresh warning.
    if (this.#announce('disconnected', this.#lastError ?? reason)) this.#lastWarningAt = -Infinity;
  }

  #announce(state: 'connected' | 'disconnected', reason: string): boolean {
    if (this.#announced === state) return false;
    this.#announced = state;
    this.#emitter.emit('shared-state', { state, reason, fallbacks: this.#fallbacks });
    return true;
  }
}
