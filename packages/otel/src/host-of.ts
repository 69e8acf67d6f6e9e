/** `https://host:443` → `host`: keeps telemetry free of paths, query strings and userinfo. */
export function hostOf(origin: string): string {
  try {
    return new URL(origin).hostname;
  } catch {
    return 'unknown';
  }
}
