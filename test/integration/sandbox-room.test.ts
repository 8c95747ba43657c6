import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDeck } from '../helpers/deck.ts';

/** A room of attendees asking for sandboxes: one each, a rate limit per address, a line when all are in use. */
describe('sandboxes for a room', () => {
  let deck: Awaited<ReturnType<typeof startTestDeck>>;
  const ask = (client?: string) => fetch(`${deck.base}/api/sandbox`, { method: 'POST', headers: client ? { 'X-Deck-Client': client } : {} });
  const browser = (name: string) => `${name}-browser-0123456789`;
  const first = { id: '', token: '' };

  beforeAll(async () => {
    deck = await startTestDeck({ maxSandboxes: 1, sandboxCreatesPerMinute: 3 });
  }, 60_000);
  afterAll(async () => {
    await deck?.stop();
  });

  it('gives a browser that asks again the same sandbox', async () => {
    // Two tabs of one browser asking at once: one sandbox starts, the other tab waits for it.
    const tabs = await Promise.all([ask(browser('ana')), ask(browser('ana'))]);
    expect(tabs.map((r) => r.status).sort()).toEqual([201, 202]);
    const created = tabs.find((r) => r.status === 201)!;
    Object.assign(first, await created.json());
    const again = await ask(browser('ana'));
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(first);
    expect(deck.sandboxes.size).toBe(1);
    const bad = await ask('short');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toBe('the X-Deck-Client header must be 16-64 letters, digits, "-" or "_"');
  }, 60_000);

  it('tells those who come when all are in use their place, and gives the first in line the next one to free', async () => {
    const place = async (name: string) => {
      const res = await ask(browser(name));
      expect(res.status).toBe(202);
      return (await res.json()) as { queued: { position: number; max: number }; message: string };
    };
    expect(await place('ben')).toEqual({ queued: { position: 1, max: 1 }, message: 'The one sandbox is in use: you are next in line, and get one as soon as one frees.' });
    expect((await place('cleo')).message).toBe('The one sandbox is in use: you are 2nd in line, and get one as soon as one frees.');
    // Asking again keeps one's place.
    expect((await place('ben')).queued.position).toBe(1);
    expect((await place('cleo')).queued.position).toBe(2);

    expect((await fetch(`${deck.base}/api/sandbox/${first.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${first.token}` } })).status).toBe(204);
    let granted: { id: string; token: string } | undefined;
    await expect
      .poll(async () => {
        const res = await ask(browser('ben'));
        if (res.status === 200) granted = await res.json();
        return res.status;
      }, { timeout: 30_000, interval: 300 })
      .toBe(200);
    expect(granted!.id).not.toBe(first.id);
    const health = await fetch(`${deck.base}/api/health`, { headers: { 'x-deck-sandbox': granted!.id, authorization: `Bearer ${granted!.token}` } });
    expect(health.status).toBe(200);
    expect((await place('cleo')).queued.position).toBe(1);
  }, 60_000);

  it('refuses a fourth new request from one address within a minute, saying when to try again', async () => {
    // ana, ben and cleo each asked once as new; their repeated asks did not count.
    const res = await ask(browser('dan'));
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await res.json()).error).toBe(`too many new sandboxes asked for from 127.0.0.1: at most 3 a minute; try again in ${retryAfter} s`);
    // Those already served or in line are still answered.
    expect((await ask(browser('ben'))).status).toBe(200);
    expect((await ask(browser('cleo'))).status).toBe(202);
  }, 30_000);

  it('lets one leave the line at once, when they stop waiting', async () => {
    const leave = (name: string) => fetch(`${deck.base}/api/sandbox/line`, { method: 'DELETE', headers: { 'X-Deck-Client': browser(name) } });
    expect((await leave('cleo')).status).toBe(204);
    expect((await fetch(`${deck.base}/api/sandbox/line`, { method: 'DELETE' })).status).toBe(400);
    // cleo is no longer in line: asking again is a new request, over this address's rate.
    expect((await ask(browser('cleo'))).status).toBe(429);
  }, 30_000);
});

describe('a deck without sandboxes', () => {
  it('says it offers none, rather than putting the attendee in a line that never moves', async () => {
    const deck = await startTestDeck({ maxSandboxes: 0 });
    try {
      const res = await fetch(`${deck.base}/api/sandbox`, { method: 'POST', headers: { 'X-Deck-Client': 'zoe-browser-0123456789' } });
      expect(res.status).toBe(503);
      expect((await res.json()).error).toBe('this deck offers no sandboxes (its presenter started it with --max-sandboxes 0)');
    } finally {
      await deck.stop();
    }
  }, 60_000);
});
