import { resolve } from 'node:path';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';

/** One report of the cluster-core worker (test/browser/worker/cluster-core-worker.ts). */
export interface WorkerStep {
  step: string;
  /** ms since the page created the worker, stamped by the page as the report arrived. */
  atMs: number;
  [key: string]: unknown;
}

/** The cluster-core worker bundled for a browser, as one classic script. */
export async function bundleClusterWorker(opts: { minify?: boolean } = {}): Promise<string> {
  const bundled = await build({
    entryPoints: [resolve(import.meta.dirname, '../browser/worker/cluster-core-worker.ts')],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    minify: opts.minify ?? false,
    loader: { '.yaml': 'text' },
    logLevel: 'silent',
  });
  return bundled.outputFiles[0].text;
}

/**
 * Starts the worker at `scriptPath` on the page and collects its reports until it stops or fails.
 * The page's part is a string: tsx (the bench's runner) would wrap a function's inner helpers
 * in a `__name` call the page does not have.
 */
export function runClusterWorker(page: Page, scriptPath: string): Promise<WorkerStep[]> {
  return page.evaluate(`new Promise((done) => {
    const seen = [];
    const t0 = performance.now();
    const worker = new Worker(${JSON.stringify(scriptPath)});
    const stamp = () => Math.round(performance.now() - t0);
    worker.onerror = (e) => {
      worker.terminate();
      done([...seen, { step: 'error', atMs: stamp(), message: e.message }]);
    };
    worker.onmessage = (e) => {
      seen.push({ ...e.data, atMs: stamp() });
      if (e.data.step === 'stopped' || e.data.step === 'error') {
        worker.terminate();
        done(seen);
      }
    };
  })`) as Promise<WorkerStep[]>;
}
