/**
 * `npm test`: makes sure Chromium and the Python Kubernetes client are there (installing
 * Debian's packages when root), builds the client once, then runs every suite with vitest.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { findChromium } from './chromium.ts';
import { buildClientIfStale } from './build-if-stale.ts';

const ROOT = resolve(import.meta.dirname, '..');

/** The official Python client the client tests drive, as Debian packages it. */
const pythonHasKubernetes = () => spawnSync('/usr/bin/python3', ['-c', 'import kubernetes'], { stdio: 'ignore' }).status === 0;

/** A system package the tests need: found, or installed from Debian when root, or a one-line instruction and exit. */
function ensurePackage(pkg: string, present: () => boolean, missing: string): void {
  if (present()) return;
  if (process.getuid?.() === 0) {
    console.log(`${pkg} is missing: installing Debian's ${pkg} package…`);
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    spawnSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  if (!present()) {
    console.error(missing);
    process.exit(1);
  }
}

ensurePackage('chromium', () => Boolean(findChromium()), 'Browser tests need Chromium: run `sudo apt-get install -y chromium` (or set CHROMIUM_PATH) and try again.');
ensurePackage('python3-kubernetes', pythonHasKubernetes, 'The Python client tests need Debian\'s python3-kubernetes: run `sudo apt-get install -y python3-kubernetes` and try again.');
await buildClientIfStale({ force: process.env.CI === 'true' });
// Vite's build sets NODE_ENV=production in this process; the tests need React's development build.
const env = { ...process.env, NODE_ENV: 'test' };
const vitest = spawnSync(process.execPath, [resolve(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', ...process.argv.slice(2)], { stdio: 'inherit', cwd: ROOT, env });
process.exit(vitest.status ?? 1);
