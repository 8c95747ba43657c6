/** One deck server with a presenter's page and an attendee's, each in its own browser, as the two-sided walks use. */
import type { Page } from 'playwright-core';
import { launchBrowser } from './browser.ts';
import { startTestDeck } from './deck.ts';
import { openDeckPage, snapshotClient } from './talk.ts';

export interface TalkPair {
  deck: Awaited<ReturnType<typeof startTestDeck>>;
  presenter: Page;
  attendee: Page;
  /** Requests either page made to anywhere but this machine. */
  foreign: string[];
  close(): Promise<void>;
}

export async function openTalkPair(timeScale: number): Promise<TalkPair> {
  const client = snapshotClient();
  const closers: Array<() => Promise<void> | void> = [() => client.remove()];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c();
  };
  try {
    const deck = await startTestDeck({ timeScale, clientDir: client.dir });
    closers.push(() => deck.stop());
    const presenterBrowser = await launchBrowser();
    closers.push(() => presenterBrowser.close());
    const attendeeBrowser = await launchBrowser();
    closers.push(() => attendeeBrowser.close());
    const foreign: string[] = [];
    const presenter = await openDeckPage(presenterBrowser.context, deck.presenterUrl, foreign);
    const attendee = await openDeckPage(attendeeBrowser.context, deck.url, foreign);
    return { deck, presenter, attendee, foreign, close };
  } catch (err) {
    await close();
    throw err;
  }
}
