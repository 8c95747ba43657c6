import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bashWithKubectl, succeeding } from '../helpers/bash.ts';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import { DEMO_CLAIMS, GROUPS_SCOPE_CLAIMS, testIssuer } from '../helpers/jwt.ts';
import { httpbinGateway } from '../helpers/httpbin-pages.ts';
import { until } from '../helpers/until.ts';

/** The ingress gateway's address and HTTP port, as the pages' "determining the ingress IP and ports" sets them. */
const INGRESS_ADDRESS = String.raw`
export INGRESS_HOST=$(kubectl -n istio-system get service istio-ingressgateway -o jsonpath='{.status.loadBalancer.ingress[0].ip}')
export INGRESS_PORT=$(kubectl -n istio-system get service istio-ingressgateway -o jsonpath='{.spec.ports[?(@.name=="http2")].port}')
`;

/** httpbin.foo exposed on every host through an Istio Gateway, as both pages expose it (`route` is the VirtualService's http list). */
const exposeHttpbin = (route: string) => `kubectl apply -f - <<EOF
${httpbinGateway('*', 'foo')}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: httpbin
  namespace: foo
spec:
  hosts:
  - "*"
  gateways:
  - httpbin-gateway
  http:
${route}EOF`;

/** A RequestAuthentication on the ingress gateway, its keys inline where the pages name Istio's jwks.json on GitHub (read from jwks.json). */
const gatewayJwt = (name: string) => `kubectl apply -f - <<EOF
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata:
  name: "${name}"
  namespace: istio-system
spec:
  selector:
    matchLabels:
      istio: ingressgateway
  jwtRules:
  - issuer: "testing@secure.istio.io"
    jwks: '$(cat jwks.json)'
EOF`;

/** The pages' frontend-ingress DENY policy on the gateway: no request principal, no entry (to `paths` only, when given). */
const frontendIngress = (paths?: string) => `kubectl apply -f - <<EOF
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: "frontend-ingress"
  namespace: istio-system
spec:
  selector:
    matchLabels:
      istio: ingressgateway
  action: DENY
  rules:
  - from:
    - source:
        notRequestPrincipals: ["*"]
${paths ? `    to:\n    - operation:\n        paths: ${paths}\n` : ''}EOF`;

const code = (header: string, path = '/headers') => `curl ${header} "$INGRESS_HOST:$INGRESS_PORT${path}" -s -o /dev/null -w "%{http_code}\\n"`;

/**
 * istio.io's end-user authentication (authn-policy's part on the ingress gateway) and JWT
 * claim based routing pages, typed in bash with the real kubectl and curl. The pages fetch
 * Istio's sample tokens from GitHub; here `TOKEN=$(cat demo.jwt)` reads tokens with the same
 * claims, signed by a key the test made, whose JWKS the policy carries inline.
 */
describe("istio.io's JWT pages at the ingress gateway, typed in bash", () => {
  const fixture = clusterWithKubectl(0.01);
  const run = bashWithKubectl(fixture);
  let dir = '';
  const issuer = testIssuer();
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ingress-jwt-'));
    writeFileSync(join(dir, 'jwks.json'), issuer.jwks);
    writeFileSync(join(dir, 'demo.jwt'), issuer.sign(DEMO_CLAIMS) + '\n');
    writeFileSync(join(dir, 'groups-scope.jwt'), issuer.sign(GROUPS_SCOPE_CLAIMS) + '\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const bash = (script: string) => run(`cd ${dir}\n${INGRESS_ADDRESS}${script}`);
  const ok = succeeding(bash);
  const root = process.cwd();

  beforeAll(async () => {
    await ok(`kubectl create ns foo
kubectl label namespace foo istio-injection=enabled
kubectl apply -f ${root}/manifests/httpbin/httpbin.yaml -n foo
kubectl wait --for=condition=Available deployment/httpbin -n foo --timeout=60s`);
  }, 90_000);

  describe('End-user authentication', () => {
    it('httpbin through the gateway answers 200 before any policy', async () => {
      await ok(exposeHttpbin('  - route:\n    - destination:\n        port:\n          number: 8000\n        host: httpbin.foo.svc.cluster.local\n'));
      expect(await until(async () => (await ok(code(''))) === '200\n', 'httpbin through the gateway', 10_000, 50)).toBe(true);
    });

    it('jwt-example on the gateway: a bad token gets 401, none and a valid one 200', async () => {
      expect(await ok(gatewayJwt('jwt-example'))).toBe('requestauthentication.security.istio.io/jwt-example created\n');
      expect(await ok(code('--header "Authorization: Bearer deadbeef"'))).toBe('401\n');
      expect(await ok(code(''))).toBe('200\n');
      expect(await ok(`TOKEN=$(cat demo.jwt)\n${code('--header "Authorization: Bearer $TOKEN"')}`)).toBe('200\n');
      // The body and challenge Envoy answers a refused token with.
      const refused = await ok('curl -si --header "Authorization: Bearer deadbeef" "$INGRESS_HOST:$INGRESS_PORT/headers"');
      expect(refused).toMatch(/^HTTP\/1\.1 401 Unauthorized\r$/m);
      expect(refused).toMatch(/^www-authenticate: Bearer realm="http:\/\/[^"]+\/headers", error="invalid_token"\r$/m);
      expect(refused.endsWith('\r\n\r\nJwt verification fails')).toBe(true);
    });

    it('frontend-ingress: a request without a token gets 403', async () => {
      expect(await ok(frontendIngress())).toBe('authorizationpolicy.security.istio.io/frontend-ingress created\n');
      expect(await ok(code(''))).toBe('403\n');
      expect(await ok(`TOKEN=$(cat demo.jwt)\n${code('--header "Authorization: Bearer $TOKEN"')}`)).toBe('200\n');
    });

    it('per path: /headers needs a token, /ip does not; cleanup opens the gateway again', async () => {
      expect(await ok(frontendIngress('["/headers"]'))).toBe('authorizationpolicy.security.istio.io/frontend-ingress configured\n');
      expect(await ok(code(''))).toBe('403\n');
      expect(await ok(code('', '/ip'))).toBe('200\n');
      await ok('kubectl -n istio-system delete authorizationpolicy frontend-ingress\nkubectl -n istio-system delete requestauthentication jwt-example');
      expect(await ok(code('--header "Authorization: Bearer deadbeef"'))).toBe('200\n');
    });
  });

  describe('JWT claim based routing', () => {
    it('a route matching @request.auth.claims.groups: 404 without the claim, 401 for a bad token, 200 for group1', async () => {
      expect(await ok(gatewayJwt('ingress-jwt'))).toBe('requestauthentication.security.istio.io/ingress-jwt created\n');
      await ok(exposeHttpbin(`  - match:
    - uri:
        prefix: /headers
      headers:
        "@request.auth.claims.groups":
          exact: group1
    route:
    - destination:
        port:
          number: 8000
        host: httpbin
`));
      const status = (header: string) => ok(`curl -s -I "http://$INGRESS_HOST:$INGRESS_PORT/headers" ${header} | head -1`);
      expect(await status('')).toBe('HTTP/1.1 404 Not Found\r\n');
      expect(await status('-H "Authorization: Bearer some.invalid.token"')).toBe('HTTP/1.1 401 Unauthorized\r\n');
      expect(await status('-H "Authorization: Bearer $(cat groups-scope.jwt)"')).toBe('HTTP/1.1 200 OK\r\n');
      expect(await status('-H "Authorization: Bearer $(cat demo.jwt)"')).toBe('HTTP/1.1 404 Not Found\r\n');
    });
  });
});
