// startProxy: the `gempool proxy` service as a library function. One node:http server answers the
// three operational endpoints itself and forwards every other path through a warm pool:
//
//   request → operational path? (/healthz, /readyz, /metrics) → client auth → forward (stream back)
//
// Lifecycle: warming (readyz 503) → ready (readyz 200) → draining (readyz 503, no new connections,
// in-flight calls finish) → closed (pool closed).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, unrefTimer, type TimerHandle } from '@gempool/core';
import { createClientAuth } from './client-auth.js';
import { createProxyPool } from './create-proxy-pool.js';
import { forwardRequest, type ForwardContext } from './forward-request.js';
import { InFlightCalls } from './in-flight-calls.js';
import { createMetricsEndpoint } from './metrics-endpoint.js';
import { PROXY_DEFAULTS, PROXY_PATHS } from './proxy-defaults.js';
import { validateProxyOptions, type ProxyOptions } from './proxy-options.js';
import type { ProxyPool } from './proxy-pool.js';
import { sendRpcStatus } from './rpc-status.js';
import { createUpstreamCredential } from './upstream-credential.js';

/** How long pool.close() may wait for leases after the drain (cut calls release theirs at once). */
const POOL_CLOSE_TIMEOUT_MS = 2_000;

export type ProxyState = 'warming' | 'ready' | 'draining' | 'closed';

export interface DrainResult {
  /** Calls still running when the drain timeout cut them off (0 when the drain completed). */
  abandoned: number;
}

export interface RunningProxy {
  /** `http://host:port`: the SDK's `baseUrl`. */
  readonly url: string;
  readonly port: number;
  readonly state: ProxyState;
  /** Forwarded calls being answered right now. */
  readonly inFlight: number;
  readonly pool: ProxyPool;
  /** Resolves once the pool is warm (rejects if the proxy drains first). */
  ready(): Promise<void>;
  /** What SIGTERM does: stop accepting, let in-flight calls finish (bounded), close the pool. */
  drain(): Promise<DrainResult>;
  /** Stops at once: in-flight calls are cut. */
  close(): Promise<void>;
}

export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  validateProxyOptions(options);
  const clock = options.clock ?? systemClock;
  const log = options.log ?? (() => {});
  const drainTimeoutMs = options.drainTimeoutMs ?? PROXY_DEFAULTS.drainTimeoutMs;
  const warmupRetryMs = options.warmupRetryMs ?? PROXY_DEFAULTS.warmupRetryMs;
  const origin = new URL(options.upstream.origin ?? PROXY_DEFAULTS.upstream).origin;
  const pool = createProxyPool(origin, options.pool ?? {});
  const metrics = await createMetricsEndpoint(pool);
  const authorized = createClientAuth(options.tokens ?? [], options.noAuth === true);
  const inFlight = new InFlightCalls();
  const forward: ForwardContext = {
    fetch: (url, init) => pool.fetch(url, init),
    origin,
    credential: createUpstreamCredential(options.upstream),
    maxRequestBytes: options.maxRequestBytes ?? PROXY_DEFAULTS.maxRequestBytes,
    log,
  };

  let state: ProxyState = 'warming';
  let resolveReady!: () => void;
  let rejectReady!: (error: Error) => void;
  const readyPromise = new Promise<void>((resolve, reject) => ((resolveReady = resolve), (rejectReady = reject)));
  readyPromise.catch(() => {}); // nobody has to wait for readiness

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const path = pathOf(req.url);
    if (path === PROXY_PATHS.healthz) return plain(res, 200, 'ok\n');
    if (path === PROXY_PATHS.readyz) return state === 'ready' ? plain(res, 200, 'ready\n') : plain(res, 503, `${state}\n`);
    if (path === PROXY_PATHS.metrics) return metrics.handle(req, res);
    if (!authorized(req.headers)) {
      req.resume();
      return sendRpcStatus(res, 401, 'UNAUTHENTICATED', 'gempool proxy: a valid proxy token is required (Authorization: Bearer <token>)', {
        'www-authenticate': 'Bearer realm="gempool-proxy"',
      });
    }
    inFlight.track(res);
    forwardRequest(req, res, forward).catch((error: unknown) => {
      log(`gempool proxy: forwarding failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) sendRpcStatus(res, 500, 'INTERNAL', 'gempool proxy: internal error');
      else res.destroy();
    });
  };

  // Keep-alive longer than Google front ends and load balancers keep idle backend connections
  // (600 s), so they never reuse a socket the proxy is closing.
  const server = createServer({ keepAliveTimeout: 620_000, headersTimeout: 60_000 }, onRequest);
  server.on('clientError', (_error, socket) => socket.destroy());
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? PROXY_DEFAULTS.port, options.host ?? PROXY_DEFAULTS.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await metrics.shutdown();
    await pool.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const hostInUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  log(`gempool proxy: listening on http://${hostInUrl}:${address.port}, forwarding to ${origin} (${forward.credential.kind}, client auth ${options.noAuth === true ? 'off' : 'on'})`);

  // Warm up until it works: a cold pool is never Ready, and a transient upstream failure at start
  // must not leave the instance unready forever.
  let retryTimer: TimerHandle | undefined;
  const warm = (): void => {
    pool.warmup().then(
      () => {
        if (state !== 'warming') return;
        state = 'ready';
        log('gempool proxy: pool warm, ready');
        resolveReady();
      },
      (error: unknown) => {
        if (state !== 'warming') return;
        log(`gempool proxy: warmup failed (${error instanceof Error ? error.message : String(error)}); retrying in ${warmupRetryMs} ms`);
        retryTimer = unrefTimer(clock.setTimeout(warm, warmupRetryMs));
      },
    );
  };
  warm();

  let draining: Promise<DrainResult> | undefined;
  let cutNow = (): void => {};
  const drain = (timeoutMs: number): Promise<DrainResult> =>
    (draining ??= (async () => {
      const wasWarming = state === 'warming';
      state = 'draining';
      if (retryTimer !== undefined) clock.clearTimeout(retryTimer);
      if (wasWarming) rejectReady(new Error('gempool proxy drained before the pool was warm'));
      log(`gempool proxy: draining ${inFlight.size} in-flight call(s), up to ${timeoutMs} ms`);
      inFlight.closeConnectionsAfterResponse();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      let timer: TimerHandle | undefined;
      const timedOut = new Promise<void>((resolve) => {
        timer = clock.setTimeout(resolve, timeoutMs);
        cutNow = resolve;
      });
      await Promise.race([inFlight.whenIdle(), timedOut]);
      if (timer !== undefined) clock.clearTimeout(timer);
      const abandoned = inFlight.size;
      if (abandoned > 0) log(`gempool proxy: drain timeout, cutting ${abandoned} call(s)`);
      server.closeAllConnections();
      await closed;
      await metrics.shutdown();
      // Every call has ended or been cut by now; leases left are released as their sockets close.
      await pool.close({ timeoutMs: POOL_CLOSE_TIMEOUT_MS });
      state = 'closed';
      log('gempool proxy: closed');
      return { abandoned };
    })());

  return {
    url: `http://${hostInUrl}:${address.port}`,
    port: address.port,
    get state() {
      return state;
    },
    get inFlight() {
      return inFlight.size;
    },
    pool,
    ready: () => readyPromise,
    drain: () => drain(drainTimeoutMs),
    close: async () => {
      // During a drain, close() ends the wait for in-flight calls instead of starting over.
      const result = drain(0);
      cutNow();
      await result;
    },
  };
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const queryStart = url.indexOf('?');
  return queryStart === -1 ? url : url.slice(0, queryStart);
}

function plain(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}
