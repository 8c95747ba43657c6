/**
 * The one list of Kubernetes kinds the deck knows, shared by the server, the embedded
 * cluster and the browser client. Each entry says where the kind lives in the API and what
 * the deck does with it; every other list of kinds (streamed topics, a scene's reset, the
 * change policy, the mesh snapshot, the embedded API's Istio types, validation) is derived
 * from here, so a new kind is one entry.
 *
 * A leaf module with no imports: it must load in the browser and in every server folder
 * without making an import cycle.
 */

type Obj = { metadata?: any; spec?: any; status?: any };

/** What a resources topic carries for a kind beyond name, namespace and age. */
export interface StreamSpec {
  /** Table columns a panel shows, computed from the object the way `kubectl get` does. */
  columns?: (obj: Obj) => Record<string, string>;
  /** The whole object (minus managed fields) travels in the summary, for the YAML panels. */
  withObject?: boolean;
}

export interface KindInfo {
  /**
   * Unique among the deck's kinds: the kind's name, or `Kind.group` when two groups share a
   * name (Istio's Gateway and the Gateway API's). Topics, the change policy and the
   * `/api/object/:kind` route name kinds by it.
   */
  id: string;
  kind: string;
  group: string;
  /** Versions served, the preferred one first: the deck reads and writes that one. */
  versions: readonly string[];
  plural: string;
  shortNames: readonly string[];
  namespaced: boolean;
  /** Istio's kinds: a real cluster needs Istio's CRDs for them. */
  istio: boolean;
  /** Streamed to the panels as `resources/<id>/<namespace>`. */
  streamed?: StreamSpec;
  /** Owned by scenes: resetting to a scene deletes the objects of these kinds it does not hold. */
  sceneOwned: boolean;
  /** Which `--change-kinds` setting lets the deck write it: 'istio' (both settings), 'talk' (only "talk"), or never. */
  change?: 'istio' | 'talk';
  /** The mesh snapshot is compiled from it, so a change to one recompiles the data plane. */
  meshSnapshot: boolean;
}

const deploymentColumns = (obj: Obj) => ({
  READY: `${obj.status?.readyReplicas ?? 0}/${obj.spec?.replicas ?? 0}`,
  'UP-TO-DATE': String(obj.status?.updatedReplicas ?? 0),
  AVAILABLE: String(obj.status?.availableReplicas ?? 0),
});

function serviceColumns(obj: Obj): Record<string, string> {
  const ports = (obj.spec?.ports ?? []).map((p: any) => `${p.port}${p.nodePort ? ':' + p.nodePort : ''}/${p.protocol ?? 'TCP'}`).join(',');
  const lb = obj.status?.loadBalancer?.ingress?.[0];
  return {
    TYPE: obj.spec?.type ?? 'ClusterIP',
    'CLUSTER-IP': obj.spec?.clusterIP ?? '',
    'EXTERNAL-IP': lb?.ip ?? lb?.hostname ?? (obj.spec?.type === 'LoadBalancer' ? '<pending>' : '<none>'),
    'PORT(S)': ports,
  };
}

const ISTIO_NETWORKING = ['v1', 'v1beta1', 'v1alpha3'] as const;
const ISTIO_SECURITY = ['v1', 'v1beta1'] as const;
const YAML = { withObject: true } as const;

/** `id` defaults to the kind's name; give one (`Gateway.gateway.networking.k8s.io`) when another group already uses the name. */
type Options<S, Id> = Partial<Omit<KindInfo, 'id' | 'kind' | 'group' | 'plural' | 'streamed'>> & { streamed?: S; id?: Id };
/** An entry typed with its literal id, name, stream and Istio flag, so StreamedKind and IstioKindName are exact unions. */
type Typed<Id, K, S, I> = KindInfo & { id: Id; kind: K; streamed: S; istio: I };

function entry<const K extends string, const S extends StreamSpec | undefined = undefined, const Id extends string = K>(kind: K, group: string, plural: string, options: Options<S, Id> = {}): Typed<Id, K, S, false> {
  return { id: kind, kind, group, plural, versions: ['v1'], shortNames: [], namespaced: true, sceneOwned: false, meshSnapshot: false, ...options, istio: false } as Typed<Id, K, S, false>;
}

/** Istio's kinds: scenes own them and the deck may always change them. */
function istio<const K extends string, const S extends StreamSpec | undefined = undefined, const Id extends string = K>(kind: K, group: 'networking.istio.io' | 'security.istio.io', plural: string, options: Options<S, Id> = {}): Typed<Id, K, S, true> {
  const versions = group === 'security.istio.io' ? ISTIO_SECURITY : ISTIO_NETWORKING;
  return { ...entry(kind, group, plural, { versions, sceneOwned: true, change: 'istio', ...options }), istio: true } as Typed<Id, K, S, true>;
}

const GATEWAY_API = ['v1', 'v1beta1'] as const;

/** The Kubernetes Gateway API's kinds (its CRDs on a real cluster): routing objects, owned by scenes like Istio's. */
function gatewayApi<const K extends string, const S extends StreamSpec | undefined = undefined, const Id extends string = K>(kind: K, plural: string, options: Options<S, Id> = {}): Typed<Id, K, S, false> {
  return entry(kind, 'gateway.networking.k8s.io', plural, { versions: GATEWAY_API, sceneOwned: true, change: 'istio', meshSnapshot: true, ...options });
}

/** In the embedded API's discovery order for the Istio kinds. */
const LIST = [
  entry('Namespace', '', 'namespaces', { shortNames: ['ns'], namespaced: false, change: 'talk', meshSnapshot: true }),
  entry('Pod', '', 'pods', { shortNames: ['po'], streamed: {}, meshSnapshot: true }),
  entry('Deployment', 'apps', 'deployments', { shortNames: ['deploy'], streamed: { columns: deploymentColumns }, change: 'talk' }),
  entry('Service', '', 'services', { shortNames: ['svc'], streamed: { columns: serviceColumns }, change: 'talk', meshSnapshot: true }),
  entry('ServiceAccount', '', 'serviceaccounts', { shortNames: ['sa'], change: 'talk' }),
  entry('ConfigMap', '', 'configmaps', { shortNames: ['cm'], change: 'talk' }),
  istio('VirtualService', 'networking.istio.io', 'virtualservices', { shortNames: ['vs'], streamed: YAML, meshSnapshot: true }),
  istio('DestinationRule', 'networking.istio.io', 'destinationrules', { shortNames: ['dr'], streamed: YAML, meshSnapshot: true }),
  istio('Gateway', 'networking.istio.io', 'gateways', { shortNames: ['gw'], streamed: YAML, meshSnapshot: true }),
  istio('ServiceEntry', 'networking.istio.io', 'serviceentries', { shortNames: ['se'], streamed: YAML, meshSnapshot: true }),
  istio('Sidecar', 'networking.istio.io', 'sidecars', {}),
  istio('PeerAuthentication', 'security.istio.io', 'peerauthentications', { shortNames: ['pa'], streamed: YAML, meshSnapshot: true }),
  istio('AuthorizationPolicy', 'security.istio.io', 'authorizationpolicies', { shortNames: ['ap'], meshSnapshot: true }),
  istio('RequestAuthentication', 'security.istio.io', 'requestauthentications', { shortNames: ['ra'], meshSnapshot: true }),
  // The control plane creates the GatewayClasses, so a scene's reset leaves them alone.
  gatewayApi('GatewayClass', 'gatewayclasses', { shortNames: ['gc'], namespaced: false, sceneOwned: false, change: undefined }),
  gatewayApi('Gateway', 'gateways', { id: 'Gateway.gateway.networking.k8s.io', shortNames: ['gtw'], streamed: YAML }),
  gatewayApi('HTTPRoute', 'httproutes', { streamed: YAML }),
  gatewayApi('ReferenceGrant', 'referencegrants', { versions: ['v1beta1'], shortNames: ['refgrant'] }),
  // Kubernetes Ingress, which the ingress gateway serves as Istio does.
  entry('Ingress', 'networking.k8s.io', 'ingresses', { shortNames: ['ing'], meshSnapshot: true }),
  entry('IngressClass', 'networking.k8s.io', 'ingressclasses', { namespaced: false, meshSnapshot: true }),
];

export const KIND_LIST: readonly KindInfo[] = LIST;

type Entry = (typeof LIST)[number];
/** The ids of the kinds streamed to the panels. */
export type StreamedKind = Exclude<Entry, { streamed: undefined }>['id'];
/** The names of Istio's kinds. */
export type IstioKindName = Extract<Entry, { istio: true }>['kind'];
/** Streamed kinds whose summaries carry the whole object, for the YAML panels. */
export type YamlKind = Extract<Entry, { streamed: { withObject: true } }>['id'];

/** Kinds by id. A Map, so `constructor` or `__proto__` are never kinds. */
const BY_ID = new Map<string, KindInfo>(KIND_LIST.map((k) => [k.id, k]));
const BY_GROUP_KIND = new Map<string, KindInfo>(KIND_LIST.map((k) => [`${k.group}/${k.kind}`, k]));
if (BY_ID.size !== KIND_LIST.length || BY_GROUP_KIND.size !== KIND_LIST.length) throw new Error('two entries in the list of kinds share an id, or a group and kind');

export const STREAMED_KINDS: readonly StreamedKind[] = KIND_LIST.filter((k) => k.streamed).map((k) => k.id as StreamedKind);
/** What a scene owns: resetting to a scene prunes these. */
export const SCENE_KINDS: readonly KindInfo[] = KIND_LIST.filter((k) => k.sceneOwned);
export const ISTIO_KIND_LIST: readonly KindInfo[] = KIND_LIST.filter((k) => k.istio);

/** The ids the deck may write under `--change-kinds`: 'istio' (Istio's kinds) or 'talk' (those plus the talk's own workloads). */
export function changeableKinds(setting: 'istio' | 'talk'): string[] {
  const ids = (change: KindInfo['change']) => KIND_LIST.filter((k) => k.change === change).map((k) => k.id);
  return setting === 'istio' ? ids('istio') : [...ids('istio'), ...ids('talk')];
}

/** The kind of an id, or undefined. */
export const findKind = (id: string): KindInfo | undefined => BY_ID.get(id);

export function kindInfo(id: string): KindInfo {
  const info = findKind(id);
  if (!info) throw new Error(`unknown kind ${String(id).slice(0, 60)} (known: ${KIND_LIST.map((k) => k.id).join(', ')})`);
  return info;
}

/** By API group and kind: what an object's apiVersion and kind name. */
export const kindOfGroup = (group: string, kind: string): KindInfo | undefined => BY_GROUP_KIND.get(`${group}/${kind}`);

/** The group of an apiVersion: 'networking.istio.io/v1' → 'networking.istio.io', 'v1' → ''. */
export const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');

/** The deck's kind of an object, by its apiVersion's group and its kind. */
export const kindOfObject = (o: { apiVersion?: string; kind?: string }): KindInfo | undefined => kindOfGroup(groupOf(o.apiVersion ?? ''), o.kind ?? '');

/** Every known kind of this name, in any group. */
export const kindsNamed = (kind: string): KindInfo[] => KIND_LIST.filter((k) => k.kind === kind);

/** `networking.istio.io/v1` for Istio's kinds, `v1` for the core ones. */
export const apiVersionOf = (info: KindInfo) => (info.group ? `${info.group}/${info.versions[0]}` : info.versions[0]);

/** The collection path of a kind in a namespace, e.g. /apis/networking.istio.io/v1/namespaces/default/virtualservices. */
export function collectionPath(info: KindInfo, namespace: string): string {
  const base = info.group ? `/apis/${info.group}/${info.versions[0]}` : `/api/${info.versions[0]}`;
  return `${base}/namespaces/${namespace}/${info.plural}`;
}
