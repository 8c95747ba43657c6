// Starts the istioctl CLI. Loading TypeScript through tsx's hooks costs seconds (every module of
// client-node passes through them), so the CLI's own sources are bundled once with esbuild
// (tsx's compiler) into a cache, rebuilt when a source changes, and run by plain node.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(repo, 'istioctl', 'main.ts');
// A read-only checkout (an image, a shared install) caches under the temp directory instead.
const cacheDirs = [join(repo, '.cache', 'istioctl'), join(tmpdir(), `istioctl-${createHash('sha256').update(repo).digest('hex').slice(0, 12)}`)];
let cacheDir = cacheDirs[0];
let bundle = join(cacheDir, 'istioctl.mjs');
let inputsFile = join(cacheDir, 'inputs.json');

function useCache(dir) {
  cacheDir = dir;
  bundle = join(dir, 'istioctl.mjs');
  inputsFile = join(dir, 'inputs.json');
}

function isFresh() {
  try {
    const built = statSync(bundle).mtimeMs;
    const inputs = JSON.parse(readFileSync(inputsFile, 'utf8'));
    return inputs.every((f) => statSync(join(repo, f)).mtimeMs <= built);
  } catch {
    return false;
  }
}

async function build() {
  const esbuild = await import('esbuild');
  mkdirSync(cacheDir, { recursive: true });
  // Written aside and renamed, so two istioctl started at once never read half a bundle.
  const tmp = `${bundle}.${process.pid}.tmp`;
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile: tmp,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    metafile: true,
    logLevel: 'error',
    absWorkingDir: repo,
  });
  writeFileSync(`${inputsFile}.${process.pid}.tmp`, JSON.stringify(Object.keys(result.metafile.inputs)));
  renameSync(`${inputsFile}.${process.pid}.tmp`, inputsFile);
  renameSync(tmp, bundle);
}

async function loadMain() {
  for (const dir of cacheDirs) {
    useCache(dir);
    if (isFresh()) return import(pathToFileURL(bundle).href);
    try {
      await build();
      return import(pathToFileURL(bundle).href);
    } catch (err) {
      if (err?.code !== 'EACCES' && err?.code !== 'EROFS' && err?.code !== 'EPERM') throw err;
    }
  }
  // Nowhere to write a bundle: run the sources through tsx, slower to start.
  const { register } = await import('tsx/esm/api');
  register();
  return import(pathToFileURL(entry).href);
}

// The bundle keeps packages external; they resolve from the repository's node_modules.
const { main } = await loadMain();
process.exitCode = await main(process.argv.slice(2));
