import { ApiError } from '../embedded/apiserver/errors.ts';
import type { AdmissionHook, ObjectStore } from '../embedded/apiserver/store.ts';

/**
 * A ResourceQuota on pods for a sandbox's namespaces, refused as the kube-apiserver's quota
 * admission refuses them. Every pod of a sandbox is also watched by an informer in the
 * deck's own process, so thousands of them would cost the presenter's event loop; a talk's
 * sandbox needs a few dozen.
 */
export function podQuotaHook(store: ObjectStore, limit: number): AdmissionHook {
  const pods = store.registry.mustGet('', 'pods');
  return (op, type, object) => {
    if (op !== 'CREATE' || type !== pods) return;
    const used = store.list(pods, object.metadata.namespace).length;
    if (used < limit) return;
    const name = object.metadata.name ?? object.metadata.generateName ?? '';
    throw new ApiError(403, 'Forbidden', `pods "${name}" is forbidden: exceeded quota: sandbox-pods, requested: pods=1, used: pods=${used}, limited: pods=${limit}`, { name, kind: 'pods' });
  };
}
