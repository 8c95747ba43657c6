import type { StreamedKind } from '../protocol.ts';

/** Where each kind the deck streams or changes lives in the API. */
export interface KindInfo {
  kind: string;
  group: string;
  version: string;
  plural: string;
  /** Istio kinds: the deck needs CRDs for them on a real cluster. */
  istio: boolean;
}

const core = (kind: string, plural: string): KindInfo => ({ kind, group: '', version: 'v1', plural, istio: false });
const istio = (group: string, kind: string, plural: string): KindInfo => ({ kind, group, version: 'v1', plural, istio: true });

export const KINDS: Record<string, KindInfo> = {
  Pod: core('Pod', 'pods'),
  Service: core('Service', 'services'),
  ServiceAccount: core('ServiceAccount', 'serviceaccounts'),
  ConfigMap: core('ConfigMap', 'configmaps'),
  Namespace: core('Namespace', 'namespaces'),
  Deployment: { kind: 'Deployment', group: 'apps', version: 'v1', plural: 'deployments', istio: false },
  VirtualService: istio('networking.istio.io', 'VirtualService', 'virtualservices'),
  DestinationRule: istio('networking.istio.io', 'DestinationRule', 'destinationrules'),
  Gateway: istio('networking.istio.io', 'Gateway', 'gateways'),
  ServiceEntry: istio('networking.istio.io', 'ServiceEntry', 'serviceentries'),
  Sidecar: istio('networking.istio.io', 'Sidecar', 'sidecars'),
  PeerAuthentication: istio('security.istio.io', 'PeerAuthentication', 'peerauthentications'),
  AuthorizationPolicy: istio('security.istio.io', 'AuthorizationPolicy', 'authorizationpolicies'),
  RequestAuthentication: istio('security.istio.io', 'RequestAuthentication', 'requestauthentications'),
};

/** The kind's entry, own properties only: `constructor` or `__proto__` are not kinds. */
export function findKind(kind: string): KindInfo | undefined {
  return Object.hasOwn(KINDS, kind) ? KINDS[kind] : undefined;
}

export function kindInfo(kind: StreamedKind | string): KindInfo {
  const info = findKind(kind);
  if (!info) throw new Error(`unknown kind ${String(kind).slice(0, 60)} (known: ${Object.keys(KINDS).join(', ')})`);
  return info;
}

/** `networking.istio.io/v1` for Istio's kinds, `v1` for the core ones. */
export const apiVersionOf = (info: KindInfo) => (info.group ? `${info.group}/${info.version}` : info.version);

/** The collection path of a kind in a namespace, e.g. /apis/networking.istio.io/v1/namespaces/default/virtualservices. */
export function collectionPath(info: KindInfo, namespace: string): string {
  const base = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  return `${base}/namespaces/${namespace}/${info.plural}`;
}

/** Istio's routing and security kinds: what a scene owns and resets. */
export const ROUTING_KINDS = ['VirtualService', 'DestinationRule', 'Gateway', 'ServiceEntry', 'Sidecar', 'PeerAuthentication', 'AuthorizationPolicy', 'RequestAuthentication'];
