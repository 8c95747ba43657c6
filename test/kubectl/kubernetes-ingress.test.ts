import { describe, expect, it } from 'vitest';
import { bashWithKubectl, succeeding } from '../helpers/bash.ts';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import { until } from '../helpers/until.ts';

const INGRESS_ADDRESS = String.raw`
export INGRESS_HOST=$(kubectl -n istio-system get service istio-ingressgateway -o jsonpath='{.status.loadBalancer.ingress[0].ip}')
export INGRESS_PORT=$(kubectl -n istio-system get service istio-ingressgateway -o jsonpath='{.spec.ports[?(@.name=="http2")].port}')
`;

/** An Ingress as the page writes it: one host, one path by prefix to httpbin:8000, claimed for Istio by `claim` (annotation or class lines) when given. */
const ingress = (name: string, host: string, path: string, claim: { annotation?: boolean; className?: string } = {}) => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
${claim.annotation ? '  annotations:\n    kubernetes.io/ingress.class: istio\n' : ''}  name: ${name}
spec:
${claim.className ? `  ingressClassName: ${claim.className}\n` : ''}  rules:
  - host: ${host}
    http:
      paths:
      - path: ${path}
        pathType: Prefix
        backend:
          service:
            name: httpbin
            port:
              number: 8000
`;

/** The page's Ingress for httpbin.example.com: `/status` by prefix to httpbin:8000, claimed for Istio by the annotation. */
const ANNOTATED_INGRESS = `kubectl apply -f - <<EOF
${ingress('ingress', 'httpbin.example.com', '/status', { annotation: true })}EOF`;

/** The page's IngressClass section: class istio for Istio's controller, and the Ingress naming it, every path to httpbin. */
const INGRESS_CLASS = `kubectl apply -f - <<EOF
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: istio
spec:
  controller: istio.io/ingress-controller
---
${ingress('ingress', 'httpbin.example.com', '/', { className: 'istio' })}EOF`;

const head = (path: string, host = 'httpbin.example.com') => `curl -s -I -HHost:${host} "http://$INGRESS_HOST:$INGRESS_PORT${path}"`;

/**
 * istio.io's Kubernetes Ingress task typed in bash with the real kubectl and curl: the
 * ingress gateway serves an Ingress claimed for Istio (by annotation or IngressClass), and
 * kubectl prints Ingress and IngressClass as it does against a real cluster.
 */
describe("istio.io's Kubernetes Ingress page, typed in bash", () => {
  const fixture = clusterWithKubectl(0.01);
  const run = bashWithKubectl(fixture);
  const bash = (script: string) => run(`${INGRESS_ADDRESS}${script}`);
  const ok = succeeding(bash);

  it('applies httpbin and the annotated Ingress; /status/200 answers 200 from istio-envoy, /headers 404', async () => {
    await ok(`kubectl label namespace default istio-injection=enabled
kubectl apply -f ${process.cwd()}/manifests/httpbin/httpbin.yaml
kubectl wait --for=condition=Available deployment/httpbin --timeout=60s`);
    expect(await ok(ANNOTATED_INGRESS)).toBe('ingress.networking.k8s.io/ingress created\n');
    const status = await until(async () => {
      const out = await ok(head('/status/200'));
      return /^HTTP\/1\.1 200 OK\r$/m.test(out) && out;
    }, 'the Ingress route answering', 10_000, 50);
    expect(status).toMatch(/^server: istio-envoy\r$/m);
    expect(await ok(`${head('/headers')} | head -1`)).toBe('HTTP/1.1 404 Not Found\r\n');
    // Prefix matches whole path elements; another host has no route.
    expect(await ok(`${head('/statusx')} | head -1`)).toBe('HTTP/1.1 404 Not Found\r\n');
    expect(await ok(`${head('/status/200', 'other.example.com')} | head -1`)).toBe('HTTP/1.1 404 Not Found\r\n');
  }, 90_000);

  it('kubectl get ingress shows the class, host, the gateway address and port 80', async () => {
    const address = (await ok('kubectl -n istio-system get service istio-ingressgateway -o jsonpath="{.status.loadBalancer.ingress[0].ip}"')).trim();
    const table = await until(async () => {
      const out = await ok('kubectl get ingress');
      return out.includes(address) && out;
    }, 'the Ingress status showing the gateway address', 10_000, 50);
    expect(table).toMatch(new RegExp(`^NAME +CLASS +HOSTS +ADDRESS +PORTS +AGE\\ningress +<none> +httpbin\\.example\\.com +${address.replace(/\./g, '\\.')} +80 +\\S+\\n$`));
  });

  it('an Ingress without a class is not Istio\'s: no route, no status', async () => {
    await ok(`kubectl apply -f - <<EOF
${ingress('other', 'unclaimed.example.com', '/status')}EOF`);
    expect(await ok(`${head('/status/200', 'unclaimed.example.com')} | head -1`)).toBe('HTTP/1.1 404 Not Found\r\n');
    expect(await ok("kubectl get ingress other -o jsonpath='{.status.loadBalancer.ingress}'")).toBe('');
    await ok('kubectl delete ingress other');
  });

  it('IngressClass istio: the Ingress naming it takes every path; kubectl prints the class', async () => {
    expect(await ok(INGRESS_CLASS)).toBe('ingressclass.networking.k8s.io/istio created\ningress.networking.k8s.io/ingress configured\n');
    const out = await until(async () => {
      const r = await ok(`${head('/headers')} | head -1`);
      return r === 'HTTP/1.1 200 OK\r\n' && r;
    }, 'the / prefix route answering', 10_000, 50);
    expect(out).toBe('HTTP/1.1 200 OK\r\n');
    expect(await ok('kubectl get ingressclass')).toMatch(/^NAME +CONTROLLER +PARAMETERS +AGE\nistio +istio\.io\/ingress-controller +<none> +\S+\n$/);
    expect(await ok('kubectl get ingress ingress -o jsonpath="{.spec.ingressClassName}"')).toBe('istio');
  });

  it('Exact and ImplementationSpecific paths: exact unless the path ends in /*', async () => {
    await ok(`kubectl apply -f - <<EOF
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: paths
spec:
  ingressClassName: istio
  rules:
  - host: paths.example.com
    http:
      paths:
      - path: /ip
        pathType: Exact
        backend: {service: {name: httpbin, port: {number: 8000}}}
      - path: /status/*
        pathType: ImplementationSpecific
        backend: {service: {name: httpbin, port: {number: 8000}}}
      - path: /headers
        pathType: ImplementationSpecific
        backend: {service: {name: httpbin, port: {number: 8000}}}
EOF`);
    const code = (path: string) => ok(`curl -s -o /dev/null -w "%{http_code}" -HHost:paths.example.com "http://$INGRESS_HOST:$INGRESS_PORT${path}"`);
    await until(async () => (await code('/ip')) === '200', 'the paths Ingress answering', 10_000, 50);
    expect(await code('/ip/x')).toBe('404');
    expect(await code('/status/418')).toBe('418');
    expect(await code('/headers')).toBe('200');
    expect(await code('/headers/x')).toBe('404');
  });

  it('refuses what the apiserver refuses, naming the field', async () => {
    const r = await bash(`kubectl apply -f - <<EOF
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: broken
spec:
  rules:
  - host: 10.0.0.1
    http:
      paths:
      - path: status
        pathType: Prefix
        backend:
          service:
            name: httpbin
EOF`);
    expect(r.code).toBe(1);
    expect(r.out).toContain('The Ingress "broken" is invalid');
    expect(r.out).toContain('spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address');
    expect(r.out).toContain('spec.rules[0].http.paths[0].path: Invalid value: "status": must be an absolute path');
    expect(r.out).toContain('spec.rules[0].http.paths[0].backend.service.port: Invalid value: "": port name or number is required');
    const cls = await bash(`kubectl apply -f - <<EOF
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
spec:
  controller: nginx
EOF`);
    expect(cls.out).toContain('spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")');
  });

  it('kubectl explain reads the served schema', async () => {
    const out = await ok('kubectl explain ingress.spec.rules.http.paths.pathType');
    expect(out).toMatch(/^GROUP: +networking\.k8s\.io\nKIND: +Ingress\nVERSION: +v1\n/);
    expect(out).toContain('FIELD: pathType <string>');
    expect(await ok('kubectl explain clusterrolebinding.roleRef')).toContain('FIELD: roleRef <RoleRef>');
  });

  it('cleanup: with the last Ingress deleted, no Gateway serves port 80 and the gateway refuses the connection', async () => {
    expect(await ok('kubectl delete ingress ingress paths')).toBe('ingress.networking.k8s.io "ingress" deleted\ningress.networking.k8s.io "paths" deleted\n');
    const r = await bash(head('/status/200'));
    expect([7, 56]).toContain(r.code);
  });
});
