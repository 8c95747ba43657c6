import type { KubeObject } from '../apiserver/types.ts';
import type { MeshSnapshot } from './snapshot.ts';
import { selects } from './snapshot.ts';
import type { Workload } from '../app-runtime/types.ts';

/** The mesh's root namespace: policies there without a selector apply mesh-wide. */
const ROOT_NAMESPACE = 'istio-system';

export type PeerMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

/** The server side mTLS mode: workload policy, else namespace policy, else mesh-wide, else PERMISSIVE. */
export function peerAuthMode(snap: MeshSnapshot, w: Workload): PeerMode {
  const mode = (pa: KubeObject | undefined) => {
    const m = String(pa?.spec?.mtls?.mode ?? 'UNSET').toUpperCase();
    return m === 'STRICT' || m === 'PERMISSIVE' || m === 'DISABLE' ? (m as PeerMode) : undefined;
  };
  const pas = snap.peerAuthentications;
  const hasSelector = (pa: KubeObject) => pa.spec?.selector?.matchLabels && Object.keys(pa.spec.selector.matchLabels).length > 0;
  const workloadPa = pas.find((pa) => pa.metadata.namespace === w.namespace && hasSelector(pa) && selects(pa.spec.selector.matchLabels, w));
  const nsPa = pas.find((pa) => pa.metadata.namespace === w.namespace && !hasSelector(pa));
  const meshPa = pas.find((pa) => pa.metadata.namespace === ROOT_NAMESPACE && !hasSelector(pa));
  return mode(workloadPa) ?? mode(nsPa) ?? mode(meshPa) ?? 'PERMISSIVE';
}

/**
 * Whether the client sidecar originates mutual TLS: the DestinationRule's tls.mode if set
 * (subset first), else auto mTLS (on unless the server's PeerAuthentication disables it).
 */
export function clientUsesMtls(drPolicy: any, subsetPolicy: any, serverMode: PeerMode): boolean {
  const mode = String(subsetPolicy?.tls?.mode ?? drPolicy?.tls?.mode ?? '').toUpperCase();
  if (mode === 'ISTIO_MUTUAL' || mode === 'MUTUAL') return true;
  if (mode === 'DISABLE' || mode === 'SIMPLE') return false;
  return serverMode !== 'DISABLE';
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
}

/** AuthorizationPolicy evaluation: any matching DENY denies; if ALLOW policies apply, one must match. */
export function authorize(snap: MeshSnapshot, w: Workload, req: AuthzRequest): boolean {
  const applicable = snap.authorizationPolicies.filter((ap) => {
    const sel = ap.spec?.selector?.matchLabels;
    const hasSel = sel && Object.keys(sel).length > 0;
    if (ap.metadata.namespace === ROOT_NAMESPACE && !hasSel) return true;
    return ap.metadata.namespace === w.namespace && (!hasSel || selects(sel, w));
  });
  const action = (ap: KubeObject) => String(ap.spec?.action ?? 'ALLOW').toUpperCase();
  const denies = applicable.filter((ap) => action(ap) === 'DENY');
  if (denies.some((ap) => (ap.spec?.rules ?? []).some((r: any) => ruleMatches(r, req)))) return false;
  const allows = applicable.filter((ap) => action(ap) === 'ALLOW');
  if (allows.length === 0) return true;
  return allows.some((ap) => (ap.spec?.rules ?? []).some((r: any) => ruleMatches(r, req)));
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

/** A positive list (one must match) and a negative list (none may match); absent lists always pass. */
function field(values: unknown, notValues: unknown, actual: string | undefined): boolean {
  const list = Array.isArray(values) ? values.map(String) : undefined;
  const notList = Array.isArray(notValues) ? notValues.map(String) : undefined;
  if (list && (actual === undefined || !list.some((p) => patternMatches(p, actual)))) return false;
  if (notList && actual !== undefined && notList.some((p) => patternMatches(p, actual))) return false;
  return true;
}

/** Istio's value patterns: exact, `prefix*`, `*suffix`, or `*`. */
function patternMatches(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return pattern === value;
}
