// Process signals → proxy lifecycle. The first SIGTERM/SIGINT drains (stop accepting, finish
// in-flight calls, close the pool); a second one cuts what is left. The signal source is a
// parameter so the same path runs in-process in tests.
import type { DrainResult, RunningProxy } from './start-proxy.js';

export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

export interface DrainOnSignalsOptions {
  signals?: readonly NodeJS.Signals[];
  source?: SignalSource;
  log?: (line: string) => void;
}

/** Resolves once a signal arrived and the proxy finished draining. */
export function drainOnSignals(proxy: Pick<RunningProxy, 'drain' | 'close'>, options: DrainOnSignalsOptions = {}): Promise<DrainResult> {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const source = options.source ?? process;
  const log = options.log ?? (() => {});
  return new Promise<DrainResult>((resolve, reject) => {
    let received = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      received++;
      if (received === 1) {
        log(`gempool proxy: ${signal} received, draining`);
        proxy.drain().then(
          (result) => {
            for (const [name, listener] of listeners) source.off(name, listener);
            resolve(result);
          },
          reject,
        );
      } else {
        log(`gempool proxy: ${signal} received again, closing now`);
        proxy.close().catch(reject);
      }
    };
    const listeners = signals.map((signal) => [signal, () => onSignal(signal)] as const);
    for (const [name, listener] of listeners) source.on(name, listener);
  });
}
