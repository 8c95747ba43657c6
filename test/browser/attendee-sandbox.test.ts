/**
 * An attendee and the presenter in Chromium against the real deck server on the embedded
 * cluster: following, the presenter's scene buttons in the status bar, the attendee's own
 * sandbox, presenter-only slides, and two users side by side on the product page.
 * Needs dist/client (`npm run build`).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.ts';
import { startTestDeck } from '../helpers/deck.ts';
import { makeKubectl } from '../helpers/kubectl.ts';
import { shoot as shot } from '../helpers/talk.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = resolve(ROOT, 'test-output');
const EXTRA_RULE = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: qa-extra, namespace: default}\nspec:\n  hosts: [ratings]\n  http:\n  - route:\n    - destination: {host: ratings, subset: v1}\n';

describe('attendee sandbox and presenter scene controls, live', () => {
  let deck: Awaited<ReturnType<typeof startTestDeck>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let kubectl: ReturnType<typeof makeKubectl>;
  let presenter: Page;
  let attendee: Page;

  const open = async (token?: string, hash = '') => {
    const page = await browser.context.newPage();
    page.on('pageerror', (e) => console.error(`page error (${token ? 'presenter' : 'attendee'}): ${e.message}`));
    await page.goto(`${deck.url}${token ? `?token=${token}` : ''}${hash}`);
    await page.waitForSelector('html.deck-ready', { timeout: 20_000 });
    return page;
  };
  const slideIds = (page: Page) => page.evaluate(() => [...document.querySelectorAll('.reveal .slides > section')].map((s) => (s as HTMLElement).dataset.slideId));
  const currentId = (page: Page) => page.evaluate(() => (document.querySelector('.reveal .slides > section.present') as HTMLElement | null)?.dataset.slideId);
  /** Waits until every slide module has loaded (presenter-only slides are known only then). */
  const allLoaded = (page: Page) => page.waitForFunction(() => [...document.querySelectorAll('.reveal .slides > section')].every((s) => s.childElementCount > 0), undefined, { timeout: 20_000 });
  const goTo = async (page: Page, id: string) => {
    const ids = await slideIds(page);
    const h = ids.indexOf(id);
    if (h < 0) throw new Error(`slide ${id} is not in this page's deck`);
    await page.evaluate((i) => window.__istioDeck!.slide(i), h);
    await expect.poll(() => currentId(page)).toBe(id);
  };
  const status = (page: Page) => page.locator('.deck-status');
  const vsNames = async () => (await kubectl.ok(['get', 'vs', '-o', 'jsonpath={.items[*].metadata.name}'])).split(/\s+/).filter(Boolean).sort();

  beforeAll(async () => {
    if (!existsSync(resolve(ROOT, 'dist/client/index.html'))) throw new Error('dist/client is missing: run `npm run build` first');
    mkdirSync(SHOTS, { recursive: true });
    deck = await startTestDeck({ maxSandboxes: 1 });
    kubectl = makeKubectl(deck.kubeconfigPath!);
    browser = await launchBrowser();
    presenter = await open(deck.token);
    attendee = await open();
    await Promise.all([allLoaded(presenter), allLoaded(attendee)]);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    kubectl?.cleanup();
    await deck?.stop();
  });

  it('keeps the pre-flight slide from the audience, and the presenter has it', async () => {
    expect(await slideIds(presenter)).toContain('99-preflight');
    const forAttendee = await slideIds(attendee);
    expect(forAttendee).not.toContain('99-preflight');
    expect(forAttendee).toContain('39-qa-sandbox');
    // Not by its hash either.
    const direct = await open(undefined, '#/preflight');
    await allLoaded(direct);
    expect(await currentId(direct)).not.toBe('99-preflight');
    expect(await direct.locator('.reveal').innerText()).not.toContain('Pre-flight');
    await direct.close();
    // The presenter on pre-flight: the attendee stays put and is told why.
    await goTo(presenter, '99-preflight');
    await expect.poll(() => status(attendee).innerText(), { timeout: 10_000 }).toContain('the presenter is on a presenter-only slide');
    expect(await currentId(attendee)).not.toBe('99-preflight');
  }, 60_000);

  it('the attendee follows the presenter; only the presenter has scene buttons', async () => {
    await goTo(presenter, '11-all-v1-yaml');
    await expect.poll(() => currentId(attendee), { timeout: 10_000 }).toBe('11-all-v1-yaml');
    const bar = status(presenter);
    await expect.poll(() => bar.locator('[data-scene-controls]').getAttribute('data-scene-controls')).toBe('all-v1');
    expect(await status(attendee).getByRole('button', { name: 'Reset this slide' }).count()).toBe(0);
    expect(await status(attendee).innerText()).toContain('panels: presenter’s cluster (read-only)');
    await shot(attendee, 'attendee-following');
  });

  it('reset and catch up from the presenter\'s status bar say what they changed', async () => {
    const bar = status(presenter);
    await bar.getByRole('button', { name: 'Reset this slide' }).click();
    await expect.poll(() => bar.locator('.deck-status-message').innerText(), { timeout: 30_000 }).toMatch(/^reset to all-v1: \d+ created \(/);
    expect(await vsNames()).toEqual(['bookinfo', 'details', 'productpage', 'ratings', 'reviews']);
    await shot(presenter, 'presenter-status-reset');

    await kubectl.ok(['apply', '-f', '-'], { input: EXTRA_RULE });
    await bar.getByRole('button', { name: 'Catch up' }).click();
    await expect.poll(() => bar.locator('.deck-status-message').innerText(), { timeout: 30_000 }).toContain('kept 1 extra (VirtualService/qa-extra)');
    expect(await vsNames()).toContain('qa-extra');
    await shot(presenter, 'presenter-status-catch-up');

    await bar.getByRole('button', { name: 'Reset this slide' }).click();
    await expect.poll(() => bar.locator('.deck-status-message').innerText(), { timeout: 30_000 }).toContain('1 deleted (VirtualService/qa-extra)');
    expect(await vsNames()).not.toContain('qa-extra');
  }, 90_000);

  it('the attendee starts a sandbox in one click, already in the slide\'s state, and can bring it back to it', async () => {
    const bar = status(attendee);
    await bar.getByRole('button', { name: 'Try it in my own sandbox' }).click();
    await expect.poll(() => bar.innerText(), { timeout: 30_000 }).toContain('panels: your sandbox');
    const stored = await attendee.evaluate(() => JSON.parse(sessionStorage.getItem('istio-deck-sandbox') ?? 'null'));
    expect(stored?.id).toMatch(/^[0-9a-f]+$/);
    // The same click put the new (empty) sandbox in this slide's scene.
    await expect.poll(() => bar.locator('.deck-status-message').innerText(), { timeout: 60_000 }).toMatch(/^reset to all-v1: \d+ created \(/);
    const vsPanel = attendee.locator('section.present [data-panel="resource"]').first();
    await expect.poll(() => vsPanel.innerText(), { timeout: 20_000 }).toContain('subset: v1');
    await shot(attendee, 'attendee-sandbox-at-slide');

    // An edit in the sandbox, then one click puts the slide's state back.
    const applied = await attendee.evaluate(async () => {
      const s = JSON.parse(sessionStorage.getItem('istio-deck-sandbox')!);
      const res = await fetch('/api/apply', { method: 'POST', headers: { 'content-type': 'application/yaml', 'x-deck-sandbox': s.id, authorization: `Bearer ${s.token}` }, body: 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews, namespace: default}\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews, subset: v3}\n' });
      return res.status;
    });
    expect(applied).toBe(200);
    await expect.poll(() => vsPanel.innerText(), { timeout: 20_000 }).toContain('subset: v3');
    await bar.getByRole('button', { name: 'Bring my sandbox to this slide' }).click();
    await expect.poll(() => bar.locator('.deck-status-message').innerText(), { timeout: 60_000 }).toMatch(/^reset to all-v1: 1 configured \(VirtualService\/reviews\)/);
    await expect.poll(() => vsPanel.innerText(), { timeout: 20_000 }).toContain('subset: v1');

    // Survives a reload.
    await attendee.reload();
    await attendee.waitForSelector('html.deck-ready', { timeout: 45_000 });
    await expect.poll(() => status(attendee).innerText(), { timeout: 45_000 }).toContain('panels: your sandbox');
  }, 120_000);

  it('YAML the attendee applies changes the sandbox only; the presenter\'s cluster is unchanged', async () => {
    await allLoaded(attendee);
    const before = await kubectl.ok(['get', 'vs', 'reviews', '-o', 'jsonpath={.spec}']);
    await status(attendee).getByRole('button', { name: /Following presenter/ }).click();
    await goTo(attendee, '12-header-routing');
    const editor = attendee.locator('section.present [data-panel="editor"]').first();
    await editor.locator('[data-editor="monaco"][data-ready="true"]').waitFor({ timeout: 30_000 });
    await editor.getByRole('button', { name: 'Apply', exact: true }).click();
    await expect.poll(() => editor.innerText(), { timeout: 20_000 }).toMatch(/VirtualService\s+default\/reviews: configured/);
    await shot(attendee, 'attendee-sandbox-applied');

    const { id, token } = await attendee.evaluate(() => JSON.parse(sessionStorage.getItem('istio-deck-sandbox')!));
    const inSandbox = await (await fetch(`${deck.base}/api/object/VirtualService/default/reviews`, { headers: { 'x-deck-sandbox': id, authorization: `Bearer ${token}` } })).json();
    expect(JSON.stringify(inSandbox.spec.http[0].match)).toContain('jason');
    expect(await kubectl.ok(['get', 'vs', 'reviews', '-o', 'jsonpath={.spec}'])).toBe(before);
    expect(before).not.toContain('jason');
  }, 90_000);

  it('a second attendee is told their place in line when every sandbox is in use', async () => {
    // Another browser: another origin for the same deck has its own localStorage, so its own id.
    const other = await browser.context.newPage();
    await other.goto(deck.url.replace('127.0.0.1', 'localhost'));
    await other.waitForSelector('html.deck-ready', { timeout: 20_000 });
    await status(other).getByRole('button', { name: 'Try it in my own sandbox' }).click();
    await expect.poll(() => status(other).locator('[role=status]').innerText(), { timeout: 20_000 }).toBe('The one sandbox is in use: you are next in line, and get one as soon as one frees.');
    await shot(other, 'attendee-sandbox-full');
    // Leaving the line frees the place at once, for the first attendee's next sandbox below.
    await status(other).getByRole('button', { name: 'Stop waiting' }).click();
    await expect.poll(() => status(other).getByRole('button', { name: 'Try it in my own sandbox' }).count()).toBe(1);
    await other.close();
  });

  it('two frames show two users, in the sandbox too', async () => {
    await goTo(attendee, '13-jason-sees-stars');
    await status(attendee).getByRole('button', { name: 'Bring my sandbox to this slide' }).click();
    await expect.poll(() => status(attendee).locator('.deck-status-message').innerText(), { timeout: 60_000 }).toMatch(/^reset to jason-v2:/);
    const frames = attendee.locator('section.present iframe.productpage-frame');
    await expect.poll(() => frames.count()).toBe(2);
    expect(await frames.nth(0).getAttribute('src')).toMatch(/^\/sandbox-gateway\/[0-9a-f]+\/as\/jason\/productpage$/);
    const jason = attendee.locator('section.present [data-panel="productpage"]').nth(0);
    const anonymous = attendee.locator('section.present [data-panel="productpage"]').nth(1);
    // Bookinfo is still starting in the sandbox: reload until the reviews are there.
    await expect
      .poll(async () => {
        const text = await jason.frameLocator('iframe').locator('body').innerText().catch(() => '');
        if (!/Reviewer/.test(text)) await jason.getByRole('button', { name: 'Reload' }).click();
        return text;
      }, { timeout: 60_000, interval: 1500 })
      .toMatch(/Reviewer/);
    await expect.poll(() => jason.frameLocator('iframe').locator('.username').innerText(), { timeout: 10_000 }).toBe('jason');
    await anonymous.getByRole('button', { name: 'Reload' }).click();
    await expect.poll(() => anonymous.frameLocator('iframe').locator('.sign-in').innerText(), { timeout: 20_000 }).toBe('Sign in');
    expect(await anonymous.frameLocator('iframe').locator('.username').count()).toBe(0);
    await shot(attendee, 'attendee-two-users');
  }, 150_000);

  it('leaving deletes the sandbox, and a sandbox gone while away is reported on return', async () => {
    const { id, token } = await attendee.evaluate(() => JSON.parse(sessionStorage.getItem('istio-deck-sandbox')!));
    await status(attendee).getByRole('button', { name: 'Leave sandbox' }).click();
    await expect.poll(() => status(attendee).innerText(), { timeout: 10_000 }).toContain('panels: presenter’s cluster (read-only)');
    expect((await fetch(`${deck.base}/api/health`, { headers: { 'x-deck-sandbox': id, authorization: `Bearer ${token}` } })).status).toBe(404);

    // A new sandbox, removed while the page is open: its stream ends and the page says so at once.
    await status(attendee).getByRole('button', { name: 'Try it in my own sandbox' }).click();
    await expect.poll(() => status(attendee).innerText(), { timeout: 30_000 }).toContain('panels: your sandbox');
    const second = await attendee.evaluate(() => JSON.parse(sessionStorage.getItem('istio-deck-sandbox')!));
    expect((await fetch(`${deck.base}/api/sandbox/${second.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${second.token}` } })).status).toBe(204);
    await expect.poll(() => status(attendee).locator('[role=alert]').innerText(), { timeout: 10_000 }).toContain('Your sandbox is gone');
    expect(await status(attendee).innerText()).toContain('panels: presenter’s cluster (read-only)');

    // And one removed while the attendee was away: on return the page says so.
    await status(attendee).getByRole('button', { name: 'Try it in my own sandbox' }).click();
    await expect.poll(() => status(attendee).innerText(), { timeout: 30_000 }).toContain('panels: your sandbox');
    const third = await attendee.evaluate(() => JSON.parse(sessionStorage.getItem('istio-deck-sandbox')!));
    const back = attendee.url();
    await attendee.goto('about:blank');
    expect((await fetch(`${deck.base}/api/sandbox/${third.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${third.token}` } })).status).toBe(204);
    await attendee.goto(back);
    await attendee.waitForSelector('html.deck-ready', { timeout: 20_000 });
    // The page asks once its status bar knows it is an attendee's (after its stream says so).
    const alertOrBar = async () => ((await status(attendee).locator('[role=alert]').count()) ? status(attendee).locator('[role=alert]').innerText() : `no alert; the status bar reads: ${await status(attendee).innerText().catch(() => 'absent')}`);
    await expect.poll(alertOrBar, { timeout: 20_000 }).toContain('Your sandbox is gone');
    expect(await status(attendee).innerText()).toContain('panels: presenter’s cluster (read-only)');
    await shot(attendee, 'attendee-sandbox-gone');
  }, 150_000);
});
