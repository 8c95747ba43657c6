import { describe, expect, it } from 'vitest';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import { reviewsRoute } from '../helpers/gateway-api-fixtures.ts';
import { istioShell } from '../helpers/istio-shell.ts';
import { until } from '../helpers/until.ts';

/**
 * L7 rules in ambient mode, right and wrong, typed with the real kubectl and the project's
 * istioctl: what happens to routes and policies that need a waypoint when there is none, a
 * waypoint that does not exist or sits in another namespace, policies bound by targetRefs to a
 * waypoint or to a Service (bound or not), and timeouts, retries and faults run at the waypoint
 * in both APIs. Each case checks what Istio shows: the request's outcome, the status istiod
 * writes, and istioctl analyze.
 */
describe('ambient L7 rules and the waypoint', () => {
  const fixture = clusterWithKubectl(0.02);
  const { run, sh, eventually, apply } = istioShell(fixture);
  const condition = (kind: string, name: string, type: string) =>
    `kubectl get ${kind} ${name} -o jsonpath='{.status.conditions[?(@.type=="${type}")].status} {.status.conditions[?(@.type=="${type}")].reason} {.status.conditions[?(@.type=="${type}")].message}'`;
  /** The reviews versions a dozen product pages show. */
  const reviewsVersions = async () => {
    const out = await sh('for i in $(seq 1 12); do kubectl exec deploy/curl -- curl -s http://productpage:9080/productpage | grep -o "reviews-v.-"; done | sort -u', 120_000);
    return out.trim().split('\n');
  };
  /** The reviews route sending everything to one version (`extra`: more YAML for the rule). */
  const reviewsTo = (backend: string, extra = '') => reviewsRoute(`  - backendRefs:\n    - name: ${backend}\n      port: 9080${extra}`);
  /** A VirtualService injecting a fault (YAML under \`fault:\`) into every request for a host. */
  const faultFor = (host: string, fault: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${host}
spec:
  hosts:
  - ${host}
  http:
  - fault:
${fault}
    route:
    - destination:
        host: ${host}`;
  /** An AuthorizationPolicy bound by targetRefs (YAML list items) with one rule on the methods. */
  const targeted = (name: string, action: string, targets: string, methods: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ${name}
spec:
  targetRefs:
${targets}
  action: ${action}
  rules:
  - to:
    - operation:
        methods: [${methods}]`;
  /** An AuthorizationPolicy bound to productpage's pods by selector (so to ztunnel), with these rules (YAML list items). */
  const onProductpage = (name: string, action: string, rules: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ${name}
spec:
  selector:
    matchLabels:
      app: productpage
  action: ${action}
  rules:
${rules}`;
  const serviceTarget = (name: string) => `  - kind: Service\n    group: ""\n    name: ${name}`;

  it('sets up Bookinfo and curl in an ambient namespace', async () => {
    await sh('istioctl install --set profile=ambient --skip-confirmation');
    await sh('kubectl label namespace default istio.io/dataplane-mode=ambient');
    await sh('kubectl apply -f manifests/bookinfo/bookinfo.yaml -f manifests/bookinfo/platform/kube/bookinfo-versions.yaml -f manifests/curl/curl.yaml');
    await sh('kubectl wait --for=condition=Available deployment --all --timeout=60s');
    expect(await sh('kubectl exec deploy/curl -- curl -s http://productpage:9080/productpage | grep -o "<title>.*</title>"')).toBe('<title>Simple Bookstore App</title>\n');
  }, 120_000);

  it('without a waypoint an HTTPRoute on a Service is not respected, and its status says why', async () => {
    await apply(reviewsTo('reviews-v2'));
    await eventually(
      `kubectl get httproute reviews -o jsonpath='{.status.parents[0].conditions[?(@.type=="ResolvedWaypoints")].status} {.status.parents[0].conditions[?(@.type=="ResolvedWaypoints")].message}'`,
      'True istio.io/use-waypoint label missing from parent and parent namespace; in ambient mode, route will not be respected',
    );
    expect((await reviewsVersions()).length).toBeGreaterThan(1);
  }, 150_000);

  it('an L7 policy bound to ztunnel (no targetRefs) fails safe: curl is reset, and the policy says what was left out', async () => {
    await apply(onProductpage('productpage-viewer', 'ALLOW', '  - from:\n    - source:\n        principals: ["cluster.local/ns/default/sa/curl"]\n    to:\n    - operation:\n        methods: ["GET"]'));
    await eventually(
      condition('authorizationpolicy', 'productpage-viewer', 'ZtunnelAccepted'),
      'True UnsupportedValue ztunnel does not support HTTP attributes (found: methods). In ambient mode you must use a waypoint proxy to enforce HTTP rules. Within an ALLOW policy, rules matching HTTP attributes are omitted. This will be more restrictive than requested.',
    );
    const refused = await run('kubectl exec deploy/curl -- curl -s http://productpage:9080/productpage');
    expect(refused.code).toBe(56);
    expect(refused.stderr).toContain('command terminated with exit code 56');
    await sh('kubectl delete authorizationpolicy productpage-viewer');
    // An action ztunnel has no notion of is not accepted at all, and analyze reports it.
    await apply(onProductpage('audit-productpage', 'AUDIT', '  - {}'));
    await eventually(condition('authorizationpolicy', 'audit-productpage', 'ZtunnelAccepted'), 'False UnsupportedValue ztunnel does not support the AUDIT action');
    expect((await run('istioctl analyze')).stdout).toContain(
      'Warning [IST0171] (AuthorizationPolicy default/audit-productpage) A condition with a negative status is present: type=ZtunnelAccepted, reason=UnsupportedValue, message=ztunnel does not support the AUDIT action.',
    );
    await sh('kubectl delete authorizationpolicy audit-productpage');
  }, 60_000);

  it('use-waypoint naming a waypoint that does not exist: Services are not bound, analyze warns (IST0171), routes still ignored', async () => {
    await sh('kubectl label namespace default istio.io/use-waypoint=waypoint');
    await eventually(condition('service', 'reviews', 'istio.io/WaypointBound'), 'False WaypointIsNotReady waypoint "default/waypoint" is not ready');
    const analyzed = await run('istioctl analyze');
    expect(analyzed.stdout).toContain('Warning [IST0171] (Service default/reviews) A condition with a negative status is present: type=istio.io/WaypointBound, reason=WaypointIsNotReady, message=waypoint "default/waypoint" is not ready.');
    expect(analyzed.code).toBe(0);
    expect((await reviewsVersions()).length).toBeGreaterThan(1);
  }, 150_000);

  it('once the waypoint exists the Services bind, the route applies there, and analyze no longer warns about them', async () => {
    await sh('istioctl waypoint apply --wait');
    await eventually(condition('service', 'reviews', 'istio.io/WaypointBound'), 'True WaypointAccepted Successfully attached to waypoint default/waypoint');
    await eventually(`kubectl get httproute reviews -o jsonpath='{.status.parents[0].conditions[?(@.type=="ResolvedWaypoints")].message}'`, 'All waypoints resolved');
    expect(await reviewsVersions()).toEqual(['reviews-v2-']);
    expect((await run('istioctl analyze')).stdout).not.toContain('IST0171');
  }, 150_000);

  it('a waypoint in another namespace needs istio.io/use-waypoint-namespace and a listener that admits the Service', async () => {
    await sh('kubectl create namespace infra && istioctl waypoint apply -n infra --name shared --wait');
    await sh('kubectl label service ratings istio.io/use-waypoint=shared');
    await eventually(condition('service', 'ratings', 'istio.io/WaypointBound'), 'False WaypointIsNotReady waypoint "default/shared" is not ready');
    await sh('kubectl label service ratings istio.io/use-waypoint-namespace=infra');
    await eventually(condition('service', 'ratings', 'istio.io/WaypointBound'), 'False AttachmentDenied we are not permitted to attach to waypoint "infra/shared" (missing allowedRoutes?)');
    await sh(`kubectl patch gateway -n infra shared --type=merge -p '{"spec":{"listeners":[{"name":"mesh","port":15008,"protocol":"HBONE","allowedRoutes":{"namespaces":{"from":"All"}}}]}}'`);
    await eventually(condition('service', 'ratings', 'istio.io/WaypointBound'), 'True WaypointAccepted Successfully attached to waypoint infra/shared');
    // The shared waypoint now runs ratings' routes: a fault injected there answers for it.
    await apply(faultFor('ratings', '      abort:\n        httpStatus: 500\n        percentage:\n          value: 100'));
    expect(await sh('kubectl exec deploy/curl -- curl -s -w " %{http_code}" http://ratings:9080/ratings/0')).toBe('fault filter abort 500');
    await sh('kubectl delete virtualservice ratings');
  }, 150_000);

  it('timeouts and retries at the waypoint: an HTTPRoute timeout cuts a delay injected by a VirtualService; retries repeat a 503', async () => {
    // The request-timeouts task in ambient: ratings delayed 2 s (Istio API, the Gateway API has no fault), reviews limited to 0.5 s.
    await apply(faultFor('ratings', '      delay:\n        fixedDelay: 2s\n        percentage:\n          value: 100'));
    await sh('kubectl label service ratings istio.io/use-waypoint- istio.io/use-waypoint-namespace-');
    await apply(reviewsTo('reviews-v2', '\n    timeouts:\n      request: 500ms'));
    await until(async () => (await run('kubectl exec deploy/curl -- curl -s -w " %{http_code}" http://reviews:9080/reviews/0')).stdout === 'upstream request timeout 504', 'the reviews call to time out at 0.5 s', 20_000, 200);
    await sh('kubectl delete virtualservice ratings && kubectl delete httproute reviews');
    // Retries: httpbin answers 503; the waypoint tries it 1 + 3 times (each a connection ztunnel logs).
    await sh('kubectl apply -f manifests/httpbin/httpbin.yaml && kubectl wait --for=condition=Available deployment/httpbin --timeout=60s');
    const inboundToHttpbin = async () =>
      (await sh('kubectl -n istio-system logs ds/ztunnel')).split('\n').filter((l) => l.includes('dst.service="httpbin.default.svc.cluster.local"') && l.includes('direction="inbound"')).length;
    /** The connections httpbin's ztunnel takes for one request (its log lines come a moment after the answer). */
    const attempts = async (expected: number) => {
      const before = await inboundToHttpbin();
      expect(await sh('kubectl exec deploy/curl -- curl -s -o /dev/null -w "%{http_code}" http://httpbin:8000/status/503')).toBe('503');
      await until(async () => (await inboundToHttpbin()) - before >= expected, `${expected} connections to httpbin`, 10_000, 200).catch(() => {});
      await new Promise((r) => setTimeout(r, 300));
      return (await inboundToHttpbin()) - before;
    };
    expect(await attempts(1)).toBe(1);
    await apply(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: httpbin
spec:
  hosts:
  - httpbin
  http:
  - retries:
      attempts: 3
      retryOn: 5xx
    route:
    - destination:
        host: httpbin`);
    expect(await attempts(4)).toBe(4);
    await sh('kubectl delete virtualservice httpbin');
  }, 150_000);

  it('L7 policies with targetRefs: on the waypoint they bind and deny; on a Service without a waypoint they do not, and analyze says so', async () => {
    await apply(targeted('no-delete', 'DENY', '  - kind: Gateway\n    group: gateway.networking.k8s.io\n    name: waypoint', '"DELETE"'));
    await eventually(condition('authorizationpolicy', 'no-delete', 'WaypointAccepted'), 'True Accepted bound to default/waypoint');
    expect(await sh('kubectl exec deploy/curl -- curl -s -X DELETE http://details:9080/details/0')).toBe('RBAC: access denied');
    expect(await sh('kubectl exec deploy/curl -- curl -s -o /dev/null -w "%{http_code}" http://details:9080/details/0')).toBe('200');

    await sh('kubectl label service details istio.io/use-waypoint=none');
    await apply(targeted('details-viewer', 'ALLOW', `${serviceTarget('details')}\n${serviceTarget('productpage')}`, '"GET"'));
    await eventually(condition('authorizationpolicy', 'details-viewer', 'WaypointAccepted'), 'True PartiallyInvalid Invalid targetRefs: Service.core:default/details');
    const analyzed = await run('istioctl analyze');
    expect(analyzed.stdout).toContain(
      'Warning [IST0171] (AuthorizationPolicy default/details-viewer) A condition with a negative status is present: type=WaypointAccepted, reason=PartiallyInvalid, message=Invalid targetRefs: Service.core:default/details.',
    );
    // details opted out of the waypoint: neither policy applies to its traffic any more (the app itself answers the DELETE).
    expect(await sh('kubectl exec deploy/curl -- curl -s -X DELETE http://details:9080/details/0')).not.toContain('RBAC: access denied');

    await apply(targeted('details-viewer', 'ALLOW', serviceTarget('details'), '"GET"'));
    await eventually(condition('authorizationpolicy', 'details-viewer', 'WaypointAccepted'), 'False AncestorNotBound Service default/details is not bound to a waypoint');
    expect((await run('istioctl analyze')).stdout).toContain(
      'Warning [IST0171] (AuthorizationPolicy default/details-viewer) A condition with a negative status is present: type=WaypointAccepted, reason=AncestorNotBound, message=Service default/details is not bound to a waypoint.',
    );
    await sh('kubectl delete authorizationpolicy no-delete details-viewer && kubectl label service details istio.io/use-waypoint-');
  }, 150_000);

  it('an HTTPRoute whose parent is the waypoint Gateway itself is not taken by Istio: no status, no effect', async () => {
    await apply(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: reviews-at-waypoint
spec:
  parentRefs:
  - name: waypoint
  rules:
  - backendRefs:
    - name: reviews-v3
      port: 9080`);
    await new Promise((r) => setTimeout(r, 500));
    expect(await sh("kubectl get httproute reviews-at-waypoint -o jsonpath='{.status.parents}'")).toBe('');
    expect(await sh("kubectl get gtw waypoint -o jsonpath='{.status.listeners[0].attachedRoutes}'")).toBe('0');
    expect(await reviewsVersions()).not.toEqual(['reviews-v3-']);
  }, 150_000);
});
