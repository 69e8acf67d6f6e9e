// Every default of the proxy service in one place, and the paths it serves. Deployment artifacts
// (Dockerfile, Cloud Run, Kubernetes) are checked against these constants in tests, so a probe can
// never point at a path the proxy does not serve.

/** Operational endpoints; every other path is forwarded upstream. */
export const PROXY_PATHS = Object.freeze({
  /** 200 while the process is alive. */
  healthz: '/healthz',
  /** 200 only once the pool is warm; 503 before that and while draining. */
  readyz: '/readyz',
  /** Prometheus text exposition. */
  metrics: '/metrics',
});

export const PROXY_DEFAULTS = Object.freeze({
  port: 8080,
  /** Loopback by default: exposing the proxy is a deliberate `--host 0.0.0.0`. */
  host: '127.0.0.1',
  upstream: 'https://generativelanguage.googleapis.com',
  /** Longest SIGTERM waits for in-flight calls before closing what is left. */
  drainTimeoutMs: 30_000,
  /** Largest request body buffered for forwarding (Gemini inline data tops out well below). */
  maxRequestBytes: 100 * 1024 * 1024,
  /** Wait between warmup attempts while the upstream cannot be reached. */
  warmupRetryMs: 5_000,
  /** OAuth scope requested through Application Default Credentials. */
  adcScope: 'https://www.googleapis.com/auth/cloud-platform',
});

/** Environment variables the CLI reads (secrets belong in the environment or a file, not argv). */
export const PROXY_ENV = Object.freeze({
  token: 'GEMPOOL_PROXY_TOKEN',
  apiKeys: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'] as const,
});
