import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const SOURCES = ['client', 'slides', 'manifests', 'vite.config.ts', 'index.html', 'package-lock.json', 'server/protocol.ts', 'server/embedded/apiserver/validation', 'scripts/slide-meta-plugin.ts', 'scripts/precompress.ts', 'scripts/reveal-css-trim-plugin.ts'];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Builds the client with Vite when dist/client is missing or older than its sources. */
export async function buildClientIfStale(opts: { force?: boolean } = {}): Promise<void> {
  const index = join(ROOT, 'dist/client/index.html');
  const built = existsSync(index) ? statSync(index).mtimeMs : 0;
  const sources = Math.max(...SOURCES.map((s) => newestMtime(join(ROOT, s))));
  if (!opts.force && built > sources) return;
  console.log('Building the deck client (vite build)…');
  const { build } = await import('vite');
  await build({ root: ROOT, configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn' });
}
