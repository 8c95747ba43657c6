import { ISTIO_KIND_LIST, type KindInfo } from '../../kinds.ts';
import { gatewayApiTypes } from './gateway-api-types.ts';
import { CUSTOM_RESOURCE_STRATEGY, NAMESPACE_STRATEGY, PLAIN_STRATEGY, POD_STRATEGY, WORKLOAD_STRATEGY } from './strategy.ts';
import type { ResourceType } from './types.ts';


/** An Istio kind from the deck's list of kinds, as its CRD serves it. */
const istioType = (k: KindInfo): ResourceType => ({
  group: k.group,
  versions: [...k.versions],
  kind: k.kind,
  plural: k.plural,
  singular: k.kind.toLowerCase(),
  namespaced: k.namespaced,
  shortNames: [...k.shortNames],
  categories: ['istio-io', k.group.replaceAll('.', '-')],
  strategy: CUSTOM_RESOURCE_STRATEGY,
});

/**
 * Every kind the embedded API serves, in discovery order, each with the strategy the store
 * applies to its writes (status behind a subresource, generation, finalizers).
 */
export const RESOURCE_TYPES: ResourceType[] = [
  { group: '', versions: ['v1'], kind: 'Namespace', plural: 'namespaces', singular: 'namespace', namespaced: false, shortNames: ['ns'], strategy: NAMESPACE_STRATEGY },
  { group: '', versions: ['v1'], kind: 'Pod', plural: 'pods', singular: 'pod', namespaced: true, shortNames: ['po'], categories: ['all'], subresources: ['status', 'log'], strategy: POD_STRATEGY },
  { group: '', versions: ['v1'], kind: 'Service', plural: 'services', singular: 'service', namespaced: true, shortNames: ['svc'], categories: ['all'], strategy: PLAIN_STRATEGY },
  { group: '', versions: ['v1'], kind: 'Endpoints', plural: 'endpoints', singular: 'endpoints', namespaced: true, shortNames: ['ep'], strategy: PLAIN_STRATEGY },
  { group: '', versions: ['v1'], kind: 'ServiceAccount', plural: 'serviceaccounts', singular: 'serviceaccount', namespaced: true, shortNames: ['sa'], strategy: PLAIN_STRATEGY },
  { group: '', versions: ['v1'], kind: 'ConfigMap', plural: 'configmaps', singular: 'configmap', namespaced: true, shortNames: ['cm'], strategy: PLAIN_STRATEGY },
  { group: '', versions: ['v1'], kind: 'Secret', plural: 'secrets', singular: 'secret', namespaced: true, strategy: PLAIN_STRATEGY },
  { group: '', versions: ['v1'], kind: 'Event', plural: 'events', singular: 'event', namespaced: true, shortNames: ['ev'], strategy: PLAIN_STRATEGY },
  { group: 'apps', versions: ['v1'], kind: 'Deployment', plural: 'deployments', singular: 'deployment', namespaced: true, shortNames: ['deploy'], categories: ['all'], subresources: ['scale', 'status'], strategy: WORKLOAD_STRATEGY },
  { group: 'apps', versions: ['v1'], kind: 'ReplicaSet', plural: 'replicasets', singular: 'replicaset', namespaced: true, shortNames: ['rs'], categories: ['all'], subresources: ['scale', 'status'], strategy: WORKLOAD_STRATEGY },
  ...ISTIO_KIND_LIST.map(istioType),
  ...gatewayApiTypes(),
];

export class ResourceRegistry {
  private readonly byKey = new Map<string, ResourceType>();
  private readonly byKind = new Map<string, ResourceType>();

  constructor(readonly all: ResourceType[] = RESOURCE_TYPES) {
    for (const t of all) {
      // The status subresource served and the status the main resource keeps are one decision.
      if (t.strategy.statusSubresource !== (t.subresources ?? []).includes('status')) {
        throw new Error(`${t.kind}: its strategy and its subresources disagree on a status subresource`);
      }
      this.byKey.set(`${t.group}/${t.plural}`, t);
      this.byKind.set(`${t.group}/${t.kind}`, t);
    }
  }

  /** By API group and plural, e.g. ('networking.istio.io', 'virtualservices'). */
  byPlural(group: string, plural: string): ResourceType | undefined {
    return this.byKey.get(`${group}/${plural}`);
  }

  /** By apiVersion ('v1', 'apps/v1', 'networking.istio.io/v1beta1') and kind. */
  byApiVersionKind(apiVersion: string, kind: string): ResourceType | undefined {
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
    const version = apiVersion.includes('/') ? apiVersion.split('/')[1] : apiVersion;
    const t = this.byKind.get(`${group}/${kind}`);
    return t && t.versions.includes(version) ? t : undefined;
  }

  mustGet(group: string, plural: string): ResourceType {
    const t = this.byPlural(group, plural);
    if (!t) throw new Error(`unknown resource ${plural}${group ? '.' + group : ''}`);
    return t;
  }
}

/** 'v1', 'apps/v1', 'networking.istio.io/v1'. */
export function apiVersionOf(type: ResourceType, version = type.versions[0]): string {
  return type.group ? `${type.group}/${version}` : version;
}
