import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.ts';
import { startTestDeck } from '../helpers/deck.ts';
import { makeKubectl } from '../helpers/kubectl.ts';
import { slideTransitionsEnded } from '../helpers/talk.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = resolve(ROOT, 'test-output');

/** The real deck server on the embedded cluster, in Debian's Chromium. */
describe('the deck in Chromium, live against the embedded cluster', () => {
  let deck: Awaited<ReturnType<typeof startTestDeck>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let kubectl: ReturnType<typeof makeKubectl>;
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    if (!existsSync(resolve(ROOT, 'dist/client/index.html'))) throw new Error('dist/client is missing: run the tests with `npm test`, which builds the client first');
    deck = await startTestDeck();
    kubectl = makeKubectl(deck.kubeconfigPath!);
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.route('**/*', (route) => {
      const u = new URL(route.request().url());
      if (u.hostname !== '127.0.0.1' && u.hostname !== 'localhost') {
        foreignRequests.push(u.href);
        return route.abort();
      }
      return route.continue();
    });
  });
  afterAll(async () => {
    await browser?.close();
    kubectl?.cleanup();
    await deck?.stop();
  });

  async function gotoPodsSlide(): Promise<void> {
    for (let i = 0; i < 40; i++) {
      if (await page.locator('section.present [data-panel="pods"]').count()) return;
      await page.keyboard.press('ArrowRight');
      await page.waitForTimeout(80);
    }
    throw new Error('no slide with a pods panel');
  }

  it('opens on the title slide', async () => {
    await page.goto(deck.url);
    await expect.poll(() => page.locator('section.present').first().innerText(), { timeout: 15_000 }).toContain('So what is this Istio thing anyway');
    await page.screenshot({ path: `${SHOTS}/live-title.png` });
  });

  it('lists istio-system pods live, and a pod added or deleted with kubectl shows without a reload', async () => {
    await gotoPodsSlide();
    const table = page.locator('section.present [data-panel="pods"]');
    await expect.poll(() => table.innerText(), { timeout: 10_000 }).toMatch(/istiod-\S+\s+1\/1\s+Running/);
    const header = await table.locator('thead').innerText();
    for (const col of ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']) expect(header).toContain(col);
    await page.evaluate(() => ((window as any).__marker = 'no-reload'));
    await kubectl.ok(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: Pod\nmetadata: {name: added-by-kubectl, namespace: istio-system}\nspec: {containers: [{name: c, image: busybox}]}\n' });
    const rows = table.locator('tbody');
    await expect.poll(() => rows.innerText(), { timeout: 3000, interval: 50 }).toContain('added-by-kubectl');
    await slideTransitionsEnded(page);
    await page.screenshot({ path: `${SHOTS}/live-pods.png` });
    await kubectl.ok(['delete', 'pod', 'added-by-kubectl', '-n', 'istio-system', '--wait=false']);
    await expect.poll(() => rows.innerText(), { timeout: 3000, interval: 50 }).not.toContain('added-by-kubectl');
    expect(await table.locator('[role=status]').last().innerText()).toContain('added-by-kubectl was deleted');
    expect(await page.evaluate(() => (window as any).__marker)).toBe('no-reload');
  });

  it('says disconnected when the server stops, and catches up by itself when it is back', async () => {
    const port = Number(new URL(deck.url).port);
    await deck.stop();
    const panel = page.locator('section.present [data-panel="pods"]');
    await expect.poll(() => panel.getAttribute('data-state'), { timeout: 10_000 }).toBe('disconnected');
    expect(await panel.innerText()).toMatch(/disconnected/i);
    await page.screenshot({ path: `${SHOTS}/live-disconnected.png` });
    deck = await startTestDeck({ port });
    kubectl.cleanup();
    kubectl = makeKubectl(deck.kubeconfigPath!);
    await kubectl.ok(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: Pod\nmetadata: {name: after-restart, namespace: istio-system}\nspec: {containers: [{name: c, image: busybox}]}\n' });
    await expect.poll(() => panel.locator('tbody').innerText(), { timeout: 20_000 }).toContain('after-restart');
    expect(await panel.getAttribute('data-state')).toBe('live');
  }, 60_000);

  it('asked for nothing outside this machine', () => {
    expect(foreignRequests).toEqual([]);
  });
});
