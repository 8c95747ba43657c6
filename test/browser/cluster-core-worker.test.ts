import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.ts';
import { type WorkerStep, bundleClusterWorker, runClusterWorker } from '../helpers/cluster-worker.ts';

/**
 * The static edition's foundation: the embedded cluster's core runs in Chromium's Web
 * Worker with no server behind it (the page and the worker's script are answered by the
 * browser's own request routing, so nothing listens). What the worker reports is what a
 * visitor would see: Bookinfo's pods 2/2, the product page, and its trace.
 */
const ORIGIN = 'http://localhost:9'; // a secure context (crypto.randomUUID), and nothing listens there

describe('the cluster core in a Web Worker', () => {
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let steps: WorkerStep[];
  let workerBytes = 0;

  beforeAll(async () => {
    const script = await bundleClusterWorker();
    workerBytes = script.length;
    browser = await launchBrowser();
    page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await browser.context.route(`${ORIGIN}/**`, (route) => {
      const path = new URL(route.request().url()).pathname;
      if (path === '/') return route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>worker</title>' });
      if (path === '/cluster-worker.js') return route.fulfill({ contentType: 'text/javascript', body: script });
      return route.fulfill({ status: 404, body: '' });
    });
    // Anything else the worker tried to fetch would be a call to a server: refused.
    await browser.context.route((url) => !url.href.startsWith(ORIGIN), (route) => route.abort());
    await page.goto(`${ORIGIN}/`);
    steps = await runClusterWorker(page, '/cluster-worker.js');
    if (process.env.SHOW_WORKER_STEPS) console.log(JSON.stringify(steps, null, 1));
    expect(errors).toEqual([]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  const stepOf = (name: string) => {
    const failed = steps.find((s) => s.step === 'error');
    if (failed) throw new Error(`the worker stopped: ${String(failed.message)}`);
    const found = steps.find((s) => s.step === name);
    if (!found) throw new Error(`the worker never reported ${name}: ${JSON.stringify(steps)}`);
    return found;
  };

  it('bundles for the browser with no Node module in it', () => {
    expect(workerBytes).toBeGreaterThan(100_000);
    expect(stepOf('ready')).toBeTruthy();
  });

  it("sleeps on the cluster's scaled clock: 7 simulated seconds in a fraction of one", () => {
    const clock = stepOf('clock') as unknown as { simulatedMs: number; realMs: number };
    expect(clock.simulatedMs).toBeGreaterThanOrEqual(7000);
    expect(clock.realMs).toBeLessThan(2000);
  });

  it('applies Bookinfo and its gateway through the API handler, as kubectl sends them', () => {
    const created = stepOf('applied').created as string[];
    expect(created).toEqual(expect.arrayContaining(['Deployment/productpage-v1', 'Deployment/reviews-v3', 'Service/ratings', 'Gateway/bookinfo-gateway', 'VirtualService/bookinfo']));
  });

  it("runs Bookinfo's six pods with their sidecars (2/2)", () => {
    const pods = stepOf('pods').pods as string[];
    expect(pods).toHaveLength(6);
    for (const p of pods) expect(p).toMatch(/^(details|productpage|ratings|reviews)-v\d-[a-z0-9]+-[a-z0-9]{5} 2\/2$/);
  });

  it('answers the product page through the gateway core', () => {
    expect(stepOf('productpage')).toMatchObject({ status: 200, title: 'Simple Bookstore App', reviews: true });
  });

  it("keeps the request's trace, across the gateway and Bookinfo's services, in Jaeger's query core", () => {
    const traces = stepOf('traces');
    expect(traces.status).toBe(200);
    expect(traces.services).toEqual(expect.arrayContaining(['istio-ingressgateway.istio-system', 'productpage.default', 'reviews.default', 'details.default']));
  });
});
