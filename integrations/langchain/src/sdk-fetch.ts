// The fetch handed to a Google client: pool.fetch, with gempool failures turned into the Google
// error responses the client already knows how to raise (status kept, our code in ErrorInfo).
// Aborts stay aborts, so the client's own abort handling keeps working.
import { gempoolErrorResponse, isGempoolError } from '@gempool/core';
import type { GeminiPool } from '@gempool/core';

export type SdkFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export function sdkFetch(pool: GeminiPool): SdkFetch {
  return async (input, init) => {
    try {
      return await pool.fetch(input, init);
    } catch (error) {
      if (isGempoolError(error) && error.code !== 'ABORTED') return gempoolErrorResponse(error);
      throw error;
    }
  };
}
