import type { Workload } from '../app-runtime/types.ts';
import type { KubeObject } from '../apiserver/types.ts';
import { optionalDurationMs } from '../../go-duration.ts';
import { qualifyHost } from './hosts.ts';
import type { HttpMatchRequest } from './match.ts';
import { type Destination, type GatewayListener, type Route, type RoutePlan, type VirtualHost, headerOps, plainRoute, retryPolicy, DEFAULT_RETRY } from './plan.ts';
import { selects } from './pods.ts';

/** Istio's networking API as written (the parts the simulated proxies act on). */
interface HttpRouteSpec {
  match?: HttpMatchRequest[];
  route?: Array<{ destination: DestinationSpec; weight?: number; headers?: { request?: HeaderOpsSpec; response?: HeaderOpsSpec } }>;
  mirror?: DestinationSpec;
  mirrorPercentage?: { value?: number };
  redirect?: { uri?: string; authority?: string; redirectCode?: number };
  directResponse?: { status: number; body?: { string?: string } };
  rewrite?: { uri?: string; authority?: string };
  timeout?: string;
  retries?: { attempts?: number; perTryTimeout?: string; retryOn?: string };
  fault?: {
    delay?: { fixedDelay?: string; percentage?: { value?: number }; percent?: number };
    abort?: { httpStatus?: number; grpcStatus?: string; percentage?: { value?: number }; percent?: number };
  };
  headers?: { request?: HeaderOpsSpec; response?: HeaderOpsSpec };
}

interface DestinationSpec {
  host: string;
  subset?: string;
  port?: { number?: number };
}

interface HeaderOpsSpec {
  set?: Record<string, string>;
  add?: Record<string, string>;
  remove?: string[];
}

const list = <T>(v: unknown): T[] => (Array.isArray(v) ? v : []);

/** `bookinfo-gateway` in namespace default → `default/bookinfo-gateway`; `mesh` stays `mesh`. */
function gatewayKey(ref: string, namespace: string): string {
  if (ref === 'mesh') return 'mesh';
  return ref.includes('/') ? ref : `${namespace}/${ref.split('.')[0]}`;
}

/**
 * VirtualServices → route tables per listener. The oldest VirtualService for a host comes
 * first, as in Istio's merge; short host names resolve in the VirtualService's namespace.
 */
export function compileVirtualServices(virtualServices: KubeObject[], namespaces: Set<string>): RoutePlan['listeners'] {
  const created = (vs: KubeObject) => `${vs.metadata.creationTimestamp ?? ''}/${vs.metadata.name}`;
  const ordered = [...virtualServices].sort((a, b) => (created(a) < created(b) ? -1 : created(a) > created(b) ? 1 : 0));
  const listeners: RoutePlan['listeners'] = new Map();
  for (const vs of ordered) {
    const ns = vs.metadata.namespace ?? 'default';
    const refs: string[] = list<string>(vs.spec?.gateways).length ? vs.spec!.gateways : ['mesh'];
    const host: VirtualHost = {
      name: vs.metadata.name,
      namespace: ns,
      hosts: list<string>(vs.spec?.hosts).map((h) => qualifyHost(String(h), ns, namespaces)),
      routes: list<HttpRouteSpec>(vs.spec?.http).map((r) => compileRoute(r, vs.metadata.name, ns, namespaces)),
    };
    for (const key of new Set(refs.map((g) => gatewayKey(String(g), ns)))) {
      const table = listeners.get(key) ?? [];
      table.push(host);
      listeners.set(key, table);
    }
  }
  return listeners;
}

function compileRoute(r: HttpRouteSpec, vsName: string, ns: string, namespaces: Set<string>): Route {
  const matches = r.match?.map((m) => (m.gateways ? { ...m, gateways: m.gateways.map((g) => gatewayKey(g, ns)) } : m));
  const destination = (d: DestinationSpec): Destination => ({ host: qualifyHost(String(d.host ?? ''), ns, namespaces), subset: d.subset, port: d.port?.number });
  if (r.directResponse) return { matches, virtualHost: vsName, action: { kind: 'direct', status: r.directResponse.status, body: r.directResponse.body?.string ?? '' } };
  if (r.redirect) return { matches, virtualHost: vsName, action: { kind: 'redirect', uri: r.redirect.uri, authority: r.redirect.authority, status: r.redirect.redirectCode ?? 301 } };
  const destinations = list<NonNullable<HttpRouteSpec['route']>[number]>(r.route).map((d) => ({
    ...destination(d.destination ?? { host: '' }),
    weight: d.weight ?? 0,
    requestHeaders: headerOps(d.headers?.request),
    responseHeaders: headerOps(d.headers?.response),
  }));
  const delay = r.fault?.delay;
  const abort = r.fault?.abort;
  return {
    matches,
    virtualHost: vsName,
    action: {
      kind: 'forward',
      destinations,
      totalWeight: destinations.reduce((s, d) => s + d.weight, 0),
      rewrite: r.rewrite,
      requestHeaders: headerOps(r.headers?.request),
      responseHeaders: headerOps(r.headers?.response),
      mirror: r.mirror ? { route: plainRoute(destination(r.mirror), vsName), percent: r.mirrorPercentage?.value ?? 100 } : undefined,
      timeoutMs: optionalDurationMs(r.timeout) ?? 0,
      retry: r.retries ? retryPolicy(r.retries.attempts ?? 0, optionalDurationMs(r.retries.perTryTimeout) ?? 0, r.retries.retryOn) : DEFAULT_RETRY,
      fault:
        delay || abort
          ? {
              delay: delay ? { ms: optionalDurationMs(delay.fixedDelay) ?? 0, percent: percentOf(delay) } : undefined,
              abort: abort ? { status: abort.httpStatus ?? 503, percent: percentOf(abort) } : undefined,
            }
          : undefined,
    },
  };
}

/** `percentage.value`, else the deprecated integer `percent`; missing injects nothing. */
const percentOf = (f: { percentage?: { value?: number }; percent?: number }): number => {
  const p = f.percentage?.value ?? f.percent;
  return typeof p === 'number' && p > 0 ? p : 0;
};

/** Istio Gateways → the listeners a gateway pod serves (one per server of each Gateway whose selector picks it). */
export function istioGatewayListeners(gateways: KubeObject[], pod: Workload): GatewayListener[] {
  return gateways
    .filter((g) => selects(g.spec?.selector ?? {}, pod))
    .flatMap((g) =>
      list<{ hosts?: unknown[]; port?: { number?: number } }>(g.spec?.servers).map((s) => ({
        key: `${g.metadata.namespace ?? 'default'}/${g.metadata.name}`,
        port: typeof s?.port?.number === 'number' ? s.port.number : undefined,
        // A server host may be `namespace/host`; the namespace part does not change what it accepts.
        hosts: list<unknown>(s?.hosts).map((h) => String(h).split('/').pop()!.toLowerCase()),
      })),
    );
}
