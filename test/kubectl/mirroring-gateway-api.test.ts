import { describe, expect, it } from 'vitest';
import { bashWithKubectl, succeeding } from '../helpers/bash.ts';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import { httpbinVersionDeployment } from '../helpers/httpbin-pages.ts';

/** The page's two httpbin versions, each with its own Service for the Gateway API's backendRefs. */
const httpbinVersion = (v: string) => `${httpbinVersionDeployment(v)}---
apiVersion: v1
kind: Service
metadata:
  name: httpbin-${v}
spec:
  ports:
  - name: http
    port: 80
    targetPort: 8080
  selector:
    app: httpbin
    version: ${v}
`;

const HTTPBIN_SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: httpbin
  labels:
    app: httpbin
spec:
  ports:
  - name: http
    port: 8000
    targetPort: 8080
  selector:
    app: httpbin
`;

/** The route of the page's Gateway API tab, before and after the RequestMirror filter. */
const route = (filters: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: httpbin
spec:
  parentRefs:
  - group: ""
    kind: Service
    name: httpbin
    port: 8000
  rules:
  - ${filters}backendRefs:
    - name: httpbin-v1
      port: 80
`;

const MIRROR = `filters:
    - type: RequestMirror
      requestMirror:
        backendRef:
          name: httpbin-v2
          port: 80
    `;

/** The page's request: the curl sample calls httpbin and prints the JSON headers it got back. */
const REQUEST = `kubectl exec deploy/curl -c curl -- curl -sS http://httpbin:8000/headers`;

/** How many /headers requests a version's httpbin logged. */
const served = (log: string) => log.split('\n').filter((l) => /\bmethod=GET uri=\/headers\b/.test(l)).length;

/**
 * istio.io's mirroring task, Gateway API tab, typed in bash: every request answers from v1;
 * once the route mirrors to v2, v2's log shows each request too (the page checks with kubectl logs).
 */
describe("istio.io's mirroring task with the Gateway API, typed in bash", () => {
  const fixture = clusterWithKubectl(0.01);
  const bash = bashWithKubectl(fixture, { errexit: true });
  const ok = succeeding(bash);
  const logs = async (v: string) => ok(`kubectl logs deploy/httpbin-${v} -c httpbin`);

  it('deploys httpbin v1 and v2, their Services, the curl sample, and routes everything to v1', async () => {
    await ok('kubectl label namespace default istio-injection=enabled');
    await ok(`kubectl create -f - <<EOF\n${httpbinVersion('v1')}EOF`);
    await ok(`kubectl create -f - <<EOF\n${httpbinVersion('v2')}EOF`);
    await ok(`kubectl create -f - <<EOF\n${HTTPBIN_SERVICE}EOF`);
    await ok('kubectl apply -f manifests/curl/curl.yaml');
    await ok('kubectl wait --for=condition=Available deployment/httpbin-v1 deployment/httpbin-v2 deployment/curl --timeout=60s');
    expect(await ok(`kubectl apply -f - <<EOF\n${route('')}EOF`)).toBe('httproute.gateway.networking.k8s.io/httpbin created\n');
    const answer = await ok(REQUEST);
    expect(JSON.parse(answer).headers.Host).toEqual(['httpbin:8000']);
    expect(served(await logs('v1'))).toBeGreaterThanOrEqual(1);
    expect(served(await logs('v2'))).toBe(0);
  }, 90_000);

  it('with the RequestMirror filter, requests still answer from v1 and v2 logs each one too', async () => {
    expect(await ok(`kubectl apply -f - <<EOF\n${route(MIRROR)}EOF`)).toBe('httproute.gateway.networking.k8s.io/httpbin configured\n');
    const v1Before = served(await logs('v1'));
    for (let i = 0; i < 3; i++) await ok(REQUEST);
    expect(served(await logs('v1'))).toBe(v1Before + 3);
    expect(served(await logs('v2'))).toBe(3);
  }, 60_000);

  it('cleanup: kubectl delete httproute httpbin; a request is served once, with no mirrored copy', async () => {
    expect(await ok('kubectl delete httproute httpbin')).toBe('httproute.gateway.networking.k8s.io "httpbin" deleted\n');
    const before = served(await logs('v1')) + served(await logs('v2'));
    await ok(REQUEST);
    // Without a route the Service balances over both versions: one of them serves it, and only one.
    expect(served(await logs('v1')) + served(await logs('v2'))).toBe(before + 1);
  });
});
