/**
 * The whole talk, as the presenter gives it: one Chromium page on the presenter URL of the
 * real deck server on the embedded cluster, moved with → and driven with the panels' own
 * Run / Apply / Dry run / Revert buttons and the status bar's Reset. The talk is given once in
 * the Istio APIs tab, then again from the start in the Gateway API tab over every slide whose
 * view depends on the routing API (test/helpers/talk-walk.ts), on the same deck: pre-flight is
 * green at the end of each. At each live slide it checks what the audience would see, and takes
 * a picture (test-output/talk-<slide>.png, talk-gateway-api-<slide>.png).
 * Needs dist/client (`npm run build`; `npm test` builds it first).
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.ts';
import { startTestDeck } from '../helpers/deck.ts';
import { arrowOnTo, currentSlide, deckSlideIds, openDeckPage, shoot, snapshotClient } from '../helpers/talk.ts';
import { talkWalk, walkIn } from '../helpers/talk-walk.ts';

/** Real ms per simulated ms: the 7 s delay takes 350 ms, still far above scheduling noise. */
const SCALE = 0.05;

describe('the whole talk as the presenter, in both routing APIs, live on the embedded cluster', { timeout: 90_000 }, () => {
  let deck: Awaited<ReturnType<typeof startTestDeck>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let client: ReturnType<typeof snapshotClient>;
  const foreign: string[] = [];
  const pageErrors: string[] = [];
  const steps = talkWalk(SCALE);
  const routingApi = () => page.locator('.routing-api-toggle').getAttribute('data-routing-api');

  beforeAll(async () => {
    client = snapshotClient();
    deck = await startTestDeck({ timeScale: SCALE, clientDir: client.dir });
    browser = await launchBrowser();
    page = await openDeckPage(browser.context, deck.presenterUrl, foreign);
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });
  // What the slide showed when a step failed: test-output/talk-failed-<slide>.png.
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page) await shoot(page, `talk-failed-${await currentSlide(page)}`).catch(() => {});
  });
  afterAll(async () => {
    await browser?.close();
    await deck?.stop();
    client?.remove();
  });

  it('opens live as the presenter, in the Istio APIs', async () => {
    await expect.poll(() => page.locator('.deck-status-text').textContent(), { timeout: 15_000 }).toContain('presenter · live');
    expect(await routingApi()).toBe('istio');
  });

  for (const step of walkIn(steps, 'istio')) {
    it(`${step.slide}: ${step.shows}`, async () => {
      await arrowOnTo(page, step.slide);
      await step.run(page, 'istio');
    });
  }

  it('back at the start, the presenter chooses the Gateway API in the status bar', async () => {
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur?.());
    await page.keyboard.press('Home');
    const first = (await deckSlideIds(page))[0];
    await expect.poll(() => currentSlide(page)).toBe(first);
    await page.locator('.routing-api-toggle button[data-api="gateway-api"]').click();
    await expect.poll(routingApi).toBe('gateway-api');
  });

  for (const step of walkIn(steps, 'gateway-api')) {
    it(`Gateway API tab, ${step.slide}: ${step.shows}`, async () => {
      await arrowOnTo(page, step.slide);
      await step.run(page, 'gateway-api');
    });
  }

  const WALKED_IN_BOTH_TABS_BY_AMBIENT_WALK = ['ambient-waypoint'];
  it('walked every slide that has the two tabs in the Gateway API tab too', async () => {
    const tabbed = await page.evaluate(() => [...document.querySelectorAll('.reveal .slides > section')].filter((s) => s.querySelector('.api-tabs')).map((s) => s.id));
    expect(tabbed.length).toBeGreaterThan(5);
    // The ambient section's walk (talk-ambient.test.ts) takes its waypoint slide through both tabs.
    const walked = new Set([...walkIn(steps, 'gateway-api').map((s) => s.slide), ...WALKED_IN_BOTH_TABS_BY_AMBIENT_WALK]);
    expect(tabbed.filter((id) => !walked.has(id))).toEqual([]);
  });

  it('raised no errors in the page and asked for nothing outside this machine', () => {
    expect(pageErrors).toEqual([]);
    expect(foreign).toEqual([]);
  });
});
