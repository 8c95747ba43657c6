import type { ObjectStore } from '../apiserver/store.ts';
import type { KubeObject } from '../apiserver/types.ts';
import { qualifyHost } from './hosts.ts';
import type { HttpMatchRequest } from './match.ts';
import type { Workload } from '../app-runtime/types.ts';

/**
 * The desired state the proxies act on, rebuilt from the ObjectStore after every change.
 * Immutable once built, so a request in flight keeps a consistent view.
 */
export interface MeshSnapshot {
  namespaces: Set<string>;
  services: Map<string, ServiceInfo>;
  pods: Workload[];
  /** Every mesh VirtualService in creation order (oldest wins, as in Istio's merge). */
  virtualServices: VirtualServiceInfo[];
  destinationRules: Map<string, DestinationRuleInfo>;
  gateways: GatewayInfo[];
  serviceEntryHosts: Set<string>;
  peerAuthentications: KubeObject[];
  authorizationPolicies: KubeObject[];
  /** The ingress gateway pod, if the control plane has one. */
  ingressPod?: Workload;
}

export interface ServicePort {
  port: number;
  name?: string;
  targetPort: number;
}

export interface ServiceInfo {
  name: string;
  namespace: string;
  fqdn: string;
  ports: ServicePort[];
  /** Ready pods matched by the selector. */
  readyPods: Workload[];
  /** The subset of readyPods that are in the mesh (have a sidecar): the only ones sidecars send to. */
  endpoints: Workload[];
}

export interface HttpRoute {
  name?: string;
  match?: HttpMatchRequest[];
  route?: Array<{ destination: { host: string; subset?: string; port?: { number?: number } }; weight?: number; headers?: { request?: HeaderOps; response?: HeaderOps } }>;
  mirror?: { host: string; subset?: string; port?: { number?: number } };
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
  headers?: { request?: HeaderOps; response?: HeaderOps };
}

export interface HeaderOps {
  set?: Record<string, string>;
  add?: Record<string, string>;
  remove?: string[];
}

export interface VirtualServiceInfo {
  name: string;
  namespace: string;
  /** Hosts as FQDNs (short names resolved in the VS namespace) or wildcards. */
  hosts: string[];
  /** `mesh` and/or `<ns>/<gateway>`. */
  gateways: string[];
  http: HttpRoute[];
  created: string;
}

export interface DestinationRuleInfo {
  name: string;
  namespace: string;
  host: string;
  trafficPolicy?: any;
  subsets: Array<{ name: string; labels?: Record<string, string>; trafficPolicy?: any }>;
}

export interface GatewayInfo {
  name: string;
  namespace: string;
  key: string;
  selector: Record<string, string>;
  servers: Array<{ port?: { number?: number; protocol?: string; name?: string }; hosts?: string[] }>;
}

const kind = (store: ObjectStore, group: string, plural: string) => store.registry.mustGet(group, plural);

export function workloadOf(pod: KubeObject): Workload {
  const labels = pod.metadata.labels ?? {};
  const owner = pod.metadata.ownerReferences?.find((o) => o.controller) ?? pod.metadata.ownerReferences?.[0];
  let workload = pod.metadata.name;
  if (owner?.kind === 'ReplicaSet') workload = owner.name.replace(/-[a-z0-9]+$/, '');
  else if (owner) workload = owner.name;
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  const conditions: any[] = pod.status?.conditions ?? [];
  return {
    pod: pod.metadata.name,
    namespace: pod.metadata.namespace ?? 'default',
    uid: pod.metadata.uid ?? pod.metadata.name,
    ip: pod.status?.podIP ?? '',
    labels,
    app: labels.app ?? labels['app.kubernetes.io/name'] ?? labels.istio ?? workload,
    version: labels.version ?? labels['app.kubernetes.io/version'] ?? 'latest',
    workload,
    serviceAccount: pod.spec?.serviceAccountName ?? pod.spec?.serviceAccount ?? 'default',
    hasSidecar: containers.some((c: any) => c.name === 'istio-proxy'),
    ready:
      pod.status?.phase === 'Running' &&
      !pod.metadata.deletionTimestamp &&
      conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
  };
}

export function buildSnapshot(store: ObjectStore): MeshSnapshot {
  const namespaces = new Set(store.list(kind(store, '', 'namespaces')).map((n) => n.metadata.name));
  const podObjects = store.list(kind(store, '', 'pods'));
  const pods = podObjects.map(workloadOf);

  const services = new Map<string, ServiceInfo>();
  for (const svc of store.list(kind(store, '', 'services'))) {
    const ns = svc.metadata.namespace ?? 'default';
    const selector: Record<string, string> | undefined = svc.spec?.selector;
    const selected = selector && Object.keys(selector).length
      ? pods.filter((p) => p.namespace === ns && p.ready && Object.entries(selector).every(([k, v]) => p.labels[k] === v))
      : [];
    const fqdn = `${svc.metadata.name}.${ns}.svc.cluster.local`;
    services.set(fqdn, {
      name: svc.metadata.name,
      namespace: ns,
      fqdn,
      ports: (svc.spec?.ports ?? []).map((p: any) => ({ port: Number(p.port), name: p.name, targetPort: typeof p.targetPort === 'number' ? p.targetPort : Number(p.port) })),
      readyPods: selected,
      endpoints: selected.filter((p) => p.hasSidecar),
    });
  }

  const virtualServices: VirtualServiceInfo[] = store
    .list(kind(store, 'networking.istio.io', 'virtualservices'))
    .map((vs) => {
      const ns = vs.metadata.namespace ?? 'default';
      const gws: string[] = vs.spec?.gateways?.length ? vs.spec.gateways : ['mesh'];
      return {
        name: vs.metadata.name,
        namespace: ns,
        hosts: (vs.spec?.hosts ?? []).map((h: string) => qualifyHost(h, ns, namespaces)),
        gateways: gws.map((g) => gatewayKey(g, ns)),
        http: (vs.spec?.http ?? []).map((r: HttpRoute) => ({
          ...r,
          match: r.match?.map((m) => (m.gateways ? { ...m, gateways: m.gateways.map((g) => gatewayKey(g, ns)) } : m)),
        })),
        created: `${vs.metadata.creationTimestamp ?? ''}/${vs.metadata.name}`,
      };
    })
    .sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : 0));

  const destinationRules = new Map<string, DestinationRuleInfo>();
  const drs = [...store.list(kind(store, 'networking.istio.io', 'destinationrules'))].sort((a, b) =>
    String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)),
  );
  for (const dr of drs) {
    const ns = dr.metadata.namespace ?? 'default';
    const host = qualifyHost(String(dr.spec?.host ?? ''), ns, namespaces);
    if (destinationRules.has(host)) continue; // the oldest rule for a host wins
    destinationRules.set(host, { name: dr.metadata.name, namespace: ns, host, trafficPolicy: dr.spec?.trafficPolicy, subsets: dr.spec?.subsets ?? [] });
  }

  const gateways: GatewayInfo[] = store.list(kind(store, 'networking.istio.io', 'gateways')).map((g) => ({
    name: g.metadata.name,
    namespace: g.metadata.namespace ?? 'default',
    key: `${g.metadata.namespace ?? 'default'}/${g.metadata.name}`,
    selector: g.spec?.selector ?? {},
    servers: g.spec?.servers ?? [],
  }));

  const serviceEntryHosts = new Set<string>();
  for (const se of store.list(kind(store, 'networking.istio.io', 'serviceentries'))) for (const h of se.spec?.hosts ?? []) serviceEntryHosts.add(String(h).toLowerCase());

  const ingressPod = pods.find((p) => p.namespace === 'istio-system' && p.labels.istio === 'ingressgateway' && p.ready);

  return {
    namespaces,
    services,
    pods,
    virtualServices,
    destinationRules,
    gateways,
    serviceEntryHosts,
    peerAuthentications: store.list(kind(store, 'security.istio.io', 'peerauthentications')),
    authorizationPolicies: store.list(kind(store, 'security.istio.io', 'authorizationpolicies')),
    ingressPod,
  };
}

/** `bookinfo-gateway` in namespace default → `default/bookinfo-gateway`; `mesh` stays `mesh`. */
export function gatewayKey(ref: string, namespace: string): string {
  if (ref === 'mesh') return 'mesh';
  return ref.includes('/') ? ref : `${namespace}/${ref.split('.')[0]}`;
}

/** Whether a label selector (matchLabels map) selects the workload. */
export function selects(selector: Record<string, string> | undefined, w: Workload): boolean {
  return !!selector && Object.entries(selector).every(([k, v]) => w.labels[k] === v);
}

