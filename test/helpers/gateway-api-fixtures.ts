import type { Clock } from '../../server/clock.ts';
import type { ObjectStore } from '../../server/embedded/apiserver/store.ts';
import { addPod, apply, bookinfoStore, manifest } from './mesh-fixtures.ts';

/** The Service (and workload) Istio deploys for the Bookinfo Gateway API gateway. */
export const BOOKINFO_GATEWAY_SERVICE = { namespace: 'default', name: 'bookinfo-gateway-istio' };

/**
 * Bookinfo with its version Services, the Gateway API Gateway and HTTPRoute, and the pod and
 * Service Istio's controller would deploy for it (created directly, as the mesh fixtures do).
 */
export function gatewayApiStore(clock: Clock): ObjectStore {
  const store = bookinfoStore(clock, { gateway: false });
  apply(store, manifest('bookinfo/platform/kube/bookinfo-versions.yaml'));
  apply(store, manifest('bookinfo/gateway-api/bookinfo-gateway.yaml'));
  addBookinfoGatewayProxy(store);
  return store;
}

/** The pod and Service Istio's controller deploys for Gateway bookinfo-gateway (the controller does not run in these stores). */
export function addBookinfoGatewayProxy(store: ObjectStore): void {
  const selector = { 'gateway.networking.k8s.io/gateway-name': 'bookinfo-gateway' };
  addPod(store, { deployment: BOOKINFO_GATEWAY_SERVICE.name, labels: selector, containerName: 'istio-proxy', sidecar: false });
  apply(store, [{ apiVersion: 'v1', kind: 'Service', metadata: { name: BOOKINFO_GATEWAY_SERVICE.name }, spec: { selector, ports: [{ name: 'status-port', port: 15021 }, { name: 'http', port: 80 }] } }]);
}

/** The pages' inline HTTPRoute `reviews` for mesh traffic to the reviews Service, with these rules (YAML list items). */
export const reviewsRoute = (rules: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: reviews
spec:
  parentRefs:
  - group: ""
    kind: Service
    name: reviews
    port: 9080
  rules:
${rules}`;
