import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import { httpbinVersionDeployment } from '../helpers/httpbin-pages.ts';
import { makeIstioctl } from '../helpers/istioctl.ts';

const m = (p: string) => join(resolve(import.meta.dirname, '../..'), 'manifests', p);

const HTTPBIN_VERSIONS = ['v1', 'v2'].map((v) => httpbinVersionDeployment(v, 'httpbin')).join('---\n');

const MIRROR = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: httpbin
spec:
  hosts: [httpbin]
  http:
  - route:
    - destination: {host: httpbin, subset: v1}
      weight: 100
    mirror: {host: httpbin, subset: v2}
    mirrorPercentage: {value: 100.0}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: httpbin
spec:
  host: httpbin
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
`;

/** istio.io's circuit-breaking and mirroring pages, and the waypoint commands, typed as written. */
describe('istio.io task steps with istioctl and pilot-agent', () => {
  const fixture = clusterWithKubectl(0.02);
  let t: ReturnType<typeof makeIstioctl>;

  beforeAll(async () => {
    t = makeIstioctl(fixture.cluster.kubeconfig);
    await fixture.kubectl.ok(['label', 'namespace', 'default', 'istio-injection=enabled']);
    await fixture.kubectl.ok(['apply', '-f', m('httpbin/httpbin.yaml'), '-f', m('httpbin/fortio.yaml'), '-f', m('sleep/sleep.yaml')]);
    await fixture.kubectl.ok(['wait', '--for=condition=Available', 'deployment', '--all', '--timeout=60s'], { timeoutMs: 70_000 });
  }, 90_000);
  afterAll(() => t?.cleanup());

  it('circuit breaking: the DestinationRule\'s limits show in the client\'s clusters, and overflow in pilot-agent\'s stats', async () => {
    await fixture.kubectl.ok(['apply', '-f', m('httpbin/destination-rule-httpbin-cb.yaml')]);
    const clusters = JSON.parse((await t.istioctl(['proxy-config', 'cluster', 'deploy/fortio-deploy', '--fqdn', 'httpbin.default.svc.cluster.local', '-o', 'json'])).stdout);
    const all = clusters.find((c: any) => c.name === 'outbound|8000||httpbin.default.svc.cluster.local');
    expect(all.circuit_breakers.thresholds[0]).toMatchObject({ max_connections: 1, max_pending_requests: 1 });
    expect(all.outlier_detection).toMatchObject({ consecutive_5xx: 1, base_ejection_time: '180s', max_ejection_percent: 100 });

    const load = await t.bash('FORTIO_POD=$(kubectl get pod | grep fortio | awk \'{ print $1 }\') && kubectl exec "$FORTIO_POD" -c fortio -- /usr/bin/fortio load -c 3 -qps 0 -n 30 -loglevel Warning http://httpbin:8000/get');
    expect(load.code).toBe(0);
    const overflowed = Number(/^Code 503 : (\d+)/m.exec(load.stdout)?.[1] ?? 0);
    expect(overflowed).toBeGreaterThan(0);
    const stats = await t.bash('kubectl exec deploy/fortio-deploy -c istio-proxy -- pilot-agent request GET stats | grep httpbin | grep pending');
    expect(stats.code).toBe(0);
    expect(Number(/\.upstream_rq_pending_overflow: (\d+)$/m.exec(stats.stdout)?.[1])).toBeGreaterThanOrEqual(overflowed);
    const prometheus = await fixture.kubectl.ok(['exec', 'deploy/fortio-deploy', '-c', 'istio-proxy', '--', 'pilot-agent', 'request', 'GET', 'stats/prometheus']);
    expect(prometheus).toMatch(/^envoy_cluster_upstream_rq_pending_overflow\{cluster_name="outbound\|8000\|\|httpbin\.default\.svc\.cluster\.local"\} \d+$/m);
    await fixture.kubectl.ok(['delete', '-f', m('httpbin/destination-rule-httpbin-cb.yaml')]);
  }, 60_000);

  it('mirroring: requests still answer from v1 while the sidecar\'s route mirrors every one to v2', async () => {
    await fixture.kubectl.ok(['delete', 'deployment', 'httpbin']);
    await fixture.kubectl.ok(['apply', '-f', '-'], { input: HTTPBIN_VERSIONS });
    await fixture.kubectl.ok(['wait', '--for=condition=Available', 'deployment/httpbin-v1', 'deployment/httpbin-v2', '--timeout=60s'], { timeoutMs: 70_000 });
    await fixture.kubectl.ok(['apply', '-f', '-'], { input: MIRROR });
    const curl = await t.bash('kubectl exec deploy/sleep -c sleep -- curl -sS -o /dev/null -w "%{http_code}" http://httpbin:8000/headers');
    expect(curl.stdout).toBe('200');
    const routes = JSON.parse((await t.istioctl(['proxy-config', 'routes', 'deploy/sleep', '--name', '8000', '-o', 'json'])).stdout);
    const route = routes[0].virtual_hosts.find((v: any) => v.name === 'httpbin.default.svc.cluster.local:8000').routes[0];
    expect(route.route.cluster).toBe('outbound|8000|v1|httpbin.default.svc.cluster.local');
    expect(route.route.request_mirror_policies).toEqual([{ cluster: 'outbound|8000|v2|httpbin.default.svc.cluster.local', runtime_fraction: { default_value: { numerator: 1000000, denominator: 'MILLION' } }, trace_sampled: false }]);
    const table = await t.istioctl(['proxy-config', 'routes', 'deploy/sleep', '--name', '8000']);
    expect(table.stdout).toMatch(/^8000\s+httpbin\.default\.svc\.cluster\.local:8000\s+httpbin, httpbin\.default \+ 1 more\.\.\.\s+\/\*\s+httpbin\.default$/m);
  }, 90_000);

  it('waypoint apply --enroll-namespace, list and delete (Gateway API)', async (ctx) => {
    const served = (await fixture.kubectl.ok(['api-resources', '--api-group=gateway.networking.k8s.io', '-o', 'name'])).includes('gateways');
    if (!served) {
      // Until the Gateway API kinds are served, the command says what is missing and changes nothing.
      const r = await t.istioctl(['waypoint', 'apply', '--enroll-namespace']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^Error: missing Kubernetes Gateway CRDs need to be installed before applying a waypoint: /);
      expect(await fixture.kubectl.ok(['get', 'namespace', 'default', '-o', 'jsonpath={.metadata.labels.istio\\.io/use-waypoint}'])).toBe('');
      ctx.skip('the embedded API does not serve gateway.networking.k8s.io yet (branch gwapi)');
    }
    const r = await t.istioctl(['waypoint', 'apply', '--enroll-namespace']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe('\u26a0\ufe0f Warning: namespace is not enrolled in ambient. Consider running\t`kubectl label namespace default istio.io/dataplane-mode=ambient`\n\u2705 waypoint default/waypoint applied\n\u2705 namespace default labeled with "istio.io/use-waypoint: waypoint"\n');
    const gw = JSON.parse(await fixture.kubectl.ok(['get', 'gtw', 'waypoint', '-o', 'json', '--show-managed-fields']));
    expect(gw.spec).toMatchObject({ gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] });
    expect(gw.metadata.managedFields.map((f: any) => f.manager)).toContain('istioctl');
    expect(await fixture.kubectl.ok(['get', 'namespace', 'default', '-o', 'jsonpath={.metadata.labels.istio\\.io/use-waypoint}'])).toBe('waypoint');
    const list = await t.istioctl(['waypoint', 'list']);
    expect(list.stdout).toMatch(/^NAME\s+REVISION\s+TRAFFIC TYPE\s+PROGRAMMED\nwaypoint\s+default\s+service\s+(True|False|Unknown)\n$/);
    const again = await t.istioctl(['waypoint', 'apply', '--name', 'other', '--enroll-namespace']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('Error: namespace (default) already has an enrolled Waypoint (waypoint). Consider adding the `--overwrite` flag to your apply command.\n');
    expect(await t.istioctl(['waypoint', 'delete', '--all'])).toMatchObject({ code: 0, stdout: 'waypoint default/waypoint deleted\n' });
    expect((await t.istioctl(['waypoint', 'list'])).stdout).toBe('No waypoints found.\n');
  }, 150_000);
});
