import { beforeAll, describe, expect, it } from 'vitest';
import { bashWithKubectl } from '../helpers/bash.ts';
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
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: httpbin-gateway
spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: 80
      name: http
      protocol: HTTP
    hosts:
    - "httpbin.example.com"
EOF`);
    expect(gateway.out.trim()).toBe('gateway.networking.istio.io/httpbin-gateway created');
    const vs = await bash(`kubectl apply -f - <<EOF
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: httpbin
spec:
  hosts:
  - "httpbin.example.com"
  gateways:
  - httpbin-gateway
  http:
  - match:
    - uri:
        prefix: /status
    - uri:
        prefix: /delay
    route:
    - destination:
        port:
          number: 8000
        host: httpbin
EOF`);
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
