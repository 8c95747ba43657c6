import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bashWithKubectl, succeeding } from '../helpers/bash.ts';
import { httpbinVirtualService, httpbinRoute } from '../helpers/httpbin-pages.ts';
import { clusterWithKubectl } from '../helpers/cluster.ts';

/** The page's certificates: a root CA for example.com and httpbin.example.com's, signed by it, made with the host's openssl in `dir`. */
const CERTS = String.raw`
mkdir example_certs1
openssl req -x509 -sha256 -nodes -days 365 -newkey rsa:2048 -subj '/O=example Inc./CN=example.com' -keyout example_certs1/example.com.key -out example_certs1/example.com.crt 2>/dev/null
openssl req -out example_certs1/httpbin.example.com.csr -newkey rsa:2048 -nodes -keyout example_certs1/httpbin.example.com.key -subj "/CN=httpbin.example.com/O=httpbin organization" 2>/dev/null
openssl x509 -req -sha256 -days 365 -CA example_certs1/example.com.crt -CAkey example_certs1/example.com.key -set_serial 0 -in example_certs1/httpbin.example.com.csr -out example_certs1/httpbin.example.com.crt 2>/dev/null
`;

/** The page's request, from the host: SNI and Host httpbin.example.com at the gateway's address, the root CA trusted. */
const TEAPOT = `curl -v -HHost:httpbin.example.com --resolve "httpbin.example.com:$SECURE_INGRESS_PORT:$INGRESS_HOST" --cacert example_certs1/example.com.crt "https://httpbin.example.com:$SECURE_INGRESS_PORT/status/418"`;


/** The page's Gateway mygateway on 443 with tls `mode` (SIMPLE, or MUTUAL in its mutual TLS section) and the httpbin VirtualService through it. */
const tlsGateway = (mode: 'SIMPLE' | 'MUTUAL') => `cat <<EOF | kubectl apply -f -
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: mygateway
spec:
  selector:
    istio: ingressgateway # use istio default ingress gateway
  servers:
  - port:
      number: 443
      name: https
      protocol: HTTPS
    tls:
      mode: ${mode}
      credentialName: httpbin-credential # must be the same as secret
    hosts:
    - httpbin.example.com
EOF
cat <<EOF | kubectl apply -f -
${httpbinVirtualService('mygateway', ['/status', '/delay'])}EOF`;

/**
 * istio.io's secure-ingress task (TLS ingress gateway), both tabs, typed in bash with the real
 * kubectl, openssl and curl: the certificates are made on the host, put in a kubernetes.io/tls
 * Secret, and the gateway serves TLS with them; a port no Gateway serves resets the connection.
 */
describe("istio.io's secure ingress task, typed in bash", () => {
  const fixture = clusterWithKubectl(0.01);
  const run = bashWithKubectl(fixture);
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'secure-ingress-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const bash = (script: string) => run(`cd ${dir}\n${script}`);
  const ok = succeeding(bash);
  const ISTIO_ADDRESS = String.raw`
export INGRESS_HOST=$(kubectl -n istio-system get service istio-ingressgateway -o jsonpath='{.status.loadBalancer.ingress[0].ip}')
export SECURE_INGRESS_PORT=$(kubectl -n istio-system get service istio-ingressgateway -o jsonpath='{.spec.ports[?(@.name=="https")].port}')
`;
  const root = process.cwd();

  beforeAll(async () => {
    await ok(`kubectl label namespace default istio-injection=enabled
kubectl apply -f ${root}/manifests/httpbin/httpbin.yaml
kubectl wait --for=condition=Available deployment/httpbin --timeout=60s`);
  }, 90_000);

  it('with no server on the HTTPS port in any Gateway, the connection is reset', async () => {
    // Reset as it connects: curl says refused (7), or reset in the handshake (35) or after (56), by when the reset reaches it.
    const https = await bash(`${ISTIO_ADDRESS}curl -sS -o /dev/null --resolve "httpbin.example.com:$SECURE_INGRESS_PORT:$INGRESS_HOST" -k "https://httpbin.example.com:$SECURE_INGRESS_PORT/status/418"`);
    expect([7, 35]).toContain(https.code);
    expect(https.out).toMatch(/^curl: \((7|35)\) /m);
    const http = await bash(`${ISTIO_ADDRESS}curl -sS -o /dev/null "http://$INGRESS_HOST:$SECURE_INGRESS_PORT/status/418"`);
    expect([7, 56]).toContain(http.code);
    expect(http.out).toMatch(/^curl: \((7|56)\) /m);
  });

  it('makes the certificates with openssl and the Secret with kubectl create secret tls', async () => {
    await ok(CERTS);
    expect(await ok('kubectl create -n istio-system secret tls httpbin-credential --key=example_certs1/httpbin.example.com.key --cert=example_certs1/httpbin.example.com.crt')).toBe('secret/httpbin-credential created\n');
  });

  it('Istio APIs: a SIMPLE TLS server with credentialName serves the Secret\'s certificate; /status/418 is the teapot', async () => {
    const applied = await ok(tlsGateway('SIMPLE'));
    expect(applied).toBe('gateway.networking.istio.io/mygateway created\nvirtualservice.networking.istio.io/httpbin created\n');
    const out = await ok(`${ISTIO_ADDRESS}${TEAPOT}`);
    expect(out).toMatch(/subject: CN=httpbin\.example\.com; O=httpbin organization/);
    expect(out).toMatch(/issuer: O=example Inc\.; CN=example\.com/);
    expect(out).toMatch(/SSL certificate verify ok/);
    expect(out).toMatch(/^< HTTP\/2 418\s*$/m);
    expect(out).toMatch(/^< server: istio-envoy\s*$/m);
    expect(out).toContain("I'm a teapot!");
    // The certificate is the one in the Secret, as openssl sees it.
    const served = await ok(`${ISTIO_ADDRESS}echo | openssl s_client -connect "$INGRESS_HOST:$SECURE_INGRESS_PORT" -servername httpbin.example.com 2>/dev/null | openssl x509 -noout -fingerprint -sha256`);
    expect(served).toBe(await ok('openssl x509 -in example_certs1/httpbin.example.com.crt -noout -fingerprint -sha256'));
  });

  it('a name no server has a certificate for fails the handshake', async () => {
    const r = await bash(`${ISTIO_ADDRESS}curl -s -o /dev/null --resolve "other.example.com:$SECURE_INGRESS_PORT:$INGRESS_HOST" --cacert example_certs1/example.com.crt "https://other.example.com:$SECURE_INGRESS_PORT/status/418"`);
    expect(r.code).toBe(35);
  });

  it('Gateway API: an HTTPS listener with certificateRefs, in istio-system, with the route from default', async () => {
    await ok('kubectl delete gateway.networking.istio.io mygateway\nkubectl delete virtualservice httpbin');
    const applied = await ok(`cat <<EOF | kubectl apply -f -
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: mygateway
  namespace: istio-system
spec:
  gatewayClassName: istio
  listeners:
  - name: https
    hostname: "httpbin.example.com"
    port: 443
    protocol: HTTPS
    tls:
      mode: Terminate
      certificateRefs:
      - name: httpbin-credential
    allowedRoutes:
      namespaces:
        from: Selector
        selector:
          matchLabels:
            kubernetes.io/metadata.name: default
---
${httpbinRoute('name: mygateway\n    namespace: istio-system', 'default')}EOF
kubectl wait --for=condition=programmed gtw mygateway -n istio-system`);
    expect(applied).toContain('gateway.gateway.networking.k8s.io/mygateway condition met');
    const address = String.raw`
export INGRESS_HOST=$(kubectl get gtw mygateway -n istio-system -o jsonpath='{.status.addresses[0].value}')
export SECURE_INGRESS_PORT=$(kubectl get gtw mygateway -n istio-system -o jsonpath='{.spec.listeners[?(@.name=="https")].port}')
`;
    let out = '';
    for (let i = 0; i < 50 && !/HTTP\/2 418/.test(out); i++) out = (await bash(`${address}${TEAPOT}`)).out;
    expect(out).toMatch(/^< HTTP\/2 418\s*$/m);
    expect(out).toMatch(/subject: CN=httpbin\.example\.com; O=httpbin organization/);
    expect(out).toContain("I'm a teapot!");
  }, 60_000);
  it('Istio APIs, mutual TLS: without a client certificate the handshake ends in "certificate required"; with one signed by ca.crt, the teapot', async () => {
    await ok('kubectl delete gtw mygateway -n istio-system --ignore-not-found\nkubectl delete httproute httpbin --ignore-not-found');
    await ok(`kubectl -n istio-system delete secret httpbin-credential
kubectl create -n istio-system secret generic httpbin-credential \\
  --from-file=tls.key=example_certs1/httpbin.example.com.key \\
  --from-file=tls.crt=example_certs1/httpbin.example.com.crt \\
  --from-file=ca.crt=example_certs1/example.com.crt`);
    const applied = await ok(tlsGateway('MUTUAL'));
    expect(applied).toBe('gateway.networking.istio.io/mygateway created\nvirtualservice.networking.istio.io/httpbin created\n');
    const refused = await bash(`${ISTIO_ADDRESS}${TEAPOT}`);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toMatch(/alert certificate required/);
    expect(refused.out).not.toContain("I'm a teapot!");
    await ok(`openssl req -out example_certs1/client.example.com.csr -newkey rsa:2048 -nodes -keyout example_certs1/client.example.com.key -subj "/CN=client.example.com/O=client organization" 2>/dev/null
openssl x509 -req -sha256 -days 365 -CA example_certs1/example.com.crt -CAkey example_certs1/example.com.key -set_serial 1 -in example_certs1/client.example.com.csr -out example_certs1/client.example.com.crt 2>/dev/null`);
    const withCert = (cert: string, key: string) => `${ISTIO_ADDRESS}${TEAPOT.replace(' "https:', ` --cert ${cert} --key ${key} "https:`)}`;
    const out = await ok(withCert('example_certs1/client.example.com.crt', 'example_certs1/client.example.com.key'));
    expect(out).toMatch(/^< HTTP\/2 418\s*$/m);
    expect(out).toContain("I'm a teapot!");
    // A client certificate from another CA is refused too.
    await ok(`openssl req -x509 -sha256 -nodes -days 365 -newkey rsa:2048 -subj '/CN=stranger' -keyout stranger.key -out stranger.crt 2>/dev/null`);
    const stranger = await bash(withCert('stranger.crt', 'stranger.key'));
    expect(stranger.code).not.toBe(0);
    expect(stranger.out).not.toContain("I'm a teapot!");
  }, 60_000);
});
