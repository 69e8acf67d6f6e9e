// One lane's waiters: higher call priority first, then first come first served. A binary heap
// keyed on (priority desc, arrival asc); removal of a waiter that gave up is lazy.
interface Entry<W> {
  waiter: W;
  priority: number;
  seq: number;
  removed: boolean;
}

export class LaneQueue<W extends { readonly priority: number }> {
  #heap: Entry<W>[] = [];
  readonly #entries = new Map<W, Entry<W>>();
  #seq = 0;

  get size(): number {
    return this.#entries.size;
  }

  push(waiter: W): void {
    const entry = { waiter, priority: waiter.priority, seq: this.#seq++, removed: false };
    this.#entries.set(waiter, entry);
    this.#heap.push(entry);
    this.#up(this.#heap.length - 1);
  }

  shift(): W | undefined {
    while (this.#heap.length > 0) {
      const top = this.#heap[0]!;
      const last = this.#heap.pop()!;
      if (this.#heap.length > 0) {
        this.#heap[0] = last;
        this.#down(0);
      }
      if (!top.removed) {
        this.#entries.delete(top.waiter);
        return top.waiter;
      }
    }
    return undefined;
  }

  remove(waiter: W): boolean {
    const entry = this.#entries.get(waiter);
    if (entry === undefined) return false;
    entry.removed = true;
    this.#entries.delete(waiter);
    if (this.#entries.size === 0) this.#heap = [];
    return true;
  }

  #before(a: Entry<W>, b: Entry<W>): boolean {
    return a.priority !== b.priority ? a.priority > b.priority : a.seq < b.seq;
  }

  #up(index: number): void {
    const heap = this.#heap;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.#before(heap[index]!, heap[parent]!)) return;
      [heap[index], heap[parent]] = [heap[parent]!, heap[index]!];
      index = parent;
    }
  }

  #down(index: number): void {
    const heap = this.#heap;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let first = index;
      if (left < heap.length && this.#before(heap[left]!, heap[first]!)) first = left;
      if (right < heap.length && this.#before(heap[right]!, heap[first]!)) first = right;
      if (first === index) return;
      [heap[index], heap[first]] = [heap[first]!, heap[index]!];
      index = first;
    }
  }
}
