// Shared bits of the transport tests: a Gemini request against the fake server.
export const GENERATE = '/v1beta/models/gemini-2.5-flash:generateContent';
export const STREAM = '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse';

export function generateInit(text = 'hello pool', extra: RequestInit = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': 'test-key' },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }] }),
    ...extra,
  };
}

/** Policies off, so a transport test sees exactly what the transport does. */
export const TRANSPORT_ONLY = { retry: { enabled: false }, coalesce: false, breaker: { enabled: false }, autoscale: false } as const;

/** Resolves once `check` holds, polling on real time (for server-side facts, not for timing). */
export async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
