// Opens sockets ourselves (TCP + TLS + ALPN) with undici's connector, so warm-up can establish
// connections before traffic (undici has no public pre-connect) and every socket is counted.
import type { Socket } from 'node:net';
import { buildConnector } from 'undici';
import type { TlsOptions } from '../options.js';

export interface EstablishedSocket {
  socket: Socket;
  httpVersion: '1.1' | '2';
  tls: boolean;
}

export interface SocketConnectorOptions {
  origin: string;
  http2: boolean;
  tls: TlsOptions | undefined;
  connectTimeoutMs: number;
}

export class SocketConnector {
  readonly #connect: buildConnector.connector;
  readonly #url: URL;

  constructor(options: SocketConnectorOptions) {
    this.#url = new URL(options.origin);
    const tls = options.tls ?? {};
    this.#connect = buildConnector({
      allowH2: options.http2,
      // Prefer h2 in ALPN so a server offering both multiplexes our calls.
      preferH2: options.http2,
      timeout: options.connectTimeoutMs,
      ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
      ...(tls.rejectUnauthorized !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
      ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
    } as buildConnector.BuildOptions);
  }

  connect(): Promise<EstablishedSocket> {
    const { hostname, host, protocol, port } = this.#url;
    return new Promise((resolve, reject) => {
      this.#connect({ hostname: hostname.replace(/^\[|\]$/g, ''), host, protocol, port, servername: null } as unknown as buildConnector.Options, (error, socket) => {
        if (error !== null || socket === null) return reject(error);
        const alpn = (socket as Socket & { alpnProtocol?: string | false }).alpnProtocol;
        resolve({ socket: socket as Socket, httpVersion: alpn === 'h2' ? '2' : '1.1', tls: protocol === 'https:' });
      });
    });
  }
}
