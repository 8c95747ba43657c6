import type { KubeObject } from '../apiserver/types.ts';
import { optionalDurationMs } from '../../go-duration.ts';
import { type GatewayApiInputs, type RouteBinding, listenerKey, managedGateways, resolveBackend } from './gateway-api-binding.ts';
import type { HttpMatchRequest, StringMatch } from './match.ts';
import { type ForwardAction, type GatewayListener, type HeaderOps, type Route, type RoutePlan, type VirtualHost, type WeightedDestination, DEFAULT_RETRY, headerOps, plainRoute } from './plan.ts';

/**
 * HTTPRoutes → route tables of the same plan VirtualServices compile into, as Istio
 * translates them: each rule's matches become routes ordered by the Gateway API's precedence
 * (across every route on a listener and host), backends become weighted destinations, and
 * filters and timeouts become the route's operations.
 */

const list = <T = any>(v: unknown): T[] => (Array.isArray(v) ? v : []);
const nsOf = (o: KubeObject) => o.metadata.namespace ?? 'default';

/** One compiled match with what orders it against the others on its listener and host. */
interface Ranked {
  route: Route;
  rank: number[];
  /** Oldest route first, then `<ns>/<name>`, then rule and match order, as the spec breaks ties. */
  created: string;
  name: string;
  order: number[];
}

/** The listeners of each Gateway API gateway proxy, by `<ns>/<gateway>`: HTTP and HTTPS ones, in spec order. */
export function gatewayApiListeners(inputs: Pick<GatewayApiInputs, 'gatewayClasses' | 'gateways'>): Map<string, GatewayListener[]> {
  const out = new Map<string, GatewayListener[]>();
  for (const g of managedGateways(inputs)) {
    const ns = nsOf(g);
    out.set(
      `${ns}/${g.metadata.name}`,
      list(g.spec?.listeners)
        .filter((l) => l?.protocol === 'HTTP' || l?.protocol === 'HTTPS')
        .map((l) => ({ key: listenerKey(ns, g.metadata.name, l.name), port: l.port, hosts: [l.hostname ? String(l.hostname).toLowerCase() : '*'] })),
    );
  }
  return out;
}

/** Route tables from the bound HTTPRoutes, per listener key (`mesh` for Service parents). */
export function compileHttpRoutes(bindings: RouteBinding[], inputs: GatewayApiInputs): RoutePlan['listeners'] {
  // listener key → host → ranked routes
  const tables = new Map<string, Map<string, Ranked[]>>();
  const add = (key: string, host: string, ranked: Ranked[]) => {
    const hosts = tables.get(key) ?? new Map<string, Ranked[]>();
    tables.set(key, hosts);
    hosts.set(host, [...(hosts.get(host) ?? []), ...ranked]);
  };
  for (const b of bindings) {
    const accepted = b.parents.filter((p) => p.accepted.status === 'True');
    if (!accepted.length) continue;
    const rules = list(b.route.spec?.rules);
    const compiled = (port?: number) => (rules.length ? rules : [{}]).flatMap((rule, i) => compileRule(b.route, rule, i, inputs, port));
    for (const p of accepted) {
      if (p.mesh) add('mesh', p.mesh.fqdn, compiled(p.mesh.port));
      for (const a of p.attachments) for (const h of a.hostnames) add(a.key, h, compiled());
    }
  }
  const out: RoutePlan['listeners'] = new Map();
  for (const [key, hosts] of tables) {
    const vhosts: VirtualHost[] = [...hosts].map(([host, ranked]) => {
      ranked.sort(byPrecedence);
      return { name: ranked[0].route.virtualHost ?? host, namespace: ranked[0].name.split('/')[0], hosts: [host], routes: ranked.map((r) => r.route) };
    });
    out.set(key, vhosts.sort((a, b) => hostSpecificity(b.hosts[0]) - hostSpecificity(a.hosts[0])));
  }
  return out;
}

/** Exact host names before wildcards, longer wildcards first, `*` last (as Envoy picks a virtual host). */
function hostSpecificity(h: string): number {
  if (h === '*') return 0;
  return h.startsWith('*.') ? h.length : 10_000 + h.length;
}

function byPrecedence(a: Ranked, b: Ranked): number {
  for (let i = 0; i < a.rank.length; i++) if (a.rank[i] !== b.rank[i]) return b.rank[i] - a.rank[i];
  if (a.created !== b.created) return a.created < b.created ? -1 : 1;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.order[0] - b.order[0] || a.order[1] - b.order[1];
}

const PATH_RANK: Record<string, number> = { Exact: 3, RegularExpression: 2, PathPrefix: 1 };

function compileRule(route: KubeObject, rule: any, ruleIndex: number, inputs: GatewayApiInputs, port: number | undefined): Ranked[] {
  const ns = nsOf(route);
  const name = `${ns}/${route.metadata.name}`;
  const matches = list(rule?.matches).length ? list(rule.matches) : [{}];
  const action = compileAction(rule, ns, inputs);
  return matches.map((m, matchIndex) => {
    const path = m?.path ?? { type: 'PathPrefix', value: '/' };
    const match = compileMatch(m, port);
    return {
      route: { matches: [match], virtualHost: route.metadata.name, action },
      // Exact, then longest prefix, then a method, then most headers, then most query parameters.
      rank: [PATH_RANK[path.type ?? 'PathPrefix'] ?? 1, String(path.value ?? '/').length, m?.method ? 1 : 0, list(m?.headers).length, list(m?.queryParams).length],
      created: route.metadata.creationTimestamp ?? '',
      name,
      order: [ruleIndex, matchIndex],
    };
  });
}

const valueMatch = (type: string | undefined, value: string): StringMatch => (type === 'RegularExpression' ? { regex: value } : { exact: value });

function compileMatch(m: any, port: number | undefined): HttpMatchRequest {
  const path = m?.path ?? { type: 'PathPrefix', value: '/' };
  const value = String(path.value ?? '/');
  const uri: StringMatch = path.type === 'Exact' ? { exact: value } : path.type === 'RegularExpression' ? { regex: value } : { segmentPrefix: value };
  const out: HttpMatchRequest = { uri };
  const headers = list(m?.headers);
  if (headers.length) out.headers = Object.fromEntries(headers.map((h) => [String(h.name).toLowerCase(), valueMatch(h.type, String(h.value))]));
  const query = list(m?.queryParams);
  if (query.length) out.queryParams = Object.fromEntries(query.map((q) => [String(q.name), valueMatch(q.type, String(q.value))]));
  if (m?.method) out.method = { exact: String(m.method) };
  if (port !== undefined) out.port = port;
  return out;
}

/** A header modifier filter's lists as the plan's header operations. */
function modifier(f: any): HeaderOps | undefined {
  if (!f) return undefined;
  const pairs = (l: unknown) => Object.fromEntries(list(l).map((h) => [String(h.name), String(h.value)]));
  return headerOps({ set: pairs(f.set), add: pairs(f.add), remove: list(f.remove) });
}

const filterOf = (filters: unknown, type: string) => list(filters).find((f) => f?.type === type);

function compileAction(rule: any, ns: string, inputs: GatewayApiInputs): Route['action'] {
  const filters = rule?.filters;
  const redirect = filterOf(filters, 'RequestRedirect')?.requestRedirect;
  if (redirect) {
    return {
      kind: 'redirect',
      status: redirect.statusCode ?? 302,
      scheme: redirect.scheme,
      authority: redirect.hostname,
      port: redirect.port,
      uri: redirect.path?.type === 'ReplaceFullPath' ? redirect.path.replaceFullPath : undefined,
      prefix: redirect.path?.type === 'ReplacePrefixMatch' ? redirect.path.replacePrefixMatch : undefined,
    };
  }
  const destinations: WeightedDestination[] = list(rule?.backendRefs).map((b) => {
    const ref = resolveBackend(b, ns, inputs);
    return {
      host: ref.host,
      port: ref.port,
      weight: typeof b?.weight === 'number' ? b.weight : 1,
      ...(ref.problem ? { unresolved: true } : {}),
      requestHeaders: modifier(filterOf(b?.filters, 'RequestHeaderModifier')?.requestHeaderModifier),
      responseHeaders: modifier(filterOf(b?.filters, 'ResponseHeaderModifier')?.responseHeaderModifier),
    };
  });
  const totalWeight = destinations.reduce((s, d) => s + d.weight, 0);
  // No backend, or every weight 0: Istio answers 500 itself.
  if (!destinations.length || totalWeight <= 0) return { kind: 'direct', status: 500, body: '' };
  const rewrite = filterOf(filters, 'URLRewrite')?.urlRewrite;
  const mirrorFilter = filterOf(filters, 'RequestMirror')?.requestMirror;
  const mirrorRef = mirrorFilter ? resolveBackend(mirrorFilter.backendRef, ns, inputs) : undefined;
  const fraction = mirrorFilter?.fraction;
  const timeouts = rule?.timeouts ?? {};
  const action: ForwardAction = {
    kind: 'forward',
    destinations,
    totalWeight,
    rewrite: rewrite
      ? {
          authority: rewrite.hostname,
          fullPath: rewrite.path?.type === 'ReplaceFullPath' ? rewrite.path.replaceFullPath : undefined,
          uri: rewrite.path?.type === 'ReplacePrefixMatch' ? rewrite.path.replacePrefixMatch : undefined,
        }
      : undefined,
    requestHeaders: modifier(filterOf(filters, 'RequestHeaderModifier')?.requestHeaderModifier),
    responseHeaders: modifier(filterOf(filters, 'ResponseHeaderModifier')?.responseHeaderModifier),
    mirror:
      mirrorRef && !mirrorRef.problem
        ? { route: plainRoute({ host: mirrorRef.host, port: mirrorRef.port }), percent: fraction ? (100 * fraction.numerator) / (fraction.denominator ?? 100) : (mirrorFilter.percent ?? 100) }
        : undefined,
    // Without a retry stanza, backendRequest replaces the request timeout (as Istio translates it).
    timeoutMs: optionalDurationMs(timeouts.backendRequest) ?? optionalDurationMs(timeouts.request) ?? 0,
    retry: DEFAULT_RETRY,
  };
  return action;
}
