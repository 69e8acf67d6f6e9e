// A tiny upstream that answers whatever bytes a test scripts, for responses the fake Gemini server
// cannot produce (truncated JSON, wrong content-type, huge or binary bodies, invalid SSE). TLS with HTTP/2 + HTTP/1.1 (ALPN) like Google's front ends, or plain HTTP/1.1.
// The certificate is the fake server's self-signed localhost one (trust it with `ca`).
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { constants, createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { localhostCertificate } from '@gempool/testing';

export interface RawExchange {
  /** Path and query, e.g. `/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`. */
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  writeHead(status: number, headers?: Record<string, string>): void;
  /** Resolves once the chunk is handed to the socket (waits for drain on big bodies). */
  write(chunk: string | Uint8Array): Promise<void>;
  end(chunk?: string | Uint8Array): void;
  /** Kills the request: RST_STREAM on HTTP/2, a dropped socket on HTTP/1.1. */
  reset(): void;
}

export type RawResponder = (exchange: RawExchange) => void | Promise<void>;

export interface RawUpstream {
  readonly origin: string;
  readonly ca: string | undefined;
  /** Requests answered so far (by path). */
  readonly requests: string[];
  respond(responder: RawResponder): void;
  close(): Promise<void>;
}

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

export async function startRawUpstream(options: { tls?: boolean; responder?: RawResponder } = {}): Promise<RawUpstream> {
  const tls = options.tls ?? true;
  let responder: RawResponder = options.responder ?? ((exchange) => exchange.end());
  const requests: string[] = [];
  const sockets = new Set<Socket>();

  const onRequest = (request: AnyRequest, response: AnyResponse): void => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('error', () => {});
    response.on('error', () => {});
    request.on('end', () => {
      const path = request.url ?? '/';
      requests.push(path);
      const exchange = toExchange(request, response, path, Buffer.concat(chunks).toString('utf8'));
      Promise.resolve()
        .then(() => responder(exchange))
        .catch(() => exchange.reset());
    });
  };

  let ca: string | undefined;
  let server: ReturnType<typeof createHttpServer> | ReturnType<typeof createSecureServer>;
  if (tls) {
    const { key, cert } = await localhostCertificate();
    ca = cert;
    const secure = createSecureServer({ key, cert, allowHTTP1: true }, onRequest);
    secure.on('session', (session) => session.on('error', () => {}));
    secure.on('tlsClientError', () => {});
    server = secure;
  } else {
    server = createHttpServer(onRequest);
    server.on('clientError', (_error, socket) => socket.destroy());
  }
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    origin: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    ca,
    requests,
    respond: (next) => void (responder = next),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      })),
  };
}

function toExchange(request: AnyRequest, response: AnyResponse, path: string, body: string): RawExchange {
  const res = response as ServerResponse; // both response kinds share this surface
  return {
    path,
    headers: request.headers,
    body,
    writeHead: (status, headers = {}) => void res.writeHead(status, headers),
    write: (chunk) =>
      new Promise<void>((resolve) => {
        if (res.destroyed || res.writableEnded) return resolve();
        if (res.write(chunk)) return resolve();
        const done = () => {
          res.off('drain', done).off('close', done);
          resolve();
        };
        res.on('drain', done).on('close', done);
      }),
    end: (chunk) => void (chunk === undefined ? res.end() : res.end(chunk)),
    reset() {
      if ('stream' in response && response.stream !== undefined) response.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
      else request.socket.destroy();
    },
  };
}
