/**
 * The deck client's figures: the first slide's JS (gzip), the time to the first slide,
 * and whether Monaco loaded before any editor slide. Serves the built dist/client and
 * measures it in Chromium. Run alone with `npx tsx bench/client.ts`.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import express from 'express';
import { launchBrowser } from '../test/helpers/browser.ts';
import { assertBuilt, DIST_DIR } from '../test/helpers/fake-deck-server.ts';

export interface ClientBench {
  /** gzip size (kB = 1000 bytes) of every JS file fetched before the first slide showed. */
  firstSlideJsGzipKB: number;
  /** Navigation start to the deck being ready on slide 1, in ms. */
  msToFirstSlide: number;
  /** True if any Monaco code or worker was fetched while on the first slide. */
  monacoOnFirstSlide: boolean;
}

export async function benchClient(): Promise<ClientBench> {
  assertBuilt();
  const app = express().use(express.static(DIST_DIR));
  const server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    await page.goto(url);
    await page.waitForSelector('html.deck-ready', { timeout: 30_000 });
    const { readyAt, before } = await page.evaluate(() => {
      const readyAt = performance.getEntriesByName('deck-ready')[0]?.startTime ?? performance.now();
      const before = performance
        .getEntriesByType('resource')
        .filter((e) => e.startTime <= readyAt)
        .map((e) => e.name);
      return { readyAt, before };
    });
    await page.waitForTimeout(1500); // let the neighbours' lazy chunks arrive
    const all = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
    if (process.env.BENCH_VERBOSE) console.log(before.map((u) => new URL(u).pathname).join("\n"));
    const jsBytes = [url, ...before]
      .map((u) => new URL(u).pathname)
      .filter((p) => p.endsWith('.js'))
      .reduce((sum, p) => sum + gzipSync(readFileSync(join(DIST_DIR, p))).length, 0);
    return {
      firstSlideJsGzipKB: Math.round(jsBytes / 100) / 10,
      msToFirstSlide: Math.round(readyAt),
      monacoOnFirstSlide: all.some((u) => /MonacoYaml|editor\.worker|yaml\.worker|codicon/.test(u)),
    };
  } finally {
    await browser.close();
    await new Promise((r) => server.close(r));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchClient();
  console.log(`client: first slide JS ${r.firstSlideJsGzipKB} kB gzip (budget 150), first slide in ${r.msToFirstSlide} ms, Monaco on first slide: ${r.monacoOnFirstSlide ? 'YES' : 'no'}`);
}
