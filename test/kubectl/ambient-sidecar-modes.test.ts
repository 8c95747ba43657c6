import { describe, expect, it } from 'vitest';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import { istioShell } from '../helpers/istio-shell.ts';
import { until } from '../helpers/until.ts';

/**
 * Sidecar and ambient workloads side by side, typed with the real kubectl: a namespace switched
 * between the two modes (running pods keep theirs until restarted), a namespace that asks for
 * both (the sidecar wins), sidecar and ambient clients calling each other, and the ingress
 * gateway reaching an ambient Service through its waypoint only when the Service asks for it.
 */
describe('ambient and sidecar workloads together', () => {
  const fixture = clusterWithKubectl(0.02);
  const { run, sh, eventually, apply } = istioShell(fixture);
  /** An ALLOW AuthorizationPolicy: its binding (YAML under \`spec:\`) and one rule. */
  const allowPolicy = (name: string, binding: string, rule: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ${name}
  namespace: ambient-ns
spec:
${binding}
  action: ALLOW
  rules:
${rule}`;
  /** kubectl refuses a second restart of a deployment within the same second, so each waits out the last one's. */
  const restart = (ns: string) => sh(`sleep 1.1; kubectl rollout restart deployment -n ${ns}`);
  /** Waits until the namespace's pods are `count` live ones, all showing READY `ready`; returns their names. */
  const settled = async (ns: string, count: number, ready: string) =>
    until(
      async () => {
        const out = await sh(`kubectl get pods -n ${ns} --no-headers`);
        const lines = out.trim().split('\n').filter(Boolean);
        const running = lines.filter((l) => /\sRunning\s/.test(l));
        return lines.length === count && running.length === count && running.every((l) => l.split(/\s+/)[1] === ready) ? running.map((l) => l.split(/\s+/)[0]) : undefined;
      },
      `${count} pods ${ready} in ${ns}`,
      60_000,
      250,
    );
  const redirection = async (ns: string) =>
    (await sh(`kubectl get pods -n ${ns} -o jsonpath='{range .items[*]}{.metadata.annotations.ambient\\.istio\\.io/redirection}{","}{end}'`)).split(',').filter((v, i, all) => i < all.length - 1);

  it('installs the ambient profile and a namespace with sidecars: httpbin and sleep are 2/2', async () => {
    await sh('istioctl install --set profile=ambient --skip-confirmation');
    await sh('kubectl create namespace modes && kubectl label namespace modes istio-injection=enabled');
    await sh('kubectl apply -n modes -f manifests/httpbin/httpbin.yaml -f manifests/sleep/sleep.yaml && kubectl wait -n modes --for=condition=Available deployment --all --timeout=60s');
    await settled('modes', 2, '2/2');
    expect(await redirection('modes')).toEqual(['', '']);
  }, 120_000);

  it('switching the namespace to ambient leaves running pods as they are until a rollout restart makes them 1/1', async () => {
    const before = await settled('modes', 2, '2/2');
    expect(await sh('kubectl label namespace modes istio-injection-')).toBe('namespace/modes unlabeled\n');
    expect(await sh('kubectl label namespace modes istio.io/dataplane-mode=ambient')).toBe('namespace/modes labeled\n');
    // The same pods, still with their sidecars: ztunnel does not take them over.
    expect(await settled('modes', 2, '2/2')).toEqual(before);
    expect(await redirection('modes')).toEqual(['', '']);
    await restart('modes');
    const after = await settled('modes', 2, '1/1');
    expect(after.some((p) => before.includes(p))).toBe(false);
    await until(async () => (await redirection('modes')).every((v) => v === 'enabled'), 'istio-cni redirects the restarted pods', 20_000, 200);
    // Their traffic now goes through ztunnel.
    expect(await sh('kubectl exec -n modes deploy/sleep -- curl -s -o /dev/null -w "%{http_code}" http://httpbin:8000/get')).toBe('200');
    const log = await sh('kubectl -n istio-system logs ds/ztunnel --tail=50');
    expect(log).toMatch(/connection complete\s.*src\.workload="sleep-[^"]+" src\.namespace="modes".*dst\.service="httpbin\.modes\.svc\.cluster\.local".*direction="outbound"/);
  }, 150_000);

  it('and back: removing the ambient label takes running pods out of ztunnel at once; a restart injects sidecars again', async () => {
    const before = await settled('modes', 2, '1/1');
    expect(await sh('kubectl label namespace modes istio.io/dataplane-mode-')).toBe('namespace/modes unlabeled\n');
    expect(await sh('kubectl label namespace modes istio-injection=enabled')).toBe('namespace/modes labeled\n');
    await until(async () => (await redirection('modes')).every((v) => v === ''), 'istio-cni stops redirecting the pods', 20_000, 200);
    expect(await settled('modes', 2, '1/1')).toEqual(before);
    await restart('modes');
    await settled('modes', 2, '2/2');
  }, 150_000);

  it('a namespace asking for both: the sidecar wins, ztunnel skips the pods, and istioctl analyze warns (IST0123)', async () => {
    await sh('kubectl label namespace modes istio.io/dataplane-mode=ambient');
    await restart('modes');
    await settled('modes', 2, '2/2');
    await new Promise((r) => setTimeout(r, 500));
    expect(await redirection('modes')).toEqual(['', '']);
    const before = (await sh('kubectl -n istio-system logs ds/ztunnel')).split('\n').length;
    expect(await sh('kubectl exec -n modes deploy/sleep -- curl -s -o /dev/null -w "%{http_code}" http://httpbin:8000/get')).toBe('200');
    const since = (await sh('kubectl -n istio-system logs ds/ztunnel')).split('\n').slice(before - 1).join('\n');
    expect(since).not.toContain('src.namespace="modes"');
    const analyzed = await run('istioctl analyze -n modes');
    expect(analyzed.stdout).toContain(
      'Warning [IST0123] (Namespace modes) The namespace has more than one type of injection labels [istio-injection=enabled istio.io/dataplane-mode=ambient], which may lead to undefined behavior. Make sure only one injection label exists.',
    );
    expect(analyzed.code).toBe(0);
  }, 150_000);

  it('sidecar and ambient clients call each other over mutual TLS, each seen by its own identity', async () => {
    await sh('kubectl create namespace ambient-ns && kubectl label namespace ambient-ns istio.io/dataplane-mode=ambient');
    await sh('kubectl apply -n ambient-ns -f manifests/httpbin/httpbin.yaml -f manifests/curl/curl.yaml && kubectl wait -n ambient-ns --for=condition=Available deployment --all --timeout=60s');
    await settled('ambient-ns', 2, '1/1');
    // Only the sidecar client may reach the ambient httpbin: ztunnel reads its identity from mTLS.
    await apply(allowPolicy('httpbin-from-modes', '  selector:\n    matchLabels:\n      app: httpbin', '  - from:\n    - source:\n        principals: ["cluster.local/ns/modes/sa/sleep"]'));
    expect(await sh('kubectl exec -n modes deploy/sleep -- curl -s -o /dev/null -w "%{http_code}" http://httpbin.ambient-ns:8000/get')).toBe('200');
    const refused = await run('kubectl exec -n ambient-ns deploy/curl -- curl -s http://httpbin:8000/get');
    expect(refused.code).toBe(56);
    expect(await sh('kubectl -n istio-system logs ds/ztunnel --tail=20')).toMatch(/src\.identity="spiffe:\/\/cluster\.local\/ns\/modes\/sa\/sleep".*dst\.service="httpbin\.ambient-ns\.svc\.cluster\.local".*direction="inbound"/);
    await sh('kubectl delete authorizationpolicy -n ambient-ns httpbin-from-modes');
    // The ambient client reaches the sidecar's httpbin over mTLS: the sidecar hands the app the client's certificate.
    const headers = await sh('kubectl exec -n ambient-ns deploy/curl -- curl -s http://httpbin.modes:8000/headers');
    expect(headers).toContain('URI=spiffe://cluster.local/ns/ambient-ns/sa/curl');
  }, 150_000);

  it('a sidecar client does not use the waypoint of the Service it calls (only ambient clients and opted-in gateways do)', async () => {
    await sh('istioctl waypoint apply -n ambient-ns --enroll-namespace --wait');
    await apply(allowPolicy('httpbin-get-only', '  targetRefs:\n  - kind: Service\n    group: ""\n    name: httpbin', '  - to:\n    - operation:\n        methods: ["GET"]'));
    expect(await sh('kubectl exec -n ambient-ns deploy/curl -- curl -s -X DELETE http://httpbin:8000/status/200')).toBe('RBAC: access denied');
    // The sidecar sends straight to the pod: the waypoint's L7 policy never sees it.
    expect(await sh('kubectl exec -n modes deploy/sleep -- curl -s -o /dev/null -w "%{http_code}" -X DELETE http://httpbin.ambient-ns:8000/status/200')).toBe('200');
  }, 150_000);

  it('the ingress gateway goes through the waypoint only for a Service labelled istio.io/ingress-use-waypoint=true', async () => {
    await apply(
      `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: httpbin-gateway
spec:
  gatewayClassName: istio
  listeners:
  - name: http
    port: 80
    protocol: HTTP
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: httpbin
spec:
  parentRefs:
  - name: httpbin-gateway
  rules:
  - backendRefs:
    - name: httpbin
      port: 8000`,
      'ambient-ns',
    );
    await sh('kubectl annotate gateway -n ambient-ns httpbin-gateway networking.istio.io/service-type=ClusterIP && kubectl wait -n ambient-ns --for=condition=programmed gtw httpbin-gateway --timeout=60s');
    await sh('kubectl wait -n ambient-ns --for=condition=Available deployment/httpbin-gateway-istio --timeout=60s');
    const viaGateway = 'kubectl exec -n ambient-ns deploy/curl -- curl -s -o /dev/null -w "%{http_code}" -X DELETE http://httpbin-gateway-istio.ambient-ns/status/200';
    expect(await sh(viaGateway)).toBe('200');
    await eventually("kubectl get svc -n ambient-ns httpbin -o jsonpath='{.status.conditions[0].message}'", 'Successfully attached to waypoint ambient-ns/waypoint');
    expect(await sh('kubectl label service -n ambient-ns httpbin istio.io/ingress-use-waypoint=true')).toBe('service/httpbin labeled\n');
    expect(await sh(viaGateway)).toBe('403');
    await eventually(
      "kubectl get svc -n ambient-ns httpbin -o jsonpath='{.status.conditions[0].type} {.status.conditions[0].status} {.status.conditions[0].message}'",
      'istio.io/WaypointBound True Successfully attached to waypoint ambient-ns/waypoint. Ingress traffic will traverse the waypoint',
    );
    expect(await sh('kubectl exec -n ambient-ns deploy/curl -- curl -s -o /dev/null -w "%{http_code}" http://httpbin-gateway-istio.ambient-ns/get')).toBe('200');
  }, 150_000);
});
