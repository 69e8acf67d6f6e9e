// Clients the tests point at the fake server: undici trusting its CA, and the real @google/genai
// SDK carried over undici's fetch (Node's built-in fetch cannot take an undici 8 dispatcher).
import { GoogleGenAI } from '@google/genai';
import { OAuth2Client } from 'google-auth-library';
import { Agent, fetch as undiciFetch } from 'undici';
import type { FakeGemini } from '@gempool/testing';

export function agentFor(fake: FakeGemini, options: { allowH2?: boolean } = {}): Agent {
  return new Agent({ connect: { ca: fake.ca }, allowH2: options.allowH2 ?? true });
}

function fetchVia(agent: Agent): typeof fetch {
  return ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher: agent })) as unknown as typeof fetch;
}

export function genaiFor(origin: string, agent: Agent): GoogleGenAI {
  return new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: origin, fetch: fetchVia(agent) } });
}

/** Vertex with a project and location; a pre-set OAuth token keeps google-auth-library off the network. */
export function vertexGenaiFor(origin: string, agent: Agent): GoogleGenAI {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: 'fake-token', expiry_date: Date.now() + 3_600_000 });
  return new GoogleGenAI({
    vertexai: true,
    project: 'test-project',
    location: 'us-central1',
    // @google/genai bundles google-auth-library 10 while the root has 11: same runtime shape, different types.
    googleAuthOptions: { authClient: authClient as never },
    httpOptions: { baseUrl: origin, fetch: fetchVia(agent) },
  });
}

export const GENERATE_PATH = '/v1beta/models/gemini-2.5-flash:generateContent';

export function promptBody(text: string): string {
  return JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }] });
}
