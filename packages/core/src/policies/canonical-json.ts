// A stable text form of a JSON request body (object keys sorted at every level), so two callers
// who built the same request with keys in a different order still coalesce.
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  const parts: string[] = [];
  for (const key of keys) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) parts.push(`${JSON.stringify(key)}:${canonicalJson(item)}`);
  }
  return `{${parts.join(',')}}`;
}

/** Canonical form of a request body given as text or bytes; non-JSON bodies are used verbatim. */
export function canonicalBody(body: string | Uint8Array): string {
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  try {
    return canonicalJson(JSON.parse(text));
  } catch {
    return text;
  }
}
