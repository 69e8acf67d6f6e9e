// Reads a google.rpc.Status error body, the only place Gemini says how to be retried:
//   {"error":{"code":429,"status":"RESOURCE_EXHAUSTED","details":[
//     {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"45.8s"},
//     {"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaId":"…PerDay…"}]}]}}
// No Retry-After header is sent, so RetryInfo is the server's real answer.

export interface GeminiStatus {
  /** HTTP-style code from the body (`error.code`), when present. */
  code: number | undefined;
  /** Canonical status name, e.g. `RESOURCE_EXHAUSTED`. */
  status: string | undefined;
  /** google.rpc.RetryInfo.retryDelay in ms. */
  retryDelayMs: number | undefined;
  /** google.rpc.QuotaFailure violation quota ids. */
  quotaIds: string[];
  /** A violated quota is a per-day one: retrying for hours is pointless. */
  perDayQuotaExhausted: boolean;
}

const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';
const QUOTA_FAILURE = 'type.googleapis.com/google.rpc.QuotaFailure';
const EMPTY: GeminiStatus = Object.freeze({
  code: undefined,
  status: undefined,
  retryDelayMs: undefined,
  quotaIds: [],
  perDayQuotaExhausted: false,
}) as GeminiStatus;

/** Parses a google.protobuf.Duration in JSON form (`"45.8s"`, `"2s"`, `"0.5s"`) to ms. */
export function parseDurationMs(value: unknown): number | undefined {
  if (typeof value === 'string') {
    const match = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
    return match === null ? undefined : Math.round(Number(match[1]) * 1000);
  }
  // The proto3 object form { seconds, nanos } also occurs in some clients' re-serialisations.
  if (typeof value === 'object' && value !== null) {
    const { seconds, nanos } = value as { seconds?: unknown; nanos?: unknown };
    const s = Number(seconds ?? 0);
    const n = Number(nanos ?? 0);
    if (Number.isFinite(s) && Number.isFinite(n)) return Math.round(s * 1000 + n / 1e6);
  }
  return undefined;
}

/** Parses an error body (text or bytes). Anything that is not a Status gives empty facts, never throws. */
export function parseGeminiStatus(body: string | Uint8Array | undefined): GeminiStatus {
  if (body === undefined || body.length === 0) return EMPTY;
  let json: unknown;
  try {
    json = JSON.parse(typeof body === 'string' ? body : new TextDecoder().decode(body));
  } catch {
    return EMPTY;
  }
  // Some proxies (and streamed JSON arrays) wrap the status in an array.
  if (Array.isArray(json)) json = json[0];
  const error = (json as { error?: unknown } | null)?.error;
  if (typeof error !== 'object' || error === null) return EMPTY;
  const { code, status, details } = error as { code?: unknown; status?: unknown; details?: unknown };

  let retryDelayMs: number | undefined;
  const quotaIds: string[] = [];
  if (Array.isArray(details)) {
    for (const detail of details as Array<Record<string, unknown> | null>) {
      if (detail === null || typeof detail !== 'object') continue;
      if (detail['@type'] === RETRY_INFO) retryDelayMs = parseDurationMs(detail.retryDelay);
      if (detail['@type'] === QUOTA_FAILURE && Array.isArray(detail.violations)) {
        for (const violation of detail.violations as Array<Record<string, unknown> | null>) {
          if (typeof violation?.quotaId === 'string') quotaIds.push(violation.quotaId);
        }
      }
    }
  }
  return {
    code: typeof code === 'number' ? code : undefined,
    status: typeof status === 'string' ? status : undefined,
    retryDelayMs,
    quotaIds,
    perDayQuotaExhausted: quotaIds.some((id) => /PerDay/i.test(id)),
  };
}
