import type { Clock } from '../../clock.ts';
import type { ObjectStore } from '../apiserver/store.ts';
import type { KubeObject, ResourceType } from '../apiserver/types.ts';
import { rfc3339 } from '../apiserver/object-meta.ts';
import { type Condition, type GatewayApiInputs, type RouteBinding, GATEWAY_GROUP, ISTIO_GATEWAY_CONTROLLER, bindRoutes, managedGateways } from '../mesh/gateway-api-binding.ts';
import { clusterPortOf, declaredGateway } from '../mesh/cluster-ports.ts';
import { collectGarbage } from './garbage-collector.ts';
import { ISTIO_WORKLOADS } from './istio-system.ts';
import { DATAPLANE_MODE_LABEL } from '../istio-api/ambient-labels.ts';
import { INSTALL_REQUEST, PROFILES } from './install-request.ts';
import { resolvedWaypoints } from '../mesh/waypoint-binding.ts';
import { kindsOf } from './kinds.ts';
import { WorkQueue } from './work-queue.ts';

/**
 * Istio's Gateway API controller, as istiod runs it: it creates the built-in GatewayClasses and
 * accepts them; for each Gateway of class `istio` it deploys the gateway proxy (ServiceAccount,
 * Deployment and Service `<name>-istio`, owned by the Gateway) and writes the Gateway's status;
 * for each Gateway of class `istio-waypoint` (the mesh controller's) it deploys the waypoint proxy
 * (all named after the Gateway, ClusterIP); and it writes each HTTPRoute's `status.parents` from
 * the same binding the data plane compiles.
 */

const MESH_CONTROLLER = 'istio.io/mesh-controller';
const BUILTIN_CLASSES = [
  { name: 'istio', controllerName: ISTIO_GATEWAY_CONTROLLER, description: 'The default Istio GatewayClass' },
  { name: 'istio-remote', controllerName: 'istio.io/unmanaged-gateway', description: 'Remote to this cluster. Does not deploy or affect configuration.' },
];
/** Only an ambient control plane (istiod with PILOT_ENABLE_AMBIENT) creates the waypoint class. */
const WAYPOINT_CLASS = { name: 'istio-waypoint', controllerName: MESH_CONTROLLER, description: 'The default Istio waypoint GatewayClass' };
const OUR_CONTROLLERS = new Set([ISTIO_GATEWAY_CONTROLLER, MESH_CONTROLLER, 'istio.io/unmanaged-gateway']);
/** Kinds whose changes can change a Gateway's deployment or status, or a route's binding. */
const WATCHED = new Set(['gateway.networking.k8s.io/GatewayClass', 'gateway.networking.k8s.io/Gateway', 'gateway.networking.k8s.io/HTTPRoute', 'gateway.networking.k8s.io/ReferenceGrant', '/Service', '/Namespace', 'apps/Deployment', 'apps/DaemonSet']);

/** The gateway proxy container, as istio-ingressgateway runs it (image, `proxy router` arguments, readiness). */
const { resources: _resources, ports: _ports, ...ROUTER_PROXY } = ISTIO_WORKLOADS.find((w) => w.name === 'istio-ingressgateway')!.containers[0];

const SERVICE_TYPE_ANNOTATION = 'networking.istio.io/service-type';
const GATEWAY_NAME = 'gateway.networking.k8s.io/gateway-name';
const GATEWAY_CLASS_NAME = 'gateway.networking.k8s.io/gateway-class-name';
const MANAGED = 'gateway.istio.io/managed';

/** What differs between the deployment of an ingress Gateway and of a waypoint. */
interface Flavour {
  /** The ServiceAccount, Deployment and Service name. */
  name: string;
  /** The value of `gateway.istio.io/managed`. */
  managedBy: string;
  defaultServiceType: string;
  /** A waypoint is reached inside the mesh: its status lists its cluster IPs before its host name. */
  clusterAddresses: boolean;
  proxyArgs: string[];
  extraPodLabels: Record<string, string>;
  serviceAnnotations?: Record<string, string>;
}

const WAYPOINT_PROXY_ARGS = ROUTER_PROXY.args.map((a: string) => (a === 'router' ? 'waypoint' : a));

function flavourOf(g: KubeObject, waypoint: boolean): Flavour {
  if (waypoint) {
    return { name: g.metadata.name, managedBy: 'istio.io-mesh-controller', defaultServiceType: 'ClusterIP', clusterAddresses: true, proxyArgs: WAYPOINT_PROXY_ARGS, extraPodLabels: { [DATAPLANE_MODE_LABEL]: 'none' }, serviceAnnotations: { 'networking.istio.io/traffic-distribution': 'PreferClose' } };
  }
  return { name: `${g.metadata.name}-${g.spec.gatewayClassName}`, managedBy: 'istio.io-gateway-controller', defaultServiceType: 'LoadBalancer', clusterAddresses: false, proxyArgs: ROUTER_PROXY.args, extraPodLabels: {} };
}

interface Types {
  classes: ResourceType;
  gateways: ResourceType;
  routes: ResourceType;
  grants: ResourceType;
}

export function startGatewayApiController(store: ObjectStore, clock: Clock): { stop(): void } {
  const r = store.registry;
  const types: Types = { classes: r.mustGet(GATEWAY_GROUP, 'gatewayclasses'), gateways: r.mustGet(GATEWAY_GROUP, 'gateways'), routes: r.mustGet(GATEWAY_GROUP, 'httproutes'), grants: r.mustGet(GATEWAY_GROUP, 'referencegrants') };
  const queue = new WorkQueue('gateway-api-controller', (key) => {
    if (key.startsWith('gc/')) collectGarbage(store, ...(key.slice(3).split('/') as [string, string]));
    else reconcileAll(store, clock, types);
  });
  const unsubscribe = store.onEvent((e) => {
    if (!WATCHED.has(`${e.resource.group}/${e.resource.kind}`)) return;
    if (e.type === 'DELETED' && e.resource === types.gateways && e.object.metadata.uid) queue.add(`gc/${e.object.metadata.namespace}/${e.object.metadata.uid}`);
    queue.add('all');
  });
  queue.add('all');
  return {
    stop() {
      unsubscribe();
      queue.stop();
    },
  };
}

function reconcileAll(store: ObjectStore, clock: Clock, types: Types): void {
  ensureClasses(store, clock, types);
  const kinds = kindsOf(store);
  const services = store.list(kinds.services);
  const inputs: GatewayApiInputs = {
    gatewayClasses: store.list(types.classes),
    gateways: store.list(types.gateways).map(declaredGateway),
    routes: store.list(types.routes),
    grants: store.list(types.grants),
    namespaceLabels: new Map(store.list(kinds.namespaces).map((n) => [n.metadata.name, n.metadata.labels ?? {}])),
    servicePorts: new Map(services.map((s) => [`${s.metadata.name}.${s.metadata.namespace}.svc.cluster.local`, (s.spec?.ports ?? []).map((p: any, i: number) => clusterPortOf(s, p, i))])),
  };
  const bindings = bindRoutes(inputs);
  const waypointClasses = new Set(inputs.gatewayClasses.filter((c) => c.spec?.controllerName === MESH_CONTROLLER).map((c) => c.metadata.name));
  const deployed = [
    ...managedGateways(inputs).map((g) => ({ g, flavour: flavourOf(g, false) })),
    ...inputs.gateways.filter((g) => waypointClasses.has(g.spec?.gatewayClassName)).map((g) => ({ g, flavour: flavourOf(g, true) })),
  ];
  for (const { g, flavour } of deployed) {
    deployGateway(store, g, flavour);
    writeGatewayStatus(store, clock, types, g, flavour, bindings);
  }
  // An ambient istiod also says, per parent, whether a waypoint will apply the route.
  const waypointsOf = ambientEnabled(store) ? (ref: Record<string, unknown>, routeNs: string) => resolvedWaypoints(ref, routeNs, services, inputs.namespaceLabels) : undefined;
  for (const b of bindings) writeRouteStatus(store, clock, types, b, waypointsOf);
}

// ---- GatewayClasses ----------------------------------------------------------------------

/** istiod runs with ambient on when told so, or when installed with a profile that has ztunnel. */
export function ambientEnabled(store: ObjectStore): boolean {
  const kinds = kindsOf(store);
  const istiod = store.get(kinds.deployments, 'istio-system', 'istiod');
  if (!istiod) return false;
  const env: any[] = (istiod.spec?.template?.spec?.containers ?? []).flatMap((c: any) => c.env ?? []);
  if (env.some((e) => e?.name === 'PILOT_ENABLE_AMBIENT' && e?.value === 'true')) return true;
  const profile = store.get(kinds.configmaps, INSTALL_REQUEST.namespace, INSTALL_REQUEST.name)?.data?.profile;
  return Boolean(profile && PROFILES[String(profile)]?.includes('ztunnel'));
}

/** Creates a missing built-in class (never overwriting an edited one) and accepts every class of Istio's controllers. */
function ensureClasses(store: ObjectStore, clock: Clock, types: Types): void {
  const wanted = ambientEnabled(store) ? [...BUILTIN_CLASSES, WAYPOINT_CLASS] : BUILTIN_CLASSES;
  for (const c of wanted) {
    if (store.get(types.classes, undefined, c.name)) continue;
    store.create(types.classes, { apiVersion: `${GATEWAY_GROUP}/v1`, kind: 'GatewayClass', metadata: { name: c.name }, spec: { controllerName: c.controllerName, description: c.description } });
  }
  for (const c of store.list(types.classes)) {
    if (!OUR_CONTROLLERS.has(c.spec?.controllerName)) continue;
    const next = withConditions(c, clock, [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Handled by Istio controller' }]);
    if (next) store.updateStatus(types.classes, next);
  }
}

// ---- the automated deployment --------------------------------------------------------------


function ownerRef(g: KubeObject) {
  return { apiVersion: `${GATEWAY_GROUP}/v1`, kind: 'Gateway', name: g.metadata.name, uid: g.metadata.uid!, controller: true };
}

/** The Service's ports: the status port, then one per distinct listener port, named after its listener. */
function servicePorts(g: KubeObject): any[] {
  const ports: any[] = [{ name: 'status-port', port: 15021, protocol: 'TCP', appProtocol: 'tcp', targetPort: 15021 }];
  const names = new Set(['status-port']);
  for (const l of g.spec?.listeners ?? []) {
    if (ports.some((p) => p.port === l.port)) continue;
    let name = String(l.name).replaceAll('.', '-').slice(0, 63);
    for (let i = 1; names.has(name); i++) name = `${String(l.name).replaceAll('.', '-').slice(0, 60)}-${i}`;
    names.add(name);
    ports.push({ name, port: l.port, protocol: 'TCP', appProtocol: String(l.protocol).toLowerCase(), targetPort: l.port });
  }
  return ports;
}

function deployGateway(store: ObjectStore, g: KubeObject, flavour: Flavour): void {
  const kinds = kindsOf(store);
  const ns = g.metadata.namespace!;
  const name = flavour.name;
  const cls = g.spec.gatewayClassName;
  const labels = { ...(g.spec?.infrastructure?.labels ?? g.metadata.labels ?? {}), [GATEWAY_NAME]: g.metadata.name, [GATEWAY_CLASS_NAME]: cls };
  const managed = { ...labels, [MANAGED]: flavour.managedBy };
  const meta = (l: Record<string, string>) => ({ name, namespace: ns, labels: l, ownerReferences: [ownerRef(g)] });

  if (!store.get(kinds.serviceaccounts, ns, name)) store.create(kinds.serviceaccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(labels) });

  const template = {
    metadata: {
      labels: { ...managed, 'sidecar.istio.io/inject': 'false', 'service.istio.io/canonical-name': name, 'service.istio.io/canonical-revision': 'latest', ...flavour.extraPodLabels },
      annotations: { 'istio.io/rev': 'default', 'prometheus.io/path': '/stats/prometheus', 'prometheus.io/port': '15020', 'prometheus.io/scrape': 'true' },
    },
    spec: {
      serviceAccountName: name,
      containers: [
        {
          ...ROUTER_PROXY,
          args: flavour.proxyArgs,
          ports: [
            { containerPort: 15020, name: 'metrics', protocol: 'TCP' },
            { containerPort: 15021, name: 'status-port', protocol: 'TCP' },
            { containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' },
          ],
        },
      ],
    },
  };
  const deployment = store.get(kinds.deployments, ns, name);
  if (!deployment) {
    store.create(kinds.deployments, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(managed), spec: { replicas: 1, selector: { matchLabels: { [GATEWAY_NAME]: g.metadata.name } }, template } });
  } else if (JSON.stringify(deployment.metadata.labels) !== JSON.stringify(managed) || JSON.stringify(deployment.spec.template?.metadata?.labels) !== JSON.stringify(template.metadata.labels)) {
    store.update(kinds.deployments, { ...deployment, metadata: { ...deployment.metadata, labels: managed }, spec: { ...deployment.spec, template: { ...deployment.spec.template, metadata: { ...deployment.spec.template?.metadata, ...template.metadata } } } });
  }

  const type = g.metadata.annotations?.[SERVICE_TYPE_ANNOTATION] ?? flavour.defaultServiceType;
  const existing = store.get(kinds.services, ns, name);
  // Compared by the ports the Service declares in the cluster: a port the host had to move
  // (port 80 is not every user's to bind) is still the listener's port, not a change to undo.
  const declared = (existing?.spec?.ports ?? []).map((o: any, i: number) => ({ ...o, port: clusterPortOf(existing!, o, i) }));
  const ports = servicePorts(g).map((p) => {
    // Node ports stay as allocated while the Service keeps a type that has them.
    const nodePort = type === 'ClusterIP' ? undefined : declared.find((o: any) => o.port === p.port)?.nodePort;
    return nodePort ? { ...p, nodePort } : p;
  });
  const spec = { type, selector: { [GATEWAY_NAME]: g.metadata.name }, ports, ipFamilyPolicy: 'PreferDualStack' };
  if (!existing) {
    const annotations = flavour.serviceAnnotations;
    store.create(kinds.services, { apiVersion: 'v1', kind: 'Service', metadata: { ...meta(labels), ...(annotations ? { annotations } : {}) }, spec });
    return;
  }
  const same = existing.spec?.type === type && JSON.stringify(declared) === JSON.stringify(ports) && JSON.stringify(existing.metadata.labels) === JSON.stringify(labels);
  if (same) return;
  const next: KubeObject = { ...existing, metadata: { ...existing.metadata, labels }, spec: { ...existing.spec, ...spec } };
  if (type !== 'LoadBalancer') {
    // A Service that is no load balancer has no load-balancer address (nor its settings).
    next.status = { loadBalancer: {} };
    delete next.spec.allocateLoadBalancerNodePorts;
    if (type === 'ClusterIP') delete next.spec.externalTrafficPolicy;
  }
  store.update(kinds.services, next);
}

// ---- status --------------------------------------------------------------------------------

export interface ConditionInput extends Condition {
  type: string;
}

/**
 * The object with these conditions (keeping each one's lastTransitionTime while its status
 * holds), or undefined when nothing would change.
 */
export function withConditions(o: KubeObject, clock: Clock, wanted: ConditionInput[], more?: (status: any) => void): KubeObject | undefined {
  const status = structuredClone(o.status ?? {});
  status.conditions = mergeConditions(status.conditions ?? [], wanted, o.metadata.generation, clock);
  more?.(status);
  if (JSON.stringify(status) === JSON.stringify(o.status ?? {})) return undefined;
  return { ...o, status };
}

function mergeConditions(current: any[], wanted: ConditionInput[], generation: number | undefined, clock: Clock): any[] {
  return wanted
    .map((w) => {
      const before = current.find((c) => c?.type === w.type);
      const lastTransitionTime = before && before.status === w.status && before.lastTransitionTime !== '1970-01-01T00:00:00Z' ? before.lastTransitionTime : rfc3339(clock.now());
      return { lastTransitionTime, message: w.message, observedGeneration: generation ?? 1, reason: w.reason, status: w.status, type: w.type };
    })
    .sort((a, b) => (a.type < b.type ? -1 : 1));
}

/** `a`, `a and b`, `a, b, and c`. */
function humanJoin(items: string[]): string {
  if (items.length <= 2) return items.join(' and ');
  return `${items.slice(0, -1).join(', ')}, and ${items[items.length - 1]}`;
}

function gatewayAddresses(flavour: Flavour, svc: KubeObject | undefined): Array<{ type: string; value: string }> {
  if (!svc) return [];
  const lb: any[] = svc.status?.loadBalancer?.ingress ?? [];
  if (lb.length) return lb.map((i) => (i.ip ? { type: 'IPAddress', value: i.ip } : { type: 'Hostname', value: i.hostname }));
  if (svc.spec?.type === 'LoadBalancer') return [];
  const hostname = { type: 'Hostname', value: `${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local` };
  if (flavour.clusterAddresses) return [...clusterIPsOf(svc).map((value) => ({ type: 'IPAddress', value })), hostname];
  return [hostname];
}

function clusterIPsOf(svc: KubeObject): string[] {
  const ips: string[] = svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : []);
  return ips.filter((ip) => ip && ip !== 'None');
}

function writeGatewayStatus(store: ObjectStore, clock: Clock, types: Types, g: KubeObject, flavour: Flavour, bindings: RouteBinding[]): void {
  const ns = g.metadata.namespace!;
  const svc = store.get(kindsOf(store).services, ns, flavour.name);
  const fqdn = `${flavour.name}.${ns}.svc.cluster.local`;
  const listeners: any[] = g.spec?.listeners ?? [];
  const hostPorts = humanJoin([...new Set(listeners.map((l) => `${fqdn}:${l.port}`))]);
  const addresses = gatewayAddresses(flavour, svc);
  const programmed: ConditionInput = !svc
    ? { type: 'Programmed', status: 'False', reason: 'AddressNotUsable', message: `Failed to assign to any requested addresses: hostname "${fqdn}" not found` }
    : !addresses.length
      ? { type: 'Programmed', status: 'False', reason: 'AddressNotAssigned', message: `Assigned to service(s) ${hostPorts}, but failed to assign to all requested addresses: address pending for hostname "${fqdn}"` }
      : { type: 'Programmed', status: 'True', reason: 'Programmed', message: `Resource programmed, assigned to service(s) ${hostPorts}` };
  const key = `${ns}/${g.metadata.name}`;
  const attached = (listener: string) => bindings.filter((b) => b.parents.some((p) => p.attachments.some((a) => a.gateway === key && a.listener === listener))).length;
  const next = withConditions(
    g,
    clock,
    [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Resource accepted' }, programmed, { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: 'All references resolved' }],
    (status) => {
      // Addresses, once reported, stay until others replace them.
      if (addresses.length) status.addresses = addresses;
      status.listeners = listeners.map((l) => {
        const before = (g.status?.listeners ?? []).find((x: any) => x?.name === l.name);
        const http = l.protocol === 'HTTP' || l.protocol === 'HTTPS';
        return {
          attachedRoutes: attached(l.name),
          conditions: mergeConditions(
            before?.conditions ?? [],
            [
              { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'No errors found' },
              { type: 'Conflicted', status: 'False', reason: 'NoConflicts', message: 'No errors found' },
              { type: 'Programmed', status: 'True', reason: 'Programmed', message: 'No errors found' },
              { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: 'No errors found' },
            ],
            g.metadata.generation,
            clock,
          ),
          name: l.name,
          supportedKinds: http ? [{ group: GATEWAY_GROUP, kind: 'HTTPRoute' }, { group: GATEWAY_GROUP, kind: 'GRPCRoute' }] : [],
        };
      });
    },
  );
  if (next) store.updateStatus(types.gateways, next);
}

function writeRouteStatus(store: ObjectStore, clock: Clock, types: Types, b: RouteBinding, waypointsOf?: (parentRef: Record<string, unknown>, routeNs: string) => Condition): void {
  const route = b.route;
  const current = store.get(types.routes, route.metadata.namespace, route.metadata.name);
  if (!current) return;
  const before: any[] = current.status?.parents ?? [];
  const ours = b.parents.map((p) => {
    const prior = before.find((x) => x?.controllerName === ISTIO_GATEWAY_CONTROLLER && JSON.stringify(x.parentRef) === JSON.stringify(p.parentRef));
    return {
      conditions: mergeConditions(
        prior?.conditions ?? [],
        [{ type: 'Accepted', ...p.accepted }, { type: 'ResolvedRefs', ...b.resolvedRefs }, ...(waypointsOf ? [{ type: 'ResolvedWaypoints', ...waypointsOf(p.parentRef, route.metadata.namespace ?? 'default') }] : [])],
        current.metadata.generation,
        clock,
      ),
      controllerName: ISTIO_GATEWAY_CONTROLLER,
      parentRef: p.parentRef,
    };
  });
  // Entries other controllers wrote are theirs.
  const parents = [...before.filter((x) => x?.controllerName !== ISTIO_GATEWAY_CONTROLLER), ...ours];
  if (JSON.stringify(parents) === JSON.stringify(before)) return;
  store.updateStatus(types.routes, { ...current, status: { ...(current.status ?? {}), parents } });
}
