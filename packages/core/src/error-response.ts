// A gempool failure as the Google error response SDKs already handle, and the way back: the
// gempool code behind whatever error an SDK raised from such a response. Used by the global
// dispatcher bridge and by the SDK integrations (@gempool/genai, @gempool/langchain), because SDKs
// drop the cause of a failed fetch but keep an HTTP error's status and body.
import { type GempoolError, isGempoolError } from './errors.js';

export type SdkFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

const STATUS_FOR_CODE: Partial<Record<string, number>> = {
  QUEUE_FULL: 429,
  QUEUE_TIMEOUT: 429,
  RETRY_BUDGET_EXHAUSTED: 429,
  QUOTA_EXHAUSTED: 429,
  QUOTA_WAIT_TIMEOUT: 429,
  DEADLINE_EXCEEDED: 504,
  REQUEST_INVALID: 400,
  CONFIG_INVALID: 400,
};
const RPC_STATUS: Record<number, string> = { 400: 'INVALID_ARGUMENT', 429: 'RESOURCE_EXHAUSTED', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED' };

/**
 * A gempool failure as the Google error response SDKs already handle: the status (the upstream one,
 * or 429/503/504 by kind) and a `google.rpc.ErrorInfo` detail `{ reason: <code>, domain: 'gempool' }`
 * so `gempoolErrorCode(sdkError)` finds our code. RetryInfo is added when we know the wait.
 */
export function gempoolErrorResponse(error: GempoolError): Response {
  const status = error.status !== undefined && error.status >= 400 ? error.status : (STATUS_FOR_CODE[error.code] ?? 503);
  const details: Record<string, unknown>[] = [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: error.code, domain: 'gempool' }];
  if (error.retryAfterMs !== undefined) details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${(error.retryAfterMs / 1000).toFixed(3)}s` });
  const body = { error: { code: status, message: `gempool ${error.code}: ${error.message}`, status: RPC_STATUS[status] ?? 'UNKNOWN', details } };
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=UTF-8', [CODE_HEADER]: error.code } });
}

/**
 * `pool.fetch` as a Google SDK's fetch (`httpOptions.fetch`, LangChain's client fetch): gempool
 * failures (queue full, breaker open, connection errors…) come back as gempoolErrorResponse, so the
 * SDK raises its usual HTTP error (status kept) and `gempoolErrorCode(error)` finds our code — SDKs
 * drop a rejected fetch's cause. Aborts stay rejections, so the SDK's own abort handling keeps working.
 */
export function gempoolSdkFetch(pool: { readonly fetch: SdkFetch }): SdkFetch {
  return async (input, init) => {
    try {
      return await pool.fetch(input, init);
    } catch (error) {
      if (isGempoolError(error) && error.code !== 'ABORTED') return gempoolErrorResponse(error);
      throw error;
    }
  };
}

const CODE_IN_TEXT = /"reason":\s*"([A-Z_]+)",\s*"domain":\s*"gempool"/;
const CODE_HEADER = 'x-gempool-error-code';

/**
 * The gempool error code behind an SDK error, if any: a GempoolError's `code`, or the ErrorInfo /
 * header of gempoolErrorResponse as each SDK keeps it (ApiError message, GoogleGenerativeAIFetchError
 * `errorDetails`, @langchain/google RequestError `data`/`headers`, gaxios-style `response`), through `cause`.
 */
export function gempoolErrorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 8; depth++) {
    if (isGempoolError(current)) return current.code;
    const fields = current as { message?: unknown; errorDetails?: unknown; data?: unknown; headers?: unknown; response?: { headers?: unknown }; cause?: unknown };
    const header = headerValue(fields.headers) ?? headerValue(fields.response?.headers);
    if (header !== undefined) return header;
    for (const text of [fields.message, fields.errorDetails, fields.data]) {
      const found = text === undefined ? null : CODE_IN_TEXT.exec(typeof text === 'string' ? text : safeJson(text));
      if (found !== null) return found[1];
    }
    current = fields.cause;
  }
  return undefined;
}

function headerValue(headers: unknown): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const value = typeof (headers as Headers).get === 'function' ? (headers as Headers).get(CODE_HEADER) : (headers as Record<string, unknown>)[CODE_HEADER];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}
