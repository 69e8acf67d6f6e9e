import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// Tests import workspace packages by name; point those names at the TypeScript sources so a
// test run never depends on a stale dist/ build.
const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@gempool\/core$/, replacement: src('./packages/core/src/index.ts') },
      { find: /^@gempool\/testing$/, replacement: src('./packages/testing/src/index.ts') },
      { find: /^@gempool\/otel$/, replacement: src('./packages/otel/src/index.ts') },
      { find: /^@gempool\/genai$/, replacement: src('./integrations/genai/src/index.ts') },
      { find: /^@gempool\/langchain$/, replacement: src('./integrations/langchain/src/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'integrations/*/test/**/*.test.ts', 'dashboards/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
