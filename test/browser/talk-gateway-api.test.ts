/**
 * The talk's routing slides in the Gateway API tab: the presenter chooses the Gateway API once
 * (status bar, then the A key), an attendee's tabs follow (and may look at the other tab alone),
 * scenes reset in that API reach Bookinfo through the Gateway API's gateway, and pre-flight is
 * green in both APIs. Screenshots: test-output/talk-gateway-api-*.png.
 */
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenes, sceneApis } from '../../server/api/scenes.ts';
import { currentSlide, deckSlideIds, present, productPageReaches, runCard, shoot, summaryOf } from '../helpers/talk.ts';
import { openTalkPair, type TalkPair } from '../helpers/talk-pair.ts';

const SCALE = 0.05;

describe('the routing slides in the Gateway API tab, presenter and attendee', { timeout: 60_000 }, () => {
  let pair: TalkPair;
  let presenter: Page;
  let attendee: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    pair = await openTalkPair(SCALE);
    ({ presenter, attendee } = pair);
    for (const p of [presenter, attendee]) p.on('pageerror', (e) => pageErrors.push(e.message));
  });
  afterAll(async () => {
    await pair?.close();
  });

  /** The presenter jumps to a slide (the walk in talk-presenter covers the arrows); the attendee follows. */
  async function presenterGoesTo(id: string, follow = true): Promise<void> {
    const index = (await deckSlideIds(presenter)).indexOf(id);
    expect(index, id).toBeGreaterThanOrEqual(0);
    await presenter.evaluate((h) => window.__istioDeck!.slide(h, 0), index);
    await presenter.locator(`section.present#${id}`).waitFor();
    if (follow) await expect.poll(() => currentSlide(attendee), { timeout: 10_000 }).toBe(id);
  }

  const tabShown = (page: Page) => page.locator('section.present .api-tabs').getAttribute('data-api-shown');

  /** Resets the slide's scene from the status bar; returns what the status bar says it did. */
  async function resetSlide(): Promise<string> {
    await presenter.locator('.deck-status').getByRole('button', { name: 'Reset this slide' }).click();
    const message = presenter.locator('.deck-status .deck-status-message.is-done, .deck-status .deck-status-message.is-error');
    await message.waitFor({ timeout: 30_000 });
    return message.innerText();
  }

  it('the presenter chooses the Gateway API in the status bar; the attendee sees it', async () => {
    await expect.poll(() => presenter.locator('.deck-status-text').textContent(), { timeout: 15_000 }).toContain('presenter · live');
    await expect.poll(() => attendee.locator('.deck-status-text').textContent(), { timeout: 15_000 }).toContain('audience · live');
    expect(await presenter.locator('.routing-api-toggle').getAttribute('data-routing-api')).toBe('istio');
    await presenter.locator('.routing-api-toggle button[data-api="gateway-api"]').click();
    await expect.poll(() => presenter.locator('.routing-api-toggle').getAttribute('data-routing-api')).toBe('gateway-api');
    await expect.poll(() => attendee.locator('[data-routing-api]').innerText()).toBe('routing: Gateway API');
  });

  it('gateway: the Gateway API tab opens the door with the Gateway API Gateway, and Reset applies it', async () => {
    await presenterGoesTo('gateway');
    expect(await tabShown(presenter)).toBe('gateway-api');
    await expect.poll(() => tabShown(attendee)).toBe('gateway-api');
    expect(await resetSlide()).toMatch(/^reset to gateway \(Gateway API\)/);
    const applied = await runCard(presenter, 'kubectl apply -f manifests/bookinfo/gateway-api/bookinfo-gateway.yaml');
    // configured where the listener's port moved to the host port that serves (a normal user's free port).
    expect(applied.output).toMatch(/gateway\.gateway\.networking\.k8s\.io\/bookinfo-gateway (unchanged|configured)/);
    await shoot(presenter, 'talk-gateway-api-gateway');
  });

  it('header routing in the Gateway API: jason sees black stars through bookinfo-gateway-istio, everyone else none', async () => {
    await presenterGoesTo('header-routing');
    expect(await resetSlide()).toMatch(/^reset to jason-v2 \(Gateway API\)/);
    const shown = await runCard(presenter, 'kubectl get httproute reviews -o yaml');
    expect(shown.output).toContain('value: jason');
    expect(shown.output).toContain('name: reviews-v2');
    await shoot(presenter, 'talk-gateway-api-header-routing');
    await presenterGoesTo('jason-sees-stars');
    expect((await productPageReaches(present(presenter, 'productpage', 0), 'v2', 30_000)).reviews).toBe('v2');
    expect((await productPageReaches(present(presenter, 'productpage', 1), 'v1', 30_000)).reviews).toBe('v1');
  });

  it('an attendee may look at the Istio APIs tab alone; the presenter\'s next choice takes them along', async () => {
    await presenterGoesTo('header-routing');
    await attendee.locator('section.present .api-tab[data-api="istio"]').click();
    expect(await tabShown(attendee)).toBe('istio');
    await expect.poll(() => attendee.locator('section.present [data-local-look]').innerText()).toContain('the presenter shows the Gateway API');
    expect(await tabShown(presenter)).toBe('gateway-api');
    await shoot(attendee, 'talk-gateway-api-attendee-looks');
    // The presenter's shortcut switches the talk: everyone is on the Istio APIs, then back.
    await presenter.evaluate(() => (document.activeElement as HTMLElement | null)?.blur?.());
    // Each switch resets the slide's scene in the new API by itself, so the other API's rules go.
    const statusMessage = () => presenter.locator('.deck-status .deck-status-message').innerText().catch(() => '');
    await presenter.keyboard.press('a');
    await expect.poll(() => tabShown(presenter)).toBe('istio');
    await expect.poll(statusMessage, { timeout: 30_000 }).toMatch(/^reset to jason-v2: .*\bdeleted\b/);
    await presenter.keyboard.press('a');
    await expect.poll(() => tabShown(presenter)).toBe('gateway-api');
    await expect.poll(statusMessage, { timeout: 30_000 }).toMatch(/^reset to jason-v2 \(Gateway API\): .*\bdeleted\b/);
    await expect.poll(() => tabShown(attendee)).toBe('gateway-api');
    expect(await attendee.locator('section.present [data-local-look]').count()).toBe(0);
  });

  it('fault delay: the Gateway API tab says it uses an Istio VirtualService, and jason gets the reviews error', async () => {
    await presenterGoesTo('fault-delay');
    expect(await presenter.locator('section.present .api-tab-note').innerText()).toBe('The Gateway API does not support fault injection yet, so this uses an Istio VirtualService.');
    expect(await resetSlide()).toMatch(/^reset to ratings-delay \(Gateway API\)/);
    expect((await productPageReaches(present(presenter, 'productpage'), 'reviews-error', 30_000)).reviews).toBe('reviews-error');
    await shoot(presenter, 'talk-gateway-api-fault-delay');
  });

  it('pre-flight: every scene is green in both APIs', async () => {
    await presenterGoesTo('preflight', false);
    const panel = present(presenter, 'preflight');
    await panel.getByRole('button', { name: 'Run preflight' }).click();
    await expect.poll(() => summaryOf(panel), { timeout: 45_000 }).toMatch(/scene variants/);
    const expected = loadScenes(resolve(import.meta.dirname, '../..')).flatMap((s) => sceneApis(s).map((api) => `${s.name}/${api}`));
    expect(await panel.locator('li').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-scene')}/${e.getAttribute('data-api')}`))).toEqual(expected);
    expect(await panel.locator('li.is-bad').allInnerTexts()).toEqual([]);
    expect(expected.filter((e) => e.endsWith('/gateway-api')).length).toBeGreaterThan(10);
    await shoot(presenter, 'talk-gateway-api-preflight');
  });

  it('raised no errors in the pages and asked for nothing outside this machine', () => {
    expect(pageErrors).toEqual([]);
    expect(pair.foreign).toEqual([]);
  });
});
