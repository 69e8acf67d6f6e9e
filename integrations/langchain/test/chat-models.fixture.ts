// The three Google chat models, each aimed at the fake Gemini server with the auth it needs and
// no network beyond 127.0.0.1. Model-level retries are left at their defaults on purpose:
// withGempool must turn them off.
import { ChatGoogle } from '@langchain/google/node';
import { ChatGoogleGenerativeAI } from '@langchain/google-genai';
import { ChatVertexAI } from '@langchain/google-vertexai';
import { OAuth2Client } from 'google-auth-library';
import type { FakeGemini } from '@gempool/testing';

export const KEY = 'langchain-test-key';
export const MODEL = 'gemini-2.5-flash';

export interface ModelCase {
  name: string;
  transport: 'api-client' | 'vertex-client' | 'global-dispatcher';
  create(fake: FakeGemini, fields?: Record<string, unknown>): any;
}

export const MODEL_CASES: ModelCase[] = [
  {
    name: 'ChatGoogleGenerativeAI',
    transport: 'global-dispatcher',
    create: (fake, fields) => new ChatGoogleGenerativeAI({ model: MODEL, apiKey: KEY, baseUrl: fake.origin, ...fields }),
  },
  {
    name: 'ChatGoogle',
    transport: 'api-client',
    create: (fake, fields) => new ChatGoogle({ model: MODEL, apiKey: KEY, endpoint: fake.origin, ...fields } as never),
  },
  {
    name: 'ChatVertexAI',
    transport: 'vertex-client',
    create: (fake, fields) => {
      // A preset access token: google-auth-library needs no network to sign requests with it.
      const authClient = new OAuth2Client();
      authClient.setCredentials({ access_token: KEY, expiry_date: Date.now() + 3_600_000 });
      return new ChatVertexAI({
        model: MODEL,
        endpoint: `${fake.host}:${fake.port}`,
        location: 'us-central1',
        authOptions: { authClient, projectId: 'test-project' } as never,
        ...fields,
      });
    },
  },
];
