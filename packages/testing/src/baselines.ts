// The "before" pictures gempool is compared with, as plain fetch functions, so the demo and the
// benchmarks measure the same baselines through the same SDK:
//  - connectionPerCallFetch: a fresh undici client per call, closed when the body ends. Every call
//    pays TCP + TLS (+ the WAN round trips for each), which is what code that builds a client per
//    request, or a serverless function per call, pays.
//  - defaultFetch: Node's global fetch with its built-in keep-alive agent (HTTP/1.1, no connection
//    limit, no warm-up). Trusting a test server's CA needs a process-wide change (the built-in
//    fetch takes no `ca`), so it is made only while the baseline is open and undone by close().
import tls from 'node:tls';
import { ConfigError } from '@gempool/core';
import { Client, fetch as undiciFetch } from 'undici';

export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface BaselineFetch {
  readonly fetch: FetchFunction;
  /** Connections this baseline opened so far (known only where the baseline owns them). */
  readonly connectionsOpened: number | undefined;
  /** Releases what the baseline holds (open clients, the process-wide CA change). */
  close(): Promise<void>;
}

export interface BaselineOptions {
  /** PEM certificate authority to trust besides the system store (a fake server's `ca`). */
  ca?: string | Buffer;
}

export interface ConnectionPerCallOptions extends BaselineOptions {
  /** Offer HTTP/2 via ALPN (undici 8's default). Default true. */
  allowH2?: boolean;
}

/** undici `fetch` over a new connection per call; the connection closes once the body ends or is cancelled. */
export function connectionPerCallFetch(options: ConnectionPerCallOptions = {}): BaselineFetch {
  const ca = validateCa(options);
  const allowH2 = options.allowH2 ?? true;
  if (typeof allowH2 !== 'boolean') throw new ConfigError('allowH2', 'a boolean', allowH2);
  const live = new Set<Client>();
  let opened = 0;
  let closed = false;

  const fetch: FetchFunction = async (input, init) => {
    if (closed) throw new TypeError('connectionPerCallFetch was closed');
    const url = new URL(input instanceof Request ? input.url : input);
    const client = new Client(url.origin, { allowH2, connect: ca === undefined ? {} : { ca } });
    live.add(client);
    opened++;
    const release = () => {
      if (!live.delete(client)) return;
      // destroy, not close: the connection is finished with and must not linger half-closed.
      client.destroy().catch(() => {});
    };
    try {
      // undici 8's fetch does not recognise Node's built-in Request class: pass its parts instead.
      const request = input instanceof Request ? { method: input.method, headers: input.headers, body: input.body, duplex: 'half', signal: input.signal } : {};
      const target = input instanceof Request ? input.url : input;
      const response = (await undiciFetch(target, { ...request, ...(init as object), dispatcher: client } as Parameters<typeof undiciFetch>[1])) as unknown as Response;
      if (response.body === null) {
        release();
        return response;
      }
      return new Response(releasingBody(response.body, release), { status: response.status, statusText: response.statusText, headers: response.headers });
    } catch (error) {
      release();
      throw error;
    }
  };

  return {
    fetch,
    get connectionsOpened() {
      return opened;
    },
    async close() {
      closed = true;
      await Promise.all([...live].map((client) => client.destroy().catch(() => {})));
      live.clear();
    },
  };
}

/**
 * Node's global fetch (keep-alive, HTTP/1.1, one connection per concurrent call). With `ca`, the
 * process's default CA list gains it until close(); nothing else in the process should rely on
 * that list changing meanwhile (tests: run this baseline in one test file at a time).
 */
export function defaultFetch(options: BaselineOptions = {}): BaselineFetch {
  const ca = validateCa(options);
  let restore: (() => void) | undefined;
  if (ca !== undefined) {
    // Looked up at call time: a missing named export of node:tls would break importing this package.
    if (typeof tls.setDefaultCACertificates !== 'function') throw new ConfigError('ca', 'unset on this Node (tls.setDefaultCACertificates needs Node 24.5 / 22.19 or later)', '<PEM>');
    const previous = tls.getCACertificates('default');
    tls.setDefaultCACertificates([...previous, typeof ca === 'string' ? ca : ca.toString('utf8')]);
    restore = () => tls.setDefaultCACertificates(previous);
  }
  const nodeFetch = globalThis.fetch;
  return {
    fetch: (input, init) => nodeFetch(input, init),
    connectionsOpened: undefined,
    async close() {
      restore?.();
      restore = undefined;
    },
  };
}

// A pass-through body that calls `release` exactly once: at its end, on an error, or when the
// consumer cancels it (the SDK cancels nothing, but a caller that stops reading must not leak).
function releasingBody(body: ReadableStream<Uint8Array>, release: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          release();
          controller.close();
        } else {
          controller.enqueue(value);
        }
      } catch (error) {
        release();
        controller.error(error);
      }
    },
    async cancel(reason) {
      release();
      await reader.cancel(reason).catch(() => {});
    },
  });
}

function validateCa(options: BaselineOptions): string | Buffer | undefined {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'an object', options);
  const { ca } = options;
  if (ca !== undefined && typeof ca !== 'string' && !Buffer.isBuffer(ca)) throw new ConfigError('ca', 'a PEM string or Buffer', ca);
  return ca;
}
