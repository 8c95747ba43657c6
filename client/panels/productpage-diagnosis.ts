import type { PodSummary, TrafficSecond } from '../../server/protocol.ts';

/**
 * Why the product page cannot be shown yet, in words, from what the deck already watches:
 * the Bookinfo pods and the demo traffic's latest answers through the same gateway.
 * A frame pointed at a gateway that answers nothing is a white box and a console error;
 * the viewer needs to know what is missing and which step of the talk adds it.
 */
export interface ProductPageBlocker {
  /** What is missing, and what fixes it. */
  message: string;
}

/** How many recent seconds of the user's traffic are read (the demo sends 2 requests a second). */
const RECENT_SECONDS = 3;

export interface ProductPageFacts {
  /** The namespace's pods; undefined until the first list arrives. */
  pods: PodSummary[] | undefined;
  /** A feed the deck could not read (no RBAC, no Jaeger…) is no reason to hide the page. */
  podsUnavailable?: boolean;
  /** The demo traffic, if it is known. */
  traffic: { running: boolean; seconds: TrafficSecond[] } | undefined;
  trafficUnavailable?: boolean;
  user: string;
}

export function productPageBlocker({ pods, podsUnavailable, traffic, trafficUnavailable, user }: ProductPageFacts): ProductPageBlocker | undefined {
  if (podsUnavailable) return undefined;
  if (pods === undefined) return { message: 'Looking for Bookinfo…' };
  const productpage = pods.filter((p) => p.app === 'productpage');
  if (productpage.length === 0) return { message: 'Bookinfo is not deployed yet: the “Deploy Bookinfo, with sidecars” slide deploys it.' };
  if (!productpage.some((p) => p.status === 'Running' && isReady(p.ready))) {
    return { message: `Bookinfo is starting: productpage is ${productpage[0].status} (${productpage[0].ready} ready).` };
  }
  if (trafficUnavailable || (traffic && !traffic.running)) return undefined;
  const latest = traffic && recentOutcomes(traffic.seconds, user);
  if (!latest) return { message: 'Waiting for the first answer through the ingress gateway…' };
  // Only answers that never reached Bookinfo block the frame; Bookinfo's own errors (a fault,
  // a denied request) are what a slide shows, so the frame loads them.
  if (only(latest, 'connection-error')) return { message: 'The ingress gateway is not listening yet: the “Open the front door” slide opens it.' };
  if (only(latest, 'http-404')) return { message: 'The gateway has no route for /productpage yet: the “Open the front door” slide adds it.' };
  return undefined;
}

function isReady(ready: string): boolean {
  const [up, all] = ready.split('/').map(Number);
  return all > 0 && up === all;
}

/** The user's answers over the last few seconds that had any, or undefined when there were none. */
function recentOutcomes(seconds: TrafficSecond[], user: string): Record<string, number> | undefined {
  const mine = seconds.filter((s) => s.user === user && Object.keys(s.counts).length > 0);
  if (!mine.length) return undefined;
  const newest = mine[mine.length - 1].t;
  const counts: Record<string, number> = {};
  for (const s of mine) if (s.t > newest - RECENT_SECONDS) for (const [k, n] of Object.entries(s.counts)) counts[k] = (counts[k] ?? 0) + n;
  return counts;
}

function only(counts: Record<string, number>, outcome: string): boolean {
  const keys = Object.keys(counts);
  return keys.length === 1 && keys[0] === outcome;
}
