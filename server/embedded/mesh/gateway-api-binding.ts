import type { KubeObject } from '../apiserver/types.ts';
import { formatLabelSelector, parseLabelSelector } from '../apiserver/selectors.ts';
import { hostPatternMatches } from './hosts.ts';

/**
 * How Gateway API routes bind, as Istio's controller decides it: which Gateway listeners (or
 * Service, for mesh routing) each HTTPRoute's parentRefs attach to and with which host names,
 * and whether each backend resolves. The compiled route plan and the status the controller
 * writes are both read from this one decision.
 */

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
export const ISTIO_GATEWAY_CONTROLLER = 'istio.io/gateway-controller';

export interface Condition {
  status: 'True' | 'False';
  reason: string;
  message: string;
}

export interface GatewayApiInputs {
  gatewayClasses: KubeObject[];
  gateways: KubeObject[];
  routes: KubeObject[];
  grants: KubeObject[];
  /** Namespace labels by name, for `allowedRoutes.namespaces.from: Selector`. */
  namespaceLabels: Map<string, Record<string, string>>;
  /** The ports of each Service, by FQDN. */
  servicePorts: Map<string, number[]>;
}

/** One listener a route attached to, with the host names it serves there. */
export interface Attachment {
  /** The listener's route table key. */
  key: string;
  gateway: string;
  listener: string;
  hostnames: string[];
}

export interface ParentBinding {
  /** The parentRef as the API server defaults it, echoed in status. */
  parentRef: Record<string, unknown>;
  accepted: Condition;
  attachments: Attachment[];
  /** A Service parent: mesh routing for traffic to it (on one port when the parentRef names it). */
  mesh?: { fqdn: string; port?: number };
}

export interface BackendRef {
  host: string;
  port?: number;
  /** Why the reference does not resolve (ResolvedRefs False), if it does not. */
  problem?: { reason: string; message: string };
}

export interface RouteBinding {
  route: KubeObject;
  parents: ParentBinding[];
  resolvedRefs: Condition;
}

const list = <T = any>(v: unknown): T[] => (Array.isArray(v) ? v : []);
const nsOf = (o: KubeObject) => o.metadata.namespace ?? 'default';

/** The route table key of one Gateway API listener. */
export const listenerKey = (namespace: string, gateway: string, listener: string) => `k8s-gateway/${namespace}/${gateway}/${listener}`;

/** Classes Istio's gateway controller implements: `istio`, and any class naming its controller. */
export function managedClasses(classes: KubeObject[]): Set<string> {
  const names = new Set(['istio']);
  for (const c of classes) if (c.spec?.controllerName === ISTIO_GATEWAY_CONTROLLER) names.add(c.metadata.name);
  return names;
}

/** The Gateways Istio's controller programs (their class is one it implements). */
export function managedGateways(inputs: Pick<GatewayApiInputs, 'gatewayClasses' | 'gateways'>): KubeObject[] {
  const classes = managedClasses(inputs.gatewayClasses);
  return inputs.gateways.filter((g) => classes.has(g.spec?.gatewayClassName));
}

/** The listeners a route kind may use: HTTP and HTTPS carry HTTPRoutes. */
const HTTP_PROTOCOLS = new Set(['HTTP', 'HTTPS']);

/** A parentRef with the schema's defaults filled in (group Gateway API, kind Gateway). */
export function defaultedParentRef(ref: any): Record<string, unknown> {
  const out: Record<string, unknown> = { group: ref?.group ?? GATEWAY_GROUP, kind: ref?.kind ?? 'Gateway', name: ref?.name };
  for (const k of ['namespace', 'sectionName', 'port']) if (ref?.[k] !== undefined) out[k] = ref[k];
  return out;
}

/** Host names a route serves on a listener: the intersection of both, `*` when neither sets any. */
export function intersectHostnames(listenerHost: string | undefined, routeHosts: string[]): string[] {
  if (!listenerHost) return routeHosts.length ? routeHosts : ['*'];
  if (!routeHosts.length) return [listenerHost];
  const out = new Set<string>();
  for (const h of routeHosts) {
    if (h === listenerHost || hostPatternMatches(listenerHost, h)) out.add(h);
    else if (hostPatternMatches(h, listenerHost)) out.add(listenerHost);
  }
  return [...out];
}

function allowsNamespace(listener: any, gatewayNs: string, routeNs: string, labels: Map<string, Record<string, string>>): boolean {
  const from = listener.allowedRoutes?.namespaces?.from ?? 'Same';
  if (from === 'All') return true;
  if (from === 'Selector') {
    // An empty selector selects every namespace.
    const selector = formatLabelSelector(listener.allowedRoutes?.namespaces?.selector ?? {});
    return selector === '<none>' || parseLabelSelector(selector)({ metadata: { name: routeNs, labels: labels.get(routeNs) ?? {} } });
  }
  return gatewayNs === routeNs;
}

function allowsKind(listener: any): boolean {
  const kinds = list(listener.allowedRoutes?.kinds);
  if (!HTTP_PROTOCOLS.has(listener.protocol)) return false;
  return !kinds.length || kinds.some((k) => k?.kind === 'HTTPRoute' && (k.group ?? GATEWAY_GROUP) === GATEWAY_GROUP);
}

const ok = (reason: string, message: string): Condition => ({ status: 'True', reason, message });
const fail = (reason: string, message: string): Condition => ({ status: 'False', reason, message });

function bindGatewayParent(route: KubeObject, ref: any, gateways: Map<string, KubeObject>, labels: GatewayApiInputs['namespaceLabels']): Pick<ParentBinding, 'accepted' | 'attachments'> {
  const routeNs = nsOf(route);
  const ns = ref.namespace ?? routeNs;
  const gateway = gateways.get(`${ns}/${ref.name}`);
  if (!gateway) return { accepted: fail('NoMatchingParent', `parent gateway "${ns}/${ref.name}" not found`), attachments: [] };
  let listeners = list(gateway.spec?.listeners);
  if (ref.sectionName !== undefined) {
    listeners = listeners.filter((l) => l?.name === ref.sectionName);
    if (!listeners.length) return { accepted: fail('NoMatchingParent', `sectionName "${ref.sectionName}" not found`), attachments: [] };
  }
  if (ref.port !== undefined) {
    listeners = listeners.filter((l) => l?.port === ref.port);
    if (!listeners.length) return { accepted: fail('NoMatchingParent', `port ${ref.port} not found`), attachments: [] };
  }
  const allowed = listeners.filter((l) => allowsKind(l) && allowsNamespace(l, ns, routeNs, labels));
  if (!allowed.length) return { accepted: fail('NotAllowedByListeners', 'no listeners allowed the route'), attachments: [] };
  const routeHosts = list<string>(route.spec?.hostnames).map((h) => String(h).toLowerCase());
  const attachments: Attachment[] = [];
  for (const l of allowed) {
    const hostnames = intersectHostnames(l.hostname?.toLowerCase(), routeHosts);
    if (hostnames.length) attachments.push({ key: listenerKey(ns, gateway.metadata.name, l.name), gateway: `${ns}/${gateway.metadata.name}`, listener: l.name, hostnames });
  }
  if (!attachments.length) {
    const host = allowed.map((l) => l.hostname).find(Boolean) ?? '';
    return { accepted: fail('NoMatchingListenerHostname', `no hostnames matched parent hostname "${host}"`), attachments: [] };
  }
  return { accepted: ok('Accepted', 'Route was valid'), attachments };
}

function bindServiceParent(route: KubeObject, ref: any, servicePorts: GatewayApiInputs['servicePorts']): Pick<ParentBinding, 'accepted' | 'attachments' | 'mesh'> {
  const ns = ref.namespace ?? nsOf(route);
  const fqdn = `${ref.name}.${ns}.svc.cluster.local`;
  const ports = servicePorts.get(fqdn);
  if (!ports) return { accepted: fail('NoMatchingParent', `parent service: "${ref.name}" not found`), attachments: [] };
  if (ref.port !== undefined && !ports.includes(ref.port)) return { accepted: fail('NoMatchingParent', `port ${ref.port} not found`), attachments: [] };
  return { accepted: ok('Accepted', 'Route was valid'), attachments: [], mesh: { fqdn, port: ref.port } };
}

/** Whether a ReferenceGrant in the backend's namespace lets routes of `fromNs` refer to Service `name`. */
function permitted(grants: KubeObject[], fromNs: string, toNs: string, name: string): boolean {
  return grants.some(
    (g) =>
      nsOf(g) === toNs &&
      list(g.spec?.from).some((f) => f?.group === GATEWAY_GROUP && f?.kind === 'HTTPRoute' && f?.namespace === fromNs) &&
      list(g.spec?.to).some((t) => (t?.group ?? '') === '' && t?.kind === 'Service' && (t.name === undefined || t.name === name)),
  );
}

/** A backendRef (or a mirror's) as a destination, or why it does not resolve. */
export function resolveBackend(ref: any, routeNs: string, inputs: Pick<GatewayApiInputs, 'grants' | 'servicePorts'>): BackendRef {
  const group = ref?.group ?? '';
  const kind = ref?.kind ?? 'Service';
  const ns = ref?.namespace ?? routeNs;
  const host = `${ref?.name}.${ns}.svc.cluster.local`;
  const port = typeof ref?.port === 'number' ? ref.port : undefined;
  if (group !== '' || kind !== 'Service') return { host, port, problem: { reason: 'InvalidKind', message: `referencing unsupported backendRef: group "${group}" kind "${kind}"` } };
  if (ns !== routeNs && !permitted(inputs.grants, routeNs, ns, ref.name)) {
    return { host, port, problem: { reason: 'RefNotPermitted', message: `backendRef ${ref.name}/${ns} not accessible to a HTTPRoute in namespace "${routeNs}" (missing a ReferenceGrant?)` } };
  }
  if (!inputs.servicePorts.has(host)) return { host, port, problem: { reason: 'BackendNotFound', message: `backend(${host}) not found` } };
  return { host, port };
}

/** Filters Istio implements on an HTTPRoute. */
export const SUPPORTED_FILTERS = new Set(['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite', 'RequestMirror']);

function resolvedRefs(route: KubeObject, inputs: GatewayApiInputs): Condition {
  const ns = nsOf(route);
  for (const rule of list(route.spec?.rules)) {
    for (const f of [...list(rule?.filters), ...list(rule?.backendRefs).flatMap((b) => list(b?.filters))]) {
      if (!SUPPORTED_FILTERS.has(f?.type)) return fail('InvalidFilter', `unsupported filter type "${f?.type}"`);
    }
    const refs = [...list(rule?.backendRefs), ...list(rule?.filters).filter((f) => f?.type === 'RequestMirror').map((f) => f.requestMirror?.backendRef)];
    for (const b of refs) {
      const problem = resolveBackend(b, ns, inputs).problem;
      if (problem) return fail(problem.reason, problem.message);
    }
  }
  return ok('ResolvedRefs', 'All references resolved');
}

/** Every HTTPRoute's binding to each of its parents (those of Istio's Gateways, and Services). */
export function bindRoutes(inputs: GatewayApiInputs): RouteBinding[] {
  const gateways = new Map(managedGateways(inputs).map((g) => [`${nsOf(g)}/${g.metadata.name}`, g]));
  const unmanaged = new Set(inputs.gateways.map((g) => `${nsOf(g)}/${g.metadata.name}`).filter((k) => !gateways.has(k)));
  return inputs.routes.map((route) => {
    const parents: ParentBinding[] = [];
    for (const raw of list(route.spec?.parentRefs)) {
      const parentRef = defaultedParentRef(raw);
      const isService = parentRef.group === '' && parentRef.kind === 'Service';
      // Another controller's Gateway: its status is that controller's to write.
      if (!isService && unmanaged.has(`${(parentRef.namespace as string) ?? nsOf(route)}/${parentRef.name}`)) continue;
      const bound = isService
        ? bindServiceParent(route, parentRef, inputs.servicePorts)
        : parentRef.group === GATEWAY_GROUP && parentRef.kind === 'Gateway'
          ? bindGatewayParent(route, parentRef, gateways, inputs.namespaceLabels)
          : { accepted: fail('InvalidKind', `unsupported parent kind "${parentRef.group}/${parentRef.kind}"`), attachments: [] };
      parents.push({ parentRef, ...bound });
    }
    return { route, parents, resolvedRefs: resolvedRefs(route, inputs) };
  });
}
