/**
 * The static edition's cluster: the embedded cluster's core bundled for a browser worker
 * (minified, precompressed as the deck's build precompresses its assets), served by a plain
 * static file server, and started in Chromium. Prints the bytes Chromium received for the
 * worker's script and how long the worker took to be ready, then to answer the product page.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { precompressDir } from '../scripts/precompress.ts';
import { staticAssets } from '../server/static-assets.ts';
import { launchBrowser } from '../test/helpers/browser.ts';
import { bundleClusterWorker, runClusterWorker } from '../test/helpers/cluster-worker.ts';
import { fetchedResources } from '../test/helpers/resource-timing.ts';
import { ms, percentile } from './stats.ts';

const RUNS = 3;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export async function benchStaticEdition(): Promise<Array<[string, string]>> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-static-'));
  const browser = await launchBrowser();
  const app = express().use(staticAssets(dir));
  const server = app.listen(0, '127.0.0.1');
  const listening = new Promise<void>((r) => server.once('listening', () => r()));
  try {
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>static edition bench</title>');
    const script = await bundleClusterWorker({ minify: true });
    writeFileSync(join(dir, 'cluster-worker.js'), script);
    await precompressDir(dir);
    await listening;
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const ready: number[] = [];
    const page: number[] = [];
    let received = 0;
    for (let i = 0; i < RUNS; i++) {
      // A fresh page each run, with the cache off: every run fetches the script as a first visit would.
      const tab = await browser.context.newPage();
      await tab.route('**/*', (route) => route.continue({ headers: { ...route.request().headers(), 'cache-control': 'no-cache' } }));
      await tab.goto(`${base}/`);
      const steps = await runClusterWorker(tab, '/cluster-worker.js');
      const failed = steps.find((s) => s.step === 'error');
      if (failed) throw new Error(`the worker failed: ${String(failed.message)}`);
      ready.push(steps.find((s) => s.step === 'ready')?.atMs ?? NaN);
      page.push(steps.find((s) => s.step === 'productpage')?.atMs ?? NaN);
      received = (await fetchedResources(tab)).find((r) => r.path === '/cluster-worker.js')?.encodedBodySize ?? 0;
      await tab.close();
    }
    return [
      ['cluster code as Chromium receives it (worker script)', received ? kb(received) : 'not in resource timing'],
      ['cluster code, minified, before compression', kb(script.length)],
      [`time to ready in Chromium (median of ${RUNS})`, ms(percentile(ready, 50))],
      ['to the first product page (Bookinfo applied, clock ×0.02)', ms(percentile(page, 50))],
    ];
  } finally {
    await browser.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
