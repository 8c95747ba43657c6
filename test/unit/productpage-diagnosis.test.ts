import { describe, expect, it } from 'vitest';
import { productPageBlocker } from '../../client/panels/productpage-diagnosis.ts';
import type { PodSummary, TrafficSecond } from '../../server/protocol.ts';

const pod = (app: string, ready = '2/2', status = 'Running'): PodSummary => ({ name: `${app}-v1-abc`, namespace: 'default', ready, status, restarts: 0, creationTimestamp: '', app, hasSidecar: true, resourceVersion: '1' });
const BOOKINFO = ['productpage', 'details', 'reviews', 'ratings'].map((a) => pod(a));
const second = (t: number, counts: Record<string, number>, user = 'anonymous'): TrafficSecond => ({ t, user, counts, latencyMs: { p50: 1, p99: 1, max: 1 } });
const running = (...seconds: TrafficSecond[]) => ({ running: true, seconds });

describe('why the product page cannot be shown yet', () => {
  it('says Bookinfo is not deployed, and which slide deploys it, on an untouched cluster', () => {
    expect(productPageBlocker({ pods: [], traffic: running(second(1, { 'connection-error': 2 })), user: 'anonymous' })?.message).toBe(
      'Bookinfo is not deployed yet: the “Deploy Bookinfo, with sidecars” slide deploys it.',
    );
  });

  it('says Bookinfo is starting while productpage is not ready', () => {
    expect(productPageBlocker({ pods: [pod('productpage', '1/2', 'PodInitializing')], traffic: running(), user: 'anonymous' })?.message).toBe('Bookinfo is starting: productpage is PodInitializing (1/2 ready).');
  });

  it('tells a gateway that does not listen from one that has no route', () => {
    expect(productPageBlocker({ pods: BOOKINFO, traffic: running(second(1, { 'connection-error': 2 }), second(2, { 'connection-error': 2 })), user: 'anonymous' })?.message).toMatch(/^The ingress gateway is not listening yet: the “Open the front door” slide opens it\.$/);
    expect(productPageBlocker({ pods: BOOKINFO, traffic: running(second(1, { 'http-404': 2 })), user: 'anonymous' })?.message).toMatch(/no route for \/productpage/);
  });

  it('loads the page once any answer comes from Bookinfo, errors of Bookinfo included', () => {
    expect(productPageBlocker({ pods: BOOKINFO, traffic: running(second(1, { 'connection-error': 2 }), second(2, { 'connection-error': 1, v1: 1 })), user: 'anonymous' })).toBeUndefined();
    expect(productPageBlocker({ pods: BOOKINFO, traffic: running(second(1, { 'http-403': 2 })), user: 'anonymous' })).toBeUndefined();
    expect(productPageBlocker({ pods: BOOKINFO, traffic: running(second(1, { 'ratings-error': 2 })), user: 'anonymous' })).toBeUndefined();
  });

  it("reads the frame's own user, and only the last few seconds", () => {
    const traffic = running(second(1, { 'http-404': 2 }), second(2, { v1: 2 }, 'jason'), second(9, { v1: 2 }), second(10, { v2: 2 }, 'jason'));
    expect(productPageBlocker({ pods: BOOKINFO, traffic, user: 'anonymous' })).toBeUndefined();
    const later = running(second(1, { v1: 2 }), second(9, { 'http-404': 2 }), second(10, { 'http-404': 2 }));
    expect(productPageBlocker({ pods: BOOKINFO, traffic: later, user: 'anonymous' })?.message).toMatch(/no route/);
  });

  it('waits for the first answer, but never hides the page behind a feed it cannot read or a stopped generator', () => {
    expect(productPageBlocker({ pods: BOOKINFO, traffic: running(), user: 'jason' })?.message).toMatch(/^Waiting for the first answer/);
    expect(productPageBlocker({ pods: undefined, traffic: undefined, user: 'anonymous' })?.message).toBe('Looking for Bookinfo…');
    expect(productPageBlocker({ pods: undefined, podsUnavailable: true, traffic: undefined, user: 'anonymous' })).toBeUndefined();
    expect(productPageBlocker({ pods: BOOKINFO, traffic: { running: false, seconds: [] }, user: 'anonymous' })).toBeUndefined();
    expect(productPageBlocker({ pods: BOOKINFO, traffic: undefined, trafficUnavailable: true, user: 'anonymous' })).toBeUndefined();
  });
});
