// Connection-level failures become typed GempoolErrors: CONNECT_TIMEOUT, or CONNECTION_ERROR with
// `details.reason` 'reset' | 'refused' | 'goaway' | 'timeout' | 'tls' | 'dns' and `retryable`
// where sending again is safe. A DNS failure (ENOTFOUND, EAI_AGAIN) is its own reason: retried
// quickly like a reset (resolvers blip), but a wrong host name is then plain to see. HTTP error statuses are not errors here: they are Responses.
import { GempoolError } from '../errors.js';

export type ConnectionFailure = 'reset' | 'refused' | 'goaway' | 'timeout' | 'tls' | 'dns';

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);

const TLS_CODES = /^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|UNABLE_TO_|SELF_SIGNED|ERR_OSSL)/;

export function mapTransportError(error: unknown, origin: string): GempoolError {
  if (error instanceof GempoolError) return error;
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const details = { origin, errorCode: code };
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') {
    return new GempoolError('CONNECT_TIMEOUT', `Connecting to ${origin} timed out`, { retryable: true, cause: error, details });
  }
  const reason = classify(code, message);
  return new GempoolError('CONNECTION_ERROR', `Connection to ${origin} failed (${reason}): ${message}`, {
    retryable: reason !== 'tls',
    cause: error,
    details: { ...details, reason },
  });
}

function classify(code: string | undefined, message: string): ConnectionFailure {
  if (code === 'ECONNREFUSED') return 'refused';
  if ((code !== undefined && DNS_CODES.has(code)) || message.includes('getaddrinfo')) return 'dns';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'timeout';
  if (message.includes('GOAWAY') || code === 'ERR_HTTP2_GOAWAY_SESSION') return 'goaway';
  if (code !== undefined && TLS_CODES.test(code)) return 'tls';
  return 'reset';
}
