import type { Workload } from '../app-runtime/types.ts';
import { hostPatternMatches } from './hosts.ts';
import { type HttpMatchRequest, type MatchInput, firstMatch } from './match.ts';
import type { ForwardAction, GatewayPlan, HeaderOps, Route, RoutePlan, VirtualHost, WeightedDestination } from './plan.ts';

/** The route a request takes, and which of its matches it met (none for a catch-all). */
export interface RouteChoice {
  route: Route;
  matched: HttpMatchRequest | null;
}

/** The request as a route table reads it. */
export interface RouteInput {
  url: URL;
  method: string;
  authority: string;
  port: number;
  headers: Record<string, string>;
  src: Workload;
  /** A verified JWT's claims (gateways route on them). */
  claims?: Record<string, unknown>;
}

function matchInput(r: RouteInput, listener: string): MatchInput {
  return { path: r.url.pathname, query: r.url.searchParams, method: r.method, authority: r.authority, scheme: 'http', port: r.port, headers: r.headers, sourceLabels: r.src.labels, sourceNamespace: r.src.namespace, gateway: listener, claims: r.claims };
}

function firstRoute(vhost: VirtualHost, input: MatchInput): RouteChoice | undefined {
  for (const route of vhost.routes) {
    const matched = firstMatch(route.matches, input);
    if (matched !== undefined) return { route, matched };
  }
  return undefined;
}

/**
 * At a gateway: its listeners on the port the request arrived at (the Service's or the pod's:
 * an Istio server may name either; any port when undefined) that accept this host, then their
 * virtual hosts in order; the first matching route wins.
 */
export function routeAtGateway(plan: RoutePlan, gateway: GatewayPlan, ports: number[] | undefined, host: string, r: RouteInput): RouteChoice | undefined {
  for (const listener of gateway.listeners) {
    if (ports && listener.port !== undefined && !ports.includes(listener.port)) continue;
    if (!listener.hosts.some((h) => hostPatternMatches(h, host))) continue;
    const input = matchInput(r, listener.key);
    for (const vhost of plan.listeners.get(listener.key) ?? []) {
      if (!vhost.hosts.some((h) => hostPatternMatches(h, host))) continue;
      const choice = firstRoute(vhost, input);
      if (choice) return choice;
    }
  }
  return undefined;
}

/**
 * At a client sidecar: the oldest virtual host for the destination host decides alone.
 * `undefined` when none claims the host; `null` when one does but no route matches (404 NR).
 */
export function routeFromSidecar(plan: RoutePlan, host: string, r: RouteInput): RouteChoice | null | undefined {
  const vhost = plan.listeners.get('mesh')?.find((v) => v.hosts.some((h) => hostPatternMatches(h, host)));
  if (!vhost) return undefined;
  return firstRoute(vhost, matchInput(r, 'mesh')) ?? null;
}

/** A destination by weight / sum(weights); a lone destination always wins; weight 0 never does. */
export function pickDestination(action: ForwardAction): WeightedDestination | undefined {
  const all = action.destinations;
  if (all.length <= 1 || action.totalWeight <= 0) return all[0];
  let x = Math.random() * action.totalWeight;
  for (const d of all) {
    x -= d.weight;
    if (x < 0) return d;
  }
  return all[all.length - 1];
}

/** A rewrite of the URI replaces the matched prefix (or the whole path for other matches); a full-path rewrite the whole path. */
export function rewritePath(action: ForwardAction, matched: HttpMatchRequest | null, url: URL): string {
  if (action.rewrite?.fullPath !== undefined) return (action.rewrite.fullPath || '/') + url.search;
  const to = action.rewrite?.uri;
  if (to === undefined) return url.pathname + url.search;
  return replacePrefix(to, matched, url) + url.search;
}

/** The path with the matched prefix replaced by `to` (the whole path when the match was no prefix). */
export function replacePrefix(to: string, matched: HttpMatchRequest | null, url: URL): string {
  const segment = matched?.uri?.segmentPrefix?.replace(/\/+$/, '');
  const prefix = matched?.uri?.prefix ?? segment;
  const path = prefix !== undefined && url.pathname.startsWith(prefix) ? to + url.pathname.slice(prefix.length) : to;
  return path.replace(/^\/\//, '/') || '/';
}

export function applyHeaderOps(headers: Record<string, string>, ops: HeaderOps | undefined): Record<string, string> {
  if (!ops) return headers;
  for (const [k, v] of ops.set) headers[k] = v;
  for (const [k, v] of ops.add) headers[k] = headers[k] !== undefined ? `${headers[k]},${v}` : v;
  for (const k of ops.remove) delete headers[k];
  return headers;
}

/** Percentages are fractions of a million in Envoy; a missing percentage injects nothing. */
export function hit(percent: number | undefined): boolean {
  if (typeof percent !== 'number' || !(percent > 0)) return false;
  return Math.random() * 100 < percent;
}

/** Envoy's route decorator (Istio's GetRouteOperation). */
export function operationName(route: Route, matched: HttpMatchRequest | null, fqdn: string, port: number): string {
  const uri = matched?.uri;
  const prefix = uri?.prefix ?? uri?.segmentPrefix;
  const path = uri?.exact !== undefined ? uri.exact : prefix !== undefined ? `${prefix}*` : '/*';
  const split = route.action.kind === 'forward' && route.action.destinations.length > 1;
  if (split && route.virtualHost) return `${route.virtualHost}:${port}/*`;
  return `${fqdn}:${port}${path}`;
}
