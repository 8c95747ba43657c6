/**
 * The speaker's safety net in Chromium: the deck on a "real" cluster (an embedded one behind
 * a proxy the test cuts), the presenter's button to continue on the embedded cluster, the
 * audience's banner, and the button back once the real cluster answers.
 * Needs dist/client (`npx vite build`).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { startEmbeddedCluster, type EmbeddedCluster } from '../../server/embedded/cluster.ts';
import { ApiProxy } from '../helpers/api-proxy.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { startTestDeck } from '../helpers/deck.ts';
import { shoot as shot } from '../helpers/talk.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = resolve(ROOT, 'test-output');
const SLIDE = '10-all-v1';

describe('the safety net in the browser', () => {
  let real: EmbeddedCluster;
  let proxy: ApiProxy;
  let dir: string;
  let deck: Awaited<ReturnType<typeof startTestDeck>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let presenter: Page;
  let audience: Page;
  const errors: string[] = [];

  const open = async (token?: string) => {
    const page = await browser.context.newPage();
    page.on('pageerror', (e) => errors.push(`${token ? 'presenter' : 'audience'}: ${e.message}`));
    await page.goto(`${deck.url}${token ? `?token=${token}` : ''}`);
    await page.waitForSelector('html.deck-ready', { timeout: 20_000 });
    return page;
  };
  const currentId = (page: Page) => page.evaluate(() => (document.querySelector('.reveal .slides > section.present') as HTMLElement | null)?.dataset.slideId);

  beforeAll(async () => {
    if (!existsSync(resolve(ROOT, 'dist/client/index.html'))) throw new Error('dist/client is missing: run `npx vite build` first');
    mkdirSync(SHOTS, { recursive: true });
    real = await startEmbeddedCluster({ name: 'conference-cluster', clock: new ScaledClock(0.01) });
    proxy = new ApiProxy(real.kubeconfig);
    await proxy.start();
    dir = mkdtempSync(join(tmpdir(), 'failover-browser-'));
    writeFileSync(join(dir, 'kubeconfig'), proxy.kubeconfig, { mode: 0o600 });
    deck = await startTestDeck({ kubeconfig: join(dir, 'kubeconfig'), failoverAfterMs: 1000 });
    browser = await launchBrowser();
    presenter = await open(deck.token);
    audience = await open();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await deck?.stop();
    await proxy?.stop();
    await real?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('offers the presenter one click to the embedded cluster, shows the audience a banner, and one click back', async () => {
    const auth = { authorization: `Bearer ${deck.token}`, 'content-type': 'application/json' };
    expect((await fetch(`${deck.base}/api/scene/all-v1`, { method: 'POST', headers: auth, body: '{}' })).status).toBe(200);
    await presenter.waitForFunction(() => window.__istioDeck && document.querySelectorAll('.reveal .slides > section').length > 10, undefined, { timeout: 20_000 });
    await presenter.evaluate((id) => {
      const ids = [...document.querySelectorAll('.reveal .slides > section')].map((s) => (s as HTMLElement).dataset.slideId);
      window.__istioDeck!.slide(ids.indexOf(id));
    }, SLIDE);
    await expect.poll(() => currentId(audience), { timeout: 10_000 }).toBe(SLIDE);
    const continueButton = presenter.getByRole('button', { name: 'Continue on the embedded cluster' });
    expect(await continueButton.count()).toBe(0);

    await proxy.down();
    await continueButton.waitFor({ timeout: 20_000 });
    await expect.poll(() => presenter.locator('[data-failover-offer=embedded]').innerText()).toMatch(/conference-cluster unreachable for \d+ s/);
    // The audience has no button, and no banner yet: their panels still show the real cluster.
    expect(await audience.getByRole('button', { name: /embedded cluster/ }).count()).toBe(0);
    expect(await audience.locator('.cluster-banner').count()).toBe(0);
    await shot(presenter, 'failover-1-presenter-offer');

    await continueButton.click();
    const banner = audience.locator('.cluster-banner');
    await banner.waitFor({ timeout: 30_000 });
    expect(await banner.innerText()).toBe('embedded cluster: the real one is unreachable');
    await presenter.locator('.cluster-banner').waitFor({ timeout: 10_000 });
    await expect.poll(() => presenter.locator('.deck-status').innerText(), { timeout: 10_000 }).toMatch(/on the embedded cluster at scene all-v1/);
    expect(await currentId(audience)).toBe(SLIDE);
    await shot(presenter, 'failover-2-presenter-on-embedded');
    await shot(audience, 'failover-2-audience-banner');

    await proxy.start();
    const returnButton = presenter.getByRole('button', { name: 'Return to the real cluster' });
    await returnButton.waitFor({ timeout: 20_000 });
    await expect.poll(() => banner.innerText(), { timeout: 10_000 }).toMatch(/conference-cluster is reachable again/);
    await shot(audience, 'failover-3-audience-real-back');
    await returnButton.click();
    await banner.waitFor({ state: 'detached', timeout: 30_000 });
    await expect.poll(() => presenter.locator('.deck-status').innerText(), { timeout: 10_000 }).toMatch(/back on conference-cluster at scene all-v1/);
    expect(await presenter.locator('.cluster-banner').count()).toBe(0);
    // The product page comes from the real cluster's gateway again.
    await presenter.frameLocator('iframe').first().getByText('Book Details').waitFor({ timeout: 30_000 });
    await shot(presenter, 'failover-4-presenter-back');
    expect(errors).toEqual([]);
  }, 150_000);

  it('pre-flight on the real cluster shows each scene’s time, so the speaker knows which are slow', async () => {
    await presenter.evaluate(() => {
      const ids = [...document.querySelectorAll('.reveal .slides > section')].map((s) => (s as HTMLElement).dataset.slideId);
      window.__istioDeck!.slide(ids.indexOf('99-preflight'));
    });
    await presenter.getByRole('button', { name: 'Run preflight' }).click();
    const rows = presenter.locator('.preflight-list li');
    await rows.first().waitFor({ timeout: 90_000 });
    const texts = await rows.allInnerTexts();
    expect(texts.length).toBeGreaterThan(5);
    for (const t of texts) expect(t).toMatch(/\d+\.\d s/);
    await expect.poll(() => presenter.locator('[data-panel=preflight] .panel-summary').textContent()).toMatch(/slowest: [\w-]+ \(\d+\.\d s\)/);
    await shot(presenter, 'failover-5-preflight-times');
  }, 120_000);
});
