// A TCP proxy that adds a simulated WAN round trip: every chunk waits rttMs/2 in each direction,
// and the first client bytes are held one extra RTT as if the TCP handshake had crossed the WAN.
// So TCP connect, TLS handshake and every request pay real round trips, as they would to Google.
import { ConfigError } from '@gempool/core';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { DelayedPipe } from './latency-proxy/delayed-pipe.js';

export interface LatencyProxyOptions {
  /** `host:port`, or an origin URL such as a fake server's `origin`. */
  target: string;
  /** Simulated round-trip time, applied half each way. */
  rttMs: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
}

export interface LatencyProxyStats {
  connections: { accepted: number; open: number };
  bytes: { toTarget: number; toClient: number };
}

export interface LatencyProxy {
  readonly host: string;
  readonly port: number;
  /** The target's scheme with the proxy's host and port, when the target was a URL. */
  readonly origin: string | undefined;
  /** `${scheme}://host:port` of the proxy. */
  originFor(scheme: 'http' | 'https'): string;
  stats(): LatencyProxyStats;
  /** Stops listening and destroys every proxied connection. */
  close(): Promise<void>;
}

interface Target {
  host: string;
  port: number;
  scheme: string | undefined;
}

export async function startLatencyProxy(options: LatencyProxyOptions): Promise<LatencyProxy> {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'an object', options);
  const target = parseTarget(options.target);
  const { rttMs, host = '127.0.0.1', port = 0 } = options;
  if (typeof rttMs !== 'number' || !Number.isFinite(rttMs) || rttMs < 0) throw new ConfigError('rttMs', 'a finite number from 0 and up', rttMs);
  if (typeof host !== 'string' || host === '') throw new ConfigError('host', 'a non-empty string', host);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('port', 'an integer from 0 to 65535', port);

  const totals = { accepted: 0, toTarget: 0, toClient: 0 };
  const live = new Map<Socket, { upstream: Socket; toTarget: DelayedPipe; toClient: DelayedPipe }>();

  const server = createServer({ pauseOnConnect: true, allowHalfOpen: true }, (client) => {
    totals.accepted++;
    const upstream = connect({ host: target.host, port: target.port, noDelay: true, allowHalfOpen: true });
    client.setNoDelay(true);
    const connection = {
      upstream,
      // The client's first bytes wait one RTT: the TCP handshake a real WAN connect would pay.
      toTarget: new DelayedPipe(client, upstream, rttMs / 2, Date.now() + rttMs),
      toClient: new DelayedPipe(upstream, client, rttMs / 2, 0),
    };
    live.set(client, connection);
    // A reset on one side reaches the other as a reset (ECONNRESET), like from the real peer.
    client.on('error', () => resetSocket(upstream));
    upstream.on('error', () => resetSocket(client));
    // FINs travel through the pipes behind the data (DelayedPipe forwards 'end'), so nothing is cut short.
    let closedSides = 0;
    const onClose = () => {
      if (++closedSides < 2) return;
      totals.toTarget += connection.toTarget.bytes;
      totals.toClient += connection.toClient.bytes;
      connection.toTarget.stop();
      connection.toClient.stop();
      live.delete(client);
    };
    client.once('close', onClose);
    upstream.once('close', onClose);
    client.resume();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  const originFor = (scheme: 'http' | 'https') => `${scheme}://${hostInUrl}:${address.port}`;
  let closing: Promise<void> | undefined;

  return {
    host,
    port: address.port,
    origin: target.scheme === undefined ? undefined : `${target.scheme}://${hostInUrl}:${address.port}`,
    originFor,
    stats: () => {
      let toTarget = totals.toTarget;
      let toClient = totals.toClient;
      for (const connection of live.values()) {
        toTarget += connection.toTarget.bytes;
        toClient += connection.toClient.bytes;
      }
      return { connections: { accepted: totals.accepted, open: live.size }, bytes: { toTarget, toClient } };
    },
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const [client, connection] of live) {
          connection.toTarget.stop();
          connection.toClient.stop();
          client.destroy();
          connection.upstream.destroy();
        }
      })),
  };
}

function parseTarget(target: unknown): Target {
  if (typeof target !== 'string' || target === '') throw new ConfigError('target', 'a `host:port` string or an origin URL', target);
  if (target.includes('://')) {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw new ConfigError('target', 'a `host:port` string or an origin URL', target);
    }
    const scheme = url.protocol.slice(0, -1);
    const port = url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port);
    return { host: url.hostname.replace(/^\[|\]$/g, ''), port, scheme };
  }
  const match = /^(.+):(\d+)$/.exec(target);
  if (match === null) throw new ConfigError('target', 'a `host:port` string or an origin URL', target);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]), scheme: undefined };
}

function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
