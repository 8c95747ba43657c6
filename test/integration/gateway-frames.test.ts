import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDeck } from '../helpers/deck.ts';

/** "Same page, two users": each frame under /gateway/as/<user>/ is that user, whatever the browser's cookie says. */
describe('gateway proxy: a user per frame', () => {
  let deck: Awaited<ReturnType<typeof startTestDeck>>;
  let browserSession: string;
  const get = (path: string, cookie?: string) => fetch(`${deck.base}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });

  beforeAll(async () => {
    deck = await startTestDeck();
    const res = await fetch(`${deck.base}/api/scene/jason-v2`, { method: 'POST', headers: { authorization: `Bearer ${deck.token}` } });
    if (res.status !== 200) throw new Error(`scene jason-v2: ${res.status} ${await res.text()}`);
    // Bookinfo starts: wait until the page has its reviews.
    for (let tries = 0; ; tries++) {
      const page = await (await get('/gateway/as/anonymous/productpage')).text();
      if (/data-section="reviews" data-status="ok"/.test(page)) break;
      if (tries > 200) throw new Error(`Bookinfo did not come up: ${page.slice(0, 300)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    // The browser's own cookie says "kim", signed in through the plain proxy.
    const login = await fetch(`${deck.base}/gateway/login`, { method: 'POST', body: new URLSearchParams({ username: 'kim', passwd: 'x' }), redirect: 'manual' });
    browserSession = /session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')![0];
  }, 90_000);
  afterAll(async () => {
    await deck?.stop();
  });

  it('shows jason in one frame and anonymous in the other, with one browser cookie', async () => {
    const jason = await (await get('/gateway/as/jason/productpage', browserSession)).text();
    expect(jason).toContain('data-user="jason"');
    expect(jason).toContain('data-stars-color="black"'); // the jason-v2 scene: reviews v2 for jason
    const anonymous = await get('/gateway/as/anonymous/productpage', browserSession);
    const page = await anonymous.text();
    expect(page).not.toContain('data-user=');
    expect(page).toContain('class="sign-in"');
    expect(page).toContain('data-stars-color="no-ratings"'); // everyone else: reviews v1
    expect(anonymous.headers.get('set-cookie')).toBeNull();
    // The plain proxy still follows the browser's cookie.
    expect(await (await get('/gateway/productpage', browserSession)).text()).toContain('data-user="kim"');
  });

  it('keeps the page\'s own links and forms inside the frame\'s prefix', async () => {
    const jason = await (await get('/gateway/as/jason/productpage')).text();
    expect(jason).toContain('href="/gateway/as/jason/logout"');
    expect(jason).toContain('href="/gateway/as/jason/productpage"');
    const anonymous = await (await get('/gateway/as/anonymous/productpage')).text();
    expect(anonymous).toContain('action="/gateway/as/anonymous/login"');
  });

  it('signing in or out inside a frame switches that frame\'s user, not the browser\'s', async () => {
    const signIn = await fetch(`${deck.base}/gateway/as/anonymous/login`, { method: 'POST', body: new URLSearchParams({ username: 'jason', passwd: '' }), redirect: 'manual', headers: { cookie: browserSession } });
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get('location')).toBe('/gateway/as/jason/productpage');
    expect(signIn.headers.get('set-cookie')).toBeNull();
    const signOut = await get('/gateway/as/jason/logout');
    expect(signOut.headers.get('location')).toBe('/gateway/as/anonymous/productpage');
  });

  it('refuses a user name that is not one', async () => {
    const res = await get('/gateway/as/a%20b%3Cscript/productpage');
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/user "a b<script" in the gateway path must be 1-64 letters/);
  });
});
