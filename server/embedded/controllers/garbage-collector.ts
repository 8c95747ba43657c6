import type { ObjectStore } from '../apiserver/store.ts';
import { isOwnedBy } from './kinds.ts';

/**
 * Background cascading deletion: once an owner (uid) is gone, its dependents in `ns`
 * go too — a Deployment's ReplicaSets, then, as each of those goes, their Pods.
 * Run after the deleting write has finished, never inside its event fan-out.
 */
export function collectGarbage(store: ObjectStore, ns: string, ownerUid: string): void {
  for (const type of store.registry.all) {
    if (!type.namespaced) continue;
    for (const dependent of store.list(type, ns)) {
      if (!isOwnedBy(dependent, ownerUid)) continue;
      const ownerAlive = dependent.metadata.ownerReferences!.some((r) => r.uid !== ownerUid && ownerExists(store, ns, r.kind, r.name, r.uid));
      if (ownerAlive) continue;
      try {
        store.delete(type, ns, dependent.metadata.name);
      } catch {
        /* deleted meanwhile */
      }
    }
  }
}

function ownerExists(store: ObjectStore, ns: string, kind: string, name: string, uid: string): boolean {
  const type = store.registry.all.find((t) => t.kind === kind);
  const owner = type && store.get(type, type.namespaced ? ns : undefined, name);
  return !!owner && owner.metadata.uid === uid;
}
