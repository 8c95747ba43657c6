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

/** One deck server and the presenter's page alone, for walks the audience plays no part in. */
export type PresenterTalk = Omit<TalkPair, 'attendee'>;

export async function openTalkPair(timeScale: number): Promise<TalkPair> {
  return (await openTalk(timeScale, true)) as TalkPair;
}

export async function openPresenterTalk(timeScale: number): Promise<PresenterTalk> {
  return openTalk(timeScale, false);
}

async function openTalk(timeScale: number, withAttendee: boolean): Promise<PresenterTalk & { attendee?: Page }> {
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
    const foreign: string[] = [];
    const presenter = await openDeckPage(presenterBrowser.context, deck.presenterUrl, foreign);
    if (!withAttendee) return { deck, presenter, foreign, close };
    const attendeeBrowser = await launchBrowser();
    closers.push(() => attendeeBrowser.close());
    const attendee = await openDeckPage(attendeeBrowser.context, deck.url, foreign);
    return { deck, presenter, attendee, foreign, close };
  } catch (err) {
    await close();
    throw err;
  }
}
