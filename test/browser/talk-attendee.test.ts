/**
 * An attendee follows the talk: the audience URL (no token) in its own browser, next to
 * the presenter's. It goes where the presenter goes, sees the same live state, and has
 * no way to change the presenter's cluster.
 * Needs dist/client (`npm run build`; `npm test` builds it first).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrowTo, currentSlide, deckSlideIds, present, productPageReaches, reloadProductPage, runCard, shoot, trafficShows } from '../helpers/talk.ts';
import { openTalkPair, type TalkPair } from '../helpers/talk-pair.ts';

const SCALE = 0.05;
/** Every control that changes a cluster, as the presenter sees it. */
const CHANGE_BUTTONS = /^(Run|Running…|Apply|Dry run|Revert|Catch up|Reset this slide|Run preflight)$/;

describe('an attendee following the talk', { timeout: 60_000 }, () => {
  let pair: TalkPair;
  let presenter: Page;
  let attendee: Page;

  beforeAll(async () => {
    pair = await openTalkPair(SCALE);
    ({ presenter, attendee } = pair);
  });
  afterAll(async () => {
    await pair?.close();
  });

  /** The presenter moves on; the attendee's deck must land on the same slide. */
  async function presenterGoesTo(id: string, maxSteps = 4): Promise<void> {
    await arrowTo(presenter, id, maxSteps);
    await expect.poll(() => currentSlide(attendee), { timeout: 10_000, message: `attendee follows to ${id}` }).toBe(id);
  }

  it('joins as audience, following the presenter', async () => {
    await expect.poll(() => attendee.locator('.deck-status-text').textContent(), { timeout: 15_000 }).toContain('audience · live');
    await expect.poll(() => presenter.locator('.deck-status-text').textContent(), { timeout: 15_000 }).toContain('presenter · live');
    expect(await attendee.locator('.follow-toggle').textContent()).toContain('Following presenter');
  });

  it('follows to install-verify and sees istio-system live', async () => {
    await presenterGoesTo('install-verify', 5);
    await expect.poll(() => present(attendee, 'pods').locator('tbody').innerText(), { timeout: 15_000 }).toMatch(/istiod-\S+\s+1\/1\s+Running/);
  });

  it('sees Bookinfo come up 2/2 when the presenter deploys it', async () => {
    await presenterGoesTo('bookinfo-deploy', 2);
    const pods = present(attendee, 'pods');
    expect(await pods.locator('tbody tr').count()).toBe(0);
    await runCard(presenter, 'kubectl label namespace default istio-injection=enabled');
    await runCard(presenter, 'kubectl apply -f manifests/bookinfo/bookinfo.yaml', { timeout: 60_000 });
    await expect.poll(() => pods.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.children[1]?.textContent)), { timeout: 30_000 }).toEqual(Array(6).fill('2/2'));
    await shoot(attendee, 'talk-attendee-bookinfo-deploy');
  });

  it('sees round robin across v1, v2 and v3 once the presenter opens the gateway', async () => {
    await presenterGoesTo('gateway');
    await runCard(presenter, 'kubectl apply -f manifests/networking/bookinfo-gateway.yaml');
    await presenterGoesTo('round-robin');
    await runCard(presenter, 'kubectl apply -f manifests/networking/destination-rule-all.yaml');
    await trafficShows(present(attendee, 'traffic'), 'anonymous', ['v1', 'v2', 'v3'], 10);
  });

  it('sees only v1 after the presenter applies all-v1', async () => {
    await presenterGoesTo('all-v1');
    await runCard(presenter, 'kubectl apply -f manifests/networking/virtual-service-all-v1.yaml');
    await productPageReaches(present(attendee, 'productpage'), 'v1');
    await presenterGoesTo('all-v1-yaml');
    await expect.poll(() => present(attendee, 'resource', 0).locator('pre.yaml-view').innerText(), { timeout: 10_000 }).toMatch(/subset: v1/);
    await shoot(attendee, 'talk-attendee-all-v1-yaml');
  });

  it('gets a read-only editor on the header-routing slide, and no Run buttons', async () => {
    await presenterGoesTo('header-routing');
    const editor = present(attendee, 'editor');
    await expect.poll(() => editor.locator('[data-editor="static"]').innerText(), { timeout: 10_000 }).toContain('exact: jason');
    expect(await attendee.locator('section.present [data-editor="monaco"], section.present [contenteditable="true"], section.present textarea').count()).toBe(0);
    expect(await attendee.locator('section.present button', { hasText: CHANGE_BUTTONS }).count()).toBe(0);
    await expect.poll(() => attendee.locator('section.present').getByText('presenter token required').first().isVisible()).toBe(true);
    await shoot(attendee, 'talk-attendee-header-routing');
  });

  it('follows the presenter into the Gateway API tab, and may look at the Istio APIs tab alone until the presenter switches', async () => {
    const tabShown = (page: Page) => page.locator('section.present .api-tabs').getAttribute('data-api-shown');
    const presenterStatus = () => presenter.locator('.deck-status .deck-status-message').innerText().catch(() => '');
    expect(await tabShown(attendee)).toBe('istio');
    await presenter.locator('.routing-api-toggle button[data-api="gateway-api"]').click();
    await expect.poll(() => attendee.locator('[data-routing-api]').innerText()).toBe('routing: Gateway API');
    await expect.poll(() => tabShown(attendee)).toBe('gateway-api');
    await expect.poll(() => present(attendee, 'editor').locator('[data-editor="static"]').innerText(), { timeout: 10_000 }).toContain('kind: HTTPRoute');
    // Switching resets the slide's scene in the new API by itself, so the other API's rules go.
    await expect.poll(presenterStatus, { timeout: 30_000 }).toMatch(/^reset to jason-v2 \(Gateway API\): .*\bdeleted\b/);
    await attendee.locator('section.present .api-tab[data-api="istio"]').click();
    expect(await tabShown(attendee)).toBe('istio');
    await expect.poll(() => attendee.locator('section.present [data-local-look]').innerText()).toContain('the presenter shows the Gateway API');
    expect(await tabShown(presenter)).toBe('gateway-api');
    await shoot(attendee, 'talk-attendee-looks-at-istio-tab');
    // The presenter's shortcut switches the talk back: the attendee's own look ends with it.
    await presenter.evaluate(() => (document.activeElement as HTMLElement | null)?.blur?.());
    await presenter.keyboard.press('a');
    await expect.poll(() => tabShown(presenter)).toBe('istio');
    await expect.poll(presenterStatus, { timeout: 30_000 }).toMatch(/^reset to jason-v2: .*\bdeleted\b/);
    await expect.poll(() => tabShown(attendee)).toBe('istio');
    expect(await attendee.locator('section.present [data-local-look]').count()).toBe(0);
  });

  it('finds no control anywhere in the deck that changes the presenter\'s cluster', async () => {
    await attendee.locator('.follow-toggle').click();
    await expect.poll(() => attendee.locator('.follow-toggle').textContent()).toContain('Browsing freely');
    const ids = await deckSlideIds(attendee);
    const found: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      await attendee.evaluate((h) => window.__istioDeck!.slide(h), i);
      await expect.poll(() => attendee.locator('section.present [data-state="loading"]').count(), { timeout: 10_000, message: ids[i] }).toBe(0);
      // Anywhere on the page: the slide, and the deck's own bars around it.
      const buttons = await attendee.locator('button:enabled', { hasText: CHANGE_BUTTONS }).allInnerTexts();
      const editors = await attendee.locator('section.present [data-editor="monaco"], section.present [contenteditable="true"]').count();
      if (buttons.length || editors) found.push(`${ids[i]}: ${[...buttons, ...(editors ? ['live editor'] : [])].join(', ')}`);
    }
    expect(found).toEqual([]);
    // The presenter-only pre-flight slide is not in the audience's deck.
    expect(ids).not.toContain('preflight');
    expect(await deckSlideIds(presenter)).toContain('preflight');
    await attendee.locator('.follow-toggle').click();
    await expect.poll(() => currentSlide(attendee), { timeout: 10_000 }).toBe(await currentSlide(presenter));
  });

  it('is refused by the API without the token, and the cluster stays as it was', async () => {
    const allV3 = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews, namespace: default}\nspec:\n  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews, subset: v3}\n';
    const answers = await attendee.evaluate(async (yaml) => {
      const post = async (path: string, body: string, type: string) => {
        const r = await fetch(path, { method: 'POST', headers: { 'content-type': type }, body });
        return `${path} ${r.status}`;
      };
      return [
        await post('/api/apply', yaml, 'application/yaml'),
        await post('/api/run', JSON.stringify({ command: 'kubectl apply -f manifests/networking/virtual-service-reviews-v3.yaml' }), 'application/json'),
        await post('/api/scene/reviews-v3', '{}', 'application/json'),
      ];
    }, allV3);
    expect(answers).toEqual(['/api/apply 401', '/api/run 401', '/api/scene/reviews-v3 401']);
    await presenterGoesTo('jason-sees-stars');
    await presenterGoesTo('traffic-shift-100', 10);
    const product = present(attendee, 'productpage');
    for (let i = 0; i < 3; i++) expect((await reloadProductPage(product)).reviews).toBe('v1');
    await trafficShows(present(attendee, 'traffic'), 'anonymous', ['v1'], 3);
    await shoot(attendee, 'talk-attendee-traffic-shift-100');
  });

  it('asked for nothing outside this machine', () => {
    expect(pair.foreign).toEqual([]);
  });
});
