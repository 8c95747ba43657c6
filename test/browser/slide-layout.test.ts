/**
 * Every slide, once its scene is applied, fits the 1280×800 slide and is legible from the
 * back row, in the presenter's view and the audience's, at 1280×800, 1920×1080 and a 4:3
 * projector (1024×768): nothing past the slide's edges (scroll boxes aside) or under the
 * status bar, no status message outside the bar, no text under 14 px in slide coordinates,
 * no drawing's labels overlapping or cut. The talk is walked as the presenter gives it: each
 * new scene is reset from the status bar's button, so its message shows while the slide is
 * measured. Then every slide with the two routing tabs is walked again in the Gateway API,
 * chosen in the status bar, each in its Gateway API scene. The slides come from slides/*.mdx
 * and their scenes from the build's metadata, so new slides are walked without changing this
 * test. Pictures of the worst slides at each size, in each API:
 * test-output/layout-<slide>[-gateway-api]-presenter-<size>.png (LAYOUT_SHOTS=<slide id>,… adds more).
 * Needs dist/client (`npm run build`; `npm test` builds it first).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoutingApi } from '../../server/protocol.ts';
import { readSlideMeta } from '../../scripts/slide-meta-plugin.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { startTestDeck } from '../helpers/deck.ts';
import { measureSlide, type LayoutProblem } from '../helpers/slide-layout.ts';
import { currentSlide, openDeckPage, SHOTS, snapshotClient } from '../helpers/talk.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SIZES = [
  { name: '1280x800', width: 1280, height: 800 },
  { name: '1920x1080', width: 1920, height: 1080 },
  { name: '1024x768', width: 1024, height: 768 },
] as const;
/** How long a slide's panels may take to show their data after the scene is applied. */
const SETTLE_MS = 15_000;
const SHOTS_PER_SIZE = 2;
const API_NAMES: Record<RoutingApi, string> = { istio: 'Istio APIs', 'gateway-api': 'Gateway API' };

interface Finding {
  slide: string;
  view: string;
  size: string;
  problem: LayoutProblem;
}

/** A picture kept while walking: the worst slides at a size in one API, taken as they were measured. */
interface Shot {
  name: string;
  api: RoutingApi;
  size: string;
  px: number;
  png: Buffer;
}

describe('every slide fits the slide and is legible, in both views, both routing APIs and at three window sizes', { timeout: 480_000 }, () => {
  let deck: Awaited<ReturnType<typeof startTestDeck>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let client: ReturnType<typeof snapshotClient>;
  let presenter: Page;
  let audience: Page;
  const foreign: string[] = [];
  const pageErrors: string[] = [];
  const meta = readSlideMeta(resolve(ROOT, 'slides'));
  const files = Object.keys(meta).sort();
  // As the deck does: a slide without a scene of its own expects the one before it.
  const sceneAt = new Map<string, string | undefined>();
  files.reduce<string | undefined>((last, f) => (sceneAt.set(f, meta[f].scene ?? last), meta[f].scene ?? last), undefined);

  const findings: Finding[] = [];
  /** Presenter views measured with a scene but no status message: the bar's check would have had nothing to catch. */
  const withoutMessage: string[] = [];
  /** Messages whose full text is not there on hover. */
  const cutMessages: string[] = [];
  const worstShots = new Map<string, Shot[]>();
  const askedShots: Shot[] = [];
  const extraShots = (process.env.LAYOUT_SHOTS ?? '').split(',').filter(Boolean);

  beforeAll(async () => {
    client = snapshotClient();
    deck = await startTestDeck({ timeScale: 0.05, clientDir: client.dir });
    browser = await launchBrowser();
    presenter = await openDeckPage(browser.context, deck.presenterUrl, foreign);
    // Both views render at once, so the audience gets a window of its own (not a tab behind the presenter's).
    audience = await openDeckPage(browser.context, deck.url, foreign, { ownWindow: true });
    for (const p of [presenter, audience]) {
      p.on('pageerror', (e) => pageErrors.push(e.message));
      // Measured at rest: no slide transition to wait out between slides.
      await p.evaluate(() => window.__istioDeck!.configure({ transition: 'none', backgroundTransition: 'none' }));
    }
  });
  afterAll(async () => {
    // The pictures are written even when a check failed: they show what failed.
    for (const { name, size, png } of [...[...worstShots.values()].flat(), ...askedShots]) writeFileSync(resolve(SHOTS, `layout-${name}-presenter-${size}.png`), png);
    await browser?.close();
    await deck?.stop();
    client?.remove();
  });

  /** Waits until no panel on the current slide is still loading its code or connecting. */
  async function settled(page: Page): Promise<void> {
    await page
      .waitForFunction(() => !document.querySelector('section.present [data-panel][data-state="loading"], section.present [data-panel][data-state="connecting"]'), undefined, { timeout: SETTLE_MS, polling: 50 })
      .catch(() => {});
    await frames(page);
  }

  /** Two frames: resize observers (reveal's re-centring, the graph's label sizes) have run. */
  const frames = (page: Page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

  const titleOf = (page: Page) => page.evaluate(() => document.querySelector('section.present h1, section.present h2')?.textContent?.trim() ?? '(no title)');

  /**
   * Clicks a control in the presenter's status bar that resets the slide's scene (Reset this
   * slide, or the other routing API, which resets the scene in it) and waits for its answer.
   */
  async function resetFromStatusBar(scene: string, api: RoutingApi, click: () => Promise<void>): Promise<void> {
    const message = presenter.locator('.deck-status .deck-status-message');
    // An earlier message may still show: mark it, so only this click's answer counts (React sets the class anew).
    await presenter.evaluate(() => document.querySelector('.deck-status .deck-status-message')?.setAttribute('class', 'deck-status-message is-stale'));
    await click();
    await expect.poll(() => message.getAttribute('class').catch(() => ''), { timeout: 30_000, message: `reset to ${scene}` }).toMatch(/is-(done|error)/);
    expect(await message.textContent()).toMatch(new RegExp(`^reset to ${scene}${api === 'gateway-api' ? ' \\(Gateway API\\)' : ''}: `));
  }

  /** Measures the current slide in one view at every size, walking the sizes back and forth (one resize less per slide). */
  async function measureViews(api: RoutingApi, label: string, file: string, views: Array<[string, Page]>, reversed: boolean): Promise<void> {
    const sizes = reversed ? [...SIZES].reverse() : SIZES;
    // The two views are measured side by side: each page has its own window, so both render at once.
    await Promise.all(views.map(async ([view, page]) => {
      for (const [i, size] of sizes.entries()) {
        const viewport = page.viewportSize();
        if (viewport?.width !== size.width || viewport.height !== size.height) await page.setViewportSize({ width: size.width, height: size.height });
        await page.evaluate(() => window.__istioDeck!.layout());
        // A resize does not reconnect panels: only the slide's first size waits for them.
        await (i === 0 ? settled(page) : frames(page));
        const { problems, lowest, statusMessage } = await measureSlide(page);
        for (const problem of problems) findings.push({ slide: label, view, size: size.name, problem });
        if (view !== 'presenter') continue;
        if (sceneAt.get(file) && !statusMessage) withoutMessage.push(`${label}, ${size.name}`);
        if (statusMessage && statusMessage.title !== statusMessage.text) cutMessages.push(`${label}: title ${JSON.stringify(statusMessage.title)} for ${JSON.stringify(statusMessage.text)}`);
        // With no problem left, the fullest slides are the ones to look at.
        const px = problems.reduce((a, p) => a + p.px, 0) + lowest / 1000;
        await keepShot(page, { name: api === 'istio' ? file : `${file}-${api}`, api, size: size.name, px }, extraShots.includes(file));
      }
    }));
  }

  /** Takes the picture now if it may end among the worst at its size, or was asked for. */
  async function keepShot(page: Page, shot: Omit<Shot, 'png'>, asked: boolean): Promise<void> {
    const group = `${shot.api} ${shot.size}`;
    const kept = worstShots.get(group) ?? [];
    const mayKeep = kept.length < SHOTS_PER_SIZE || shot.px > kept[kept.length - 1].px;
    if (!mayKeep && !asked) return;
    const png = await page.screenshot();
    if (asked) askedShots.push({ ...shot, png });
    if (mayKeep) worstShots.set(group, [...kept, { ...shot, png }].sort((a, b) => b.px - a.px).slice(0, SHOTS_PER_SIZE));
  }

  /** Walks `walked` (slide files) in `api`: each new scene reset from the status bar, then both views at every size. */
  async function walk(api: RoutingApi, walked: string[]): Promise<void> {
    let scene: string | undefined;
    for (const [n, file] of walked.entries()) {
      const index = files.indexOf(file);
      await presenter.evaluate((h) => window.__istioDeck!.slide(h, 0), index);
      const sectionId = await presenter.evaluate((h) => document.querySelectorAll('.reveal .slides > section')[h].id, index);
      const next = sceneAt.get(file);
      const bar = presenter.locator('.deck-status');
      if (api !== 'istio' && n === 0) {
        // The presenter switches the talk's API in the status bar: that resets this slide's scene in it.
        await resetFromStatusBar(next!, api, () => bar.locator(`.routing-api-toggle button[data-api="${api}"]`).click());
      } else if (next && next !== scene) {
        await resetFromStatusBar(next, api, () => bar.getByRole('button', { name: 'Reset this slide', exact: true }).click());
      }
      scene = next;
      const views: Array<[string, Page]> = [['presenter', presenter]];
      if (!meta[file].presenterOnly) {
        await expect.poll(() => currentSlide(audience), { timeout: 10_000, message: `the audience follows to ${file}` }).toBe(sectionId);
        views.push(['audience', audience]);
      }
      // A tabbed slide is measured in the tab of the API walked, in both views.
      if (api !== 'istio') {
        for (const [view, page] of views) await expect.poll(() => page.locator('section.present .api-tabs').getAttribute('data-api-shown'), { message: `${view}: the tab shown on ${file}` }).toBe(api);
      }
      const tab = api === 'istio' ? '' : `, ${API_NAMES[api]} tab`;
      const label = `slide ${file.split('-')[0]} (${await titleOf(presenter)})${tab}`;
      await measureViews(api, label, file, views, n % 2 === 1);
    }
  }

  it('every slide after its scene, in the Istio APIs: nothing outside the slide or under the status bar, no text under 14 px, no labels overlapping', async () => {
    const ids = await presenter.evaluate(() => [...document.querySelectorAll('.reveal .slides > section')].map((s) => s.getAttribute('data-slide-id') ?? ''));
    expect(ids, 'the presenter deck holds every slide file').toEqual(files);
    const audienceIds = await audience.evaluate(() => [...document.querySelectorAll('.reveal .slides > section')].map((s) => s.getAttribute('data-slide-id') ?? ''));
    expect(audienceIds).toEqual(files.filter((f) => !meta[f].presenterOnly));
    await walk('istio', files);
    expect(report()).toEqual([]);
  });

  it('every slide with the two routing tabs, in the Gateway API chosen in the status bar and its Gateway API scene: the same checks', async () => {
    const tabbed = await presenter.evaluate(() => [...document.querySelectorAll('.reveal .slides > section')].filter((s) => s.querySelector('.api-tabs')).map((s) => s.getAttribute('data-slide-id') ?? ''));
    expect(tabbed.length, 'slides with the two routing tabs').toBeGreaterThan(5);
    findings.length = 0;
    await walk('gateway-api', tabbed);
    expect(report()).toEqual([]);
  });

  it('a status message showed on every slide with a scene (so the bar check had one to catch), with its full text on hover', () => {
    expect(withoutMessage).toEqual([]);
    expect(cutMessages).toEqual([]);
  });

  it('raised no errors in the pages and asked for nothing outside this machine', () => {
    expect(pageErrors).toEqual([]);
    expect(foreign).toEqual([]);
  });

  function report(): string[] {
    const views = ['presenter', 'audience'];
    const sorted = [...findings].sort((a, b) => a.slide.localeCompare(b.slide) || views.indexOf(a.view) - views.indexOf(b.view) || SIZES.findIndex((z) => z.name === a.size) - SIZES.findIndex((z) => z.name === b.size));
    return sorted.map((f) => `${f.slide}, ${f.view}, ${f.size}: ${f.problem.text}`);
  }
});
