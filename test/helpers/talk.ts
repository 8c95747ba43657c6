/**
 * Walking the talk in Chromium the way the speaker (or an attendee) does: arrow keys,
 * the panels' own buttons, and what each panel shows on screen.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
export const SHOTS = resolve(ROOT, 'test-output');

export function requireBuiltClient(): void {
  if (!existsSync(resolve(ROOT, 'dist/client/index.html'))) throw new Error('dist/client is missing: run `npm run build` (npm test does it first)');
  mkdirSync(SHOTS, { recursive: true });
}

/**
 * A private copy of dist/client for one deck, so a rebuild while the test runs (new chunk
 * names) cannot break the page half-way through the talk.
 */
export function snapshotClient(): { dir: string; remove: () => void } {
  requireBuiltClient();
  const dir = mkdtempSync(join(tmpdir(), 'deck-client-'));
  cpSync(resolve(ROOT, 'dist/client'), dir, { recursive: true });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A page in a window of its own: a tab behind another tab of its window gets about one
 * animation frame a second, so two pages that must both render at once each need a window.
 */
async function newWindowPage(context: BrowserContext): Promise<Page> {
  const opener = context.pages()[0] ?? (await context.newPage());
  const cdp = await context.newCDPSession(opener);
  const [page] = await Promise.all([context.waitForEvent('page'), cdp.send('Target.createTarget', { url: 'about:blank', newWindow: true, background: true })]);
  await cdp.detach();
  return page;
}

/**
 * Opens the deck (in a window of its own with `ownWindow`, else a new tab); anything not on
 * this machine is refused and recorded in `foreign`.
 */
export async function openDeckPage(context: BrowserContext, url: string, foreign: string[], opts: { ownWindow?: boolean } = {}): Promise<Page> {
  const page = opts.ownWindow ? await newWindowPage(context) : await context.newPage();
  await page.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    if (host === '127.0.0.1' || host === 'localhost') return route.continue();
    foreign.push(route.request().url());
    return route.abort();
  });
  await page.goto(url);
  await page.waitForSelector('html.deck-ready', { timeout: 20_000 });
  return page;
}

/** The section id of the current slide (the URL hash without `#/`). */
export const currentSlide = (page: Page) => page.evaluate(() => document.querySelector('.reveal .slides > section.present')?.id ?? '');

/** Slide ids in deck order, as this page's deck holds them. */
export const deckSlideIds = (page: Page) => page.evaluate(() => [...document.querySelectorAll('.reveal .slides > section')].map((s) => s.id));

/**
 * Presses → one slide at a time until `id` is current; every press must move exactly one
 * slide on (the talk's order), and `id` must come within `maxSteps`.
 */
export async function arrowTo(page: Page, id: string, maxSteps = 4): Promise<void> {
  for (let step = 0; step <= maxSteps; step++) {
    const here = await currentSlide(page);
    if (here === id) {
      await page.locator(`section.present#${id}`).waitFor();
      return;
    }
    const before = await page.evaluate(() => window.__istioDeck!.getIndices().h);
    // Keys typed into an editor stay there (by design): hand the keyboard back to the deck first.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur?.());
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.evaluate(() => window.__istioDeck!.getIndices().h), { timeout: 5000, message: `ArrowRight from ${here}` }).toBe(before + 1);
  }
  throw new Error(`slide ${id} did not come within ${maxSteps} slides (at ${await currentSlide(page)})`);
}

/**
 * Presses → until `id` is current, however many slides lie between (slides may be added to
 * the talk): `id` must be ahead of the current slide in this page's deck.
 */
export async function arrowOnTo(page: Page, id: string): Promise<void> {
  const ids = await deckSlideIds(page);
  const here = ids.indexOf(await currentSlide(page));
  const there = ids.indexOf(id);
  if (there < 0) throw new Error(`the deck holds no slide ${id}`);
  if (there < here) throw new Error(`slide ${id} is behind the current one (${ids[here]}): the talk only goes forward`);
  await arrowTo(page, id, there - here);
}

/** The n-th panel of a kind on the current slide, once its code has loaded. */
export function present(page: Page, kind: string, nth = 0): Locator {
  return page.locator(`section.present [data-panel="${kind}"]:not([data-state="loading"])`).nth(nth);
}

export const summaryOf = (panel: Locator) => panel.locator('.panel-summary[role=status]').innerText();

/** The command card on the current slide that shows this command. */
export function commandCard(page: Page, command: string): Locator {
  return page.locator('section.present [data-panel="command"]').filter({ has: page.locator('.command-text', { hasText: command }) });
}

export interface RunOutcome {
  summary: string;
  output: string;
}

/**
 * Clicks, then waits for the panel's summary to change and settle on an answer matching
 * `answer`. A panel walked before (a slide the talk comes back to) still shows its last
 * answer, so only a summary written after the click counts.
 */
async function answerAfterClick(panel: Locator, click: () => Promise<void>, answer: RegExp, timeout: number, message: string): Promise<string> {
  const summary = panel.locator('.panel-summary[role=status]');
  await summary.evaluate((el) => {
    const holder = el as HTMLElement & { __changes?: { seen: number; observer: MutationObserver } };
    holder.__changes?.observer.disconnect();
    const changes = { seen: 0, observer: new MutationObserver(() => changes.seen++) };
    changes.observer.observe(el, { childList: true, characterData: true, subtree: true });
    holder.__changes = changes;
  });
  await click();
  await expect
    .poll(
      () =>
        summary.evaluate((el, source) => {
          const text = el.textContent ?? '';
          const changed = ((el as HTMLElement & { __changes?: { seen: number } }).__changes?.seen ?? 0) > 0;
          return changed && new RegExp(source).test(text) ? text : '';
        }, answer.source),
      { timeout, message },
    )
    .not.toBe('');
  return summaryOf(panel);
}

/** Clicks the card's Run button and waits until the command has finished (and, with an expectation, until the cluster got there). */
export async function runCard(page: Page, command: string, opts: { timeout?: number } = {}): Promise<RunOutcome> {
  const cards = commandCard(page, command);
  await expect.poll(() => cards.count(), { timeout: 10_000, message: `a command card for "${command}"` }).toBeGreaterThan(0);
  // A command that is the start of another card's (`kubectl get gtw`) means the card showing exactly it.
  const exact = cards.filter({ has: page.locator('.command-text', { hasText: new RegExp(`^\\s*${command.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) }) });
  const card = (await cards.count()) > 1 ? exact : cards;
  expect(await card.count(), `one command card for "${command}"`).toBe(1);
  const summary = await answerAfterClick(card, () => card.getByRole('button', { name: 'Run' }).click(), /^(done: |command finished|command exited|command failed)/, opts.timeout ?? 30_000, `Run ${command}`);
  const output = (await card.locator('.command-output, .panel-note').allInnerTexts()).join('\n');
  return { summary, output };
}

export interface ProductPageView {
  /** 'v1' | 'v2' | 'v3' (no, black, red stars), 'ratings-unavailable', 'reviews-error', 'none' (no reviews section). */
  reviews: string;
  details: 'ok' | 'error' | 'none';
  user?: string;
  text: string;
  /** Whether the reviews' heading is inside the frame's visible area (the panel is small). */
  reviewsInView: boolean;
}

const STAR_COLORS: Record<string, string> = { 'no-ratings': 'v1', black: 'v2', red: 'v3', 'ratings-error': 'ratings-unavailable' };

/** What the product page in this panel shows right now. */
export async function readProductPage(panel: Locator): Promise<ProductPageView> {
  const frame = await (await panel.locator('iframe.productpage-frame').elementHandle())?.contentFrame();
  if (!frame) throw new Error('the product page panel has no frame');
  return frame.evaluate((colors) => {
    const reviews = document.querySelector('section[data-section="reviews"]');
    const details = document.querySelector('section[data-section="details"]');
    return {
      reviews: !reviews ? 'none' : reviews.getAttribute('data-status') === 'error' ? 'reviews-error' : (colors[reviews.getAttribute('data-stars-color') ?? ''] ?? 'unknown'),
      details: !details ? 'none' : details.getAttribute('data-status') === 'error' ? 'error' : 'ok',
      user: document.querySelector('[data-user]')?.getAttribute('data-user') ?? undefined,
      text: document.body?.innerText ?? '',
      reviewsInView: (() => {
        const top = reviews?.getBoundingClientRect().top;
        return top !== undefined && top >= 0 && top < innerHeight - 40;
      })(),
    } as const;
  }, STAR_COLORS);
}

/** Clicks the panel's Reload and waits for the new page; returns what it shows and how long it took. */
export async function reloadProductPage(panel: Locator): Promise<ProductPageView & { ms: number }> {
  await panel.locator('iframe.productpage-frame').evaluate((f) => f.setAttribute('data-old', ''));
  const t0 = Date.now();
  await panel.getByRole('button', { name: 'Reload' }).click();
  await panel.locator('iframe.productpage-frame:not([data-old])').waitFor({ timeout: 20_000 });
  await expect.poll(() => panel.getAttribute('data-state'), { timeout: 20_000 }).toBe('live');
  const ms = Date.now() - t0;
  return { ...(await readProductPage(panel)), ms };
}

/** Reloads until the page shows `reviews` (rules take a moment to reach the sidecars), then returns that view. */
export async function productPageReaches(panel: Locator, reviews: string, timeout = 20_000): Promise<ProductPageView & { ms: number }> {
  let last: (ProductPageView & { ms: number }) | undefined;
  await expect
    .poll(async () => (last = await reloadProductPage(panel)).reviews, { timeout, interval: 200, message: `product page reviews should become ${reviews}` })
    .toBe(reviews);
  return last!;
}

/**
 * Which series (v1, v2, v3, errors) the traffic chart of one user shows in its newest
 * `seconds` bars: what the audience sees at the right edge of the chart.
 */
export function latestTraffic(panel: Locator, user: string, seconds = 3): Promise<string[]> {
  return panel.locator(`.traffic-row[data-user="${user}"] svg`).evaluate((svg, n) => {
    const byX = new Map<number, Set<string>>();
    for (const r of svg.querySelectorAll('rect')) {
      const x = Math.round(Number(r.getAttribute('x')));
      const series = [...r.classList].find((c) => c.startsWith('series-'))?.slice('series-'.length);
      if (series) byX.set(x, (byX.get(x) ?? new Set()).add(series));
    }
    const newest = [...byX.keys()].sort((a, b) => b - a).slice(0, n);
    return [...new Set(newest.flatMap((x) => [...byX.get(x)!]))].sort();
  }, seconds);
}

/** Waits until the newest bars of `user` show exactly these series. */
export async function trafficShows(panel: Locator, user: string, series: string[], seconds = 3, timeout = 30_000): Promise<void> {
  await expect
    .poll(() => latestTraffic(panel, user, seconds), { timeout, interval: 250, message: `traffic split for ${user}` })
    .toEqual([...series].sort());
}

/** The editor on the current slide, with Monaco loaded (the presenter's view). */
export async function liveEditor(page: Page, nth = 0): Promise<Locator> {
  const panel = present(page, 'editor', nth);
  await panel.locator('[data-editor="monaco"][data-ready="true"]').waitFor({ timeout: 30_000 });
  return panel;
}

/** Clicks Apply or Dry run in an editor and waits for the server's answer; returns the panel's summary. */
export function editorSend(editor: Locator, button: 'Apply' | 'Dry run'): Promise<string> {
  return answerAfterClick(editor, () => editor.getByRole('button', { name: button, exact: true }).click(), /^(applied|dry run|rejected): /, 30_000, `${button} in the editor`);
}

/** Pastes text where the focus is, as Ctrl+V would (Monaco does not re-indent a paste the way it does typed lines). */
export async function pasteInto(page: Page, text: string): Promise<void> {
  await page.evaluate((t) => {
    const data = new DataTransfer();
    data.setData('text/plain', t);
    document.activeElement?.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
}

/**
 * Waits until reveal's slide and background transitions have ended: a picture taken while one
 * runs shows two half slides. Usually they ended long before (the step has been on its slide
 * for seconds), so this returns at once instead of waiting out a transition's length every time.
 */
export async function slideTransitionsEnded(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      !document.getAnimations().some((a) => {
        const target = a.effect instanceof KeyframeEffect ? a.effect.target : null;
        return (a.playState === 'running' || a.pending) && target instanceof Element && target.matches('.reveal .slides section, .reveal .backgrounds *');
      }),
    undefined,
    { timeout: 5000, polling: 50 },
  );
}

/** A picture of the slide once reveal's transition has ended. */
export async function shoot(page: Page, name: string): Promise<void> {
  await slideTransitionsEnded(page);
  await page.screenshot({ path: resolve(SHOTS, `${name}.png`) });
}
