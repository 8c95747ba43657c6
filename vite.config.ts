import { fileURLToPath } from 'node:url';
import mdx from '@mdx-js/rollup';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';
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
