import { CRD_GROUP, type CustomResourceDefinition } from './crd/definition.ts';
import { readBackCustomObject } from './crd/custom-object.ts';
import { gatewayApiCrds } from './crd/gateway-api-bundle.ts';
import { istioCrds, withOpenFallback } from './crd/istio-crds.ts';
import { namesConflict, servedKind } from './crd/served-kind.ts';
import { compileRuleTree } from './crd/validation-rules.ts';
import { istioCrdSchema } from './openapi/istio-schemas.ts';
import { CUSTOM_RESOURCE_DEFINITION_STRATEGY, NAMESPACE_STRATEGY, PLAIN_STRATEGY, POD_STRATEGY, WORKLOAD_STRATEGY, customResourceStrategy, type CustomKindRules } from './strategy.ts';
import type { ResourceType, StoreEvent } from './types.ts';

/** The kind a CustomResourceDefinition serves, rebuilt whenever the CRD changes. */
export function customResourceType(crd: CustomResourceDefinition): ResourceType {
  const k = servedKind(crd);
  const schema = k.schemas[k.storageVersion] ?? k.schemas[k.versions[0]];
  const rules: CustomKindRules = {
    identity: { group: k.group, kind: k.kind },
    schema,
    validationRules: compileRuleTree(schema),
    statusSubresource: k.subresources.includes('status'),
    terminating: Boolean(crd.metadata.deletionTimestamp),
    plural: k.plural,
  };
  return {
    group: k.group,
    versions: k.versions,
    kind: k.kind,
    plural: k.plural,
    singular: k.singular,
    namespaced: k.namespaced,
    ...(k.shortNames.length ? { shortNames: k.shortNames } : {}),
    ...(k.categories.length ? { categories: k.categories } : {}),
    // A scale subresource is not served: its replica paths are the CRD's own, not a Deployment's.
    ...(rules.statusSubresource ? { subresources: ['status'] } : {}),
    strategy: customResourceStrategy(rules),
    schemas: k.schemas,
    customResource: {
      definition: structuredClone(crd),
      storageVersion: k.storageVersion,
      printerColumns: k.printerColumns,
      readBack: (obj, version) => readBackCustomObject(obj, k.schemas[version]),
    },
  };
}

/** Istio's CRDs as a current install has them; bootstrap stores them and each store serves their kinds from the start. */
export const ISTIO_CRDS: readonly CustomResourceDefinition[] = istioCrds(withOpenFallback(istioCrdSchema));

/**
 * The CRDs every store serves before any is stored (a store that was never bootstrapped
 * still has Istio's and the Gateway API's kinds); bootstrap stores the same definitions.
 */
const COMPILED_IN_CRDS: readonly CustomResourceDefinition[] = [...ISTIO_CRDS, ...gatewayApiCrds()];

const CRD_TYPE: ResourceType = {
  group: CRD_GROUP,
  versions: ['v1'],
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  subresources: ['status'],
  strategy: CUSTOM_RESOURCE_DEFINITION_STRATEGY,
};

/**
 * The built-in kinds in discovery order, each with the strategy the store applies to its
 * writes (status behind a subresource, generation, finalizers), then the compiled-in CRDs'
 * kinds as those CRDs serve them. A registry takes its own copy of the CRD-served ones.
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
  { group: 'apps', versions: ['v1'], kind: 'DaemonSet', plural: 'daemonsets', singular: 'daemonset', namespaced: true, shortNames: ['ds'], categories: ['all'], subresources: ['status'], strategy: WORKLOAD_STRATEGY },
  { group: 'apps', versions: ['v1'], kind: 'ReplicaSet', plural: 'replicasets', singular: 'replicaset', namespaced: true, shortNames: ['rs'], categories: ['all'], subresources: ['scale', 'status'], strategy: WORKLOAD_STRATEGY },
  // What Istio's add-ons and Kubernetes Ingress need: claims (bound at once), stateful sets, ingress, RBAC objects (stored, not enforced).
  { group: '', versions: ['v1'], kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', singular: 'persistentvolumeclaim', namespaced: true, shortNames: ['pvc'], subresources: ['status'], strategy: POD_STRATEGY },
  { group: 'apps', versions: ['v1'], kind: 'StatefulSet', plural: 'statefulsets', singular: 'statefulset', namespaced: true, shortNames: ['sts'], categories: ['all'], subresources: ['scale', 'status'], strategy: WORKLOAD_STRATEGY },
  { group: 'networking.k8s.io', versions: ['v1'], kind: 'Ingress', plural: 'ingresses', singular: 'ingress', namespaced: true, shortNames: ['ing'], subresources: ['status'], strategy: WORKLOAD_STRATEGY },
  { group: 'networking.k8s.io', versions: ['v1'], kind: 'IngressClass', plural: 'ingressclasses', singular: 'ingressclass', namespaced: false, strategy: PLAIN_STRATEGY },
  { group: 'rbac.authorization.k8s.io', versions: ['v1'], kind: 'ClusterRole', plural: 'clusterroles', singular: 'clusterrole', namespaced: false, strategy: PLAIN_STRATEGY },
  { group: 'rbac.authorization.k8s.io', versions: ['v1'], kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', singular: 'clusterrolebinding', namespaced: false, strategy: PLAIN_STRATEGY },
  { group: 'rbac.authorization.k8s.io', versions: ['v1'], kind: 'Role', plural: 'roles', singular: 'role', namespaced: true, strategy: PLAIN_STRATEGY },
  { group: 'rbac.authorization.k8s.io', versions: ['v1'], kind: 'RoleBinding', plural: 'rolebindings', singular: 'rolebinding', namespaced: true, strategy: PLAIN_STRATEGY },
  CRD_TYPE,
  ...COMPILED_IN_CRDS.map(customResourceType),
];

/** Why a CRD's kind is not served: another kind already has one of its names. */
export interface NamesRefusal {
  message: string;
}

/**
 * The kinds one API serves. Built-in kinds are fixed; a CustomResourceDefinition adds its
 * kind the moment it is stored (the store passes every event to `observe`), changes it in
 * place when the CRD changes (so holders of the kind keep a live reference), and removes
 * it when the CRD is gone.
 */
export class ResourceRegistry {
  /** Every served kind, in discovery order (kept up to date in place). */
  readonly all: ResourceType[] = [];
  private readonly byKey = new Map<string, ResourceType>();
  private readonly byKind = new Map<string, ResourceType>();
  private readonly refused = new Map<string, NamesRefusal>();
  /** Kinds whose CRD was deleted: served again from the same object if the CRD comes back, so holders of it (controllers, the mesh) keep working. */
  private readonly retired = new Map<string, ResourceType>();

  constructor(types: ResourceType[] = RESOURCE_TYPES) {
    for (const t of types) this.add(t.customResource ? customResourceType(t.customResource.definition) : t);
  }

  private add(t: ResourceType): void {
    // The status subresource served and the status the main resource keeps are one decision.
    if (t.strategy.statusSubresource !== (t.subresources ?? []).includes('status')) {
      throw new Error(`${t.kind}: its strategy and its subresources disagree on a status subresource`);
    }
    this.all.push(t);
    this.index();
  }

  private index(): void {
    this.byKey.clear();
    this.byKind.clear();
    for (const t of this.all) {
      this.byKey.set(`${t.group}/${t.plural}`, t);
      this.byKind.set(`${t.group}/${t.kind}`, t);
    }
  }

  /** The kind a CRD serves, if it serves one. */
  servedBy(crdName: string): ResourceType | undefined {
    return this.all.find((t) => t.customResource?.definition.metadata.name === crdName);
  }

  /**
   * A kind served without a CRD in a CRD's group (a compiled-in stand-in, as Istio's kinds are
   * in a store that was never bootstrapped): the CRD for it takes it over in place.
   */
  private standIn(next: ResourceType): ResourceType | undefined {
    return this.all.find((t) => !t.customResource && t !== CRD_TYPE && t.group.includes('.') && t.group === next.group && t.plural === next.plural && t.kind === next.kind);
  }

  /** Why a stored CRD's names were not accepted; undefined when they were. */
  namesRefusal(crdName: string): NamesRefusal | undefined {
    return this.refused.get(crdName);
  }

  /** Serves (or re-serves) a stored CRD's kind, unless its names clash with another kind's. */
  serve(crd: CustomResourceDefinition): void {
    const name = crd.metadata.name;
    const next = customResourceType(crd);
    const current = this.servedBy(name) ?? this.standIn(next);
    const others = this.all.filter((t) => t !== current);
    const clash = namesConflict(servedKind(crd), others.map((t) => ({ ...t, shortNames: t.shortNames ?? [] })));
    if (clash) {
      // Names already accepted stay served, as the apiserver keeps serving them.
      if (!current) this.refused.set(name, { message: clash });
      return;
    }
    this.refused.delete(name);
    const reused = current ?? this.retired.get(`${next.group}/${next.plural}`);
    if (reused) {
      for (const key of Object.keys(reused) as Array<keyof ResourceType>) if (!(key in next)) delete reused[key];
      Object.assign(reused, next);
    }
    if (!current) this.add(reused ?? next);
    else this.index();
  }

  /** Stops serving a CRD's kind (its objects are gone by then). */
  withdraw(crdName: string): void {
    this.refused.delete(crdName);
    const t = this.servedBy(crdName);
    if (!t) return;
    this.retired.set(`${t.group}/${t.plural}`, t);
    this.all.splice(this.all.indexOf(t), 1);
    this.index();
  }

  /** Follows the store: CRD writes change what is served, before anyone else hears of them. */
  observe(e: StoreEvent): void {
    if (e.resource !== CRD_TYPE && !(e.resource.group === CRD_GROUP && e.resource.plural === CRD_TYPE.plural)) return;
    const crd = e.object as unknown as CustomResourceDefinition;
    if (e.type === 'DELETED') this.withdraw(crd.metadata.name);
    else this.serve(crd);
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
