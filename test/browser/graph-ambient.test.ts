/**
 * The live service graph panel in scene ambient-waypoint-jason (Gateway API tab), as the room
 * sees it: one reviews box with its v1 and v2 rows fed by the waypoint, the waypoint in its own
 * lane, and no box for a Service or a pod that is not a workload. Screenshot:
 * test-output/graph-ambient-waypoint.png. Needs dist/client (`npx vite build`).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deckSlideIds, present } from '../helpers/talk.ts';
import { openPresenterTalk, type PresenterTalk } from '../helpers/talk-pair.ts';
import { SHOTS } from '../helpers/talk.ts';

describe('the ambient service graph panel', { timeout: 120_000 }, () => {
  let talk: PresenterTalk;
  let page: Page;

  beforeAll(async () => {
    talk = await openPresenterTalk(0.05);
    page = talk.presenter;
  });
  afterAll(async () => {
    await talk?.close();
  });

  it('draws reviews once, v1 and v2 as its rows reached from the waypoint', async () => {
    const { deck } = talk;
    const res = await fetch(`${deck.base}/api/scene/ambient-waypoint-jason`, { method: 'POST', body: JSON.stringify({ mode: 'reset', api: 'gateway-api' }), headers: { 'content-type': 'application/json', authorization: `Bearer ${deck.token}` } });
    expect(res.status).toBe(200);
    const index = (await deckSlideIds(page)).indexOf('service-graph-live');
    expect(index).toBeGreaterThanOrEqual(0);
    await page.evaluate((h) => window.__istioDeck!.slide(h, 0), index);
    const graph = present(page, 'graph');
    const edge = (to: string) => graph.locator(`[data-edge="waypoint>${to}"]:not(.is-tcp)`);
    await expect
      .poll(async () => {
        await Promise.all(['jason', 'anonymous'].map((u) => fetch(`${deck.base}/gateway/as/${u}/productpage`).then((r) => r.text())));
        return (await edge('reviews-v1').count()) + (await edge('reviews-v2').count());
      }, { timeout: 60_000, message: 'HTTP edges from the waypoint to reviews v1 and v2' })
      .toBe(2);
    const reviews = graph.locator('.graph-service[data-app="reviews"]');
    await expect.poll(() => reviews.locator('.graph-subset').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-node')))).toEqual(['reviews-v1', 'reviews-v2']);
    const boxes = await graph.locator('.graph-service').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-app')));
    expect(boxes.filter((app) => app !== 'reviews' && app!.startsWith('reviews'))).toEqual([]);
    expect(await graph.locator('.graph-service.is-waypoint').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-app')))).toEqual(['waypoint']);
    await page.waitForTimeout(700);
    await graph.screenshot({ path: `${SHOTS}/graph-ambient-waypoint.png` });
  });
});
