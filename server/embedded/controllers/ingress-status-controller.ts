import type { ObjectStore } from '../apiserver/store.ts';
import type { StoreEvent } from '../apiserver/types.ts';
import { istioOwnsIngress } from '../mesh/ingress-conversion.ts';
import { kindsOf } from './kinds.ts';
import { WorkQueue } from './work-queue.ts';

/** The Service whose address Istio writes into the Ingresses it serves. */
const INGRESS_SERVICE = { namespace: 'istio-system', name: 'istio-ingressgateway' };
const ALL = '*';

/**
 * Istio's Ingress status: every Ingress it serves shows the ingress gateway Service's
 * load-balancer address in `status.loadBalancer` (what `kubectl get ingress` prints under
 * ADDRESS); one it does not serve is left alone.
 */
export function startIngressStatusController(store: ObjectStore): { stop(): void } {
  const ingresses = store.registry.byPlural('networking.k8s.io', 'ingresses');
  const classes = store.registry.byPlural('networking.k8s.io', 'ingressclasses');
  if (!ingresses || !classes) return { stop() {} };
  const kinds = kindsOf(store);
  const queue = new WorkQueue('ingress-status', () => {
    const svc = store.get(kinds.services, INGRESS_SERVICE.namespace, INGRESS_SERVICE.name);
    const address = (svc?.status?.loadBalancer?.ingress ?? []).map((i: any) => (i.ip ? { ip: i.ip } : { hostname: i.hostname }));
    const ingressClasses = store.list(classes);
    for (const ing of store.list(ingresses)) {
      if (ing.metadata.deletionTimestamp || !istioOwnsIngress(ing, ingressClasses)) continue;
      const loadBalancer = address.length ? { ingress: address } : {};
      if (JSON.stringify(ing.status?.loadBalancer ?? {}) === JSON.stringify(loadBalancer)) continue;
      store.updateStatus(ingresses, { ...ing, status: { ...(ing.status ?? {}), loadBalancer } });
    }
  });
  const unsubscribe = store.onEvent((e: StoreEvent) => {
    const { namespace, name } = e.object.metadata;
    if (e.resource === classes || (e.resource === ingresses && e.type !== 'DELETED')) queue.add(ALL);
    else if (e.resource === kinds.services && namespace === INGRESS_SERVICE.namespace && name === INGRESS_SERVICE.name) queue.add(ALL);
  });
  queue.add(ALL);
  return {
    stop() {
      unsubscribe();
      queue.stop();
    },
  };
}
