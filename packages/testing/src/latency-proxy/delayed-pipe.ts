// Forwards one direction of a TCP connection with a one-way delay, keeping byte order.
// Each chunk is delivered at max(arrival, notBefore) + delay, where notBefore lets the caller
// hold the first bytes until a simulated TCP handshake has completed.

type Item = { at: number; chunk: Buffer } | { at: number; end: true };

export class DelayedPipe {
  readonly #destination: NodeJS.WritableStream & { destroyed: boolean };
  readonly #source: NodeJS.ReadableStream;
  readonly #delayMs: number;
  readonly #notBefore: number;
  readonly #queue: Item[] = [];
  #timer: NodeJS.Timeout | undefined;
  bytes = 0;

  constructor(source: NodeJS.ReadableStream, destination: NodeJS.WritableStream & { destroyed: boolean }, delayMs: number, notBefore: number) {
    this.#source = source;
    this.#destination = destination;
    this.#delayMs = delayMs;
    this.#notBefore = notBefore;
    source.on('data', (chunk: Buffer) => this.#push({ at: this.#deliveryTime(), chunk }));
    source.on('end', () => this.#push({ at: this.#deliveryTime(), end: true }));
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#queue.length = 0;
  }

  #deliveryTime(): number {
    const last = this.#queue.at(-1)?.at ?? 0;
    return Math.max(last, Math.max(Date.now(), this.#notBefore) + this.#delayMs);
  }

  #push(item: Item): void {
    this.#queue.push(item);
    if (this.#queue.length === 1) this.#schedule();
  }

  #schedule(): void {
    const head = this.#queue[0];
    if (head === undefined) return;
    this.#timer = setTimeout(() => this.#deliver(), Math.max(0, head.at - Date.now()));
  }

  #deliver(): void {
    const now = Date.now();
    while (this.#queue.length > 0 && this.#queue[0]!.at <= now) {
      const item = this.#queue.shift()!;
      if (this.#destination.destroyed) return this.stop();
      if ('end' in item) this.#destination.end();
      else {
        this.bytes += item.chunk.length;
        // Backpressure: stop reading until the slow side drains.
        if (!this.#destination.write(item.chunk)) {
          this.#source.pause();
          this.#destination.once('drain', () => this.#source.resume());
        }
      }
    }
    this.#schedule();
  }
}
