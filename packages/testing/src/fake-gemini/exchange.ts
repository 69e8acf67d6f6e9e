// One request/response pair, whichever of node:http (HTTP/1.1) or node:http2's compatibility
// API (HTTP/2 or HTTP/1.1 over TLS) produced it, plus the ways a fault can break it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { constants as h2, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { Socket } from 'node:net';

export type AnyRequest = IncomingMessage | Http2ServerRequest;
export type AnyResponse = ServerResponse | Http2ServerResponse;

export class Exchange {
  readonly request: AnyRequest;
  readonly #response: AnyResponse;
  /** `'2'` or `'1.1'`. */
  readonly httpVersion: string;
  #finished = false;
  #closed = false;

  constructor(request: AnyRequest, response: AnyResponse) {
    this.request = request;
    this.#response = response;
    this.httpVersion = request.httpVersionMajor === 2 ? '2' : request.httpVersion;
    response.once('close', () => (this.#closed = true));
  }

  get #h2request(): Http2ServerRequest | undefined {
    return this.request.httpVersionMajor === 2 ? (this.request as Http2ServerRequest) : undefined;
  }

  /** True once the client went away or the server broke the exchange. */
  get gone(): boolean {
    // Not request.destroyed: node:http destroys the request once its body has been read.
    return this.#finished || this.#closed;
  }

  get headersSent(): boolean {
    return this.#response.headersSent;
  }

  onClose(listener: () => void): void {
    this.#response.once('close', listener);
  }

  header(name: string): string | undefined {
    const value = this.request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  }

  async readBody(): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.request) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  writeHead(status: number, headers: Record<string, string>): void {
    if (this.gone) return;
    (this.#response as ServerResponse).writeHead(status, headers);
  }

  write(chunk: string): void {
    if (!this.gone) (this.#response as ServerResponse).write(chunk);
  }

  end(chunk?: string): void {
    if (this.gone) return;
    this.#finished = true;
    (this.#response as ServerResponse).end(chunk);
  }

  /** HTTP/2: RST_STREAM on this stream only. HTTP/1.1: the connection is the stream. */
  resetStream(): void {
    this.#finished = true;
    const h2request = this.#h2request;
    if (h2request === undefined) resetSocket(this.request.socket);
    else if (!h2request.stream.destroyed) h2request.stream.close(h2.NGHTTP2_INTERNAL_ERROR);
  }

  /** Drops the whole connection, every stream on it included. */
  resetConnection(): void {
    this.#finished = true;
    const h2request = this.#h2request;
    if (h2request === undefined) resetSocket(this.request.socket);
    else h2request.stream.session?.destroy();
  }

  /** HTTP/2: GOAWAY now, close once open streams finish. HTTP/1.1: `connection: close`. */
  announceGoaway(): void {
    const h2request = this.#h2request;
    if (h2request === undefined) this.#response.setHeader('connection', 'close');
    else h2request.stream.session?.close();
  }
}

function resetSocket(socket: Socket | null | undefined): void {
  if (socket === null || socket === undefined || socket.destroyed) return;
  // A TCP RST where the handle allows it (plain TCP); TLS sockets can only be destroyed.
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
