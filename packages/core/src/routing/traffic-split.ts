// API-version traffic split (options.apiVersions, pool.setTrafficSplit): each call whose path uses
// one of the split's versions is sent to a version picked by percentage. With a key (the context's
// tenant, else a hash of the credential) the pick is stable, so one conversation does not flip
// between versions; without one it is random per call. A change applies to new calls only.
import { credentialFingerprint, type Call } from '../call.js';
import { parseGeminiPath } from '../gemini-url.js';

/** Where `key` falls on [0, 100): FNV-1a, then murmur3's finaliser so similar keys spread evenly. */
export function splitPoint(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return ((hash >>> 0) / 0x1_0000_0000) * 100;
}

const VERSION_PREFIX = /^\/v\d+(?:(?:alpha|beta)\d*)?\//;

export class TrafficSplit {
  /** Versions with their cumulative upper bound on [0, 100), in the order given. */
  #bounds: Array<[version: string, upTo: number]> = [];
  #split: Record<string, number> = {};
  readonly #calls = new Map<string, number>();
  readonly #random: () => number;

  constructor(split: Record<string, number>, random: () => number = Math.random) {
    this.#random = random;
    this.set(split);
  }

  /** Takes an already validated split (see validateTrafficSplit). */
  set(split: Record<string, number>): void {
    let upTo = 0;
    const bounds: Array<[string, number]> = [];
    for (const [version, percent] of Object.entries(split)) {
      upTo += percent;
      if (percent > 0) bounds.push([version, upTo]);
    }
    this.#bounds = bounds;
    this.#split = { ...split };
  }

  get split(): Record<string, number> {
    return { ...this.#split };
  }

  /** The version for a key (stable), or for a random point when there is no key. */
  versionFor(key: string | undefined): string {
    const point = key === undefined ? this.#random() * 100 : splitPoint(key);
    for (const [version, upTo] of this.#bounds) if (point < upTo) return version;
    return this.#bounds[this.#bounds.length - 1]![0];
  }

  /** Rewrites the call's `/{version}/` when it uses a split version; other calls pass untouched. */
  apply(call: Call): void {
    const current = call.target.apiVersion;
    if (!(current in this.#split) || call.target.model === 'unknown') return;
    const fingerprint = call.context?.tenant === undefined ? credentialFingerprint(call) : undefined;
    const key = call.context?.tenant ?? (fingerprint === 'anonymous' ? undefined : fingerprint);
    const version = this.versionFor(key);
    this.#calls.set(version, (this.#calls.get(version) ?? 0) + 1);
    if (version === current) return;
    call.path = call.path.replace(VERSION_PREFIX, `/${version}/`);
    call.target = parseGeminiPath(call.path);
  }

  stats(): { split: Record<string, number>; calls: Record<string, number> } {
    return { split: this.split, calls: Object.fromEntries(this.#calls) };
  }
}
