// createGeminiPool: the public face of @gempool/core. Builds the pipeline (pipeline.ts) over pooled,
// warmed connections and exposes it as a WHATWG fetch, GenAI httpOptions and an undici Dispatcher.
import type { Dispatcher } from 'undici';
import type { Call } from './call.js';
import { createCall } from './transport/create-call.js';
import { requestBodyText, validateMaxContentBytes } from './content.js';
import { DEFAULTS } from './defaults.js';
import { AbortedError, PoolClosedError } from './errors.js';
import { TypedEmitter, type CallInfo, type GempoolEventName, type Listener } from './events.js';
import type { GeminiPoolOptions } from './options.js';
import { buildPipeline, type StepContext } from './pipeline.js';
import { createBreakerStep, createCoalesceStep, createLaneStep, createRetryStep, retriesEnabled } from './policies/index.js';
import { policyRuntimeFor } from './policies/policy-runtime.js';
import { createLeakTracker } from './resource-pool/leak-tracker.js';
import { fifoSchedulerFactory, type SlotSchedulerFactory } from './resource-pool/slot-scheduler.js';
import type { ConnectionPoolGroup } from './transport/connection-pool-group.js';
import { createHttpOptions, type GenAiHttpOptions } from './transport/http-options.js';
import { createLeaseStep } from './transport/lease-step.js';
import { PoolDispatcher } from './transport/pool-dispatcher.js';
import { kBodyBytes, kPooledResponse, type PooledResponse, type TransportContext } from './transport/pooled-response.js';
import { TrackedBody } from './transport/tracked-body.js';
import { createRouteStep } from './transport/route-step.js';
import { createRouting } from './routing/create-routing.js';
import { createSendStep } from './transport/send-step.js';
import { createPoolSharedState } from './shared-state/pool-shared-state.js';
import { collectTransportStats, type PoolStats } from './transport/transport-stats.js';
import { StatsRegistry } from './transport/stats-registry.js';
import { validateTransportOptions } from './validate-options.js';

export type PoolFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface GeminiPool {
  /** WHATWG-fetch-compatible; use as `httpOptions.fetch` or anywhere a fetch is taken. */
  readonly fetch: PoolFetch;
  /** Spread into `new GoogleGenAI({ httpOptions: { ...pool.httpOptions, baseUrl } })`. */
  readonly httpOptions: GenAiHttpOptions;
  /** An undici Dispatcher over the same connections, for undici's `request` / `fetch`. */
  readonly dispatcher: Dispatcher;
  /** Opens `minConnections` per configured origin; resolves when they are connected. */
  warmup(): Promise<void>;
  stats(): PoolStats;
  on<K extends GempoolEventName>(name: K, listener: Listener<K>): GeminiPool;
  off<K extends GempoolEventName>(name: K, listener: Listener<K>): GeminiPool;
  once<K extends GempoolEventName>(name: K, listener: Listener<K>): GeminiPool;
  /** Turns on usageMetadata parsing (telemetry and quotas call this); off by default. */
  trackUsage(): void;
  /**
   * Opt-in: `call-start`/`call-end` then carry the request and response body text (`requestText`,
   * `responseText`), each capped at `maxBytes` (default 64 KiB). Bodies only, never headers.
   */
  trackContent(options?: { maxBytes?: number }): void;
  /** Changes the maximum connections per origin of the default group (autoscaling). */
  setMaxConnections(max: number): void;
  /** Changes the API-version split (options.apiVersions) for new calls, e.g. `{ v1: 50, v1beta: 50 }`. */
  setTrafficSplit(split: Record<string, number>): void;
  /** The default pool group (more groups: per model / API version). */
  readonly group: ConnectionPoolGroup;
  readonly closed: boolean;
  /**
   * True when the pool's retry policy retries (`retry.enabled` and more than one attempt). SDK
   * integrations then switch the SDK's / model's own retries off; when false they leave them alone.
   */
  readonly retryEnabled: boolean;
  /** Stops accepting calls, drains in-flight ones (up to `timeoutMs`, then forces), closes sockets. */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

export function createGeminiPool(options?: GeminiPoolOptions): GeminiPool {
  const transport = validateTransportOptions(options);
  const userOptions: Readonly<GeminiPoolOptions> = Object.freeze({ ...options, ...transport });
  const { clock } = transport;
  const emitter = new TypedEmitter();
  const stats = new StatsRegistry();
  const leakTracker = createLeakTracker(transport.leakTimeoutMs, clock);
  const ctx: TransportContext = { clock, emitter, leakTracker, trackUsage: false, contentBytes: 0 };
  let scheduler: SlotSchedulerFactory = fifoSchedulerFactory;
  let building = true;
  const stepContext: StepContext = {
    options: userOptions,
    emitter,
    clock,
    stats,
    useSlotScheduler(factory) {
      if (!building) throw new Error('useSlotScheduler is only honoured while the pipeline is built');
      scheduler = factory;
    },
  };
  // Regions, API-version split, per-model pools, autoscaling (routing/).
  const routing = createRouting(stepContext, transport);
  // Policy steps first: they may install a slot scheduler the connection pools then use.
  const coalesce = createCoalesceStep(stepContext);
  const breaker = createBreakerStep(stepContext);
  const lane = createLaneStep(stepContext);
  // The lane step's own resolver: call-start names the lane the call will run in.
  const { laneOf } = policyRuntimeFor(stepContext);
  const retry = createRetryStep(stepContext, routing.retryHooks);
  // Quotas and fleet-wide breakers (options.quotas / options.sharedState).
  const shared = createPoolSharedState(stepContext, () => (ctx.trackUsage = true));
  building = false;

  const groups = routing.createGroups({ ...transport, maxConcurrentStreams: 100, emitter, scheduler });
  const group = groups.default;
  const pipeline = buildPipeline({
    coalesce,
    place: routing.placeStep,
    breaker,
    lane,
    retry,
    quota: shared.quotaStep,
    route: createRouteStep(routing.router(groups)),
    lease: createLeaseStep(emitter),
    send: createSendStep(ctx, transport),
  });

  let closed = false;
  const retryEnabled = retriesEnabled(stepContext);
  const fetch: PoolFetch = async (input, init) => {
    // The stack is captured before the first await so it shows the caller (only with leak detection on).
    const stack = leakTracker.captureCallSite();
    if (closed) throw new PoolClosedError();
    if (init?.signal?.aborted) throw new AbortedError(init.signal.reason);
    // Synchronous for text and byte bodies: no promise layer unless a body must be read first.
    const made = createCall(input, init, clock.now(), stack);
    const call = made instanceof Promise ? await made : made;
    call.lane = laneOf(call).name;
    const requestText = ctx.contentBytes === 0 ? undefined : requestBodyText(call.body, ctx.contentBytes);
    if (emitter.has('call-start')) emitter.emit('call-start', callInfo(call, requestText));
    let response: Response;
    try {
      response = await pipeline(call);
    } catch (error) {
      if (emitter.has('call-end')) emitCallEnd(emitter, clock.now(), call, undefined, error, requestText);
      throw error;
    }
    const handler = (response as unknown as Record<symbol, PooledResponse | undefined>)[kPooledResponse];
    // A body already in memory (coalesced, batched, buffered) is leak-tracked like a pooled one.
    const tracked = leakTracker.enabled && (handler === undefined || handler.finished) ? trackBufferedBody(call, response, handler, ctx) : undefined;
    if (tracked !== undefined) {
      const wrapped = tracked.wrap(response);
      // The call ends when the caller is done with the body, as for a pooled body.
      if (emitter.has('call-end')) tracked.onFinish = (done) => emitCallEnd(emitter, clock.now(), call, handler?.status ?? done.status, done.error ?? handler?.error, requestText);
      return wrapped;
    }
    if (emitter.has('call-end')) {
      // The call ends when its body does (usage is known only then; a stream's error event sets the status).
      if (handler !== undefined && !handler.finished) handler.onFinish = (done) => emitCallEnd(emitter, clock.now(), call, done.status ?? response.status, done.error, requestText);
      else emitCallEnd(emitter, clock.now(), call, handler?.status ?? response.status, handler?.error, requestText);
    }
    return response;
  };

  const pool: GeminiPool = {
    fetch,
    httpOptions: createHttpOptions(fetch),
    dispatcher: undefined as unknown as Dispatcher,
    group,
    warmup: () => groups.warmup(),
    stats: () => ({ ...collectTransportStats(groups.all.map((limits) => limits.group), leakTracker), ...stats.collect() }),
    on: (name, listener) => (emitter.on(name, listener), pool),
    off: (name, listener) => (emitter.off(name, listener), pool),
    once: (name, listener) => (emitter.once(name, listener), pool),
    trackUsage: () => {
      ctx.trackUsage = true;
    },
    trackContent: (contentOptions) => {
      ctx.contentBytes = validateMaxContentBytes(contentOptions?.maxBytes ?? DEFAULTS.maxContentBytes);
    },
    setMaxConnections: (max) => group.setMaxConnections(max),
    setTrafficSplit: (split) => routing.setTrafficSplit(split),
    get closed() {
      return closed;
    },
    get retryEnabled() {
      return retryEnabled;
    },
    async close(closeOptions) {
      closed = true;
      routing.close();
      await groups.close(closeOptions?.timeoutMs ?? 30_000);
      leakTracker.close();
      await shared.close();
    },
  };
  (pool as { dispatcher: Dispatcher }).dispatcher = new PoolDispatcher({
    get closed() {
      return closed;
    },
    originPool: (origin) => group.origin(origin),
    close: () => pool.close(),
  });
  return pool;
}

/** A leak-tracked body for a Response whose bytes are in memory (kBodyBytes), else undefined. */
function trackBufferedBody(call: Call, response: Response, handler: PooledResponse | undefined, ctx: TransportContext): TrackedBody | undefined {
  const bytes = (response as unknown as Record<symbol, Uint8Array | undefined>)[kBodyBytes];
  if (bytes === undefined || response.body === null || response.bodyUsed) return undefined;
  return new TrackedBody(call, bytes, response.status, handler?.lease.id ?? 0, ctx);
}

function callInfo(call: Call, requestText: string | undefined): CallInfo {
  const { target } = call;
  return {
    callId: call.callId,
    operation: target.operation,
    method: target.method,
    model: target.model,
    apiVersion: target.apiVersion,
    provider: target.provider,
    origin: call.origin,
    lane: call.lane,
    tenant: call.context?.tenant,
    streaming: target.streaming,
    startTime: call.startTime,
    requestText,
  };
}

function emitCallEnd(emitter: TypedEmitter, now: number, call: Call, status: number | undefined, error: unknown, requestText: string | undefined): void {
  const errorCode = (error as { code?: string } | undefined)?.code;
  const failed = error !== undefined || (status !== undefined && status >= 400);
  emitter.emit('call-end', {
    ...callInfo(call, requestText),
    outcome: failed ? 'error' : 'success',
    status,
    errorCode,
    errorType: errorCode ?? (status !== undefined && status >= 400 ? String(status) : undefined),
    durationMs: now - call.startTime,
    attempts: call.attempt,
    retryReasons: call.retryReasons,
    usage: call.usage,
    finishReasons: call.finishReasons,
    coalesced: call.coalesced,
    region: call.region,
    servedModel: call.servedModel,
    responseText: call.responseText,
  });
}
