/**
 * What the title slide costs an attendee opening the deck: no panel code, no YAML library,
 * no editor, and the first slide's JavaScript and CSS arrive brotli-compressed. Chunks are
 * told apart by the build's manifest (which source went into which file), not by sizes.
 * Needs dist/client (`npx vite build`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.ts';
import { assertBuilt, DIST_DIR, startFakeDeckServer, type FakeDeckServer } from '../helpers/fake-deck-server.ts';
import { fetchedResources, type FetchedResource } from '../helpers/resource-timing.ts';

interface ManifestChunk {
  file: string;
  name?: string;
  src?: string;
  css?: string[];
}

/** Files holding panel code, the editor, or the libraries only panels use, with the source or chunk that put them there. */
function panelFiles(): Map<string, string> {
  const manifest = JSON.parse(readFileSync(join(DIST_DIR, '.vite/manifest.json'), 'utf8')) as Record<string, ManifestChunk>;
  const files = new Map<string, string>();
  for (const [key, chunk] of Object.entries(manifest)) {
    const what = chunk.src ?? chunk.name ?? key;
    const isPanelCode = /^client\/(panels\/(?!index\.ts$|lazy\.tsx$)|editor\/)/.test(chunk.src ?? '') || ['Panel', 'yaml-lib', 'diff-lib'].includes(chunk.name ?? '');
    if (!isPanelCode) continue;
    for (const f of [chunk.file, ...(chunk.css ?? [])]) files.set(`/${f}`, what);
  }
  return files;
}

type Fetched = FetchedResource;
const fetched = fetchedResources;

/** Waits until the page has fetched nothing new for a second (the background slide loading is done). */
async function settled(page: Page): Promise<Fetched[]> {
  let last = -1;
  for (let i = 0; i < 30; i++) {
    const n = (await fetched(page)).length;
    if (n === last) break;
    last = n;
    await page.waitForTimeout(1000);
  }
  return fetched(page);
}

let srv: FakeDeckServer;
let browser: { context: BrowserContext; close: () => Promise<void> };
let forbidden: Map<string, string>;

beforeAll(async () => {
  assertBuilt();
  forbidden = panelFiles();
  srv = await startFakeDeckServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await srv?.close();
});

describe('the title slide on the wire', () => {
  it('knows the panel files of this build (so the checks below look for real files)', () => {
    const sources = [...forbidden.values()];
    expect(sources).toContain('client/panels/ResourcePanel.tsx');
    expect(sources).toContain('client/panels/CommandCard.tsx');
    expect(sources).toContain('client/editor/MonacoYaml.tsx');
    expect(sources).toContain('yaml-lib');
  });

  for (const who of ['audience', 'presenter'] as const) {
    it(`loads no panel, YAML or editor code while the ${who} stays on it`, async () => {
      const page = await browser.context.newPage();
      await page.goto(`${srv.url}/${who === 'presenter' ? `?token=${srv.token}` : ''}`);
      await page.waitForSelector('html.deck-ready', { timeout: 15_000 });
      expect(await page.evaluate(() => window.__istioDeck!.getIndices().h)).toBe(0);
      const all = await settled(page);
      // The other slides did load meanwhile: the page was not simply idle.
      expect(all.some((r) => /\/assets\/\d\d-[a-z-]+-[\w-]{8}\.js$/.test(r.path))).toBe(true);
      const panelCode = all.filter((r) => forbidden.has(r.path)).map((r) => `${r.path} (${forbidden.get(r.path)})`);
      expect(panelCode).toEqual([]);
      await page.close();
    });
  }

  it('receives its JavaScript and CSS compressed, and the YAML panel fetches its code only on its own slide', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${srv.url}/`);
    await page.waitForSelector('html.deck-ready', { timeout: 15_000 });
    const first = (await fetched(page)).filter((r) => /\.(js|css)$/.test(r.path));
    expect(first.length).toBeGreaterThan(0);
    for (const r of first) expect(r.encodedBodySize, r.path).toBeLessThan(r.decodedBodySize);

    await page.evaluate(() => {
      const sections = [...document.querySelectorAll('.reveal .slides > section')];
      window.__istioDeck!.slide(sections.findIndex((s) => s.getAttribute('data-slide-id') === '11-all-v1-yaml'));
    });
    const fetchedSources = async () => new Set((await fetched(page)).map((r) => forbidden.get(r.path)));
    await expect.poll(fetchedSources, { timeout: 15_000 }).toContain('client/panels/ResourcePanel.tsx');
    expect(await fetchedSources()).toContain('yaml-lib');
    await page.close();
  });
});
