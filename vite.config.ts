import { fileURLToPath } from 'node:url';
import mdx from '@mdx-js/rollup';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';
import { precompressPlugin } from './scripts/precompress.ts';
import { revealCssTrimPlugin } from './scripts/reveal-css-trim-plugin.ts';
import { slideMetaPlugin } from './scripts/slide-meta-plugin.ts';

const monacoEsm = fileURLToPath(new URL('./node_modules/monaco-editor/esm/vs/', import.meta.url));
// The deck server the dev server proxies to (npm start listens on 8080 by default).
const deckServer = process.env.DECK_SERVER ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: '.',
  plugins: [
    // MDX first so React's transform sees JSX, then React (including .mdx for Fast Refresh).
    { enforce: 'pre', ...mdx({ providerImportSource: '@mdx-js/react' }) },
    react({ include: /\.(mdx|js|jsx|ts|tsx)$/ }),
    slideMetaPlugin(fileURLToPath(new URL('./slides/', import.meta.url))),
    revealCssTrimPlugin(),
    precompressPlugin(),
  ],
  resolve: {
    // monaco-worker-manager still deep-imports monaco-editor/esm/vs/...; monaco 0.56+ exports
    // map would resolve that to esm/vs/esm/vs/... (frontend-stack.md, Pitfall 1).
    alias: [{ find: /^monaco-editor\/esm\/vs\/(.*)$/, replacement: `${monacoEsm}$1` }],
  },
  worker: { format: 'es' },
  optimizeDeps: { include: ['monaco-yaml/yaml.worker.js'] },
  build: {
    outDir: 'dist/client',
    emptyOutDir: true,
    // Monaco's lazy chunk is large by design; it loads only on editor slides.
    chunkSizeWarningLimit: 5000,
    // Which source went into which chunk: the browser tests check what the first slide fetched.
    manifest: true,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            // What every slide needs, in one file that changes only when a dependency does.
            { name: 'deck-vendor', test: /node_modules\/(react|react-dom|scheduler|reveal\.js\/dist\/reveal\.mjs|@mdx-js\/react)\b/ },
            // Libraries only panels use, named so a test can tell they stay off the first slide.
            { name: 'yaml-lib', test: /node_modules\/yaml\// },
            { name: 'diff-lib', test: /node_modules\/diff\// },
          ],
        },
      },
    },
  },
  server: {
    proxy: {
      '/api': deckServer,
      '/gateway': deckServer,
      '/ws': { target: deckServer.replace(/^http/, 'ws'), ws: true },
    },
  },
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
