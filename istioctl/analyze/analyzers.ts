import {
  type Message,
  type Origin,
  gatewayPortNotOnWorkload,
  namespaceMultipleInjectionLabels,
  namespaceNotInjected,
  negativeConditionStatus,
  portNameNotUnderNamingConvention,
  referencedResourceNotFound,
  unknownAnnotation,
} from './messages.ts';

/** A resource as the analyzers see it, from the cluster or from a file. */
export interface Resource {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  /** What the cluster reports (a resource from a file has none). */
  status?: any;
  /** `file:line` when it came from a file. */
  source?: string;
}

export interface World {
  namespaces: Resource[];
  pods: Resource[];
  services: Resource[];
  virtualServices: Resource[];
  gateways: Resource[];
  destinationRules: Resource[];
  serviceEntries: Resource[];
  authorizationPolicies: Resource[];
  /** Gateway API Gateways (kind `Gateway` of gateway.networking.k8s.io). */
  k8sGateways: Resource[];
  httpRoutes: Resource[];
}

const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage', 'istio-system']);
const origin = (r: Resource): Origin => ({ kind: r.kind, namespace: r.metadata.namespace, name: r.metadata.name, source: r.source });
const arr = <T>(v: unknown): T[] => (Array.isArray(v) ? v : []);

/** A host as Istio resolves it from a namespace: short names take that namespace. */
function fqdn(host: string, namespace: string): string {
  if (host.includes('*')) return host;
  const parts = host.split('.');
  if (parts.length === 1) return `${host}.${namespace}.svc.cluster.local`;
  if (parts.length === 2) return `${host}.svc.cluster.local`;
  if (parts[2] === 'svc' && parts.length === 3) return `${host}.cluster.local`;
  return host;
}

function knownHosts(w: World): Set<string> {
  const hosts = new Set<string>();
  for (const s of w.services) hosts.add(`${s.metadata.name}.${s.metadata.namespace ?? 'default'}.svc.cluster.local`);
  for (const se of w.serviceEntries) for (const h of arr<string>(se.spec?.hosts)) hosts.add(h);
  return hosts;
}

const hostKnown = (hosts: Set<string>, host: string) => hosts.has(host) || [...hosts].some((h) => h.startsWith('*.') && host.endsWith(h.slice(1)));

/** IST0101 for VirtualServices: gateways, destination hosts and subsets that do not exist. */
function virtualServiceReferences(w: World): Message[] {
  const out: Message[] = [];
  const hosts = knownHosts(w);
  const gateways = new Set(w.gateways.map((g) => `${g.metadata.namespace ?? 'default'}/${g.metadata.name}`));
  const subsets = new Map<string, Set<string>>();
  for (const dr of w.destinationRules) {
    const key = fqdn(String(dr.spec?.host ?? ''), dr.metadata.namespace ?? 'default');
    const set = subsets.get(key) ?? new Set<string>();
    for (const s of arr<any>(dr.spec?.subsets)) set.add(String(s?.name));
    subsets.set(key, set);
  }
  for (const vs of w.virtualServices) {
    const ns = vs.metadata.namespace ?? 'default';
    for (const g of [...arr<string>(vs.spec?.gateways), ...arr<any>(vs.spec?.http).flatMap((h) => arr<any>(h?.match).flatMap((m) => arr<string>(m?.gateways)))]) {
      if (g === 'mesh') continue;
      const key = g.includes('/') ? g : `${ns}/${g.split('.')[0]}`;
      if (!gateways.has(key)) out.push(referencedResourceNotFound(origin(vs), 'gateway', g));
    }
    const destinations = ['http', 'tcp', 'tls'].flatMap((k) => arr<any>(vs.spec?.[k])).flatMap((r) => [...arr<any>(r?.route).map((d) => d?.destination), r?.mirror, ...arr<any>(r?.mirrors).map((m) => m?.destination)]).filter(Boolean);
    for (const d of destinations) {
      const host = fqdn(String(d.host ?? ''), ns);
      if (!hostKnown(hosts, host)) {
        out.push(referencedResourceNotFound(origin(vs), 'host', d.host));
        continue;
      }
      if (d.subset && !subsets.get(host)?.has(d.subset)) out.push(referencedResourceNotFound(origin(vs), 'host+subset in destinationrule', `${d.host}+${d.subset}`));
    }
  }
  return out;
}

const selects = (selector: Record<string, string>, labels: Record<string, string> | undefined) => Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/** IST0101 for a Gateway whose selector picks no pod, IST0104 for a server port no Service of its pods exposes. */
function gatewayWorkloads(w: World): Message[] {
  const out: Message[] = [];
  for (const gw of w.gateways) {
    const selector: Record<string, string> = gw.spec?.selector ?? {};
    const selectorText = Object.entries(selector).map(([k, v]) => `${k}=${v}`).sort().join(',');
    const pods = w.pods.filter((p) => selects(selector, p.metadata.labels));
    if (!pods.length) {
      out.push(referencedResourceNotFound(origin(gw), 'selector', selectorText));
      continue;
    }
    const ports = new Set<number>();
    for (const s of w.services) {
      const sel = s.spec?.selector;
      if (!sel || !Object.keys(sel).length) continue;
      // A Gateway's server port is where the proxy listens: the Service's target port, not its port.
      if (pods.some((p) => p.metadata.namespace === s.metadata.namespace && selects(sel, p.metadata.labels))) for (const p of arr<any>(s.spec?.ports)) ports.add(Number(p.targetPort ?? p.port));
    }
    for (const server of arr<any>(gw.spec?.servers)) {
      const port = Number(server?.port?.number);
      if (port && !ports.has(port)) out.push(gatewayPortNotOnWorkload(origin(gw), selectorText, port));
    }
  }
  return out;
}

const INJECTION_LABEL = 'istio-injection';
const REVISION_LABEL = 'istio.io/rev';
const DATAPLANE_MODE_LABEL = 'istio.io/dataplane-mode';

/** IST0102 for a namespace neither injected nor ambient; IST0123 for one that asks for more than one data plane. */
function namespaceInjection(w: World, analyzed: (ns: string) => boolean): Message[] {
  const out: Message[] = [];
  for (const ns of w.namespaces) {
    const name = ns.metadata.name;
    if (!analyzed(name) || name === 'istio-system') continue;
    const l = ns.metadata.labels ?? {};
    const injection = l[INJECTION_LABEL];
    // A namespace that disables injection does not also ask for a revision or ambient.
    const others = [REVISION_LABEL, DATAPLANE_MODE_LABEL].filter((k) => l[k] !== undefined && (injection === undefined || injection === 'enabled'));
    const asked = [...(injection !== undefined ? [`${INJECTION_LABEL}=${injection}`] : []), ...others.map((k) => `${k}=${l[k]}`)];
    if (asked.length > 1) out.push(namespaceMultipleInjectionLabels(name, asked));
    if (l[DATAPLANE_MODE_LABEL] === 'ambient' || SYSTEM_NAMESPACES.has(name)) continue;
    if (injection === undefined && l[REVISION_LABEL] === undefined) out.push(namespaceNotInjected(name));
  }
  return out;
}

/** The condition types whose status, when it is the one listed, Istio reports as negative (IST0171), by kind. */
const NEGATIVE_CONDITIONS: Record<string, Record<string, string>> = {
  Service: { 'istio.io/WaypointBound': 'False' },
  AuthorizationPolicy: { ZtunnelAccepted: 'False', WaypointAccepted: 'False' },
  Gateway: { Accepted: 'False', Programmed: 'False', ResolvedRefs: 'False' },
  HTTPRoute: { Accepted: 'False', Programmed: 'False', ResolvedRefs: 'False' },
};

/** A resource's conditions as the analyzer reads them (a route's, from each of its parents). */
function conditionsOf(r: Resource): any[] {
  if (r.kind === 'HTTPRoute') return arr<any>(r.status?.parents).flatMap((p) => arr<any>(p?.conditions));
  return arr<any>(r.status?.conditions);
}

/** IST0171 for each negative condition the cluster wrote: a waypoint that does not bind, a policy no proxy enforces, a route not accepted. */
function negativeConditions(w: World): Message[] {
  const out: Message[] = [];
  for (const r of [...w.services, ...w.authorizationPolicies, ...w.k8sGateways, ...w.httpRoutes]) {
    const negative = NEGATIVE_CONDITIONS[r.kind] ?? {};
    for (const c of conditionsOf(r)) {
      // A policy bound to some of its targets only is True, yet Istio reports it.
      const partial = r.kind === 'AuthorizationPolicy' && c?.type === 'WaypointAccepted' && c?.reason === 'PartiallyInvalid';
      if (negative[c?.type] === c?.status || partial) out.push(negativeConditionStatus(origin(r), String(c.type), String(c.reason ?? ''), String(c.message ?? '')));
    }
  }
  return out;
}

/** Istio's annotations (the ones a user sets, and the ones the injector writes). */
const KNOWN_ANNOTATIONS = new Set([
  'sidecar.istio.io/inject', 'sidecar.istio.io/status', 'sidecar.istio.io/proxyCPU', 'sidecar.istio.io/proxyCPULimit', 'sidecar.istio.io/proxyMemory', 'sidecar.istio.io/proxyMemoryLimit',
  'sidecar.istio.io/proxyImage', 'sidecar.istio.io/logLevel', 'sidecar.istio.io/componentLogLevel', 'sidecar.istio.io/agentLogLevel', 'sidecar.istio.io/rewriteAppHTTPProbers',
  'sidecar.istio.io/statsInclusionPrefixes', 'sidecar.istio.io/statsInclusionSuffixes', 'sidecar.istio.io/statsInclusionRegexps', 'sidecar.istio.io/userVolume', 'sidecar.istio.io/userVolumeMount',
  'sidecar.istio.io/bootstrapOverride', 'sidecar.istio.io/interceptionMode', 'sidecar.istio.io/extraStatTags', 'sidecar.istio.io/enableCoreDump', 'sidecar.istio.io/statsHistogramBuckets',
  'traffic.sidecar.istio.io/includeOutboundIPRanges', 'traffic.sidecar.istio.io/excludeOutboundIPRanges', 'traffic.sidecar.istio.io/includeInboundPorts', 'traffic.sidecar.istio.io/excludeInboundPorts',
  'traffic.sidecar.istio.io/includeOutboundPorts', 'traffic.sidecar.istio.io/excludeOutboundPorts', 'traffic.sidecar.istio.io/excludeInterfaces', 'traffic.sidecar.istio.io/kubevirtInterfaces',
  'proxy.istio.io/config', 'proxy.istio.io/overrides', 'istio.io/rev', 'istio.io/dry-run', 'inject.istio.io/templates', 'networking.istio.io/exportTo', 'networking.istio.io/traffic-distribution',
  'status.sidecar.istio.io/port', 'readiness.status.sidecar.istio.io/applicationPorts', 'readiness.status.sidecar.istio.io/initialDelaySeconds', 'readiness.status.sidecar.istio.io/periodSeconds',
  'readiness.status.sidecar.istio.io/failureThreshold', 'prometheus.istio.io/merge-metrics', 'ambient.istio.io/redirection', 'gateway.istio.io/controller-version', 'topology.istio.io/controlPlaneClusters',
  'install.operator.istio.io/chart-owner', 'security.istio.io/tlsMode', 'networking.istio.io/service-type', 'istio.io/use-waypoint', 'istio.io/waypoint-for',
]);
const isIstioAnnotation = (key: string) => /(^|\.)istio\.io\//.test(key);

function unknownAnnotations(w: World): Message[] {
  const out: Message[] = [];
  for (const r of [...w.pods, ...w.services, ...w.namespaces]) {
    for (const key of Object.keys(r.metadata.annotations ?? {})) if (isIstioAnnotation(key) && !KNOWN_ANNOTATIONS.has(key)) out.push(unknownAnnotation(origin(r), key));
  }
  return out;
}

/** Port names Istio reads a protocol from: `<protocol>` or `<protocol>-<suffix>`. */
const PROTOCOLS = ['http', 'http2', 'https', 'http-proxy', 'grpc', 'grpc-web', 'h2c', 'tcp', 'tls', 'udp', 'mongo', 'mysql', 'redis'];
const followsConvention = (name: string) => PROTOCOLS.some((p) => name === p || name.startsWith(`${p}-`));

function portNames(w: World): Message[] {
  const out: Message[] = [];
  for (const s of w.services) {
    if (SYSTEM_NAMESPACES.has(s.metadata.namespace ?? '')) continue;
    for (const p of arr<any>(s.spec?.ports)) {
      if (p.appProtocol || followsConvention(String(p.name ?? '').toLowerCase())) continue;
      out.push(portNameNotUnderNamingConvention(origin(s), String(p.name ?? ''), Number(p.port), String(p.targetPort ?? p.port)));
    }
  }
  return out;
}

/** Every analyzer's messages about the analyzed namespaces (`undefined`: all of them). */
export function analyzeWorld(w: World, namespace: string | undefined): Message[] {
  const analyzed = (ns: string | undefined) => namespace === undefined || (ns ?? namespace) === namespace;
  const all = [...virtualServiceReferences(w), ...gatewayWorkloads(w), ...unknownAnnotations(w), ...portNames(w), ...negativeConditions(w)].filter((m) => (m.origin.kind === 'Namespace' ? analyzed(m.origin.name) : analyzed(m.origin.namespace)));
  return [...all, ...namespaceInjection(w, analyzed)];
}
