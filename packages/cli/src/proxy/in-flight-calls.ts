// The forwarded calls currently being answered, so a drain knows when it is done and can tell
// responses not yet started to close their connection afterwards.
import type { ServerResponse } from 'node:http';

export class InFlightCalls {
  readonly #responses = new Set<ServerResponse>();
  #idleWaiters: Array<() => void> = [];
  #closeConnections = false;

  get size(): number {
    return this.#responses.size;
  }

  /** Tracks `res` until it closes (finished, or the caller went away). */
  track(res: ServerResponse): void {
    this.#responses.add(res);
    if (this.#closeConnections) markConnectionClose(res);
    res.once('close', () => {
      this.#responses.delete(res);
      if (this.#responses.size === 0) this.#notifyIdle();
    });
  }

  /** From now on every response, present and future, ends its connection (HTTP/1.1 keep-alive off). */
  closeConnectionsAfterResponse(): void {
    this.#closeConnections = true;
    for (const res of this.#responses) markConnectionClose(res);
  }

  /** Resolves when no call is in flight. */
  whenIdle(): Promise<void> {
    if (this.#responses.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #notifyIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function markConnectionClose(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader('connection', 'close');
}
