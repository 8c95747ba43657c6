/**
 * The deck client on the wire, as Chromium counts it (PerformanceResourceTiming): the bytes
 * of JavaScript and CSS the first slide needs (encodedBodySize: the compressed body the deck
 * server sent; transferSize: that plus headers), the time to the first slide, and the
 * heaviest slide opened directly in a fresh browser. Serves dist/client the way the deck
 * server does (server/static-assets.ts). Run alone with `npx tsx bench/client.ts`.
 */
import type { Page } from 'playwright-core';
import { launchBrowser } from '../test/helpers/browser.ts';
import { assertBuilt, startFakeDeckServer } from '../test/helpers/fake-deck-server.ts';
import { fetchedResources, type FetchedResource } from '../test/helpers/resource-timing.ts';

export interface WireBytes {
  /** kB (1000 bytes) of compressed bodies, and of bodies plus headers. */
  encodedKB: number;
  transferKB: number;
  files: number;
}

export interface ClientBench {
  /** JavaScript and CSS fetched before the first slide showed (the budget: 100 KB). */
  firstSlide: WireBytes;
  /** Everything fetched while staying on the title slide until the page is quiet (the other slides' code included). */
  titleSettled: WireBytes;
  /** Navigation start to the deck being ready on slide 1, in ms. */
  msToFirstSlide: number;
  /** True if any Monaco code or worker was fetched while on the first slide. */
  monacoOnFirstSlide: boolean;
  /** The slide that fetches the most when reached, and what opening it directly costs. */
  heaviest: { id: string; whenReachedKB: number; openedDirectly: WireBytes };
}

type Entry = FetchedResource;
const entries = fetchedResources;

const isCode = (e: Entry) => /\.(js|css)$/.test(e.path);
const isAsset = (e: Entry) => e.path.startsWith('/assets/');
const kb = (n: number) => Math.round(n / 100) / 10;
const sum = (list: Entry[]): WireBytes => ({
  encodedKB: kb(list.reduce((s, e) => s + e.encodedBodySize, 0)),
  transferKB: kb(list.reduce((s, e) => s + e.transferSize, 0)),
  files: list.length,
});

/** Resolves once the page has fetched nothing new for two polls in a row. */
async function quiet(page: Page, pollMs = 300, maxMs = 20_000): Promise<Entry[]> {
  let last = -1;
  let stable = 0;
  for (let waited = 0; waited < maxMs && stable < 2; waited += pollMs) {
    await page.waitForTimeout(pollMs);
    const n = (await entries(page)).length;
    stable = n === last ? stable + 1 : 0;
    last = n;
  }
  return entries(page);
}

/**
 * Waits for the current slide's panels to have their code, and an editor its Monaco: a
 * fetch counts only once complete, so a quiet moment mid-download would miss it.
 */
async function slideLoaded(page: Page): Promise<void> {
  await page
    .waitForFunction(
      () => {
        const present = document.querySelector('.reveal .slides > section.present');
        if (!present || present.querySelector('.live-panel[data-state="loading"] > .panel-placeholder')) return false;
        const editor = present.querySelector('[data-editor="monaco"]');
        return !editor || editor.querySelector('.monaco-editor') !== null;
      },
      undefined,
      { timeout: 30_000 },
    )
    .catch(() => {}); // a panel that never loads still counts what it fetched
}

async function openDeck(url: string) {
  const browser = await launchBrowser();
  const page = await browser.context.newPage();
  await page.goto(url);
  await page.waitForSelector('html.deck-ready', { timeout: 30_000 });
  return { browser, page };
}

export async function benchClient(): Promise<ClientBench> {
  assertBuilt();
  const srv = await startFakeDeckServer();
  try {
    const title = await benchTitle(`${srv.url}/`);
    // The presenter's walk: editor slides load Monaco for the presenter only.
    const presenter = `${srv.url}/?token=${srv.token}`;
    const reached = await heaviestWhenReached(presenter);
    const direct = await openDeck(`${presenter}#/${reached.id.replace(/^[^a-zA-Z]+/, '')}`);
    try {
      const all = await quiet(direct.page, 500, 30_000);
      return { ...title, heaviest: { ...reached, openedDirectly: sum(all.filter(isAsset)) } };
    } finally {
      await direct.browser.close();
    }
  } finally {
    await srv.close();
  }
}

/** An attendee opening the deck: the first slide's bytes and time, then the title slide until quiet. */
async function benchTitle(url: string): Promise<Omit<ClientBench, 'heaviest'>> {
  const { browser, page } = await openDeck(url);
  try {
    const readyAt = await page.evaluate(() => performance.getEntriesByName('deck-ready')[0]?.startTime ?? performance.now());
    const settled = await quiet(page);
    return {
      firstSlide: sum(settled.filter((e) => isCode(e) && e.startTime <= readyAt)),
      titleSettled: sum(settled.filter(isAsset)),
      msToFirstSlide: Math.round(readyAt),
      monacoOnFirstSlide: settled.some((e) => /MonacoYaml|editor\.worker|yaml\.worker|codicon/.test(e.path)),
    };
  } finally {
    await browser.close();
  }
}

/** Walks the deck from the title: the slide whose arrival fetches the most. */
async function heaviestWhenReached(url: string): Promise<{ id: string; whenReachedKB: number }> {
  const { browser, page } = await openDeck(url);
  try {
    let seen = (await quiet(page)).length;
    const ids = await page.evaluate(() => [...document.querySelectorAll('.reveal .slides > section')].map((s) => s.getAttribute('data-slide-id') ?? ''));
    let heaviest = { id: ids[0], whenReachedKB: 0 };
    for (let i = 1; i < ids.length; i++) {
      await page.evaluate((h) => window.__istioDeck!.slide(h), i);
      await slideLoaded(page);
      const now = await quiet(page);
      const added = kb(now.slice(seen).filter(isAsset).reduce((s, e) => s + e.encodedBodySize, 0));
      seen = now.length;
      if (added > heaviest.whenReachedKB) heaviest = { id: ids[i], whenReachedKB: added };
    }
    return heaviest;
  } finally {
    await browser.close();
  }
}

/** The figures `npm run bench` prints. */
export function clientFigures(c: ClientBench): [string, string][] {
  return [
    ['first slide JS + CSS on the wire (encodedBodySize)', `${c.firstSlide.encodedKB.toFixed(1)} KB in ${c.firstSlide.files} files (target ≤ 100 KB)`],
    ['the same with headers (transferSize)', `${c.firstSlide.transferKB.toFixed(1)} KB`],
    ['time to first slide', `${c.msToFirstSlide.toFixed(0)} ms`],
    ['title slide until quiet (other slides\' code included)', `${c.titleSettled.encodedKB.toFixed(1)} KB in ${c.titleSettled.files} files`],
    ['Monaco loaded on the first slide', c.monacoOnFirstSlide ? 'yes (wrong)' : 'no'],
    [`heaviest slide (${c.heaviest.id}): added when reached`, `${c.heaviest.whenReachedKB.toFixed(1)} KB`],
    [`heaviest slide opened directly, fresh cache`, `${c.heaviest.openedDirectly.encodedKB.toFixed(1)} KB (${c.heaviest.openedDirectly.transferKB.toFixed(1)} KB with headers) in ${c.heaviest.openedDirectly.files} files`],
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchClient();
  for (const [k, v] of clientFigures(r)) console.log(`  ${k.padEnd(56)} ${v}`);
}
