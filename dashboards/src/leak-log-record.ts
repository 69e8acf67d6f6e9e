// The log record gempool writes when a lease leaks, as the dashboards' logs panel expects it.
// `@gempool/otel` owns writing it; this is the shape both sides agree on. In Cloud Logging a JSON
// log line lands as `jsonPayload`, so the panel filters on `jsonPayload.event`.

/** `jsonPayload` of a leak record (severity WARNING), one per detection and one per late return. */
export interface LeakLogRecord {
  event: 'gempool.leak' | 'gempool.leak.returned_late';
  message: string;
  leaseId: number;
  callId?: number;
  origin: string;
  model: string;
  method?: string;
  heldMs: number;
  forceReturned?: boolean;
  /** Stack captured when the call was made (only on `gempool.leak`). */
  stack?: string;
}

export const LEAK_LOG_EVENTS = ['gempool.leak', 'gempool.leak.returned_late'] as const;

export const LEAK_LOG_FILTER = `jsonPayload.event=(${LEAK_LOG_EVENTS.map((event) => JSON.stringify(event)).join(' OR ')})`;
