// One circuit breaker for one endpoint (model × region × API version).
//
// opossum holds the state machine: its CircuitBreaker is the source of truth for closed vs open
// and its open/close transitions drive our `breaker-state` events. Two things opossum cannot do
// are done here, on the injected clock: (1) the trip decision — opossum judges errors only and
// measures time with Date.now(), while we trip on error rate *or* p99 latency over a clock-driven
// rolling window; (2) half-open — opossum's reset timer is a real setTimeout with one probe, while
// we half-open after `halfOpenAfterMs` of clock time and allow `halfOpenProbes` concurrent probes.
// So opossum's own reset timer is parked (max timer length) and its action is never fired.
import { EventEmitter } from 'node:events';
import type { Clock, TimerHandle } from '../clock.js';
import { unrefTimer } from '../clock.js';
import type { BreakerState, BreakerStateEvent } from '../events.js';
import { CircuitBreaker, type OpossumCircuit } from './opossum-circuit.js';
import { LatencyWindow } from './latency-window.js';
import type { ResolvedBreakerConfig } from './validate-policy-options.js';

export type BreakerPermit = 'closed' | 'probe';
export type StateChangeReason = BreakerStateEvent['reason'];
export type BreakerStateListener = (from: BreakerState, to: BreakerState, reason: StateChangeReason) => void;

export interface BreakerSnapshot {
  endpoint: string;
  state: BreakerState;
  calls: number;
  failures: number;
  slowCalls: number;
  errorRate: number;
  rejected: number;
}

const PARKED_RESET_MS = 2_147_483_647;
// opossum subscribes each circuit's stats to a rotate emitter instead of starting interval timers.
const neverRotates = new EventEmitter().setMaxListeners(0);

export class EndpointBreaker {
  readonly endpoint: string;
  readonly #config: ResolvedBreakerConfig;
  readonly #clock: Clock;
  readonly #window: LatencyWindow;
  readonly #circuit: OpossumCircuit;
  readonly #onChange: BreakerStateListener;
  #halfOpen = false;
  #probesInFlight = 0;
  /** Clock time the open breaker goes half-open. */
  #halfOpenAt = 0;
  #halfOpenTimer: TimerHandle | undefined;
  #rejected = 0;

  constructor(endpoint: string, config: ResolvedBreakerConfig, clock: Clock, onChange: BreakerStateListener) {
    this.endpoint = endpoint;
    this.#config = config;
    this.#clock = clock;
    this.#onChange = onChange;
    this.#window = new LatencyWindow(clock, config.windowMs, config.latencyThresholdMs);
    this.#circuit = new CircuitBreaker(() => undefined, {
      name: endpoint,
      timeout: false,
      resetTimeout: PARKED_RESET_MS,
      enableSnapshots: false,
      rollingPercentilesEnabled: false,
      rotateBucketController: neverRotates,
    });
  }

  get state(): BreakerState {
    if (this.#circuit.closed) return 'closed';
    return this.#halfOpen ? 'half-open' : 'open';
  }

  /** Asks to send one call: a permit, or undefined when the call must fail fast. */
  admit(): BreakerPermit | undefined {
    if (this.#circuit.closed) return 'closed';
    if (!this.#halfOpen && this.#clock.now() >= this.#halfOpenAt) this.#enterHalfOpen();
    if (this.#halfOpen && this.#probesInFlight < this.#config.halfOpenProbes) {
      this.#probesInFlight++;
      return 'probe';
    }
    this.#rejected++;
    return undefined;
  }

  /** Records how an admitted call went. `failed`: 429, 5xx or a network error (not other 4xx). */
  record(permit: BreakerPermit, durationMs: number, failed: boolean): void {
    if (permit === 'probe') {
      this.#probesInFlight = Math.max(0, this.#probesInFlight - 1);
      if (!this.#halfOpen) return;
      const slow = this.#config.latencyThresholdMs > 0 && durationMs > this.#config.latencyThresholdMs;
      if (failed || slow) this.#open('probe-failure');
      else this.#close();
      return;
    }
    // A call admitted while closed that ends after the breaker opened says nothing new.
    if (!this.#circuit.closed) return;
    if (!this.#window.record(durationMs, failed)) return;
    const verdict = this.#window.verdict();
    if (verdict.calls < this.#config.minimumCalls) return;
    if (verdict.errorRate > this.#config.errorThreshold) this.#open('errors');
    else if (this.#window.p99Exceeded()) this.#open('latency');
  }

  /**
   * Shared state (shared-state/shared-breaker-sync.ts): another instance opened this endpoint, or
   * won the half-open probe lease. Opens here for `openForMs` (reason `shared`), then half-open as
   * usual; an already open breaker only has its half-open time moved, without a new event.
   */
  forceOpen(openForMs: number): void {
    if (this.state === 'open') {
      this.#scheduleHalfOpen(Math.max(this.#halfOpenAt, this.#clock.now() + openForMs) - this.#clock.now());
      return;
    }
    this.#open('shared', openForMs);
  }

  /** Shared state: a probe elsewhere succeeded. Closes here (reason `shared`). */
  forceClose(): void {
    if (this.state !== 'closed') this.#close('shared');
  }

  /** While open (not half-open): the time left until half-open, ms. */
  openForMs(): number | undefined {
    return this.state === 'open' ? Math.max(0, this.#halfOpenAt - this.#clock.now()) : undefined;
  }

  /** Gives a probe permit back without a verdict (the call was cancelled before it was sent). */
  releaseProbe(): void {
    this.#probesInFlight = Math.max(0, this.#probesInFlight - 1);
  }

  snapshot(): BreakerSnapshot {
    const verdict = this.#window.verdict();
    return {
      endpoint: this.endpoint,
      state: this.state,
      calls: verdict.calls,
      failures: verdict.failures,
      slowCalls: verdict.slow,
      errorRate: verdict.errorRate,
      rejected: this.#rejected,
    };
  }

  shutdown(): void {
    if (this.#halfOpenTimer !== undefined) this.#clock.clearTimeout(this.#halfOpenTimer);
    this.#circuit.shutdown();
  }

  #open(reason: StateChangeReason, openForMs = this.#config.halfOpenAfterMs): void {
    const from = this.state;
    this.#halfOpen = false;
    this.#probesInFlight = 0;
    this.#circuit.open();
    this.#scheduleHalfOpen(openForMs);
    this.#onChange(from, 'open', reason);
  }

  #scheduleHalfOpen(openForMs: number): void {
    this.#halfOpenAt = this.#clock.now() + openForMs;
    if (this.#halfOpenTimer !== undefined) this.#clock.clearTimeout(this.#halfOpenTimer);
    // Only watches: a half-open transition also happens lazily on the next admit().
    this.#halfOpenTimer = unrefTimer(this.#clock.setTimeout(() => this.#enterHalfOpen(), openForMs));
  }

  #enterHalfOpen(): void {
    this.#halfOpenTimer = undefined;
    if (this.#circuit.closed || this.#halfOpen) return;
    this.#halfOpen = true;
    this.#probesInFlight = 0;
    this.#onChange('open', 'half-open', 'timeout');
  }

  #close(reason: StateChangeReason = 'probe-success'): void {
    const from = this.state;
    this.#halfOpen = false;
    this.#probesInFlight = 0;
    this.#window.reset();
    this.#circuit.close();
    this.#onChange(from, 'closed', reason);
  }
}
