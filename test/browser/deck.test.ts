/**
 * The built deck in Chromium against the fake deck server (test/helpers/fake-deck-server.ts).
 * Needs dist/client: the test command builds it first (`npm run build`).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.ts';
import { startFakeDeckServer, type FakeDeckServer } from '../helpers/fake-deck-server.ts';

const OUT = join(import.meta.dirname, '../../test-output');
let srv: FakeDeckServer;
let browser: { context: BrowserContext; close: () => Promise<void> };
const foreignRequests: string[] = [];

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  srv = await startFakeDeckServer();
  browser = await launchBrowser();
  // Anything not on this machine is recorded and refused.
  await browser.context.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    if (host === '127.0.0.1' || host === 'localhost') return route.continue();
    foreignRequests.push(route.request().url());
    return route.abort();
  });
});

afterAll(async () => {
  await browser?.close();
  await srv?.close();
});

async function openDeck(opts: { presenter?: boolean; hash?: string } = {}): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${srv.url}/${opts.presenter ? `?token=${srv.token}` : ''}${opts.hash ?? ''}`);
  await page.waitForSelector('html.deck-ready', { timeout: 15_000 });
  return page;
}

/**
 * An attendee's page follows the presenter's slide, which may arrive after the page moved on
 * its own: it browses freely first, as an attendee who clicks through at their own pace would.
 */
async function browseFreely(page: Page): Promise<void> {
  if (await page.evaluate(() => Boolean(sessionStorage.getItem('istio-deck-presenter-token')))) return;
  const toggle = page.locator('.follow-toggle');
  await toggle.waitFor({ timeout: 15_000 });
  if ((await toggle.getAttribute('aria-pressed')) === 'true') await toggle.click();
  await expect.poll(() => toggle.textContent()).toContain('Browsing freely');
}

/** Moves the deck to the first slide holding a panel of this kind and waits for the panel's code. */
async function goToPanel(page: Page, kind: string, nth = 0): Promise<number> {
  await browseFreely(page);
  const index = await page.waitForFunction(
    ([k, n]) => {
      const sections = [...document.querySelectorAll('.reveal .slides > section')];
      const hits = sections.map((s, i) => (s.querySelector(`[data-panel="${k}"]`) ? i : -1)).filter((i) => i >= 0);
      return hits.length > n ? hits[n] : undefined;
    },
    [kind, nth] as const,
    { timeout: 10_000 },
  );
  const i = (await index.jsonValue()) as number;
  await page.evaluate((h) => window.__istioDeck!.slide(h), i);
  await page.waitForSelector(`section.present [data-panel="${kind}"]:not([data-state="loading"])`, { timeout: 10_000 });
  return i;
}

const present = (page: Page, kind: string) => page.locator(`section.present [data-panel="${kind}"]`).first();

describe('the deck in Chromium', () => {
  it('opens on the title slide', async () => {
    const page = await openDeck();
    await expect.poll(() => page.locator('section.present h1').first().textContent()).toBe('So what is this Istio thing anyway');
    expect(page.url()).not.toContain('token');
    await page.screenshot({ path: join(OUT, 'deck-title.png') });
    await page.close();
  });

  it('keeps the presenter token out of the address bar', async () => {
    const page = await openDeck({ presenter: true });
    expect(page.url()).not.toContain(srv.token);
    expect(await page.evaluate(() => sessionStorage.getItem('istio-deck-presenter-token'))).toBe(srv.token);
    await expect.poll(() => page.locator('.deck-status-text').textContent()).toContain('presenter');
    await page.close();
  });

  it('updates the pods panel live, says when the server is gone, and catches up when it is back', async () => {
    const page = await openDeck();
    await goToPanel(page, 'pods');
    const panel = present(page, 'pods');
    const rows = panel.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    await page.evaluate(() => ((window as any).__sameDocument = true));

    srv.upsertPod({ name: 'istio-egressgateway-6c9d8f-abcde', namespace: 'istio-system', status: 'ContainerCreating', ready: '0/1', hasSidecar: false });
    await expect.poll(() => panel.locator('tr[data-pod="istio-egressgateway-6c9d8f-abcde"] td').nth(2).textContent(), { timeout: 2000 }).toBe('ContainerCreating');
    await expect.poll(() => panel.locator('[role="status"]').textContent()).toBe('pod istio-egressgateway-6c9d8f-abcde is ContainerCreating (0/1 ready)');
    srv.deletePod('istio-system', 'istio-egressgateway-6c9d8f-abcde');
    await expect.poll(() => rows.count(), { timeout: 2000 }).toBe(3);

    await srv.stop();
    await expect.poll(() => panel.textContent(), { timeout: 5000 }).toContain('Disconnected from the deck server');
    srv.upsertPod({ name: 'jaeger-6f7c9b8d5-q4r2t', namespace: 'istio-system', status: 'CrashLoopBackOff', restarts: 4, ready: '0/1', hasSidecar: false });
    await panel.screenshot({ path: join(OUT, 'panel-pods-disconnected.png') });
    await srv.start();
    await expect.poll(() => panel.getAttribute('data-state'), { timeout: 10_000 }).toBe('live');
    await expect.poll(() => panel.locator('tr[data-pod="jaeger-6f7c9b8d5-q4r2t"] td').nth(2).textContent()).toBe('CrashLoopBackOff');
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true); // no reload
    srv.upsertPod({ name: 'jaeger-6f7c9b8d5-q4r2t', namespace: 'istio-system', hasSidecar: false, ready: '1/1' });
    await panel.screenshot({ path: join(OUT, 'panel-pods.png') });
    await page.close();
  });

  it('loads Monaco only on the editor slide, and letters typed there never move the deck', async () => {
    const page = await openDeck({ presenter: true });
    const scripts: string[] = [];
    page.on('request', (r) => scripts.push(r.url()));
    await goToPanel(page, 'pods');
    expect(scripts.filter((u) => /MonacoYaml|yaml\.worker|editor\.worker/.test(u))).toEqual([]);

    const index = await goToPanel(page, 'editor');
    const host = page.locator('section.present [data-editor="monaco"][data-ready="true"]').first();
    await host.waitFor({ timeout: 20_000 });
    expect(scripts.some((u) => /MonacoYaml/.test(u))).toBe(true);

    await host.locator('.view-lines').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\n# bfos?gz ');
    await page.keyboard.press('ArrowLeft');
    await page.waitForTimeout(300);
    const state = await page.evaluate(() => ({ h: window.__istioDeck!.getIndices().h, paused: window.__istioDeck!.isPaused(), overview: window.__istioDeck!.isOverview(), help: !!document.querySelector('.r-overlay-help'), zoom: document.documentElement.classList.contains('stage-zoom') }));
    expect(state).toEqual({ h: index, paused: false, overview: false, help: false, zoom: false });
    await expect.poll(async () => (await host.locator('.view-lines').textContent())?.replace(/\u00a0/g, ' ')).toContain('# bfos?gz');

    // Esc hands the keys back to the deck (a first Esc may only close a suggestion list).
    const inEditor = () => page.evaluate(() => !!document.activeElement?.closest('.monaco-editor'));
    await page.keyboard.press('Escape');
    if (await inEditor()) await page.keyboard.press('Escape');
    expect(await inEditor()).toBe(false);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.evaluate(() => window.__istioDeck!.getIndices().h)).toBe(index + 1);
    await page.close();
  });

  it('lets the presenter dry-run and apply from the editor, and maps a server error to its line', async () => {
    const page = await openDeck({ presenter: true });
    await goToPanel(page, 'editor');
    const panel = present(page, 'editor');
    await panel.locator('[data-editor="monaco"][data-ready="true"]').waitFor({ timeout: 20_000 });
    await panel.getByRole('button', { name: 'Dry run' }).click();
    await expect.poll(() => panel.locator('.diff-view').textContent()).toContain('+      weight: 50');
    await panel.screenshot({ path: join(OUT, 'panel-editor-dry-run.png') });
    expect(srv.applied.at(-1)!.dryRun).toBe(true);

    await panel.locator('.view-lines').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\nbogusField: 1');
    await panel.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => panel.locator('[role="alert"]').textContent()).toMatch(/unknown field "bogusField" \(document 1, line \d+, field spec.bogusField\)/);
    const line = Number(/line (\d+)/.exec((await panel.locator('[role="alert"]').textContent())!)![1]);
    expect(srv.applied.at(-1)!.body.split('\n')[line - 1]).toContain('bogusField');
    await expect.poll(() => panel.locator('.squiggly-error').count()).toBeGreaterThan(0);
    await panel.screenshot({ path: join(OUT, 'panel-editor-error.png') });

    await panel.getByRole('button', { name: 'Revert' }).click();
    await expect.poll(() => panel.locator('.view-lines').textContent()).not.toContain('bogusField');
    await page.close();
  });

  it('gives the audience no way to change anything, and follows the presenter until told to browse freely', async () => {
    const presenter = await openDeck({ presenter: true });
    const audience = await openDeck();
    await expect.poll(() => audience.locator('.follow-toggle').textContent()).toContain('Following presenter');

    const editorSlide = await goToPanel(presenter, 'editor');
    await expect.poll(() => audience.evaluate(() => window.__istioDeck!.getIndices().h), { timeout: 5000 }).toBe(editorSlide);
    await audience.locator('section.present [data-panel="editor"]:not([data-state="loading"])').first().waitFor();
    expect(await audience.locator('section.present [data-editor="monaco"]').count()).toBe(0);
    expect(await audience.locator('section.present [data-editor="static"]').count()).toBeGreaterThan(0);
    await expect.poll(() => audience.locator('section.present').getByText('presenter token required').first().isVisible()).toBe(true);
    await present(audience, 'editor').screenshot({ path: join(OUT, 'panel-editor-audience.png') });

    await audience.locator('.follow-toggle').click();
    await expect.poll(() => audience.locator('.follow-toggle').textContent()).toContain('Browsing freely');
    await presenter.evaluate(() => window.__istioDeck!.slide(0));
    await audience.waitForTimeout(800);
    expect(await audience.evaluate(() => window.__istioDeck!.getIndices().h)).toBe(editorSlide);

    // Across the whole deck the audience finds no control that changes the cluster.
    await audience.evaluate(async () => {
      const deck = window.__istioDeck!;
      for (let i = 0; i < deck.getTotalSlides(); i++) {
        deck.slide(i);
        await new Promise((r) => setTimeout(r, 120));
      }
    });
    await audience.waitForTimeout(500);
    const changeButtons = await audience.locator('button', { hasText: /^(Run|Apply|Dry run|Revert|Catch up|Reset this slide|Run preflight)$/ }).count();
    expect(changeButtons).toBe(0);
    await presenter.close();
    await audience.close();
  });

  it('screenshots every panel as the presenter', async () => {
    const page = await openDeck({ presenter: true });
    for (const kind of ['command', 'productpage', 'traffic', 'resource', 'graph', 'traces', 'preflight']) {
      await goToPanel(page, kind);
      const panel = present(page, kind);
      if (kind === 'preflight') {
        await panel.getByRole('button', { name: 'Run preflight' }).click();
        await expect.poll(() => panel.locator('li').count()).toBe(3);
      }
      if (kind === 'traffic') await expect.poll(() => panel.locator('rect').count(), { timeout: 5000 }).toBeGreaterThan(2);
      if (kind === 'traces') await panel.locator('.gantt-row').first().waitFor();
      if (kind === 'productpage') await panel.frameLocator('iframe').getByText('The Comedy of Errors').waitFor();
      await page.waitForTimeout(300);
      await panel.screenshot({ path: join(OUT, `panel-${kind}.png`) });
      expect(await panel.getAttribute('data-state')).not.toBe('error');
    }
    await page.close();
  });

  it('Z enlarges the live panels', async () => {
    const page = await openDeck();
    await goToPanel(page, 'pods');
    const size = () => present(page, 'pods').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    const before = await size();
    await page.locator('body').press('z');
    await expect.poll(size).toBeGreaterThan(before * 1.2);
    await page.close();
  });

  it('speaker-view receivers open no stream of their own', async () => {
    const page = await browser.context.newPage();
    let sockets = 0;
    page.on('websocket', () => sockets++);
    await page.goto(`${srv.url}/?receiver&progress=false#/install-verify`);
    await page.waitForSelector('html.deck-ready');
    await page.locator('section.present [data-panel="pods"]:not([data-state="loading"])').waitFor();
    await page.waitForTimeout(500);
    expect(sockets).toBe(0);
    expect(await page.locator('section.present button', { hasText: /^Run$/ }).count()).toBe(0);
    await page.close();
  });

  it('S opens the speaker view with notes; its previews borrow the main window\'s stream', async () => {
    const page = await openDeck({ presenter: true });
    await goToPanel(page, 'pods');
    const popupPromise = browser.context.waitForEvent('page');
    await page.locator('body').press('s');
    const popup = await popupPromise;
    let sockets = 0;
    popup.on('websocket', () => sockets++);
    await expect.poll(() => popup.locator('.speaker-controls-notes .value').textContent(), { timeout: 10_000 }).toContain('istio-system');
    const current = popup.frameLocator('#current-slide iframe');
    await expect.poll(() => current.locator('section.present tr[data-pod]').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await current.locator('section.present button', { hasText: /^Run$/ }).count()).toBe(0);
    expect(sockets).toBe(0);
    await popup.screenshot({ path: join(OUT, 'speaker-view.png') });
    await popup.close();
    await page.close();
  });

  it('prints panels with their last known state when the stream is gone', async () => {
    const live = await openDeck({ hash: '#/install-verify' });
    await live.locator('[data-panel="pods"][data-state="live"]').first().waitFor({ timeout: 10_000 });
    await live.waitForTimeout(1500); // the cache is written at most once a second
    await live.close();

    const page = await browser.context.newPage();
    await page.routeWebSocket(/\/ws/, (ws) => ws.close());
    await page.goto(`${srv.url}/?print-pdf`);
    await page.waitForSelector('html.deck-ready');
    const pods = page.locator('[data-panel="pods"]').first();
    await expect.poll(() => pods.locator('tr[data-pod^="istiod-"]').count(), { timeout: 15_000 }).toBe(1);
    expect(await pods.textContent()).toContain('last known state');
    await pods.screenshot({ path: join(OUT, 'panel-pods-print.png') });
    await page.close();
  });

  it('made no request to anything but this machine', () => {
    expect(foreignRequests).toEqual([]);
  });
});
