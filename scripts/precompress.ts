/**
 * Build step: writes a brotli (.br) and a gzip (.gz) copy next to every compressible file of
 * the client build, so the deck server sends compressed bytes without compressing per request.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Plugin } from 'vite';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/** Text and font formats; images and archives are compressed already. */
export const COMPRESSIBLE = /\.(?:js|mjs|css|html|svg|json|txt|map|ttf|otf|wasm|xml)$/;
/** Below this, the encoding's own overhead eats most of the gain. */
const MIN_BYTES = 256;
/** Files this big use a faster brotli level: the build stays quick and they shrink almost as much. */
const LARGE_BYTES = 1_000_000;

export const ENCODED_SUFFIX: Record<'br' | 'gzip', string> = { br: '.br', gzip: '.gz' };

function* filesUnder(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    // Dot directories (Vite's .vite/manifest.json) are build metadata, never served.
    if (entry.isDirectory()) { if (!entry.name.startsWith(".")) yield* filesUnder(path); }
    else if (entry.isFile()) yield path;
  }
}

export interface PrecompressResult {
  files: number;
  bytes: number;
  brBytes: number;
  gzipBytes: number;
}

/** Compresses every eligible file under dir; a copy that would not be smaller is not written. */
export async function precompressDir(dir: string): Promise<PrecompressResult> {
  const result: PrecompressResult = { files: 0, bytes: 0, brBytes: 0, gzipBytes: 0 };
  const jobs = [...filesUnder(dir)]
    .filter((f) => COMPRESSIBLE.test(f) && statSync(f).size >= MIN_BYTES)
    .map(async (file) => {
      const body = readFileSync(file);
      const [br, gzipped] = await Promise.all([
        brotli(body, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: body.length > LARGE_BYTES ? 9 : constants.BROTLI_MAX_QUALITY,
            [constants.BROTLI_PARAM_MODE]: /\.(ttf|otf|wasm)$/.test(file) ? constants.BROTLI_MODE_GENERIC : constants.BROTLI_MODE_TEXT,
            [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
          },
        }),
        gz(body, { level: 9 }),
      ]);
      result.files++;
      result.bytes += body.length;
      if (br.length < body.length) {
        writeFileSync(file + ENCODED_SUFFIX.br, br);
        result.brBytes += br.length;
      }
      if (gzipped.length < body.length) {
        writeFileSync(file + ENCODED_SUFFIX.gzip, gzipped);
        result.gzipBytes += gzipped.length;
      }
    });
  await Promise.all(jobs);
  return result;
}

/** Vite plugin: precompresses the output directory once the bundle is written. */
export function precompressPlugin(): Plugin {
  let outDir = '';
  return {
    name: 'istio-deck-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir.startsWith('/') ? config.build.outDir : join(config.root, config.build.outDir);
    },
    async writeBundle() {
      const r = await precompressDir(outDir);
      this.info(`precompressed ${r.files} files: ${(r.bytes / 1000).toFixed(0)} kB → ${(r.brBytes / 1000).toFixed(0)} kB br, ${(r.gzipBytes / 1000).toFixed(0)} kB gzip`);
    },
  };
}
