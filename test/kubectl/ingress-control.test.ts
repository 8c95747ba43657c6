import { beforeAll, describe, expect, it } from 'vitest';
import { bashWithKubectl } from '../helpers/bash.ts';
import { HTTPBIN_GATEWAY, httpbinRoute, httpbinVirtualService } from '../helpers/httpbin-pages.ts';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import { until } from '../helpers/until.ts';

/**
 * istio.io's ingress-control task, Istio API tab: httpbin behind a Gateway for
 * httpbin.example.com and a VirtualService for /status and /delay, reached from the host
 * with curl -H Host at the load balancer's address; an unmatched path is Envoy's 404.
 */
describe('istio.io ingress control (Istio APIs), typed in bash', () => {
  const fixture = clusterWithKubectl(0.005);
  const bash = bashWithKubectl(fixture, { errexit: true });

  /** The page's address lines, with its INGRESS_NAME and INGRESS_NS. */
  const ADDRESS = [
    'export INGRESS_NAME=istio-ingressgateway',
    'export INGRESS_NS=istio-system',
    `export INGRESS_HOST=$(kubectl -n "$INGRESS_NS" get service "$INGRESS_NAME" -o jsonpath='{.status.loadBalancer.ingress[0].ip}')`,
    `export INGRESS_PORT=$(kubectl -n "$INGRESS_NS" get service "$INGRESS_NAME" -o jsonpath='{.spec.ports[?(@.name=="http2")].port}')`,
    `export SECURE_INGRESS_PORT=$(kubectl -n "$INGRESS_NS" get service "$INGRESS_NAME" -o jsonpath='{.spec.ports[?(@.name=="https")].port}')`,
  ].join('\n');

  beforeAll(async () => {
    await fixture.kubectl.ok(['label', 'namespace', 'default', 'istio-injection=enabled']);
  });

  it('deploys httpbin, then applies the Gateway and VirtualService from heredocs', async () => {
    const app = await bash('kubectl apply -f manifests/httpbin/httpbin.yaml');
    expect(app.out).toContain('deployment.apps/httpbin created');
    await until(async () => /\s2\/2\s+Running\s/.test(await fixture.kubectl.ok(['get', 'pods', '-l', 'app=httpbin', '--no-headers'])), 'httpbin 2/2 Running', 30_000, 150);

    const gateway = await bash(`kubectl apply -f - <<EOF
${HTTPBIN_GATEWAY}EOF`);
    expect(gateway.out.trim()).toBe('gateway.networking.istio.io/httpbin-gateway created');
    const vs = await bash(`kubectl apply -f - <<EOF
${httpbinVirtualService('httpbin-gateway', ['/status', '/delay'])}EOF`);
    expect(vs.out.trim()).toBe('virtualservice.networking.istio.io/httpbin created');
  });

  it('kubectl get svc shows an EXTERNAL-IP: the load balancer the page then uses', async () => {
    const { out } = await bash('kubectl get svc "istio-ingressgateway" -n "istio-system"');
    const [header, row] = out.trim().split('\n');
    expect(header).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/);
    expect(row).toMatch(/^istio-ingressgateway\s+LoadBalancer\s+10\.96\.\d+\.\d+\s+127\.0\.0\.1\s+/);
  });

  it('curl -H Host: httpbin.example.com /status/200 is 200 from istio-envoy', async () => {
    const { code, out } = await bash(`${ADDRESS}\ncurl -s -I -HHost:httpbin.example.com "http://$INGRESS_HOST:$INGRESS_PORT/status/200"`);
    expect(code).toBe(0);
    expect(out).toMatch(/^HTTP\/1\.1 200 OK\r?$/m);
    expect(out).toMatch(/^server: istio-envoy\r?$/m);
  });

  it('a path the VirtualService does not route (/headers) is 404', async () => {
    const { out } = await bash(`${ADDRESS}\ncurl -s -I -HHost:httpbin.example.com "http://$INGRESS_HOST:$INGRESS_PORT/headers"`);
    expect(out).toMatch(/^HTTP\/1\.1 404 Not Found\r?$/m);
  });

  it('without the Host header no server of the Gateway matches: 404', async () => {
    const { out } = await bash(`${ADDRESS}\ncurl -s -I "http://$INGRESS_HOST:$INGRESS_PORT/status/200"`);
    expect(out).toMatch(/^HTTP\/1\.1 404 Not Found\r?$/m);
  });
});

/**
 * The same task, Gateway API tab: a Gateway for httpbin.example.com (Istio deploys
 * httpbin-gateway-istio for it) and an HTTPRoute for /status and /delay; the page reads the
 * address from the Gateway's status and the port from its `http` listener. Here the
 * listener's port 80 is not bindable (every test cluster takes free host ports, as a normal
 * user's does), so the listener shows the port that serves.
 */
describe('istio.io ingress control (Gateway API), typed in bash', () => {
  const fixture = clusterWithKubectl(0.005);
  const bash = bashWithKubectl(fixture, { errexit: true });
  const ADDRESS = [
    `export INGRESS_HOST=$(kubectl get gtw httpbin-gateway -o jsonpath='{.status.addresses[0].value}')`,
    `export INGRESS_PORT=$(kubectl get gtw httpbin-gateway -o jsonpath='{.spec.listeners[?(@.name=="http")].port}')`,
  ].join('\n');

  beforeAll(async () => {
    await fixture.kubectl.ok(['label', 'namespace', 'default', 'istio-injection=enabled']);
  });

  it('deploys httpbin, the Gateway (waited for programmed) and the HTTPRoute', async () => {
    expect((await bash('kubectl apply -f manifests/httpbin/httpbin.yaml -f manifests/curl/curl.yaml')).out).toContain('deployment.apps/httpbin created');
    const gateway = await bash(`kubectl apply -f - <<EOF
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: httpbin-gateway
spec:
  gatewayClassName: istio
  listeners:
  - name: http
    hostname: "httpbin.example.com"
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces:
        from: Same
EOF
kubectl wait --for=condition=programmed gtw httpbin-gateway`);
    expect(gateway.out).toBe('gateway.gateway.networking.k8s.io/httpbin-gateway created\ngateway.gateway.networking.k8s.io/httpbin-gateway condition met\n');
    const route = await bash(`kubectl apply -f - <<EOF
${httpbinRoute('name: httpbin-gateway')}EOF`);
    expect(route.out).toBe('httproute.gateway.networking.k8s.io/httpbin created\n');
    await bash('kubectl wait --for=condition=Available deployment/httpbin deployment/curl --timeout=30s');
  });

  it("the page's lines give the load balancer's address and a listener port that serves, the same the Service shows", async () => {
    const port = await until(async () => {
      const p = (await bash(`${ADDRESS}\necho "$INGRESS_PORT"`)).out.trim();
      return p !== '80' && p;
    }, 'the http listener showing the port that serves');
    expect((await bash(`${ADDRESS}\necho "$INGRESS_HOST"`)).out.trim()).toBe('127.0.0.1');
    expect((await bash(`kubectl get svc httpbin-gateway-istio -o jsonpath='{.spec.ports[?(@.name=="http")].port}'`)).out).toBe(port);
    // Still the Gateway the user wrote: programmed for the port it declared, inside the cluster.
    const programmed = JSON.parse((await bash('kubectl get gtw httpbin-gateway -o json')).out).status.conditions.find((c: any) => c.type === 'Programmed');
    expect(programmed).toMatchObject({ status: 'True', message: 'Resource programmed, assigned to service(s) httpbin-gateway-istio.default.svc.cluster.local:80' });
    const inMesh = await fixture.kubectl.ok(['exec', 'deploy/curl', '-c', 'curl', '--', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'Host: httpbin.example.com', 'http://httpbin-gateway-istio.default/status/200']);
    expect(inMesh).toBe('200');
  });

  it('curl -H Host: httpbin.example.com /status/200 is 200 from istio-envoy; /headers is 404', async () => {
    const ok = await bash(`${ADDRESS}\ncurl -s -I -HHost:httpbin.example.com "http://$INGRESS_HOST:$INGRESS_PORT/status/200"`);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^HTTP\/1\.1 200 OK\r?$/m);
    expect(ok.out).toMatch(/^server: istio-envoy\r?$/m);
    const missing = await bash(`${ADDRESS}\ncurl -s -I -HHost:httpbin.example.com "http://$INGRESS_HOST:$INGRESS_PORT/headers"`);
    expect(missing.out).toMatch(/^HTTP\/1\.1 404 Not Found\r?$/m);
  });

  it('a port the user changes is a new declaration; off the load balancer the listener shows what was declared', async () => {
    const listenerPort = async () => (await bash(`kubectl get gtw httpbin-gateway -o jsonpath='{.spec.listeners[?(@.name=="http")].port}'`)).out;
    await bash(`kubectl patch gtw httpbin-gateway --type=json -p '[{"op":"replace","path":"/spec/listeners/0/port","value":8080}]'`);
    const moved = await until(async () => {
      const declared = (await bash(`kubectl get svc httpbin-gateway-istio -o jsonpath='{.metadata.annotations.istio-live-deck/cluster-ports}'`)).out;
      const port = await listenerPort();
      return declared.includes('8080') && port !== '8080' && port;
    }, 'the Service declaring 8080 and the listener showing its host port');
    expect((await bash(`${ADDRESS}
curl -s -o /dev/null -w '%{http_code}' -HHost:httpbin.example.com "http://$INGRESS_HOST:$INGRESS_PORT/status/200"`)).out).toBe('200');
    expect(moved).toBe((await bash(`kubectl get svc httpbin-gateway-istio -o jsonpath='{.spec.ports[?(@.name=="http")].port}'`)).out);
    await bash('kubectl annotate gtw httpbin-gateway networking.istio.io/service-type=ClusterIP');
    await until(async () => (await listenerPort()) === '8080', 'the listener back at its declared 8080');
    expect((await bash('kubectl get gtw httpbin-gateway -o yaml')).out).not.toContain('istio-live-deck/listener-ports');
  });

  it('cleanup: deleting the Gateway and the route', async () => {
    const out = await bash('kubectl delete gtw httpbin-gateway\nkubectl delete httproute httpbin');
    expect(out.out).toBe('gateway.gateway.networking.k8s.io "httpbin-gateway" deleted\nhttproute.gateway.networking.k8s.io "httpbin" deleted\n');
  });
});
