/**
 * Validation of the built-in kinds the way the kube-apiserver's per-kind strategies do it:
 * decoding into Go types first (400 BadRequest), then ObjectMeta and the kind's own rules
 * (422 Invalid, causes positioned by field path), then the kind's update rules. Custom
 * resources (Istio's kinds) get the ObjectMeta checks here and their schema elsewhere.
 */
import { badRequest, forbidden, invalid } from '../errors.ts';
import type { AdmissionHook } from '../store.ts';
import type { KubeObject, ResourceType, StatusCause } from '../types.ts';
import { validateDaemonSet, validateDeployment, validateReplicaSet, validateStatefulSet, validateStatefulSetUpdate, validateWorkloadUpdate } from './kube-apps-rules.ts';
import {
  nameIsPathSegment,
  validateBindingUpdate,
  validateClusterRole,
  validateClusterRoleBinding,
  validateIngress,
  validateIngressClass,
  validateIngressClassUpdate,
  validatePersistentVolumeClaim,
  validatePersistentVolumeClaimUpdate,
  validateRole,
  validateRoleBinding,
} from './kube-addon-rules.ts';
import { KubeCauses } from './kube-causes.ts';
import {
  validateConfigMap,
  validateEndpoints,
  validateEvent,
  validateImmutableData,
  validateNamespace,
  validateSecret,
  validateSecretUpdate,
  validateService,
  validateServiceUpdate,
} from './kube-core-rules.ts';
import { decodeError } from './kube-decode.ts';
import { validateObjectMeta } from './kube-meta.ts';
import { nameIsDns1035Label, nameIsDnsLabel, nameIsDnsSubdomain, type NameCheck } from './kube-names.ts';
import { validatePodSpec, validatePodSpecUpdate } from './kube-pod-rules.ts';
import { FieldPath } from './causes.ts';
import { isBuiltinGroup } from '../builtin-groups.ts';

interface Strategy {
  name: NameCheck;
  validate?(obj: KubeObject, causes: KubeCauses): void;
  validateUpdate?(obj: KubeObject, old: KubeObject, causes: KubeCauses): void;
}

const STRATEGIES: Record<string, Strategy> = {
  '/Namespace': { name: nameIsDnsLabel, validate: validateNamespace },
  '/Pod': {
    name: nameIsDnsSubdomain,
    validate: (o, c) => validatePodSpec(o.spec, new FieldPath('spec'), c),
    validateUpdate: (o, old, c) => validatePodSpecUpdate(o.spec, old.spec, new FieldPath('spec'), c),
  },
  '/Service': { name: nameIsDns1035Label, validate: validateService, validateUpdate: validateServiceUpdate },
  '/Endpoints': { name: nameIsDnsSubdomain, validate: validateEndpoints },
  '/ServiceAccount': { name: nameIsDnsSubdomain },
  '/ConfigMap': { name: nameIsDnsSubdomain, validate: validateConfigMap, validateUpdate: (o, old, c) => validateImmutableData(o, old, ['data', 'binaryData'], c) },
  '/Secret': { name: nameIsDnsSubdomain, validate: validateSecret, validateUpdate: validateSecretUpdate },
  '/Event': { name: nameIsDnsSubdomain, validate: validateEvent },
  'apps/Deployment': { name: nameIsDnsSubdomain, validate: validateDeployment, validateUpdate: validateWorkloadUpdate },
  'apps/ReplicaSet': { name: nameIsDnsSubdomain, validate: validateReplicaSet, validateUpdate: validateWorkloadUpdate },
  'apps/DaemonSet': { name: nameIsDnsSubdomain, validate: validateDaemonSet, validateUpdate: validateWorkloadUpdate },
  'apps/StatefulSet': { name: nameIsDnsSubdomain, validate: validateStatefulSet, validateUpdate: validateStatefulSetUpdate },
  '/PersistentVolumeClaim': { name: nameIsDnsSubdomain, validate: validatePersistentVolumeClaim, validateUpdate: validatePersistentVolumeClaimUpdate },
  'networking.k8s.io/Ingress': { name: nameIsDnsSubdomain, validate: validateIngress },
  'networking.k8s.io/IngressClass': { name: nameIsDnsSubdomain, validate: validateIngressClass, validateUpdate: validateIngressClassUpdate },
  'rbac.authorization.k8s.io/Role': { name: nameIsPathSegment, validate: validateRole },
  'rbac.authorization.k8s.io/ClusterRole': { name: nameIsPathSegment, validate: validateClusterRole },
  'rbac.authorization.k8s.io/RoleBinding': { name: nameIsPathSegment, validate: validateRoleBinding, validateUpdate: validateBindingUpdate },
  'rbac.authorization.k8s.io/ClusterRoleBinding': { name: nameIsPathSegment, validate: validateClusterRoleBinding, validateUpdate: validateBindingUpdate },
};

/** Custom resources' names are DNS subdomains; their spec is the CRD schema's business. */
const CUSTOM_RESOURCE: Strategy = { name: nameIsDnsSubdomain };

/** Namespaces the NamespaceLifecycle admission plugin never lets go. */
export const UNDELETABLE_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);


/** The decode error (400) a real apiserver gives this body, if any. */
export function builtinDecodeError(type: ResourceType, obj: unknown): string | undefined {
  return isBuiltinGroup(type.group) ? decodeError(type.kind, obj) : undefined;
}

/** What the kube-apiserver's validation refuses in `obj` (and, for an update, in the change from `old`). */
export function validateBuiltinObject(type: ResourceType, obj: KubeObject, old?: KubeObject): StatusCause[] {
  const strategy = STRATEGIES[`${type.group}/${type.kind}`] ?? CUSTOM_RESOURCE;
  const causes = new KubeCauses();
  validateObjectMeta(obj.metadata, type.namespaced, strategy.name, causes);
  strategy.validate?.(obj, causes);
  if (old) strategy.validateUpdate?.(obj, old, causes);
  return causes.list;
}

/** The validating admission hook for the embedded store's built-in kinds (and every kind's metadata). */
export const builtinValidationHook: AdmissionHook = (op, type, object, old) => {
  if (op === 'DELETE') {
    if (type.group === '' && type.kind === 'Namespace' && UNDELETABLE_NAMESPACES.has(object.metadata.name)) {
      throw forbidden(type, object.metadata.name, 'this namespace may not be deleted');
    }
    return;
  }
  const decode = builtinDecodeError(type, object);
  if (decode) throw badRequest(decode);
  const causes = validateBuiltinObject(type, object, op === 'UPDATE' ? old : undefined);
  if (causes.length) throw invalid(type, typeof object.metadata?.name === 'string' ? object.metadata.name : '', causes);
};
