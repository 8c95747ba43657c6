import type { Workload } from '../app-runtime/types.ts';
import type { KubeObject } from '../apiserver/types.ts';
import type { Cluster, InboundPolicy, PeerMode } from './plan.ts';
import { selects } from './pods.ts';
import { type RequestIdentity, authAttribute } from './request-auth.ts';

/** The mesh's root namespace: policies there without a selector apply mesh-wide. */
const ROOT_NAMESPACE = 'istio-system';

/** The server side mTLS mode: workload policy, else namespace policy, else mesh-wide, else PERMISSIVE. */
export function peerAuthMode(pas: KubeObject[], w: Workload): PeerMode {
  const mode = (pa: KubeObject | undefined) => {
    const m = String(pa?.spec?.mtls?.mode ?? 'UNSET').toUpperCase();
    return m === 'STRICT' || m === 'PERMISSIVE' || m === 'DISABLE' ? (m as PeerMode) : undefined;
  };
  const hasSelector = (pa: KubeObject) => pa.spec?.selector?.matchLabels && Object.keys(pa.spec.selector.matchLabels).length > 0;
  const workloadPa = pas.find((pa) => pa.metadata.namespace === w.namespace && hasSelector(pa) && selects(pa.spec.selector.matchLabels, w));
  const nsPa = pas.find((pa) => pa.metadata.namespace === w.namespace && !hasSelector(pa));
  const meshPa = pas.find((pa) => pa.metadata.namespace === ROOT_NAMESPACE && !hasSelector(pa));
  return mode(workloadPa) ?? mode(nsPa) ?? mode(meshPa) ?? 'PERMISSIVE';
}

/** Compiles what a pod's server sidecar enforces: its mTLS mode and the AuthorizationPolicy rules that select it. */
export function inboundPolicy(peerAuthentications: KubeObject[], authorizationPolicies: KubeObject[], w: Workload): InboundPolicy {
  return policyOf(workloadBoundPolicies(authorizationPolicies, w), peerAuthMode(peerAuthentications, w));
}

/** The DENY and ALLOW rules of the policies that apply to one proxy. */
export function policyOf(applicable: KubeObject[], peerMode: PeerMode): InboundPolicy {
  const rules = (aps: KubeObject[]) => aps.flatMap((ap) => (Array.isArray(ap.spec?.rules) ? ap.spec.rules : []));
  const allows = applicable.filter((ap) => policyAction(ap) === 'ALLOW');
  return { peerMode, deny: rules(applicable.filter((ap) => policyAction(ap) === 'DENY')), allow: rules(allows), hasAllow: allows.length > 0 };
}

export const policyAction = (ap: KubeObject) => String(ap.spec?.action ?? 'ALLOW').toUpperCase();

/** Policies bound to a workload by selector or namespace (a policy with targetRefs binds to a gateway or waypoint instead). */
export function workloadBoundPolicies(authorizationPolicies: KubeObject[], w: Workload): KubeObject[] {
  return authorizationPolicies.filter((ap) => {
    if (Array.isArray(ap.spec?.targetRefs) && ap.spec.targetRefs.length) return false;
    if (ap.spec?.targetRef) return false;
    const sel = ap.spec?.selector?.matchLabels;
    const hasSel = sel && Object.keys(sel).length > 0;
    if (ap.metadata.namespace === ROOT_NAMESPACE && !hasSel) return true;
    return ap.metadata.namespace === w.namespace && (!hasSel || selects(sel, w));
  });
}

/** A DestinationRule's tls.mode (the subset's first), compiled for the client side. */
export function clientTls(drPolicy: any, subsetPolicy: any): Cluster['tls'] {
  const mode = String(subsetPolicy?.tls?.mode ?? drPolicy?.tls?.mode ?? '').toUpperCase();
  if (mode === 'ISTIO_MUTUAL' || mode === 'MUTUAL') return 'mutual';
  if (mode === 'DISABLE' || mode === 'SIMPLE') return 'plain';
  return 'auto';
}

/**
 * Whether the client sidecar originates mutual TLS: as the DestinationRule says, else auto mTLS:
 * on when the endpoint has a proxy (`serverMode` known) that does not disable it, plain text to a
 * workload without one, which could not read a TLS handshake.
 */
export function clientUsesMtls(tls: Cluster['tls'], serverMode: PeerMode | undefined): boolean {
  return tls === 'auto' ? serverMode !== undefined && serverMode !== 'DISABLE' : tls === 'mutual';
}

export const spiffePrincipal = (w: Workload) => `cluster.local/ns/${w.namespace}/sa/${w.serviceAccount}`;

export interface AuthzRequest {
  method: string;
  path: string;
  host: string;
  port: number;
  headers: Record<string, string>;
  /** The peer's identity when the connection was mutual TLS. */
  source?: Workload;
  sourceIp: string;
  /** The end user, once RequestAuthentication verified a token. */
  auth?: RequestIdentity;
}

/** AuthorizationPolicy evaluation: any matching DENY rule denies; if ALLOW policies apply, one of their rules must match. */
export function authorize(policy: InboundPolicy, req: AuthzRequest): boolean {
  if (policy.deny.some((r) => ruleMatches(r, req))) return false;
  return !policy.hasAllow || policy.allow.some((r) => ruleMatches(r, req));
}

function ruleMatches(rule: any, req: AuthzRequest): boolean {
  if (!rule || typeof rule !== 'object') return false;
  const from: any[] = rule.from ?? [];
  const to: any[] = rule.to ?? [];
  const when: any[] = rule.when ?? [];
  if (from.length && !from.some((f) => sourceMatches(f?.source ?? {}, req))) return false;
  if (to.length && !to.some((t) => operationMatches(t?.operation ?? {}, req))) return false;
  return when.every((c) => conditionMatches(c, req));
}

function sourceMatches(s: any, req: AuthzRequest): boolean {
  const principal = req.source ? spiffePrincipal(req.source) : undefined;
  const ns = req.source?.namespace;
  return (
    field(s.principals, s.notPrincipals, principal) &&
    field(s.requestPrincipals, s.notRequestPrincipals, req.auth?.principal) &&
    field(s.namespaces, s.notNamespaces, ns) &&
    field(s.ipBlocks, s.notIpBlocks, req.sourceIp)
  );
}

function operationMatches(o: any, req: AuthzRequest): boolean {
  return (
    field(o.methods, o.notMethods, req.method) &&
    field(o.paths, o.notPaths, req.path) &&
    field(o.hosts, o.notHosts, req.host) &&
    field(o.ports, o.notPorts, String(req.port))
  );
}

function conditionMatches(c: any, req: AuthzRequest): boolean {
  const key = String(c?.key ?? '');
  if (key.startsWith('request.auth.')) return field(c.values, c.notValues, authAttribute(key, req.auth));
  let value: string | undefined;
  const header = /^request\.headers\[(.+)\]$/.exec(key);
  if (header) value = req.headers[header[1].toLowerCase()];
  else if (key === 'source.namespace') value = req.source?.namespace;
  else if (key === 'source.principal') value = req.source ? spiffePrincipal(req.source) : undefined;
  else if (key === 'source.ip') value = req.sourceIp;
  else if (key === 'destination.port') value = String(req.port);
  else if (key === 'request.method') value = req.method;
  return field(c.values, c.notValues, value);
}

/** A positive list (one must match) and a negative list (none may match); absent lists always pass. A list-valued attribute (a JWT claim) matches by any element. */
function field(values: unknown, notValues: unknown, actual: string | string[] | undefined): boolean {
  const list = Array.isArray(values) ? values.map(String) : undefined;
  const notList = Array.isArray(notValues) ? notValues.map(String) : undefined;
  const actuals = actual === undefined ? undefined : Array.isArray(actual) ? actual : [actual];
  if (list && (actuals === undefined || !list.some((p) => actuals.some((a) => patternMatches(p, a))))) return false;
  if (notList && actuals !== undefined && notList.some((p) => actuals.some((a) => patternMatches(p, a)))) return false;
  return true;
}

/** Istio's value patterns: exact, `prefix*`, `*suffix`, or `*`. */
function patternMatches(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return pattern === value;
}
