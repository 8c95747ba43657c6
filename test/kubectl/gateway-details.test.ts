import { beforeAll, describe, expect, it } from 'vitest';
import { bashWithKubectl, succeeding } from '../helpers/bash.ts';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import { HTTPBIN_GATEWAY, httpbinVirtualService } from '../helpers/httpbin-pages.ts';

const ADDRESS = String.raw`
export INGRESS_HOST=$(kubectl -n istio-system get service istio-ingressgateway -o jsonpath='{.status.loadBalancer.ingress[0].ip}')
export INGRESS_PORT=$(kubectl -n istio-system get service istio-ingressgateway -o jsonpath='{.spec.ports[?(@.name=="http2")].port}')
export STATUS_PORT=$(kubectl -n istio-system get service istio-ingressgateway -o jsonpath='{.spec.ports[?(@.name=="status-port")].port}')
`;

/** Details of the ingress gateway that istio.io's pages and their troubleshooting steps rely on, typed in bash. */
describe('the ingress gateway as Envoy runs it (status port, its own 404s logged), logs of every container, curl --resolve', () => {
  const fixture = clusterWithKubectl(0.01);
  const bash = bashWithKubectl(fixture, { errexit: true });
  const ok = succeeding(bash);

  beforeAll(async () => {
    await ok(`istioctl install --set profile=demo -y >/dev/null
kubectl label namespace default istio-injection=enabled
kubectl apply -f manifests/httpbin/httpbin.yaml -f manifests/curl/curl.yaml
kubectl apply -f - <<EOF
${HTTPBIN_GATEWAY}---
${httpbinVirtualService('httpbin-gateway', ['/status'])}EOF
kubectl wait --for=condition=Available deployment/httpbin deployment/curl --timeout=60s`);
  }, 120_000);

  it("the status port answers /healthz/ready 200, from the host and from a pod", async () => {
    expect(await ok(`${ADDRESS}curl -s -o /dev/null -w '%{http_code}' "http://$INGRESS_HOST:$STATUS_PORT/healthz/ready"`)).toBe('200');
    expect(await ok(`kubectl exec deploy/curl -c curl -- curl -s -o /dev/null -w '%{http_code}' http://istio-ingressgateway.istio-system:15021/healthz/ready`)).toBe('200');
  });

  it("a path no route serves is the gateway's own 404, and its access log says so (NR route_not_found)", async () => {
    expect(await ok(`${ADDRESS}curl -s -o /dev/null -w '%{http_code}' -HHost:httpbin.example.com "http://$INGRESS_HOST:$INGRESS_PORT/x"`)).toBe('404');
    const log = await ok('kubectl logs -n istio-system deploy/istio-ingressgateway | grep \'"GET /x HTTP/1.1"\'');
    expect(log).toMatch(/^\[[^\]]+\] "GET \/x HTTP\/1\.1" 404 NR route_not_found - "-" 0 0 \d+ - "[^"]+" "curl\/[^"]+" "[^"]+" "httpbin\.example\.com" "-" - - \S+ \S+ - -$/m);
  });

  it('kubectl logs --all-containers includes the init container, each container\'s log whole', async () => {
    const pod = (await ok("kubectl get pod -l app=httpbin -o jsonpath='{.items[0].metadata.name}'")).trim();
    const init = await ok(`kubectl logs ${pod} -c istio-init`);
    expect(init.length).toBeGreaterThan(0);
    // kubectl reads each container in turn (in an order of its own): every one's lines, prefixed by where they came from.
    const prefixed = (await ok(`kubectl logs ${pod} --all-containers --prefix`)).trim().split('\n');
    const from = (c: string) => prefixed.filter((l) => l.startsWith(`[pod/${pod}/${c}] `)).map((l) => l.slice(`[pod/${pod}/${c}] `.length));
    expect(from('istio-init')).toEqual(init.trim().split('\n'));
    expect(from('httpbin').length).toBeGreaterThan(0);
    expect(from('istio-proxy').length).toBeGreaterThan(0);
    expect(prefixed.every((l) => /^\[pod\/[^/]+\/(istio-init|httpbin|istio-proxy)\] /.test(l))).toBe(true);
  });

  it('curl --resolve inside a pod pins a name to the gateway\'s ClusterIP', async () => {
    const out = await ok(`CLUSTER_IP=$(kubectl -n istio-system get svc istio-ingressgateway -o jsonpath='{.spec.clusterIP}')
kubectl exec deploy/curl -c curl -- curl -s -o /dev/null -w '%{http_code}' --resolve "httpbin.example.com:80:$CLUSTER_IP" http://httpbin.example.com/status/200`);
    expect(out).toBe('200');
  });
});
