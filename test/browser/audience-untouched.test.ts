/**
 * An attendee opens the deck before the presenter has deployed anything and walks every
 * slide on their own. No panel may be a white box or an empty frame, each says in words
 * what is missing, and the browser console stays clean.
 * Needs dist/client (`npm run build`; `npm test` builds it first).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.ts';
import { startTestDeck } from '../helpers/deck.ts';
import { deckSlideIds, openDeckPage, shoot, snapshotClient } from '../helpers/talk.ts';

/** What each visible panel shows, once its feeds have answered. */
function visiblePanels(page: Page) {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('.reveal .slides > section.present .live-panel')].map((panel) => {
      const body = [...panel.children].filter((c) => !c.matches('.panel-header'));
      const frame = panel.querySelector<HTMLIFrameElement>('iframe');
      let frameText: string | undefined;
      try {
        frameText = frame ? (frame.contentDocument?.body?.innerText ?? '').trim() : undefined;
      } catch {
        frameText = '(cross-origin)';
      }
      return {
        kind: panel.dataset.panel ?? panel.className,
        text: body.map((c) => (c as HTMLElement).innerText).join(' ').trim(),
        frameText,
        connecting: panel.dataset.state === 'connecting',
      };
    }),
  );
}

describe('an attendee walking the slides before anything is deployed', { timeout: 180_000 }, () => {
  let deck: Awaited<ReturnType<typeof startTestDeck>>;
  let client: ReturnType<typeof snapshotClient>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;

  beforeAll(async () => {
    client = snapshotClient();
    deck = await startTestDeck({ timeScale: 0.05, clientDir: client.dir });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await deck?.stop();
    client?.remove();
  });

  it('sees every panel say what is missing, no blank frame, and no console error', async () => {
    const foreign: string[] = [];
    const consoleErrors: string[] = [];
    const page = await openDeckPage(browser.context, deck.url, foreign);
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${m.text()} (on ${new URL(page.url()).hash})`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message} (on ${new URL(page.url()).hash})`));
    await page.locator('.follow-toggle').click();
    await expect.poll(() => page.locator('.follow-toggle').textContent()).toMatch(/browsing freely/i);

    const blank: string[] = [];
    const productPageMessages = new Set<string>();
    for (const id of await deckSlideIds(page)) {
      await page.evaluate((slide) => (location.hash = `#/${slide}`), id);
      // Until every panel's feeds have answered (or 5 s): then judge what it shows.
      let panels = await visiblePanels(page);
      for (let i = 0; i < 25 && panels.some((p) => p.connecting || p.text === ''); i++) {
        await page.waitForTimeout(200);
        panels = await visiblePanels(page);
      }
      for (const p of panels) {
        if (p.text === '' && !p.frameText) blank.push(`${id}: ${p.kind} panel shows nothing`);
        if (p.frameText === '') blank.push(`${id}: ${p.kind} frame is blank`);
        if (p.kind === 'productpage') productPageMessages.add(p.text);
      }
      if (id === 'round-robin') await shoot(page, 'audience-untouched-round-robin');
    }
    expect(blank).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(foreign).toEqual([]);
    // The product page frames said why, in words, rather than loading a gateway error.
    expect([...productPageMessages]).toContain('Bookinfo is not deployed yet: the “Deploy Bookinfo, with sidecars” slide deploys it.');
  });
});
