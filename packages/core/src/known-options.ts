// Unknown option keys are rejected, not ignored: `maxConection: 5` or `retry: { maxAtempts: 3 }`
// would otherwise leave a default silently in place. Each validator lists the keys of the options
// object it reads with `optionKeys<T>({ … })` (the compiler holds that list to options.ts: every
// declared key, no other) and checks what the caller gave with `rejectUnknownKeys`.
import { ConfigError } from './errors.js';

/** Every key of the options interface `T`, each set to `true`. */
export type KeyList<T> = { readonly [K in keyof T]-?: true };

export function optionKeys<T>(keys: KeyList<T>): ReadonlySet<string> {
  return new Set(Object.keys(keys));
}

/** Throws a ConfigError naming `path.key` (with a "did you mean" when a known key is close) for the first unknown key. */
export function rejectUnknownKeys(given: object, known: ReadonlySet<string>, path: string): void {
  for (const key of Object.keys(given)) {
    if (known.has(key)) continue;
    const field = path === '' ? key : `${path}.${key}`;
    const value = (given as Record<string, unknown>)[key];
    // A misplaced string may be a secret (`apiKey`, a Redis URL with its password): never echoed.
    throw new ConfigError(field, `a known option (${hint(key, known)})`, typeof value === 'string' ? '(a string, not shown)' : value);
  }
}

function hint(key: string, known: ReadonlySet<string>): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  if (best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3))) return `did you mean \`${best}\`?`;
  // A shortened name (`ceil`, `maxBatch`): suggest the one known key that contains it.
  const containing = key.length >= 3 ? [...known].filter((candidate) => candidate.toLowerCase().includes(key.toLowerCase())) : [];
  if (containing.length === 1) return `did you mean \`${containing[0]}\`?`;
  return `one of ${[...known].map((name) => `\`${name}\``).join(', ')}`;
}

/** Levenshtein distance with adjacent swaps counted as one edit (`maxAtempts`, `mxaQueue`). */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Infinity;
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = value;
    }
  }
  return rows[a.length]![b.length]!;
}
