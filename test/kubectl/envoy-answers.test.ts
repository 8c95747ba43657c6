import { beforeAll, describe, expect, it } from 'vitest';
import { bashWithKubectl, succeeding } from '../helpers/bash.ts';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import { STRICT_MESH_WIDE } from '../helpers/istio-pages.ts';
import { until } from '../helpers/until.ts';


/**
 * What the client sees from the mesh's proxies, typed in bash with the real kubectl: auto mTLS
 * falling back to plain text for a workload without a sidecar (mtls-migration's legacy
 * namespace), Envoy's own status lines and Server header, httpbin's routes, the circuit
 * breaker's stat names, and Jaeger under the tracing add-on's /jaeger base path.
 */
describe('plaintext fallback, Envoy and httpbin as they answer, Jaeger under /jaeger', () => {
  const fixture = clusterWithKubectl(0.02);
  const bash = bashWithKubectl(fixture);
  const ok = succeeding(bash);

  beforeAll(async () => {
    await ok(`kubectl create ns foo && kubectl label namespace foo istio-injection=enabled
kubectl apply -f manifests/httpbin/httpbin.yaml -n foo && kubectl apply -f manifests/curl/curl.yaml -n foo
kubectl create ns legacy
kubectl apply -f manifests/httpbin/httpbin.yaml -n legacy && kubectl apply -f manifests/curl/curl.yaml -n legacy
kubectl wait --for=condition=Available deployment --all -n foo -n legacy --timeout=60s
kubectl wait --for=condition=Available deployment --all -n legacy --timeout=60s`);
  }, 90_000);

  it('a sidecar client reaches httpbin without a sidecar in plain text (no client certificate), STRICT or not', async () => {
    const call = `kubectl exec "$(kubectl get pod -l app=curl -n foo -o jsonpath={.items..metadata.name})" -c curl -n foo -- curl -s http://httpbin.legacy:8000/headers -w '\\ncode %{http_code}\\n'`;
    const plain = await ok(call);
    expect(plain).toMatch(/\ncode 200\n$/);
    expect(plain).toContain('"X-Envoy-Attempt-Count"');
    expect(plain).not.toContain('X-Forwarded-Client-Cert');
    // To a sidecar, auto mTLS is on: httpbin.foo sees the client's certificate.
    expect(await ok(call.replace('httpbin.legacy', 'httpbin.foo'))).toContain('"X-Forwarded-Client-Cert"');
    await ok(STRICT_MESH_WIDE);
    try {
      await until(async () => (await bash(`kubectl exec deploy/curl -n legacy -- curl -s -o /dev/null -w '%{http_code}' http://httpbin.foo:8000/ip`)).out.startsWith('000'), 'STRICT refusing plain text at httpbin.foo', 10_000, 100);
      expect(await ok(call)).toMatch(/\ncode 200\n$/);
      const refused = await bash(`kubectl exec deploy/curl -n legacy -- curl -sS http://httpbin.foo:8000/ip`);
      expect(refused.code).toBe(56);
      expect(refused.out).toContain('curl: (56) Recv failure: Connection reset by peer');
    } finally {
      await ok('kubectl delete peerauthentication default -n istio-system');
    }
  });

  it("Envoy's status line and Server header; httpbin's teapot, POST /post, /ip and /delay", async () => {
    const teapot = await ok('kubectl exec deploy/curl -n foo -- curl -sI http://httpbin.foo:8000/status/418');
    expect(teapot).toMatch(/^HTTP\/1\.1 418 Unknown\r\n/);
    expect(teapot).toContain('\r\nserver: envoy\r\n');
    expect(teapot).toContain('\r\nx-more-info: http://tools.ietf.org/html/rfc2324\r\n');
    expect(await ok('kubectl exec deploy/curl -n foo -- curl -s http://httpbin.foo:8000/status/418')).toBe("I'm a teapot!");
    const posted = JSON.parse(await ok(`kubectl exec deploy/curl -n foo -- curl -s -X POST -H 'content-type: application/json' -d '{"user":"jason"}' http://httpbin.foo:8000/post`));
    expect(posted).toMatchObject({ method: 'POST', data: '{"user":"jason"}', json: { user: 'jason' }, url: 'http://httpbin.foo:8000/post' });
    expect(await ok(`kubectl exec deploy/curl -n foo -- curl -s -o /dev/null -w '%{http_code}' http://httpbin.foo:8000/post`)).toBe('405');
    expect(JSON.parse(await ok('kubectl exec deploy/curl -n foo -- curl -s http://httpbin.foo:8000/ip'))).toHaveProperty('origin');
    expect(await ok(`kubectl exec deploy/curl -n foo -- curl -s -o /dev/null -w '%{http_code}' http://httpbin.foo:8000/delay/1`)).toBe('200');
    // A reply Envoy makes itself (no route for the host) also names Envoy.
    const local = await ok(`kubectl exec deploy/curl -n foo -- curl -si http://httpbin.foo:8000/status/503`);
    expect(local).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(local).toContain('\r\nserver: envoy\r\n');
  });

  it("circuit breaking: the stats carry Istio's ';' after the cluster name, and the high priority set", async () => {
    await ok(`kubectl apply -n foo -f manifests/httpbin/fortio.yaml -f manifests/httpbin/destination-rule-httpbin-cb.yaml
kubectl wait --for=condition=Available deployment/fortio-deploy -n foo --timeout=60s`);
    await ok('kubectl exec -n foo deploy/fortio-deploy -c fortio -- /usr/bin/fortio load -c 3 -qps 0 -n 20 -loglevel Warning http://httpbin:8000/get');
    const stats = await ok('kubectl exec -n foo deploy/fortio-deploy -c istio-proxy -- pilot-agent request GET stats | grep httpbin | grep pending');
    const lines = stats.trim().split('\n');
    expect(lines.every((l) => l.startsWith('cluster.outbound|8000||httpbin.foo.svc.cluster.local;.'))).toBe(true);
    expect(lines).toContain('cluster.outbound|8000||httpbin.foo.svc.cluster.local;.circuit_breakers.high.rq_pending_open: 0');
    expect(stats).toMatch(/;\.circuit_breakers\.default\.rq_pending_open: [01]\n/);
    expect(Number(/;\.upstream_rq_pending_total: (\d+)$/m.exec(stats)?.[1])).toBeGreaterThan(0);
  }, 60_000);
});

/** istio.io's distributed-tracing page: Bookinfo's traffic through the gateway, then Jaeger's API under /jaeger. */
describe("the distributed-tracing page: Jaeger's query API under the add-on's /jaeger", () => {
  const fixture = clusterWithKubectl(0.02);
  const ok = succeeding(bashWithKubectl(fixture));

  beforeAll(async () => {
    await ok(`kubectl label namespace default istio-injection=enabled
kubectl apply -f manifests/bookinfo/bookinfo.yaml -f manifests/networking/bookinfo-gateway.yaml >/dev/null
kubectl wait --for=condition=Available deployment --all --timeout=60s >/dev/null`);
  }, 90_000);

  it('the page\'s loop of 10 requests shows up as productpage traces at /jaeger/api/traces', async () => {
    await ok(`export INGRESS_HOST=$(kubectl -n istio-system get service istio-ingressgateway -o jsonpath='{.status.loadBalancer.ingress[0].ip}')
export INGRESS_PORT=$(kubectl -n istio-system get service istio-ingressgateway -o jsonpath='{.spec.ports[?(@.name=="http2")].port}')
export GATEWAY_URL=$INGRESS_HOST:$INGRESS_PORT
for i in $(seq 1 10); do curl -s -o /dev/null "http://$GATEWAY_URL/productpage"; done`);
    expect(await ok(`kubectl -n istio-system get deploy jaeger -o jsonpath='{.spec.template.spec.containers[0].env[?(@.name=="QUERY_BASE_PATH")].value}'`)).toBe('/jaeger');
    const pf = await fixture.kubectl.portForward(['-n', 'istio-system', 'deploy/jaeger', '0:16686']);
    try {
      const base = `http://127.0.0.1:${pf.localPort}/jaeger`;
      const services = (await (await fetch(`${base}/api/services`, { headers: { connection: 'close' } })).json()) as { data: string[] };
      expect(services.data).toContain('productpage.default');
      const traces = (await (await fetch(`${base}/api/traces?service=productpage.default&limit=20&lookback=1h`, { headers: { connection: 'close' } })).json()) as { data: { spans: { operationName: string }[] }[] };
      expect(traces.data.length).toBeGreaterThanOrEqual(10);
      expect(traces.data[0].spans.map((s) => s.operationName)).toContain('productpage.default.svc.cluster.local:9080/productpage');
    } finally {
      await pf.stop();
    }
  }, 60_000);
});
