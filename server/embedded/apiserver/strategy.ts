/** The strategies the registry's kinds use; the store applies them (see ResourceStrategy). */
import { CRD_CLEANUP_FINALIZER, CRD_GROUP, CRD_KIND, type CustomResourceDefinition } from './crd/definition.ts';
import { conformCustomObject } from './crd/custom-object.ts';
import { validateCrd, validateCrdUpdate } from './crd/validate-crd.ts';
import type { RuleTree } from './crd/validation-rules.ts';
import { ApiError, invalid } from './errors.ts';
import type { JSONSchemaProps } from './openapi/json-schema.ts';
import type { KubeObject, ResourceStrategy, ResourceType } from './types.ts';

interface StrategyOptions {
  statusSubresource: boolean;
  generation: boolean;
}

function objectStrategy(opts: StrategyOptions): ResourceStrategy {
  return {
    ...opts,
    prepareForCreate(obj) {
      // A given status is kept on create: bootstrap and fixtures seed running objects in one write.
      if (opts.generation) obj.metadata.generation = 1;
      delete obj.metadata.deletionTimestamp;
    },
    prepareForUpdate(obj, old) {
      if (opts.statusSubresource) {
        if (old.status === undefined) delete obj.status;
        else obj.status = structuredClone(old.status);
      }
    },
    prepareForStatusUpdate(obj, old) {
      const { status } = obj;
      const { resourceVersion, managedFields } = obj.metadata;
      for (const key of Object.keys(obj)) delete obj[key];
      Object.assign(obj, structuredClone(old));
      if (status === undefined) delete obj.status;
      else obj.status = status;
      // A precondition the writer set, and the field ownership it recorded for this write.
      if (resourceVersion) obj.metadata.resourceVersion = resourceVersion;
      if (managedFields) obj.metadata.managedFields = managedFields;
    },
    finalizers: () => [],
    prepareForTerminating(obj, now) {
      obj.metadata.deletionTimestamp = now;
    },
  };
}

/** ConfigMaps, Services, Events: no status subresource, no generation. */
export const PLAIN_STRATEGY = objectStrategy({ statusSubresource: false, generation: false });

/** Pods: the kubelet's status goes through the status subresource; no generation. */
export const POD_STRATEGY = objectStrategy({ statusSubresource: true, generation: false });

/** Deployments, ReplicaSets and DaemonSets: status through its subresource, generation counts spec changes. */
export const WORKLOAD_STRATEGY = objectStrategy({ statusSubresource: true, generation: true });

/** A custom kind served without a CRD behind it (a test's stand-in): no status subresource; generation counts spec changes. */
export const CUSTOM_RESOURCE_STRATEGY = objectStrategy({ statusSubresource: false, generation: true });

/** What a served custom kind's strategy reads from its CRD; `terminating` turns true once the CRD is being deleted. */
export interface CustomKindRules {
  identity: Pick<ResourceType, 'group' | 'kind'>;
  /** The storage version's schema: every write is pruned, defaulted and validated by it. */
  schema: JSONSchemaProps | undefined;
  /** The schema's CEL rules, compiled once per CRD change. */
  validationRules?: RuleTree;
  statusSubresource: boolean;
  terminating: boolean;
  plural: string;
}

/**
 * A kind served from a CRD: generation counts spec changes, status goes through its
 * subresource when the CRD declares one, and every write is made to fit the schema first.
 */
export function customResourceStrategy(rules: CustomKindRules): ResourceStrategy {
  const base = objectStrategy({ statusSubresource: rules.statusSubresource, generation: true });
  const conform = (obj: KubeObject, old?: KubeObject) => {
    const errors = conformCustomObject(obj, rules.schema, rules.validationRules, old);
    if (errors.length) throw invalid(rules.identity, obj.metadata?.name ?? '', errors);
  };
  return {
    ...base,
    prepareForCreate(obj) {
      // The apiserver stops taking new objects of a kind whose CRD is going away.
      if (rules.terminating) throw new ApiError(405, 'MethodNotAllowed', `create not allowed while custom resource definition is terminating`);
      base.prepareForCreate(obj);
      conform(obj);
    },
    prepareForUpdate(obj, old) {
      base.prepareForUpdate(obj, old);
      conform(obj, old);
    },
    prepareForStatusUpdate(obj, old) {
      base.prepareForStatusUpdate(obj, old);
      conform(obj, old);
    },
  };
}

const CRD_IDENTITY = { group: CRD_GROUP, kind: CRD_KIND };
const crdStrategyBase = objectStrategy({ statusSubresource: true, generation: true });

/**
 * CustomResourceDefinitions: refused when the apiserver would refuse them; the status is
 * the apiextensions controller's (it starts empty, with the storage version recorded). A
 * deleted CRD turns Terminating with the cleanup finalizer, which the CRD controller
 * removes once the kind's objects are gone.
 */
export const CUSTOM_RESOURCE_DEFINITION_STRATEGY: ResourceStrategy = {
  ...crdStrategyBase,
  prepareForCreate(obj) {
    crdStrategyBase.prepareForCreate(obj);
    const crd = obj as unknown as CustomResourceDefinition;
    const errors = validateCrd(crd);
    if (errors.length) throw invalid(CRD_IDENTITY, obj.metadata.name, errors);
    const storage = crd.spec.versions.find((v) => v.storage)!.name;
    obj.status = { acceptedNames: { kind: '', plural: '' }, conditions: [], storedVersions: [storage] };
  },
  prepareForUpdate(obj, old) {
    crdStrategyBase.prepareForUpdate(obj, old);
    const errors = validateCrdUpdate(obj as unknown as CustomResourceDefinition, old as unknown as CustomResourceDefinition);
    if (errors.length) throw invalid(CRD_IDENTITY, obj.metadata.name, errors);
    const storage = (obj.spec.versions as Array<{ name: string; storage: boolean }>).find((v) => v.storage)!.name;
    const stored: string[] = obj.status?.storedVersions ?? [];
    if (!stored.includes(storage)) obj.status = { ...(obj.status ?? {}), storedVersions: [...stored, storage] };
  },
  finalizers: (obj) => (obj.metadata.deletionTimestamp ? ((obj.metadata.finalizers as string[] | undefined) ?? []) : [CRD_CLEANUP_FINALIZER]),
  prepareForTerminating(obj, now) {
    obj.metadata.deletionTimestamp = now;
    const finalizers = (obj.metadata.finalizers as string[] | undefined) ?? [];
    if (!finalizers.includes(CRD_CLEANUP_FINALIZER)) obj.metadata.finalizers = [...finalizers, CRD_CLEANUP_FINALIZER];
    const conditions = ((obj.status?.conditions ?? []) as Array<{ type: string }>).filter((c) => c.type !== 'Terminating');
    conditions.push({ type: 'Terminating', status: 'True', lastTransitionTime: now, reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' } as { type: string });
    obj.status = { ...(obj.status ?? {}), conditions };
  },
};

/**
 * Namespaces: deleting one with spec.finalizers makes it Terminating; the namespace
 * controller deletes what it holds and then removes its `kubernetes` finalizer, and the
 * namespace is gone once none is left.
 */
export const NAMESPACE_STRATEGY: ResourceStrategy = {
  ...PLAIN_STRATEGY,
  prepareForUpdate(obj, old) {
    // spec.finalizers change only through finalizing (prepareForFinalize), so no edit lets a namespace go early.
    keepFinalizers(obj, old);
  },
  finalizers: (obj) => (Array.isArray(obj.spec?.finalizers) ? obj.spec.finalizers : []),
  prepareForTerminating(obj, now) {
    obj.metadata.deletionTimestamp = now;
    obj.status = { ...(obj.status ?? {}), phase: 'Terminating' };
  },
  repeatedDeleteConflict: 'The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.',
};

/**
 * A pod's binding (the scheduler's pods/binding write): spec.nodeName set once, with the
 * status that records the scheduling, in one write; the rest stays as stored.
 */
export function prepareForBinding(obj: KubeObject, old: KubeObject): void {
  const nodeName = old.spec?.nodeName ?? obj.spec?.nodeName;
  POD_STRATEGY.prepareForStatusUpdate(obj, old);
  if (nodeName) obj.spec = { ...(obj.spec ?? {}), nodeName };
}

/** A namespace's finalize write (its /finalize subresource): spec.finalizers only; the rest stays as stored. */
export function prepareForFinalize(obj: KubeObject, old: KubeObject): void {
  const finalizers = obj.spec?.finalizers;
  PLAIN_STRATEGY.prepareForStatusUpdate(obj, old);
  obj.status = structuredClone(old.status);
  obj.spec = { ...(obj.spec ?? {}), finalizers: Array.isArray(finalizers) ? finalizers : [] };
}

function keepFinalizers(obj: KubeObject, old: KubeObject): void {
  const before = old.spec?.finalizers;
  if (before === undefined) {
    if (obj.spec) delete obj.spec.finalizers;
    return;
  }
  obj.spec = { ...(obj.spec ?? {}), finalizers: structuredClone(before) };
}

/** The finalizer the namespace controller owns. */
export const NAMESPACE_FINALIZER = 'kubernetes';
