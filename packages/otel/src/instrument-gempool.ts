// instrumentGempool(pool): subscribe to a pool's events and turn them into spans, metrics, cost
// and (optionally) ledger records. Listeners run synchronously inside core's emit, so each one is
// small and none can throw into a request (TypedEmitter also catches, this is belt and braces).
import { metrics, trace, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import { ConfigError, type CallEndEvent, type GempoolEventName, type GempoolEvents } from '@gempool/core';
import { createCallSpans } from './call-spans.js';
import { createPoolMetrics } from './pool-metrics.js';
import { createSharedStateMetrics } from './shared-state-metrics.js';
import { createCostCalculator, type PriceTable } from './price-table.js';
import type { InstrumentablePool } from './instrumentable-pool.js';
import { createLedgerWriter, type LedgerOptions } from './ledger/create-ledger-writer.js';
import { toLedgerRecord } from './ledger/ledger-record.js';
import { toGenAiContent } from './genai-content.js';

export const INSTRUMENTATION_SCOPE = '@gempool/otel';
export const INSTRUMENTATION_VERSION = '0.1.0';

export interface InstrumentGempoolOptions {
  /** Default: the global MeterProvider (set by startTelemetry or your own SDK setup). */
  meterProvider?: MeterProvider;
  /** Default: the global TracerProvider. */
  tracerProvider?: TracerProvider;
  /**
   * Opt in to recording prompt and response content: `gen_ai.input.messages`,
   * `gen_ai.system_instructions` and `gen_ai.output.messages` on the call span and `prompt` /
   * `response` in the ledger (each body capped at 64 KiB by core). Never headers or credentials.
   * Default false: no content anywhere.
   */
  recordContent?: boolean;
  /** Per-model prices (USD per million tokens), consulted before the built-in table. */
  prices?: PriceTable;
  /** One record per logical call: `true` for NDJSON at ./gempool-ledger.ndjson, or sink options. */
  ledger?: boolean | LedgerOptions;
  /** Where ledger warnings go (dropped records). Default: process.emitWarning, at most every 10 s. */
  onWarning?: (message: string) => void;
}

export interface GempoolInstrumentation {
  /** Writes buffered ledger records now (metrics and spans flush with their providers). */
  flush(): Promise<void>;
  /** Unsubscribes from the pool, ends spans still open and closes the ledger sink. */
  shutdown(): Promise<void>;
}

export function instrumentGempool(pool: InstrumentablePool, options: InstrumentGempoolOptions = {}): GempoolInstrumentation {
  validateOptions(pool, options);
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION);
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION);
  const cost = createCostCalculator(options.prices);
  const recordContent = options.recordContent === true;
  const stats = pool.stats === undefined ? undefined : () => pool.stats!();
  const poolMetrics = createPoolMetrics(meter, stats);
  const sharedStateMetrics = createSharedStateMetrics(meter, stats);
  const spans = createCallSpans(tracer);
  const warn = options.onWarning ?? throttledProcessWarning();
  const ledger =
    options.ledger === undefined || options.ledger === false
      ? undefined
      : createLedgerWriter(options.ledger === true ? {} : options.ledger, (sink, count, reason) => {
          if (count > 0) poolMetrics.ledgerDropped(sink, count);
          warn(`gempool ledger: dropped ${count} record(s) for sink \`${sink}\`: ${reason}`);
        });

  const onCallEnd = (event: CallEndEvent) => {
    const usd = event.usage === undefined ? undefined : cost.costOf(event.servedModel, event.usage);
    // Content is read only when the user opted in (core only carries it after trackContent()),
    // and converted only when something will hold it: a sampled span or the ledger.
    const content = recordContent && (ledger !== undefined || spans.isRecording(event.callId)) ? toGenAiContent(event) : undefined;
    poolMetrics.recordCall(event, usd);
    spans.endCall(event, usd, content);
    ledger?.add(toLedgerRecord(event, usd, Date.now(), content));
  };

  // Merge the metric and span handlers per event name: one listener per event on the pool.
  const listeners = new Map<GempoolEventName, (event: any) => void>();
  const add = <K extends GempoolEventName>(name: K, handler: ((event: GempoolEvents[K]) => void) | undefined) => {
    if (handler === undefined) return;
    const previous = listeners.get(name) as ((event: GempoolEvents[K]) => void) | undefined;
    listeners.set(name, (previous === undefined ? handler : (event: GempoolEvents[K]) => (previous(event), handler(event))) as never);
  };
  for (const [name, handler] of Object.entries(spans.handlers)) add(name as GempoolEventName, handler as never);
  for (const [name, handler] of Object.entries(poolMetrics.handlers)) add(name as GempoolEventName, handler as never);
  for (const [name, handler] of Object.entries(sharedStateMetrics.handlers)) add(name as GempoolEventName, handler as never);
  add('call-end', onCallEnd);
  for (const [name, listener] of listeners) pool.on(name, listener);

  // Token usage, finish reasons and cost need usageMetadata; ask core to parse it.
  pool.trackUsage?.();
  if (recordContent) pool.trackContent?.();

  let stopped: Promise<void> | undefined;
  return {
    flush: async () => ledger?.flush(),
    shutdown() {
      stopped ??= (async () => {
        for (const [name, listener] of listeners) pool.off(name, listener);
        poolMetrics.stop();
        sharedStateMetrics.stop();
        spans.endAll();
        await ledger?.close();
      })();
      return stopped;
    },
  };
}

function validateOptions(pool: InstrumentablePool, options: InstrumentGempoolOptions): void {
  if (typeof pool?.on !== 'function' || typeof pool.off !== 'function') {
    throw new ConfigError('pool', 'a gempool pool (an object with on/off)', pool);
  }
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'an object', options);
  if (options.recordContent !== undefined && typeof options.recordContent !== 'boolean') {
    throw new ConfigError('recordContent', 'a boolean', options.recordContent);
  }
  if (options.ledger !== undefined && typeof options.ledger !== 'boolean' && (typeof options.ledger !== 'object' || options.ledger === null)) {
    throw new ConfigError('ledger', 'a boolean or ledger options', options.ledger);
  }
  if (options.onWarning !== undefined && typeof options.onWarning !== 'function') {
    throw new ConfigError('onWarning', 'a function', options.onWarning);
  }
}

/** A failing sink can fail every second: say so, but not every second. */
function throttledProcessWarning(intervalMs = 10_000): (message: string) => void {
  let last = -Infinity;
  return (message) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    process.emitWarning(message, { code: 'GEMPOOL_LEDGER_DROPPED' });
  };
}
