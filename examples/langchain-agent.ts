// A LangChain 1.x agent whose every model call goes through a gempool pool: one middleware line.
//   npx tsc -b && node_modules/.bin/node examples/langchain-agent.ts
// Without GEMINI_API_KEY it starts the embedded fake Gemini server (TLS + HTTP/2) and talks to it
// (the fake answers with text, so the agent finishes without calling the tool); with
// GEMINI_API_KEY set it uses the real Gemini API and the model decides when to call the tool.
import { ChatGoogleGenerativeAI } from '@langchain/google-genai';
import { createAgent, tool } from 'langchain';
import { z } from 'zod';
import { createGeminiPool } from '@gempool/core';
import { gempoolMiddleware, uninstallGlobalRoute } from '@gempool/langchain';
import { startFakeGemini } from '@gempool/testing';

const apiKey = process.env['GEMINI_API_KEY'];
const fake = apiKey === undefined ? await startFakeGemini({ tls: true }) : undefined;
const pool = createGeminiPool(fake === undefined ? {} : { origins: [fake.origin], tls: { ca: fake.ca } });

const getWeather = tool(async ({ city }) => `It is 21°C and sunny in ${city}.`, {
  name: 'get_weather',
  description: 'Current weather for a city',
  schema: z.object({ city: z.string() }),
});

const agent = createAgent({
  model: new ChatGoogleGenerativeAI({
    model: process.env['GEMINI_MODEL'] ?? 'gemini-2.5-flash',
    apiKey: apiKey ?? 'fake-key',
    ...(fake === undefined ? {} : { baseUrl: fake.origin }),
  }),
  tools: [getWeather],
  middleware: [gempoolMiddleware({ pool })],
});

try {
  // priority / lane / tenant / deadlineMs in the run's context reach the pool for every model call.
  const context = { priority: 100, tenant: 'example-user', deadlineMs: 60_000 };
  let messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
  let result = await agent.invoke({ messages }, { context });
  console.log('agent:', result.messages.at(-1)?.content);

  messages = [...result.messages, { role: 'user', content: 'And in Tokyo?' }] as typeof messages;
  result = await agent.invoke({ messages }, { context });
  console.log('agent:', result.messages.at(-1)?.content);
  console.log('model calls in the conversation:', result.messages.filter((m) => m.type === 'ai').length);
  console.log('pool stats:', JSON.stringify(pool.stats(), null, 2));
} finally {
  uninstallGlobalRoute(pool); // ChatGoogleGenerativeAI is reached through Node's global fetch
  await pool.close();
  await fake?.close();
}
