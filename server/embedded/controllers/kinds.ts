import type { ObjectStore } from '../apiserver/store.ts';
import type { ResourceType } from '../apiserver/types.ts';

/** The resource types the controllers touch, looked up once per store. */
export interface Kinds {
  namespaces: ResourceType;
  pods: ResourceType;
  services: ResourceType;
  endpoints: ResourceType;
  serviceaccounts: ResourceType;
  configmaps: ResourceType;
  events: ResourceType;
  deployments: ResourceType;
  replicasets: ResourceType;
  daemonsets: ResourceType;
}

export function kindsOf(store: ObjectStore): Kinds {
  const r = store.registry;
  return {
    namespaces: r.mustGet('', 'namespaces'),
    pods: r.mustGet('', 'pods'),
    services: r.mustGet('', 'services'),
    endpoints: r.mustGet('', 'endpoints'),
    serviceaccounts: r.mustGet('', 'serviceaccounts'),
    configmaps: r.mustGet('', 'configmaps'),
    events: r.mustGet('', 'events'),
    deployments: r.mustGet('apps', 'deployments'),
    replicasets: r.mustGet('apps', 'replicasets'),
    daemonsets: r.mustGet('apps', 'daemonsets'),
  };
}

/** Does `labels` satisfy a matchLabels-style selector (or a LabelSelector with matchLabels/matchExpressions)? */
export function selectorMatches(selector: any, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  const matchLabels: Record<string, string> = selector.matchLabels || selector.matchExpressions ? selector.matchLabels ?? {} : selector;
  for (const [k, v] of Object.entries(matchLabels)) if (l[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    const values: string[] = e.values ?? [];
    if (e.operator === 'In' && !(has && values.includes(l[e.key]))) return false;
    if (e.operator === 'NotIn' && has && values.includes(l[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

export function isOwnedBy(obj: { metadata: { ownerReferences?: Array<{ uid: string }> } }, ownerUid: string | undefined): boolean {
  return !!ownerUid && !!obj.metadata.ownerReferences?.some((r) => r.uid === ownerUid);
}
