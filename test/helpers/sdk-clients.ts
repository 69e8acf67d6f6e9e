// The real @google/genai SDK carried by a pool (`httpOptions: pool.httpOptions` + `baseUrl`), for
// the Gemini API (API key) and Vertex AI (bearer token from a pre-set OAuth client, so
// google-auth-library never touches the network), plus one call in either mode.
import { GoogleGenAI } from '@google/genai';
import { OAuth2Client } from 'google-auth-library';
import type { GeminiPool } from '@gempool/core';

export type CallMode = 'unary' | 'stream';
export const CALL_MODES: readonly CallMode[] = ['unary', 'stream'];
export const MODEL = 'gemini-2.5-flash';

export function geminiClient(pool: GeminiPool, baseUrl: string, apiKey = 'test-key'): GoogleGenAI {
  return new GoogleGenAI({ apiKey, httpOptions: { ...pool.httpOptions, baseUrl } });
}

export function vertexClient(pool: GeminiPool, baseUrl: string, options: { location?: string; accessToken?: string } = {}): GoogleGenAI {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: options.accessToken ?? 'vertex-test-token', expiry_date: Date.now() + 3_600_000 });
  return new GoogleGenAI({
    vertexai: true,
    project: 'test-project',
    location: options.location ?? 'us-central1',
    // @google/genai bundles google-auth-library 10 while the root has 11: same runtime shape, different types.
    googleAuthOptions: { authClient: authClient as never },
    httpOptions: { ...pool.httpOptions, baseUrl },
  });
}

/** One generateContent, or a generateContentStream read to its end; resolves with the text. */
export async function callModel(ai: GoogleGenAI, mode: CallMode, prompt: string, model = MODEL): Promise<string> {
  if (mode === 'unary') return (await ai.models.generateContent({ model, contents: prompt })).text ?? '';
  let text = '';
  for await (const chunk of await ai.models.generateContentStream({ model, contents: prompt })) text += chunk.text ?? '';
  return text;
}
