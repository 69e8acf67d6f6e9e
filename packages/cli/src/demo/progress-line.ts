// The live progress of a phase: on a terminal one line rewritten in place (`\r`), otherwise a
// plain line now and then (every ~2 s) so logs stay readable. Silent when `write` is undefined.
import type { PhaseSample } from './run-phase.js';

export interface ProgressLine {
  update(sample: PhaseSample): void;
  /** Ends the line with the phase's final numbers. */
  finish(sample: PhaseSample, suffix: string): void;
}

export function createProgressLine(label: string, calls: number, write: ((text: string) => void) | undefined, tty: boolean): ProgressLine {
  if (write === undefined) return { update: () => {}, finish: () => {} };
  let lastPlain = -Infinity;
  const format = (sample: PhaseSample) =>
    `  ${label.padEnd(24)} ${String(sample.done).padStart(String(calls).length)}/${calls} done  ` +
    `${String(sample.inFlight).padStart(4)} in flight  ${sample.connectionsOpen === undefined ? '   ?' : String(sample.connectionsOpen).padStart(4)} connections open  ` +
    `${(sample.t / 1000).toFixed(1).padStart(5)} s`;
  return {
    update(sample) {
      if (tty) return write(`\r${format(sample)}\x1b[K`);
      if (sample.t - lastPlain < 2_000) return;
      lastPlain = sample.t;
      write(`${format(sample)}\n`);
    },
    finish(sample, suffix) {
      write(`${tty ? '\r' : ''}${format(sample)}  ${suffix}${tty ? '\x1b[K' : ''}\n`);
    },
  };
}
