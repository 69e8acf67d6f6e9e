// The Google GenAI SDK through a gempool pool.
//   npx tsc -b && node_modules/.bin/node examples/genai-basic.ts
// Without GEMINI_API_KEY it starts the embedded fake Gemini server (TLS + HTTP/2) and talks to it;
// with GEMINI_API_KEY set it calls the real Gemini API (GEMINI_MODEL overrides the model).
import { createGeminiPool } from '@gempool/core';
import { createGoogleGenAI, gempoolErrorCode } from '@gempool/genai';
import { startFakeGemini } from '@gempool/testing';

const apiKey = process.env['GEMINI_API_KEY'];
const model = process.env['GEMINI_MODEL'] ?? 'gemini-2.5-flash';
const fake = apiKey === undefined ? await startFakeGemini({ tls: true }) : undefined;

// One pool per process, shared by every client. Against the fake, trust its certificate authority.
const pool = createGeminiPool(fake === undefined ? { maxConnections: 20 } : { origins: [fake.origin], tls: { ca: fake.ca }, maxConnections: 20 });
const ai = createGoogleGenAI({
  apiKey: apiKey ?? 'fake-key',
  pool,
  ...(fake === undefined ? {} : { httpOptions: { baseUrl: fake.origin } }),
});

try {
  const answer = await ai.models.generateContent({ model, contents: 'Say hello to gempool in five words.' });
  console.log('generateContent:', answer.text);

  const stream = await ai.models.generateContentStream({ model, contents: 'Count from one to five.' });
  let streamed = '';
  for await (const chunk of stream) streamed += chunk.text ?? '';
  console.log('generateContentStream:', streamed);

  // A burst: 50 concurrent calls share a handful of warm HTTP/2 connections.
  const burst = await Promise.all(
    Array.from({ length: 50 }, (_, i) => ai.models.countTokens({ model, contents: `burst call number ${i}` })),
  );
  console.log(`countTokens x${burst.length}: total`, burst.reduce((sum, r) => sum + (r.totalTokens ?? 0), 0), 'tokens');
  console.log('pool stats:', JSON.stringify(pool.stats(), null, 2));
} catch (error) {
  // SDK errors keep their HTTP status; gempool's own reason (QUEUE_FULL, BREAKER_OPEN…) rides along.
  console.error('call failed:', (error as { status?: number }).status, gempoolErrorCode(error), error);
  process.exitCode = 1;
} finally {
  await pool.close();
  await fake?.close();
}
