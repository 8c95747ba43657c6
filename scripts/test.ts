/**
 * `npm test`: makes sure Chromium is there (installing Debian's package when root),
 * builds the client once, then runs every suite with vitest.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { findChromium } from './chromium.ts';
import { buildClientIfStale } from './build-if-stale.ts';

const ROOT = resolve(import.meta.dirname, '..');

function ensureChromium(): void {
  if (findChromium()) return;
  if (process.getuid?.() === 0) {
    console.log('Chromium is missing: installing Debian\'s chromium package…');
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  if (!findChromium()) {
    console.error('Browser tests need Chromium: run `sudo apt-get install -y chromium` (or set CHROMIUM_PATH) and try again.');
    process.exit(1);
  }
}

ensureChromium();
await buildClientIfStale({ force: process.env.CI === 'true' });
// Vite's build sets NODE_ENV=production in this process; the tests need React's development build.
const env = { ...process.env, NODE_ENV: 'test' };
const vitest = spawnSync(process.execPath, [resolve(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', ...process.argv.slice(2)], { stdio: 'inherit', cwd: ROOT, env });
process.exit(vitest.status ?? 1);
