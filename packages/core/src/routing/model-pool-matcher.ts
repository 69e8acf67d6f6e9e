// Which dedicated pool (options.pools) serves a model: the first pool whose patterns match, or
// undefined for the default pool. Answers are cached per model name (a pool serves few models).
import { matchesModel } from '../gemini-url.js';
import type { ModelPattern } from '../options.js';

const MAX_CACHED_MODELS = 1_000;

export class ModelPoolMatcher {
  readonly #pools: ReadonlyArray<{ name: string; models: readonly ModelPattern[] }>;
  readonly #cache = new Map<string, string | null>();

  constructor(pools: ReadonlyArray<{ name: string; models: readonly ModelPattern[] }>) {
    this.#pools = pools;
  }

  poolFor(model: string): string | undefined {
    const cached = this.#cache.get(model);
    if (cached !== undefined) return cached ?? undefined;
    const pool = this.#pools.find((candidate) => candidate.models.some((pattern) => matchesModel(model, pattern)));
    if (this.#cache.size >= MAX_CACHED_MODELS) this.#cache.clear();
    this.#cache.set(model, pool?.name ?? null);
    return pool?.name;
  }
}
