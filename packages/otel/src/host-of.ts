/** Origins seen so far: a pool talks to a handful, and `new URL` costs more than a lookup per call. */
const hosts = new Map<string, string>();
const MAX_CACHED = 256;

/** `https://host:443` → `host`: keeps telemetry free of paths, query strings and userinfo. */
export function hostOf(origin: string): string {
  const cached = hosts.get(origin);
  if (cached !== undefined) return cached;
  let host: string;
  try {
    host = new URL(origin).hostname;
  } catch {
    host = 'unknown';
  }
  if (hosts.size >= MAX_CACHED) hosts.clear();
  hosts.set(origin, host);
  return host;
}
