import type { ObjectStore } from '../apiserver/store.ts';
import type { KubeObject, ResourceType } from '../apiserver/types.ts';

/** A claim once bound: the capacity it asked for, in the modes it asked for. */
function boundClaimStatus(pvc: KubeObject): any {
  return { phase: 'Bound', accessModes: pvc.spec?.accessModes ?? [], capacity: { storage: pvc.spec?.resources?.requests?.storage ?? '0' } };
}

/**
 * The cluster's storage provisioner, as small as it can be: every PersistentVolumeClaim is
 * Bound as soon as it exists, with what it asked for (no volumes are modelled, and nothing
 * the simulated apps do needs their contents).
 */
export function bindClaim(store: ObjectStore, claims: ResourceType, namespace: string, name: string): void {
  const current = store.get(claims, namespace, name);
  if (current && current.status?.phase !== 'Bound' && !current.metadata.deletionTimestamp) store.updateStatus(claims, { ...current, status: boundClaimStatus(current) });
}
