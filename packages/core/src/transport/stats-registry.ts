// stats() is an aggregate of sections contributed by components: the transport adds
// `connections`, `origins`…; lanes, breakers, regions or coalescing add their own section.
// A section is computed only when stats() is called, so registering one costs nothing per call.

export type StatsSection = () => unknown;

export class StatsRegistry {
  readonly #sections = new Map<string, StatsSection>();

  /** Adds (or replaces) the section `name`; its value appears as `stats()[name]`. */
  register(name: string, section: StatsSection): void {
    this.#sections.set(name, section);
  }

  unregister(name: string): void {
    this.#sections.delete(name);
  }

  collect(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, section] of this.#sections) out[name] = section();
    return out;
  }
}
