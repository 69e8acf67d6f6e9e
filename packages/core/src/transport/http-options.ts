// What to spread into `new GoogleGenAI({ httpOptions: { ...pool.httpOptions, baseUrl } })`:
// our fetch, and the SDK's own retries explicitly off (`attempts: 1`) so attempts never multiply
// with gempool's retry policy. No `timeout` is set: the pool's header/body timeouts and the call
// deadline apply instead of undici's 300 s defaults.
export interface GenAiHttpOptions {
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  retryOptions: { attempts: number };
}

export function createHttpOptions(fetch: GenAiHttpOptions['fetch']): GenAiHttpOptions {
  return Object.freeze({ fetch, retryOptions: { attempts: 1 } }) as GenAiHttpOptions;
}
