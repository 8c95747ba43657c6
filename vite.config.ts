import { defineConfig } from 'vitest/config';

// The client build (plugins, Monaco aliases) is configured by the deck client; the
// `test` block is shared by every suite: node by default, jsdom per file where needed.
export default defineConfig({
  root: '.',
  build: { outDir: 'dist/client', emptyOutDir: true },
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
