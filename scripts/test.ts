/**
 * `npm test`: makes sure Chromium and the Python Kubernetes client are there (installing
 * Debian's packages when root), builds the client once, then runs every suite with vitest, in two
 * lanes at once (below). `npm test -- <files or vitest options>` runs one vitest with them instead.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { findChromium } from './chromium.ts';
import { buildClientIfStale } from './build-if-stale.ts';
import { failedTestName } from './test-failures.ts';

const ROOT = resolve(import.meta.dirname, '..');
const VITEST = resolve(ROOT, 'node_modules/vitest/vitest.mjs');

/** Browser suites on the fake deck server: Chromium alone, light enough to share the other lane. */
const LIGHT_BROWSER_SUITES = new Set(['deck.test.ts', 'first-slide.test.ts']);
/** Suites that keep a core busy on purpose and time the deck meanwhile: they run in the heavy lane too. */
const CPU_BOUND_SUITES = ['test/integration/sandbox-isolation.test.ts'];

/**
 * The whole run goes in two lanes side by side, so both cores work (vitest alone would use
 * cores - 1, one worker here). A browser suite on the embedded cluster runs a deck, a cluster
 * and Chromium, about a core's worth: those, and the suites that load a core on purpose, take
 * one lane, one at a time, so no two of them stretch each other's timers, while every other
 * suite shares the rest of the machine. TEST_LANES=1 runs everything in one vitest instead
 * (a machine busy with other work).
 */
function lanes(): Array<{ name: string; args: string[] }> {
  const cores = availableParallelism();
  const heavyWorkers = Math.max(1, Math.floor(cores / 4));
  const otherWorkers = Math.max(1, cores - 1 - heavyWorkers);
  const heavy = [
    ...readdirSync(resolve(ROOT, 'test/browser'))
      .filter((f) => f.endsWith('.test.ts') && !LIGHT_BROWSER_SUITES.has(f))
      .map((f) => `test/browser/${f}`),
    ...CPU_BOUND_SUITES,
  ];
  return [
    { name: 'heavy', args: [...heavy, `--maxWorkers=${heavyWorkers}`] },
    { name: 'others', args: [...heavy.flatMap((f) => ['--exclude', f]), `--maxWorkers=${otherWorkers}`] },
  ];
}

/** Runs every lane at once, each line of output marked with its lane; the exit code is 0 only when every lane passed. */
async function runLanes(env: NodeJS.ProcessEnv): Promise<number> {
  const started = Date.now();
  const results = await Promise.all(
    lanes().map(
      ({ name, args }) =>
        new Promise<{ name: string; code: number; seconds: number; failed: string[] }>((done) => {
          const failed: string[] = [];
          const child = spawn(process.execPath, [VITEST, 'run', ...args], { cwd: ROOT, env: { ...env, ...(process.stdout.isTTY ? { FORCE_COLOR: '1' } : {}) }, stdio: ['ignore', 'pipe', 'pipe'] });
          const mark = `${name.padEnd(6)} │ `;
          for (const [stream, out] of [[child.stdout, process.stdout], [child.stderr, process.stderr]] as const) {
            createInterface({ input: stream }).on('line', (line) => {
              out.write(`${mark}${line}\n`);
              const name = failedTestName(line);
              if (name && !failed.includes(name)) failed.push(name);
            });
          }
          child.on('close', (code) => done({ name, code: code ?? 1, seconds: Math.round((Date.now() - started) / 1000), failed }));
        }),
    ),
  );
  // The failures again, last: a CI log is often read from its tail, and the lanes' summaries scroll them away.
  for (const r of results) for (const f of r.failed) console.log(`${r.name} failed: ${f}`);
  for (const r of results) console.log(`${r.name} suites: ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`} in ${r.seconds} s`);
  return results.every((r) => r.code === 0) ? 0 : 1;
}

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
const vitestArgs = process.argv.slice(2);
if (vitestArgs.length || process.env.TEST_LANES === '1') {
  // Files or options named on the command line: one vitest, as asked.
  const vitest = spawnSync(process.execPath, [VITEST, 'run', ...vitestArgs], { stdio: 'inherit', cwd: ROOT, env });
  process.exit(vitest.status ?? 1);
}
process.exit(await runLanes(env));
