// Starts the istioctl CLI. Loading TypeScript through tsx's hooks costs seconds (every module of
// client-node passes through them), so the CLI's own sources are bundled once with esbuild
// (tsx's compiler) into a cache, rebuilt when a source changes, and run by plain node.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = join(repo, '.cache', 'istioctl');
const bundle = join(cacheDir, 'istioctl.mjs');
const inputsFile = join(cacheDir, 'inputs.json');
const entry = join(repo, 'istioctl', 'main.ts');

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

if (!isFresh()) await build();
// The bundle keeps packages external; they resolve from the repository's node_modules.
const { main } = await import(pathToFileURL(bundle).href);
process.exitCode = await main(process.argv.slice(2));
