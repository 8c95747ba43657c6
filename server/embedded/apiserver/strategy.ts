/** The strategies the registry's kinds use; the store applies them (see ResourceStrategy). */
import type { KubeObject, ResourceStrategy } from './types.ts';

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

/** Deployments and ReplicaSets: status through its subresource, generation counts spec changes. */
export const WORKLOAD_STRATEGY = objectStrategy({ statusSubresource: true, generation: true });

/** Istio's custom resources: their CRDs declare no status subresource here; generation counts spec changes. */
export const CUSTOM_RESOURCE_STRATEGY = objectStrategy({ statusSubresource: false, generation: true });

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
