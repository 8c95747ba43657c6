import type { ResourceType } from './types.ts';
import { isBuiltinGroup } from './builtin-groups.ts';

/** Marks a list of scalars merged as a set (e.g. metadata.finalizers). */
export const SCALAR_SET = Symbol('scalar-set');

export type ListStrategy = string | typeof SCALAR_SET | undefined;

/**
 * How a list field merges in built-in kinds (the merge key each built-in list declares, so
 * kubectl's strategic merge patches merge items by it rather than by position);
 * `undefined` means the list is atomic and replaced whole. `path` holds the field names
 * leading to the list, ending with the list's own name. Istio kinds are CRDs: all atomic.
 */
export function listStrategy(type: ResourceType, path: string[]): ListStrategy {
  if (!isBuiltinGroup(type.group)) return undefined;
  const field = path[path.length - 1];
  const parent = path[path.length - 2];
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
    case 'secrets':
    case 'readinessGates':
      return field === 'readinessGates' ? 'conditionType' : 'name';
    case 'ports':
      if (parent === 'spec' && type.kind === 'Service') return 'port';
      if (path.includes('containers') || path.includes('initContainers')) return 'containerPort';
      return undefined;
    case 'volumeMounts':
      return 'mountPath';
    case 'volumeDevices':
      return 'devicePath';
    case 'conditions':
      return 'type';
    case 'ownerReferences':
      return 'uid';
    case 'hostAliases':
      return 'ip';
    case 'finalizers':
      return SCALAR_SET;
  }
  return undefined;
}

export function isPlainObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
