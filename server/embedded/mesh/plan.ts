import type { Workload } from '../app-runtime/types.ts';
import type { OutlierPolicy, PoolLimits } from './connection-pool.ts';
import type { LoadBalancerPolicy } from './load-balancer.ts';
import type { HttpMatchRequest } from './match.ts';
import type { JwtProvider } from './request-auth.ts';

/**
 * The configuration the proxies run, compiled once per configuration change, as Istio's control
 * plane compiles Envoy configuration. Nothing here names the API it came from: VirtualServices
 * and Gateway API routes compile into the same shapes. A request reads only this plan; it never
 * re-reads the objects the plan was compiled from.
 */
export interface RoutePlan {
  /**
   * Route tables by listener: `mesh` for every sidecar, `<ns>/<gateway>` for an Istio Gateway,
   * `k8s-gateway/<ns>/<gateway>/<listener>` for a Gateway API listener.
   */
  listeners: Map<string, VirtualHost[]>;
  /** Every gateway proxy (istio-ingressgateway, each Gateway API `<name>-istio`), with the listeners it serves. */
  gateways: GatewayPlan[];
  /** The route a sidecar uses for `<fqdn>:<port>` of a Service no virtual host claims. */
  passthrough: Map<string, Route>;
}

/** One gateway deployment: its pods share one configuration. */
export interface GatewayPlan {
  /** `<namespace>/<workload>`, e.g. `istio-system/istio-ingressgateway`. */
  name: string;
  /** Its Ready pods (the first names the proxy in spans). */
  pods: Workload[];
  /** In order; a request takes the first listener on its port whose hosts cover its Host. */
  listeners: GatewayListener[];
  /** The JWT providers and AuthorizationPolicy rules that select its pods, checked before routing. */
  security: InboundPolicy;
}

export interface GatewayListener {
  /** The route table it serves (a key of `RoutePlan.listeners`). */
  key: string;
  /** The port it binds; undefined binds every port. */
  port?: number;
  /** Host patterns it accepts. */
  hosts: string[];
}

export interface VirtualHost {
  /** The configuration object it was compiled from, as spans name it. */
  name: string;
  namespace: string;
  /** FQDNs or wildcard patterns. */
  hosts: string[];
  routes: Route[];
}

export interface Route {
  /** Any one must match (conditions inside one are all required); none means every request. */
  matches?: HttpMatchRequest[];
  /** The virtual host the route belongs to, named in the span of a split between destinations. */
  virtualHost?: string;
  action: DirectAction | RedirectAction | ForwardAction;
}

export interface DirectAction {
  kind: 'direct';
  status: number;
  body: string;
}

export interface RedirectAction {
  kind: 'redirect';
  /** Replaces the whole path. */
  uri?: string;
  /** Replaces the matched path prefix. */
  prefix?: string;
  authority?: string;
  scheme?: string;
  port?: number;
  status: number;
}

export interface ForwardAction {
  kind: 'forward';
  /** Empty means no cluster (503 NC). */
  destinations: WeightedDestination[];
  totalWeight: number;
  /** `uri` replaces the matched prefix (the whole path for other matches); `fullPath` always the whole path. */
  rewrite?: { uri?: string; fullPath?: string; authority?: string };
  requestHeaders?: HeaderOps;
  responseHeaders?: HeaderOps;
  /** A fire-and-forget copy of the request, sent by this route. */
  mirror?: { route: Route; percent: number };
  /** 0: no route timeout. */
  timeoutMs: number;
  retry: RetryPolicy;
  fault?: { delay?: { ms: number; percent: number }; abort?: { status: number; percent: number } };
}

export interface Destination {
  /** Qualified at compile time: an FQDN, or a ServiceEntry host. */
  host: string;
  subset?: string;
  /** Absent: the Service's only port, else the port the request was sent to. */
  port?: number;
}

export interface WeightedDestination extends Destination {
  weight: number;
  /** A backend the route names but cannot reach (missing, or not permitted): its share gets a 500. */
  unresolved?: boolean;
  requestHeaders?: HeaderOps;
  responseHeaders?: HeaderOps;
}

/** Header operations with lower-case names, in the order Envoy applies them. */
export interface HeaderOps {
  set: Array<[string, string]>;
  add: Array<[string, string]>;
  remove: string[];
}

export interface RetryPolicy {
  attempts: number;
  /** 0: the attempt may take as long as the route allows. */
  perTryTimeoutMs: number;
  on: RetryOn;
}

/** `retryOn`, parsed: which outcomes an attempt is retried on. */
export interface RetryOn {
  fiveXx: boolean;
  gatewayError: boolean;
  retriable4xx: boolean;
  reset: boolean;
  statuses: Set<string>;
}

/** What the client proxies know of each destination: endpoints per subset and the traffic policy each runs. */
export interface ClusterPlan {
  services: Map<string, ServiceClusters>;
  /** ServiceEntry hosts: outside the simulated cluster, which has no internet. */
  externalHosts: Set<string>;
}

export interface ServiceClusters {
  /** The whole service (no subset). */
  all: Cluster;
  subsets: Map<string, Cluster>;
}

export interface Cluster {
  /** In-mesh Ready endpoints (the subset's, for a subset). */
  endpoints: Workload[];
  loadBalancer?: LoadBalancerPolicy;
  connectionPool?: PoolLimits;
  outlierDetection?: OutlierPolicy;
  /** Whether the client originates mutual TLS; `auto` follows the server's PeerAuthentication. */
  tls: 'mutual' | 'plain' | 'auto';
}

/** A server sidecar's mutual TLS mode (PeerAuthentication). */
export type PeerMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

/** What each server sidecar enforces on arrival, keyed by pod uid. */
export type InboundPlan = Map<string, InboundPolicy>;

export interface InboundPolicy {
  peerMode: PeerMode;
  /** AuthorizationPolicy rules that apply to the pod: any DENY rule matching denies; with ALLOW rules, one must match. */
  deny: unknown[];
  allow: unknown[];
  /** Whether any ALLOW policy applies (an ALLOW policy without rules allows nothing). */
  hasAllow: boolean;
  /** RequestAuthentication's JWT providers for the proxy; none: tokens are not read. */
  requestAuth?: JwtProvider[];
}

/** Istio ≥ 1.24 default: retry twice on connection-level failures, not on 503. */
const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled';
export const DEFAULT_RETRY: RetryPolicy = retryPolicy(2, 0, DEFAULT_RETRY_ON);

export function retryPolicy(attempts: number, perTryTimeoutMs: number, retryOn: string | undefined): RetryPolicy {
  const on = new Set(String(retryOn ?? DEFAULT_RETRY_ON).split(',').map((s) => s.trim()).filter(Boolean));
  return {
    attempts: Math.max(0, attempts),
    perTryTimeoutMs,
    on: { fiveXx: on.has('5xx'), gatewayError: on.has('gateway-error'), retriable4xx: on.has('retriable-4xx'), reset: on.has('reset'), statuses: on },
  };
}

/** A route to one destination with the proxy's defaults: no timeout, the default retries. */
export function plainRoute(destination: Destination, virtualHost?: string): Route {
  return {
    virtualHost,
    action: { kind: 'forward', destinations: [{ ...destination, weight: 0 }], totalWeight: 0, timeoutMs: 0, retry: DEFAULT_RETRY },
  };
}

export function headerOps(ops: { set?: Record<string, unknown>; add?: Record<string, unknown>; remove?: unknown[] } | undefined): HeaderOps | undefined {
  if (!ops) return undefined;
  const pairs = (m: Record<string, unknown> | undefined) => Object.entries(m ?? {}).map(([k, v]): [string, string] => [k.toLowerCase(), String(v)]);
  return { set: pairs(ops.set), add: pairs(ops.add), remove: (ops.remove ?? []).map((k) => String(k).toLowerCase()) };
}
