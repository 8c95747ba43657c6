import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import { reviewsRoute } from '../helpers/gateway-api-fixtures.ts';
import { makeIstioctl } from '../helpers/istioctl.ts';

/**
 * istio.io's ambient getting-started, each step typed as the page has it (the samples' paths
 * are this project's manifests), in bash with the project's istioctl and the real kubectl:
 * install the ambient profile, Bookinfo without sidecars behind a Gateway API gateway, enrol
 * the namespace, an L4 policy at ztunnel, a waypoint, an L7 policy there, and a 90/10 split.
 */
describe("istio.io's ambient getting-started", () => {
  const fixture = clusterWithKubectl(0.02);
  let t: ReturnType<typeof makeIstioctl>;
  beforeAll(() => {
    t = makeIstioctl(fixture.cluster.kubeconfig);
  });
  afterAll(() => t?.cleanup());

  const run = (script: string, timeoutMs = 90_000) => t.bash(`set -o pipefail\n${script}`, { timeoutMs });
  const sh = async (script: string, timeoutMs = 90_000) => {
    const r = await run(script, timeoutMs);
    if (r.code !== 0) throw new Error(`${script}\nexit ${r.code}\n${r.stdout}${r.stderr}`);
    return r.stdout;
  };

  /** The page's L4 policy at ztunnel, applied from a heredoc: first the gateway only, later the waypoint too. */
  const ztunnelPolicy = (principals: string[]) => `kubectl apply -f - <<EOF
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: productpage-ztunnel
  namespace: default
spec:
  selector:
    matchLabels:
      app: productpage
  action: ALLOW
  rules:
  - from:
    - source:
        principals:
${principals.map((p) => `        - ${p}`).join('\n')}
EOF`;

  it('installs the ambient profile: Istio core, istiod, CNI and ztunnel', async () => {
    const installed = await sh('istioctl install --set profile=ambient --skip-confirmation');
    for (const line of ['✔ Istio core installed', '✔ Istiod installed', '✔ CNI installed', '✔ Ztunnel installed', '✔ Installation complete']) expect(installed).toContain(line);
    const ds = await sh('kubectl get daemonset -n istio-system --no-headers');
    expect(ds).toMatch(/^istio-cni-node\s+1\s+1\s+1\s+1\s+1\s+kubernetes.io\/os=linux/m);
    expect(ds).toMatch(/^ztunnel\s+1\s+1\s+1\s+1\s+1\s+kubernetes.io\/os=linux/m);
  }, 120_000);

  it('deploys Bookinfo without sidecars and its Gateway API gateway, programmed', async () => {
    await sh('kubectl get crd gateways.gateway.networking.k8s.io &> /dev/null || kubectl apply -f manifests/gateway-api/standard-install.yaml');
    await sh('kubectl apply -f manifests/bookinfo/bookinfo.yaml && kubectl apply -f manifests/bookinfo/platform/kube/bookinfo-versions.yaml');
    await sh('kubectl wait --for=condition=Available deployment --all --timeout=60s');
    const pods = (await sh('kubectl get pods --no-headers')).trim().split('\n');
    expect(pods).toHaveLength(6);
    for (const line of pods) expect(line).toMatch(/^\S+\s+1\/1\s+Running\s+0\s/);
    await sh('kubectl apply -f manifests/bookinfo/gateway-api/bookinfo-gateway.yaml');
    expect(await sh('kubectl annotate gateway bookinfo-gateway networking.istio.io/service-type=ClusterIP --namespace=default')).toBe('gateway.gateway.networking.k8s.io/bookinfo-gateway annotated\n');
    await sh('kubectl -n default wait --for=condition=programmed gtw bookinfo-gateway --timeout=2m');
    expect(await sh('kubectl get gateway')).toMatch(/^bookinfo-gateway\s+istio\s+bookinfo-gateway-istio\.default\.svc\.cluster\.local\s+True\s+\S+$/m);
  }, 120_000);

  it('enrols the namespace: the same pods stay 1/1, and their traffic goes through ztunnel', async () => {
    const before = await sh("kubectl get pods -o jsonpath='{.items[*].metadata.name}'");
    expect(await sh('kubectl label namespace default istio.io/dataplane-mode=ambient')).toBe('namespace/default labeled\n');
    expect(await sh("kubectl get pods -o jsonpath='{.items[*].metadata.name}'")).toBe(before);
    await sh('kubectl apply -f manifests/curl/curl.yaml && kubectl wait --for=condition=Available deployment/curl --timeout=60s');
    expect(await sh('kubectl exec deploy/curl -- curl -s http://productpage:9080/productpage | grep -o "<title>.*</title>"')).toBe('<title>Simple Bookstore App</title>\n');
    const log = await sh('kubectl -n istio-system logs -l app=ztunnel --tail=200');
    expect(log).toMatch(/info\s+access\s+connection complete\s.*src\.identity="spiffe:\/\/cluster\.local\/ns\/default\/sa\/curl".*dst\.service="productpage\.default\.svc\.cluster\.local"/);
  }, 120_000);

  it('an L4 policy at ztunnel lets only the gateway in: the curl pod is reset (exit 56)', async () => {
    await sh(ztunnelPolicy(['cluster.local/ns/default/sa/bookinfo-gateway-istio']));
    const refused = await run('kubectl exec deploy/curl -- curl -s "http://productpage:9080/productpage"');
    expect(refused.stderr).toContain('command terminated with exit code 56');
    expect(refused.code).toBe(56);
  }, 60_000);

  it('a waypoint enrolled for the namespace, programmed', async () => {
    const applied = await sh('istioctl waypoint apply --enroll-namespace --wait');
    expect(applied).toContain('✅ waypoint default/waypoint applied');
    expect(applied).toContain('✅ waypoint default/waypoint is ready!');
    expect(applied).toContain('✅ namespace default labeled with "istio.io/use-waypoint: waypoint"');
    expect(await sh('kubectl get gtw waypoint')).toMatch(/^waypoint\s+istio-waypoint\s+\d+\.\d+\.\d+\.\d+\s+True\s+\S+$/m);
  }, 120_000);

  it('an L7 policy at the waypoint: DELETE and the reviews pod get RBAC: access denied, curl GET the page', async () => {
    await sh(`kubectl apply -f - <<EOF
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: productpage-waypoint
  namespace: default
spec:
  targetRefs:
  - kind: Service
    group: ""
    name: productpage
  action: ALLOW
  rules:
  - from:
    - source:
        principals:
        - cluster.local/ns/default/sa/curl
    to:
    - operation:
        methods: ["GET"]
EOF`);
    await sh(ztunnelPolicy(['cluster.local/ns/default/sa/bookinfo-gateway-istio', 'cluster.local/ns/default/sa/waypoint']));
    expect(await sh('kubectl exec deploy/curl -- curl -s "http://productpage:9080/productpage" -X DELETE')).toBe('RBAC: access denied');
    expect(await sh('kubectl exec deploy/reviews-v1 -- curl -s http://productpage:9080/productpage')).toBe('RBAC: access denied');
    expect(await sh('kubectl exec deploy/curl -- curl -s http://productpage:9080/productpage | grep -o "<title>.*</title>"')).toBe('<title>Simple Bookstore App</title>\n');
  }, 60_000);

  it('a 90/10 HTTPRoute split at the waypoint: reviews-v1 and reviews-v2, never v3', async () => {
    await sh(`kubectl apply -f - <<EOF
${reviewsRoute(`  - backendRefs:
    - name: reviews-v1
      port: 9080
      weight: 90
    - name: reviews-v2
      port: 9080
      weight: 10
`)}EOF`);
    // The page loops inside the curl pod with sh -c; the sample containers here have no shell, so the loop runs outside.
    const out = await sh('for i in $(seq 1 60); do kubectl exec deploy/curl -- curl -s http://productpage:9080/productpage | grep reviews-v.-; done', 120_000);
    const v1 = (out.match(/reviews-v1-/g) ?? []).length;
    const v2 = (out.match(/reviews-v2-/g) ?? []).length;
    // The page checks that both v1 and v2 answer and v3 never does; 90/10 makes v1 the most.
    expect(v2).toBeGreaterThan(0);
    expect(v1).toBeGreaterThan(v2 * 2);
    expect(out).not.toContain('reviews-v3-');
  }, 150_000);

  it('cleans up as the page does: the waypoint and the enrolment go, and a policy the page never made is NotFound', async () => {
    expect(await sh('kubectl label namespace default istio.io/use-waypoint-')).toBe('namespace/default unlabeled\n');
    await sh('istioctl waypoint delete --all');
    expect(await sh('kubectl label namespace default istio.io/dataplane-mode-')).toBe('namespace/default unlabeled\n');
    expect(await sh('kubectl delete httproute reviews')).toMatch(/^httproute.gateway.networking.k8s.io "reviews" deleted/);
    const missing = await run('kubectl delete authorizationpolicy productpage-viewer');
    expect(missing.stderr).toContain('Error from server (NotFound): authorizationpolicies.security.istio.io "productpage-viewer" not found');
    expect(await sh('kubectl get gtw waypoint 2>&1 || true')).toContain('not found');
  }, 60_000);
});
