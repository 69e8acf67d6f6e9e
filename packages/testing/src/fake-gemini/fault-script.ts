// Holds the current fault list and decides, per request, which fault (if any) fires.
// Counts are consumed per request in list order: the first fault that still has shots left and
// matches the request wins; skipped (`after`) requests are counted on every matching fault.
import { ConfigError, matchesModel } from '@gempool/core';
import { FAULT_KINDS, type Fault } from './fault-types.js';

interface ScriptedFault {
  fault: Fault;
  seen: number;
  fired: number;
}

export class FaultScript {
  #entries: ScriptedFault[] = [];

  constructor(faults: readonly Fault[] = [], field = 'faults') {
    this.replace(faults, field);
  }

  replace(faults: readonly Fault[], field = 'faults'): void {
    if (!Array.isArray(faults)) throw new ConfigError(field, 'an array of faults', faults);
    faults.forEach((fault, index) => validateFault(fault, `${field}[${index}]`));
    this.#entries = faults.map((fault) => ({ fault: { ...fault }, seen: 0, fired: 0 }));
  }

  /** The fault to apply to this request, or undefined. */
  take(model: string, method: string): Fault | undefined {
    for (const entry of this.#entries) {
      const { fault } = entry;
      if (fault.method !== undefined && fault.method !== method) continue;
      if (fault.model !== undefined && !matchesModel(model, fault.model)) continue;
      if (entry.fired >= (fault.times ?? 1)) continue;
      entry.seen++;
      if (entry.seen <= (fault.after ?? 0)) continue;
      entry.fired++;
      return fault;
    }
    return undefined;
  }

  /** Faults that can still fire. */
  remaining(): number {
    return this.#entries.filter((entry) => entry.fired < (entry.fault.times ?? 1)).length;
  }
}

function validateFault(fault: Fault, field: string): void {
  if (typeof fault !== 'object' || fault === null) throw new ConfigError(field, 'a fault object', fault);
  if (!FAULT_KINDS.includes(fault.kind)) throw new ConfigError(`${field}.kind`, `one of ${FAULT_KINDS.join(', ')}`, fault.kind);
  if (fault.model !== undefined && typeof fault.model !== 'string' && !(fault.model instanceof RegExp)) {
    throw new ConfigError(`${field}.model`, 'a string or RegExp', fault.model);
  }
  if (fault.method !== undefined && typeof fault.method !== 'string') throw new ConfigError(`${field}.method`, 'a string', fault.method);
  if (fault.times !== undefined && !(fault.times === Infinity || (Number.isInteger(fault.times) && fault.times >= 1))) {
    throw new ConfigError(`${field}.times`, 'an integer from 1 and up, or Infinity', fault.times);
  }
  if (fault.after !== undefined && !(Number.isInteger(fault.after) && fault.after >= 0)) {
    throw new ConfigError(`${field}.after`, 'an integer from 0 and up', fault.after);
  }
  switch (fault.kind) {
    case 'status':
      if (!Number.isInteger(fault.status) || fault.status < 400 || fault.status > 599) {
        throw new ConfigError(`${field}.status`, 'an HTTP error status from 400 to 599', fault.status);
      }
      if (fault.retryDelay !== undefined && !/^\d+(\.\d+)?s$/.test(fault.retryDelay)) {
        throw new ConfigError(`${field}.retryDelay`, 'a protobuf Duration string like `45.8s`', fault.retryDelay);
      }
      if (fault.retryInfo !== undefined && typeof fault.retryInfo !== 'boolean') throw new ConfigError(`${field}.retryInfo`, 'a boolean', fault.retryInfo);
      if (fault.retryInfo === false && fault.retryDelay !== undefined) throw new ConfigError(`${field}.retryDelay`, 'absent when `retryInfo` is false', fault.retryDelay);
      if (fault.quota !== undefined && fault.quota !== 'per-minute' && fault.quota !== 'per-day') {
        throw new ConfigError(`${field}.quota`, '`per-minute` or `per-day`', fault.quota);
      }
      break;
    case 'reset':
    case 'reset-mid-body':
      if (fault.scope !== undefined && fault.scope !== 'stream' && fault.scope !== 'connection') {
        throw new ConfigError(`${field}.scope`, '`stream` or `connection`', fault.scope);
      }
      break;
    case 'slow-headers':
      requireNonNegative(fault.delayMs, `${field}.delayMs`);
      break;
    case 'latency':
      requireNonNegative(fault.addMs, `${field}.addMs`);
      break;
    case 'stall-body':
    case 'sse-error':
      if (fault.afterChunks !== undefined && !(Number.isInteger(fault.afterChunks) && fault.afterChunks >= 0)) {
        throw new ConfigError(`${field}.afterChunks`, 'an integer from 0 and up', fault.afterChunks);
      }
      if (fault.kind === 'sse-error' && fault.status !== undefined && !(Number.isInteger(fault.status) && fault.status >= 400 && fault.status <= 599)) {
        throw new ConfigError(`${field}.status`, 'an HTTP error status from 400 to 599', fault.status);
      }
      break;
    default:
      break;
  }
}

function requireNonNegative(value: unknown, field: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new ConfigError(field, 'a finite number from 0 and up', value);
}
