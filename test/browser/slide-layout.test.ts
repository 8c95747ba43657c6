/**
 * Every slide, once its scene is applied, fits the 1280×800 slide and is legible from the
 * back row, in the presenter's view and the audience's, at 1280×800, 1920×1080 and a 4:3
 * projector (1024×768): nothing past the slide's edges (scroll boxes aside) or under the
 * status bar, no text under 14 px in slide coordinates, no drawing's labels overlapping or
 * cut. The slides come from slides/*.mdx and their scenes from the build's metadata, so new
 * slides are walked without changing this test. Pictures of the worst slides at each size:
 * test-output/layout-<slide>-presenter-<size>.png (LAYOUT_SHOTS=<slide id>,… adds more).
 * Needs dist/client (`npm run build`; `npm test` builds it first).
 */
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

interface Finding {
  slide: string;
  view: string;
  size: string;
  problem: LayoutProblem;
}

describe('every slide fits the slide and is legible, in both views and at three window sizes', { timeout: 480_000 }, () => {
  let deck: Awaited<ReturnType<typeof startTestDeck>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let client: ReturnType<typeof snapshotClient>;
  let presenter: Page;
  let audience: Page;
  const foreign: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    client = snapshotClient();
    deck = await startTestDeck({ timeScale: 0.05, clientDir: client.dir });
    browser = await launchBrowser();
    presenter = await openDeckPage(browser.context, deck.presenterUrl, foreign);
    audience = await openDeckPage(browser.context, deck.url, foreign);
    for (const p of [presenter, audience]) {
      p.on('pageerror', (e) => pageErrors.push(e.message));
      // Measured at rest: no slide transition to wait out between slides.
      await p.evaluate(() => window.__istioDeck!.configure({ transition: 'none', backgroundTransition: 'none' }));
    }
  });
  afterAll(async () => {
    await browser?.close();
    await deck?.stop();
    client?.remove();
  });

  async function applyScene(scene: string): Promise<void> {
    const res = await fetch(`${deck.base}/api/scene/${encodeURIComponent(scene)}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${deck.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ mode: 'reset' }),
    });
    expect(res.status, `scene ${scene}: ${await res.clone().text()}`).toBe(200);
  }

  /** Waits until no panel on the current slide is still loading its code or connecting. */
  async function settled(page: Page): Promise<void> {
    await page
      .waitForFunction(() => !document.querySelector('section.present [data-panel][data-state="loading"], section.present [data-panel][data-state="connecting"]'), undefined, { timeout: SETTLE_MS, polling: 50 })
      .catch(() => {});
    await frames(page);
  }

  /** Two frames: resize observers (reveal's re-centring, the graph's label sizes) have run. */
  const frames = (page: Page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

  /** The bottom of the current slide's content, in slide px. */
  const lowestContent = (page: Page) =>
    page.evaluate(() => {
      const slides = document.querySelector('.reveal .slides')!.getBoundingClientRect();
      const section = document.querySelector('.reveal .slides > section.present')!.getBoundingClientRect();
      return (section.bottom - slides.top) / (slides.width / 1280);
    });

  const titleOf = (page: Page) => page.evaluate(() => document.querySelector('section.present h1, section.present h2')?.textContent?.trim() ?? '(no title)');

  it('every slide after its scene: nothing outside the slide or under the status bar, no text under 14 px, no labels overlapping', async () => {
    const meta = readSlideMeta(resolve(ROOT, 'slides'));
    const files = Object.keys(meta).sort();
    const ids = await presenter.evaluate(() => [...document.querySelectorAll('.reveal .slides > section')].map((s) => s.getAttribute('data-slide-id') ?? ''));
    expect(ids, 'the presenter deck holds every slide file').toEqual(files);
    const audienceIds = await audience.evaluate(() => [...document.querySelectorAll('.reveal .slides > section')].map((s) => s.getAttribute('data-slide-id') ?? ''));
    expect(audienceIds).toEqual(files.filter((f) => !meta[f].presenterOnly));

    const findings: Finding[] = [];
    /** Per slide and size: how bad its problems are, or, with none, how close its content comes to the bottom. */
    const fullness: Array<{ file: string; size: string; px: number }> = [];
    let scene: string | undefined;
    for (const [index, file] of files.entries()) {
      const next = meta[file].scene ?? scene;
      if (next && next !== scene) await applyScene(next);
      scene = next;
      await presenter.evaluate((h) => window.__istioDeck!.slide(h, 0), index);
      const sectionId = await presenter.evaluate((h) => document.querySelectorAll('.reveal .slides > section')[h].id, index);
      const views: Array<[string, Page]> = [['presenter', presenter]];
      if (!meta[file].presenterOnly) {
        await expect.poll(() => currentSlide(audience), { timeout: 10_000, message: `the audience follows to ${file}` }).toBe(sectionId);
        views.push(['audience', audience]);
      }
      const label = `slide ${file.split('-')[0]} (${await titleOf(presenter)})`;
      // Each page keeps the size it was last measured at: walking the sizes back and forth saves a resize per slide.
      const sizes = index % 2 ? [...SIZES].reverse() : SIZES;
      // The two views are measured side by side: each page has its own window size, and a page
      // in the background still gets its animation frames in headless Chromium.
      await Promise.all(views.map(async ([view, page]) => {
        for (const [i, size] of sizes.entries()) {
          const viewport = page.viewportSize();
          if (viewport?.width !== size.width || viewport.height !== size.height) await page.setViewportSize({ width: size.width, height: size.height });
          await page.evaluate(() => window.__istioDeck!.layout());
          // A resize does not reconnect panels: only the slide's first size waits for them.
          await (i === 0 ? settled(page) : frames(page));
          const problems = await measureSlide(page);
          for (const problem of problems) findings.push({ slide: label, view, size: size.name, problem });
          if (view === 'presenter') fullness.push({ file, size: size.name, px: problems.reduce((a, p) => a + p.px, 0) + (await lowestContent(page)) / 1000 });
        }
      }));
    }

    // The worst slides at each size (with no problem left, the fullest), to look at.
    for (const size of SIZES) {
      const worst = fullness.filter((f) => f.size === size.name).sort((a, b) => b.px - a.px).slice(0, SHOTS_PER_SIZE);
      // LAYOUT_SHOTS=14-service-graph-2018,27-circuit-breaking-load photographs those slides too.
      for (const file of (process.env.LAYOUT_SHOTS ?? '').split(',').filter((f) => files.includes(f))) worst.push({ file, size: size.name, px: 0 });
      await presenter.setViewportSize({ width: size.width, height: size.height });
      for (const { file } of worst) {
        await presenter.evaluate((h) => window.__istioDeck!.slide(h, 0), files.indexOf(file));
        await settled(presenter);
        await presenter.screenshot({ path: resolve(SHOTS, `layout-${file}-presenter-${size.name}.png`) });
      }
    }

    const views = ['presenter', 'audience'];
    findings.sort((a, b) => a.slide.localeCompare(b.slide) || views.indexOf(a.view) - views.indexOf(b.view) || SIZES.findIndex((z) => z.name === a.size) - SIZES.findIndex((z) => z.name === b.size));
    const report = findings.map((f) => `${f.slide}, ${f.view}, ${f.size}: ${f.problem.text}`);
    expect(report).toEqual([]);
  });

  it('raised no errors in the pages and asked for nothing outside this machine', () => {
    expect(pageErrors).toEqual([]);
    expect(foreign).toEqual([]);
  });
});
