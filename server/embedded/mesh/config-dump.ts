import type { Workload } from '../app-runtime/types.ts';
import type { Cluster, Route, VirtualHost } from './plan.ts';
import type { ServiceInfo } from './services.ts';
import type { MeshSnapshot } from './snapshot.ts';
import type { HttpMatchRequest, StringMatch } from './match.ts';
import { base64Encode } from '../portable/bytes.ts';

/**
 * A proxy's Envoy configuration as its admin API shows it (`config_dump`, `clusters`,
 * `listeners`), derived from the compiled plan the simulated proxies run, in Envoy's JSON
 * shapes, so istioctl's proxy-config reads it as it reads a real Envoy's.
 */

export interface ProxyView {
  snap: MeshSnapshot;
  proxy: Workload;
  /** `router` for a gateway, `sidecar` otherwise. */
  role: 'router' | 'sidecar';
  /** A gateway's listeners: the route table each serves, the port it binds and the hosts it accepts. */
  gatewayListeners: Array<{ key: string; port?: number; hosts: string[] }>;
  version: string;
  /** Whether this proxy's outlier detection has ejected an endpoint of a cluster. */
  ejected(cluster: string, endpoint: Workload): boolean;
  /** When the configuration was last compiled, as Envoy stamps `last_updated`. */
  updated: Date;
}

const TYPE = 'type.googleapis.com/';
const seconds = (ms: number) => `${ms / 1000}s`;
const HTTP_PORT = /^(tcp|udp|dns|mongo|mysql|redis|tls|https)(-|$)/;
const isHttpPort = (name: string | undefined) => !HTTP_PORT.test(name ?? '');

/** `outbound|9080|v1|reviews.default.svc.cluster.local` and the like. */
export const clusterName = (direction: 'outbound' | 'inbound', port: number, subset: string, fqdn: string) => `${direction}|${port}|${subset}|${fqdn}`;

interface ClusterEntry {
  name: string;
  service?: ServiceInfo;
  port?: number;
  cluster?: Cluster;
  /** Endpoints with the port they listen on. */
  endpoints: Array<{ workload: Workload; port: number }>;
  type: 'EDS' | 'STATIC' | 'ORIGINAL_DST' | 'STRICT_DNS';
  staticAddress?: { address: string; port: number };
}

function clusterEntries(v: ProxyView): ClusterEntry[] {
  const out: ClusterEntry[] = [];
  for (const svc of [...v.snap.services.values()].sort((a, b) => a.fqdn.localeCompare(b.fqdn))) {
    const plan = v.snap.clusters.services.get(svc.fqdn);
    for (const p of svc.ports) {
      const eps = (c: Cluster | undefined) => (c?.endpoints ?? []).map((workload) => ({ workload, port: p.targetPort }));
      out.push({ name: clusterName('outbound', p.port, '', svc.fqdn), service: svc, port: p.port, cluster: plan?.all, endpoints: eps(plan?.all), type: 'EDS' });
      for (const [subset, c] of plan?.subsets ?? []) out.push({ name: clusterName('outbound', p.port, subset, svc.fqdn), service: svc, port: p.port, cluster: c, endpoints: eps(c), type: 'EDS' });
    }
  }
  if (v.role === 'sidecar') {
    const own = new Set<number>();
    for (const svc of v.snap.services.values()) if (svc.readyPods.some((e) => e.uid === v.proxy.uid)) for (const p of svc.ports) own.add(p.targetPort);
    for (const port of [...own].sort((a, b) => a - b)) out.push({ name: clusterName('inbound', port, '', ''), port, endpoints: [{ workload: v.proxy, port }], type: 'ORIGINAL_DST' });
    out.push({ name: 'InboundPassthroughCluster', endpoints: [], type: 'ORIGINAL_DST' });
  }
  out.push(
    { name: 'BlackHoleCluster', endpoints: [], type: 'STATIC' },
    { name: 'PassthroughCluster', endpoints: [], type: 'ORIGINAL_DST' },
    { name: 'agent', endpoints: [], type: 'STATIC', staticAddress: { address: '127.0.0.1', port: 15020 } },
    { name: 'prometheus_stats', endpoints: [], type: 'STATIC', staticAddress: { address: '127.0.0.1', port: 15000 } },
    { name: 'sds-grpc', endpoints: [], type: 'STATIC' },
    { name: 'xds-grpc', endpoints: [], type: 'STATIC' },
    { name: 'zipkin', endpoints: [], type: 'STRICT_DNS', staticAddress: { address: 'zipkin.istio-system', port: 9411 } },
  );
  return out;
}

function envoyCluster(e: ClusterEntry): Record<string, unknown> {
  const c: Record<string, unknown> = { '@type': `${TYPE}envoy.config.cluster.v3.Cluster`, name: e.name, type: e.type, connect_timeout: '10s' };
  if (e.type === 'EDS') c.eds_cluster_config = { eds_config: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' }, service_name: e.name };
  if (e.type === 'ORIGINAL_DST') c.lb_policy = 'CLUSTER_PROVIDED';
  if (e.staticAddress) {
    c.load_assignment = { cluster_name: e.name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: e.staticAddress.address, port_value: e.staticAddress.port } } } }] }] };
  }
  const pool = e.cluster?.connectionPool;
  c.circuit_breakers = {
    thresholds: [{
      max_connections: pool?.maxConnections ?? 4294967295,
      max_pending_requests: pool?.maxPending ?? 4294967295,
      max_requests: pool?.maxRequests ?? 4294967295,
      max_retries: 4294967295,
      track_remaining: true,
    }],
  };
  if (pool?.maxRequestsPerConnection) c.typed_extension_protocol_options = { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': `${TYPE}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`, common_http_protocol_options: { max_requests_per_connection: pool.maxRequestsPerConnection }, use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: {} } } };
  const od = e.cluster?.outlierDetection;
  if (od) c.outlier_detection = { consecutive_5xx: od.consecutive5xx, consecutive_gateway_failure: od.consecutiveGateway, base_ejection_time: seconds(od.baseEjectionMs), max_ejection_percent: od.maxEjectionPercent, enforcing_consecutive_5xx: 100 };
  const lb = e.cluster?.loadBalancer;
  if (lb?.simple === 'LEAST_REQUEST' || lb?.simple === 'LEAST_CONN') c.lb_policy = 'LEAST_REQUEST';
  else if (lb?.simple === 'RANDOM') c.lb_policy = 'RANDOM';
  else if (lb?.consistentHash) c.lb_policy = 'RING_HASH';
  if (e.service) c.metadata = { filter_metadata: { istio: { services: [{ host: e.service.fqdn, name: e.service.name, namespace: e.service.namespace }] } } };
  if (e.cluster && e.cluster.tls !== 'plain') c.transport_socket_matches = [{ name: 'tlsMode-istio', match: { tlsMode: 'istio' }, transport_socket: { name: 'envoy.transport_sockets.tls' } }, { name: 'tlsMode-disabled', match: {}, transport_socket: { name: 'envoy.transport_sockets.raw_buffer' } }];
  return c;
}

/** The route of an Envoy route entry for one Istio route and one of its matches. */
function envoyMatch(m: HttpMatchRequest | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const uri = m?.uri;
  if (uri?.exact !== undefined) out.path = uri.exact;
  else if (uri?.regex !== undefined) out.safe_regex = { regex: uri.regex };
  else out.prefix = uri?.prefix ?? '/';
  if (m?.ignoreUriCase) out.case_sensitive = false;
  const headers = Object.entries(m?.headers ?? {}).map(([name, sm]) => ({ name, string_match: stringMatch(sm) }));
  const absent = Object.entries(m?.withoutHeaders ?? {}).map(([name, sm]) => ({ name, string_match: stringMatch(sm), invert_match: true }));
  if (headers.length || absent.length) out.headers = [...headers, ...absent];
  const query = Object.entries(m?.queryParams ?? {}).map(([name, sm]) => ({ name, string_match: stringMatch(sm) }));
  if (query.length) out.query_parameters = query;
  return out;
}

function stringMatch(sm: StringMatch): Record<string, unknown> {
  if (sm.exact !== undefined) return { exact: sm.exact };
  if (sm.prefix !== undefined) return { prefix: sm.prefix };
  if (sm.regex !== undefined) return { safe_regex: { regex: sm.regex } };
  return { present_match: true };
}

/** The port a destination's cluster is on: its own, the request's when the Service has it, else the Service's only one. */
function destinationPort(snap: MeshSnapshot, host: string, port: number | undefined, requestPort: number): number {
  if (port) return port;
  const ports = snap.services.get(host)?.ports ?? [];
  return ports.some((p) => p.port === requestPort) || !ports.length ? requestPort : ports[0].port;
}

function envoyAction(snap: MeshSnapshot, route: Route, requestPort: number): Record<string, unknown> {
  const a = route.action;
  if (a.kind === 'direct') return { direct_response: { status: a.status, body: { inline_string: a.body } } };
  if (a.kind === 'redirect') return { redirect: { ...(a.uri ? { path_redirect: a.uri } : {}), ...(a.authority ? { host_redirect: a.authority } : {}), response_code: a.status === 301 ? 'MOVED_PERMANENTLY' : a.status === 302 ? 'FOUND' : a.status === 303 ? 'SEE_OTHER' : a.status === 307 ? 'TEMPORARY_REDIRECT' : 'PERMANENT_REDIRECT' } };
  const name = (d: { host: string; subset?: string; port?: number }) => clusterName('outbound', destinationPort(snap, d.host, d.port, requestPort), d.subset ?? '', d.host);
  const r: Record<string, unknown> = {};
  if (!a.destinations.length) r.cluster_header = ':authority';
  else if (a.destinations.length === 1) r.cluster = name(a.destinations[0]);
  else r.weighted_clusters = { clusters: a.destinations.map((d) => ({ name: name(d), weight: d.weight })), total_weight: a.totalWeight };
  r.timeout = seconds(a.timeoutMs);
  r.retry_policy = {
    retry_on: [...a.retry.on.statuses].filter((s) => !/^\d+$/.test(s)).join(','),
    num_retries: a.retry.attempts,
    ...(a.retry.perTryTimeoutMs ? { per_try_timeout: seconds(a.retry.perTryTimeoutMs) } : {}),
    ...([...a.retry.on.statuses].some((s) => /^\d+$/.test(s)) ? { retriable_status_codes: [...a.retry.on.statuses].filter((s) => /^\d+$/.test(s)).map(Number) } : {}),
    retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts' }],
    host_selection_retry_max_attempts: '5',
  };
  if (a.rewrite?.uri !== undefined) r.prefix_rewrite = a.rewrite.uri;
  if (a.rewrite?.authority) r.host_rewrite_literal = a.rewrite.authority;
  if (a.mirror && a.mirror.route.action.kind === 'forward' && a.mirror.route.action.destinations[0]) {
    r.request_mirror_policies = [{ cluster: name(a.mirror.route.action.destinations[0]), runtime_fraction: { default_value: { numerator: Math.round(a.mirror.percent * 10000), denominator: 'MILLION' } }, trace_sampled: false }];
  }
  const out: Record<string, unknown> = { route: r };
  if (a.fault) {
    out.typed_per_filter_config = {
      'envoy.filters.http.fault': {
        '@type': `${TYPE}envoy.extensions.filters.http.fault.v3.HTTPFault`,
        ...(a.fault.delay ? { delay: { fixed_delay: seconds(a.fault.delay.ms), percentage: { numerator: Math.round(a.fault.delay.percent * 10000), denominator: 'MILLION' } } } : {}),
        ...(a.fault.abort ? { abort: { http_status: a.fault.abort.status, percentage: { numerator: Math.round(a.fault.abort.percent * 10000), denominator: 'MILLION' } } } : {}),
      },
    };
  }
  return out;
}

function envoyRoutes(snap: MeshSnapshot, vh: VirtualHost | undefined, routes: Route[], requestPort: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const route of routes) {
    const matches: Array<HttpMatchRequest | undefined> = route.matches?.length ? route.matches : [undefined];
    for (const m of matches) {
      const entry: Record<string, unknown> = { match: envoyMatch(m), ...envoyAction(snap, route, requestPort) };
      entry.name = m?.name ?? (vh ? undefined : 'default');
      if (entry.name === undefined) delete entry.name;
      if (vh) entry.metadata = { filter_metadata: { istio: { config: `/apis/networking.istio.io/v1/namespaces/${vh.namespace}/virtual-service/${vh.name}` } } };
      out.push(entry);
    }
  }
  return out;
}

const hostMatches = (pattern: string, fqdn: string) => pattern === fqdn || pattern === '*' || (pattern.startsWith('*.') && fqdn.endsWith(pattern.slice(1)));

/** Cluster DNS names a sidecar's virtual host answers to, as Istio lists them. */
function serviceDomains(svc: ServiceInfo): string[] {
  return [svc.fqdn, svc.name, `${svc.name}.${svc.namespace}.svc`, `${svc.name}.${svc.namespace}`];
}

interface RouteConfig {
  name: string;
  virtual_hosts: Array<{ name: string; domains: string[]; routes: Record<string, unknown>[]; include_request_attempt_count?: boolean }>;
  validate_clusters: boolean;
}

function routeConfigs(v: ProxyView): RouteConfig[] {
  const { snap } = v;
  if (v.role === 'router') {
    const byPort = new Map<string, RouteConfig>();
    for (const l of v.gatewayListeners) {
      const name = `http.${l.port ?? 80}`;
      const rc = byPort.get(name) ?? { name, virtual_hosts: [], validate_clusters: false };
      byPort.set(name, rc);
      for (const host of l.hosts) {
        const vhs = (snap.routes.listeners.get(l.key) ?? []).filter((vh) => vh.hosts.some((h) => h === '*' || h === host || host === '*' || hostMatches(host, h)));
        const routes = vhs.flatMap((vh) => envoyRoutes(snap, vh, vh.routes, 80));
        if (!routes.length) continue;
        rc.virtual_hosts.push({ name: `${host}:80`, domains: host === '*' ? ['*'] : [host, `${host}:*`], routes, include_request_attempt_count: true });
      }
    }
    return [...byPort.values()];
  }
  const mesh = snap.routes.listeners.get('mesh') ?? [];
  const byPort = new Map<number, RouteConfig>();
  for (const svc of [...snap.services.values()].sort((a, b) => a.fqdn.localeCompare(b.fqdn))) {
    for (const p of svc.ports) {
      if (!isHttpPort(p.name) || byPort.get(p.port)?.virtual_hosts.some((vh) => vh.name === `${svc.fqdn}:${p.port}`)) continue;
      const rc = byPort.get(p.port) ?? { name: String(p.port), virtual_hosts: [], validate_clusters: false };
      byPort.set(p.port, rc);
      const vhs = mesh.filter((vh) => vh.hosts.some((h) => hostMatches(h, svc.fqdn)));
      const routes = vhs.length
        ? vhs.flatMap((vh) => envoyRoutes(snap, vh, vh.routes, p.port))
        : envoyRoutes(snap, undefined, [snap.routes.passthrough.get(`${svc.fqdn}:${p.port}`)!].filter(Boolean), p.port);
      const domains = serviceDomains(svc);
      rc.virtual_hosts.push({ name: `${svc.fqdn}:${p.port}`, domains: p.port === 80 ? domains : [...domains, ...domains.map((d) => `${d}:${p.port}`)], routes, include_request_attempt_count: true });
    }
  }
  for (const rc of byPort.values()) rc.virtual_hosts.push({ name: 'allow_any', domains: ['*'], routes: [{ name: 'allow_any', match: { prefix: '/' }, route: { cluster: 'PassthroughCluster', timeout: '0s', max_grpc_timeout: '0s' } }], include_request_attempt_count: true });
  return [...byPort.entries()].sort((a, b) => a[0] - b[0]).map(([, rc]) => rc);
}

const httpManager = (routeName: string) => ({
  name: 'envoy.filters.network.http_connection_manager',
  typed_config: { '@type': `${TYPE}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`, stat_prefix: `outbound_0.0.0.0_${routeName}`, rds: { config_source: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' }, route_config_name: routeName } },
});
const inlineRoutes = (paths: string[], cluster: string) => ({
  name: 'envoy.filters.network.http_connection_manager',
  typed_config: { '@type': `${TYPE}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`, stat_prefix: cluster, route_config: { virtual_hosts: [{ name: 'backend', domains: ['*'], routes: paths.map((prefix) => ({ match: { prefix }, route: { cluster } })) }] } },
});
const tcpProxy = (cluster: string) => ({ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': `${TYPE}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`, stat_prefix: cluster, cluster } });

function listener(address: string, port: number, filterChains: unknown[], extra: Record<string, unknown> = {}) {
  return { '@type': `${TYPE}envoy.config.listener.v3.Listener`, name: `${address}_${port}`, address: { socket_address: { address, port_value: port } }, filter_chains: filterChains, ...extra };
}

function listeners(v: ProxyView): Record<string, unknown>[] {
  const health = listener('0.0.0.0', 15021, [{ filters: [inlineRoutes(['/healthz/ready'], 'agent')] }]);
  const prom = listener('0.0.0.0', 15090, [{ filters: [inlineRoutes(['/stats/prometheus'], 'prometheus_stats')] }]);
  if (v.role === 'router') {
    const ports = [...new Set(v.gatewayListeners.map((l) => l.port ?? 80))].sort((a, b) => a - b);
    const gw = ports.map((port) => listener('0.0.0.0', port, [{ filters: [httpManager(`http.${port}`)] }]));
    return [...gw, health, prom];
  }
  const out: Record<string, unknown>[] = [];
  const ports = new Map<number, string | undefined>();
  for (const svc of v.snap.services.values()) for (const p of svc.ports) if (!ports.has(p.port) || isHttpPort(p.name)) ports.set(p.port, p.name);
  for (const [port, name] of [...ports].sort((a, b) => a[0] - b[0])) {
    if (isHttpPort(name)) {
      out.push(listener('0.0.0.0', port, [
        { filter_chain_match: { transport_protocol: 'raw_buffer', application_protocols: ['http/1.1', 'h2c'] }, filters: [httpManager(String(port))] },
        { filter_chain_match: {}, filters: [tcpProxy('PassthroughCluster')] },
      ], { traffic_direction: 'OUTBOUND', bind_to_port: false }));
    } else {
      const svc = [...v.snap.services.values()].find((s) => s.ports.some((p) => p.port === port))!;
      out.push(listener('0.0.0.0', port, [{ filters: [tcpProxy(clusterName('outbound', port, '', svc.fqdn))] }], { traffic_direction: 'OUTBOUND', bind_to_port: false }));
    }
  }
  out.push(
    listener('0.0.0.0', 15001, [{ filter_chain_match: {}, filters: [tcpProxy('PassthroughCluster')] }], { traffic_direction: 'OUTBOUND', use_original_dst: true }),
    listener('0.0.0.0', 15006, [{ filter_chain_match: { transport_protocol: 'tls', application_protocols: ['istio-http/1.0', 'istio-http/1.1', 'istio-h2'], prefix_ranges: [{ address_prefix: '0.0.0.0', prefix_len: 0 }] }, filters: [tcpProxy('InboundPassthroughCluster')] }], { traffic_direction: 'INBOUND' }),
    health,
    prom,
  );
  return out;
}

/** The node identity Envoy reports: `sidecar~10.244.0.12~productpage-v1-….default~default.svc.cluster.local`. */
function node(v: ProxyView) {
  const p = v.proxy;
  return {
    id: `${v.role}~${p.ip}~${p.pod}.${p.namespace}~${p.namespace}.svc.cluster.local`,
    cluster: `${p.app}.${p.namespace}`,
    metadata: { CLUSTER_ID: 'Kubernetes', ISTIO_VERSION: v.version, LABELS: p.labels, MESH_ID: 'cluster.local', NAME: p.pod, NAMESPACE: p.namespace, SERVICE_ACCOUNT: p.serviceAccount, WORKLOAD_NAME: p.workload },
    user_agent_name: 'envoy',
  };
}

export function bootstrap(v: ProxyView): Record<string, unknown> {
  return {
    node: node(v),
    static_resources: { clusters: clusterEntries(v).filter((e) => ['agent', 'prometheus_stats', 'sds-grpc', 'xds-grpc', 'zipkin'].includes(e.name)).map(envoyCluster) },
    dynamic_resources: { lds_config: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' }, cds_config: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' }, ads_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] } },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 15000 } }, profile_path: '/var/lib/istio/data/envoy.prof' },
  };
}

/** `GET config_dump`: Envoy's ConfigDump with bootstrap, clusters, listeners, routes and secrets. */
export function configDump(v: ProxyView, opts: { includeEds?: boolean } = {}): Record<string, unknown> {
  const version = v.updated.toISOString();
  const stamp = { version_info: version, last_updated: version };
  const entries = clusterEntries(v);
  const isStatic = (e: ClusterEntry) => e.type === 'STATIC' || e.name === 'zipkin';
  const configs: Record<string, unknown>[] = [
    { '@type': `${TYPE}envoy.admin.v3.BootstrapConfigDump`, bootstrap: bootstrap(v), last_updated: version },
    {
      '@type': `${TYPE}envoy.admin.v3.ClustersConfigDump`,
      version_info: version,
      static_clusters: entries.filter(isStatic).map((e) => ({ cluster: envoyCluster(e), last_updated: version })),
      dynamic_active_clusters: entries.filter((e) => !isStatic(e)).map((e) => ({ ...stamp, cluster: envoyCluster(e) })),
    },
    { '@type': `${TYPE}envoy.admin.v3.ListenersConfigDump`, version_info: version, dynamic_listeners: listeners(v).map((l) => ({ name: l.name, active_state: { ...stamp, listener: l } })) },
    { '@type': `${TYPE}envoy.admin.v3.ScopedRoutesConfigDump` },
    { '@type': `${TYPE}envoy.admin.v3.RoutesConfigDump`, dynamic_route_configs: routeConfigs(v).map((rc) => ({ ...stamp, route_config: { '@type': `${TYPE}envoy.config.route.v3.RouteConfiguration`, ...rc } })) },
    {
      '@type': `${TYPE}envoy.admin.v3.SecretsConfigDump`,
      dynamic_active_secrets: [
        { name: 'default', ...stamp, secret: { '@type': `${TYPE}envoy.extensions.transport_sockets.tls.v3.Secret`, name: 'default', tls_certificate: { certificate_chain: { inline_bytes: '' }, private_key: { inline_bytes: base64Encode('[redacted]') } } } },
        { name: 'ROOTCA', ...stamp, secret: { '@type': `${TYPE}envoy.extensions.transport_sockets.tls.v3.Secret`, name: 'ROOTCA', validation_context: { trusted_ca: { inline_bytes: '' } } } },
      ],
    },
  ];
  if (opts.includeEds) {
    configs.push({
      '@type': `${TYPE}envoy.admin.v3.EndpointsConfigDump`,
      dynamic_endpoint_configs: entries.filter((e) => e.type === 'EDS').map((e) => ({ ...stamp, endpoint_config: { '@type': `${TYPE}envoy.config.endpoint.v3.ClusterLoadAssignment`, cluster_name: e.name, endpoints: e.endpoints.length ? [{ locality: {}, lb_endpoints: e.endpoints.map((ep) => ({ endpoint: { address: { socket_address: { address: ep.workload.ip, port_value: ep.port } } }, health_status: 'HEALTHY', load_balancing_weight: 1 })) }] : [] } })),
    });
  }
  return { configs };
}

function hostHealth(v: ProxyView, e: ClusterEntry, w: Workload): { eds: string; outlier: boolean } {
  return { eds: w.ready ? 'HEALTHY' : 'UNHEALTHY', outlier: e.type === 'EDS' && v.ejected(e.name, w) };
}

/** `GET clusters?format=json`: each cluster's hosts and their health. */
export function clustersJson(v: ProxyView): Record<string, unknown> {
  return {
    cluster_statuses: clusterEntries(v).map((e) => ({
      name: e.name,
      added_via_api: e.type !== 'STATIC',
      host_statuses: [
        ...e.endpoints.map(({ workload, port }) => {
          const h = hostHealth(v, e, workload);
          return { address: { socket_address: { address: workload.ip, port_value: port } }, health_status: { eds_health_status: h.eds, ...(h.outlier ? { failed_outlier_check: true } : {}) }, weight: 1, locality: {} };
        }),
        ...(e.staticAddress ? [{ address: { socket_address: { address: e.staticAddress.address, port_value: e.staticAddress.port } }, health_status: { eds_health_status: 'HEALTHY' }, weight: 1, locality: {} }] : []),
      ],
    })),
  };
}

/** `GET clusters`: Envoy's text form, one `cluster::host::field::value` line per fact. */
export function clustersText(v: ProxyView): string {
  const lines: string[] = [];
  for (const e of clusterEntries(v)) {
    const pool = e.cluster?.connectionPool;
    const n = e.name;
    lines.push(`${n}::observability_name::${n}`);
    for (const [priority, key, value] of [['default', 'max_connections', pool?.maxConnections], ['default', 'max_pending_requests', pool?.maxPending], ['default', 'max_requests', pool?.maxRequests], ['default', 'max_retries', undefined]] as const) {
      lines.push(`${n}::${priority}_priority::${key}::${value ?? 4294967295}`);
    }
    for (const p of ['max_connections', 'max_pending_requests', 'max_requests', 'max_retries']) lines.push(`${n}::high_priority::${p}::1024`);
    lines.push(`${n}::added_via_api::${e.type !== 'STATIC'}`);
    for (const { workload, port } of e.endpoints) {
      const h = hostHealth(v, e, workload);
      const host = `${n}::${workload.ip}:${port}`;
      const flags = [h.eds === 'HEALTHY' ? '' : '/eds_health_status_unhealthy', h.outlier ? '/failed_outlier_check' : ''].join('');
      lines.push(`${host}::cx_active::0`, `${host}::rq_active::0`, `${host}::health_flags::${flags || 'healthy'}`, `${host}::weight::1`, `${host}::region::`, `${host}::zone::`, `${host}::sub_zone::`, `${host}::canary::false`, `${host}::priority::0`, `${host}::success_rate::-1`, `${host}::local_origin_success_rate::-1`);
    }
  }
  return lines.join('\n') + '\n';
}

/** `GET listeners`: `name::address:port` lines, or with `format=json` Envoy's ListenerStatuses. */
export function listenerStatuses(v: ProxyView, format: 'text' | 'json'): string {
  const all = listeners(v) as Array<{ name: string; address: { socket_address: { address: string; port_value: number } } }>;
  if (format === 'json') return JSON.stringify({ listener_statuses: all.map((l) => ({ name: l.name, local_address: l.address })) }, null, 1) + '\n';
  return all.map((l) => `${l.name}::${l.address.socket_address.address}:${l.address.socket_address.port_value}`).join('\n') + '\n';
}

/** `GET server_info`: Envoy's ServerInfo, trimmed. */
export function serverInfo(v: ProxyView, uptimeSeconds: number): Record<string, unknown> {
  return {
    version: `envoy/1.36.2/Clean/RELEASE/BoringSSL (istio proxy ${v.version})`,
    state: 'LIVE',
    hot_restart_version: 'disabled',
    command_line_options: { base_id: '0', concurrency: 2, config_path: 'etc/istio/proxy/envoy-rev.json', log_level: 'warning', service_cluster: node(v).cluster, service_node: node(v).id, drain_strategy: 'Immediate' },
    node: node(v),
    uptime_current_epoch: `${uptimeSeconds}s`,
    uptime_all_epochs: `${uptimeSeconds}s`,
  };
}
