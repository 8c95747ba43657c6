import { describe, expect, it } from 'vitest';
import { clusterWithKubectl } from '../helpers/cluster.ts';

/** What an attendee sees from the controllers and validation through the real kubectl. */
describe('controllers and validation through kubectl', () => {
  const fixture = clusterWithKubectl(0.02, { name: 'controllers-kubectl' });


  it('shows Istio\'s control plane Running in istio-system', async () => {
    const pods = await fixture.kubectl.ok(['get', 'pods', '-n', 'istio-system', '--no-headers']);
    const rows = pods.trim().split('\n').map((l) => l.split(/\s+/));
    expect(rows.map((r) => r[0].replace(/-[a-z0-9]+-[a-z0-9]{5}$/, '')).sort()).toEqual(['istio-ingressgateway', 'istiod', 'jaeger']);
    for (const r of rows) expect(r.slice(1, 3)).toEqual(['1/1', 'Running']);
    const host = await fixture.kubectl.ok(['-n', 'istio-system', 'get', 'service', 'istio-ingressgateway', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}']);
    const port = await fixture.kubectl.ok(['-n', 'istio-system', 'get', 'service', 'istio-ingressgateway', '-o', 'jsonpath={.spec.ports[?(@.name=="http2")].port}']);
    expect(host).toBe('127.0.0.1');
    // 80 where it may be bound, else the free port the load balancer took. With no Gateway yet
    // Envoy has no listener on it: the connection is reset, as on a real cluster.
    const failure = await fetch(`http://${host}:${port}/`).then(() => undefined, (e: Error & { cause?: { code?: string } }) => e.cause?.code);
    expect(failure).toMatch(/^(ECONNRESET|ECONNREFUSED|UND_ERR_SOCKET)$/);
    await fixture.kubectl.ok(['apply', '-f', 'manifests/networking/bookinfo-gateway.yaml']);
    // A Gateway's server opens it: a path no route serves is Envoy's 404.
    await expect.poll(async () => (await fetch(`http://${host}:${port}/nothing-here`).catch(() => undefined))?.status, { timeout: 10_000 }).toBe(404);
    expect((await fetch(`http://${host}:${port}/nothing-here`)).headers.get('server')).toBe('istio-envoy');
    await fixture.kubectl.ok(['delete', '-f', 'manifests/networking/bookinfo-gateway.yaml']);
  });

  it('creates, scales and rolls out a deployment that kubectl waits for', async () => {
    await fixture.kubectl.ok(['create', 'namespace', 'demo']);
    await fixture.kubectl.ok(['label', 'namespace', 'demo', 'istio-injection=enabled']);
    await fixture.kubectl.ok(['-n', 'demo', 'create', 'deployment', 'web', '--image=docker.io/library/nginx:1.27']);
    expect(await fixture.kubectl.ok(['-n', 'demo', 'rollout', 'status', 'deployment/web', '--timeout=30s'])).toContain('deployment "web" successfully rolled out');
    const pods = await fixture.kubectl.ok(['-n', 'demo', 'get', 'pods', '--no-headers']);
    expect(pods).toMatch(/^web-[a-z0-9]+-[a-z0-9]{5}\s+2\/2\s+Running\s+0\s/);

    await fixture.kubectl.ok(['-n', 'demo', 'scale', 'deployment/web', '--replicas=3']);
    expect(await fixture.kubectl.ok(['-n', 'demo', 'rollout', 'status', 'deployment/web', '--timeout=30s'])).toContain('successfully rolled out');
    expect(await fixture.kubectl.ok(['-n', 'demo', 'get', 'deploy', 'web', '--no-headers'])).toMatch(/^web\s+3\/3\s+3\s+3\s/);

    await fixture.kubectl.ok(['-n', 'demo', 'set', 'image', 'deployment/web', 'nginx=docker.io/library/nginx:1.28']);
    expect(await fixture.kubectl.ok(['-n', 'demo', 'rollout', 'status', 'deployment/web', '--timeout=30s'])).toContain('successfully rolled out');
    const images = await fixture.kubectl.ok(['-n', 'demo', 'get', 'pods', '-o', 'jsonpath={.items[*].spec.containers[0].image}']);
    expect(images.split(' ')).toEqual(['docker.io/library/nginx:1.28', 'docker.io/library/nginx:1.28', 'docker.io/library/nginx:1.28']);

    const events = await fixture.kubectl.ok(['-n', 'demo', 'describe', 'pod', '-l', 'app=web']);
    for (const reason of ['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started']) expect(events).toContain(reason);
    expect(events).toContain('Started container istio-proxy');
  });

  it('prints istiod-style validation errors with field paths', async () => {
    const bad = (http: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
${http}`;
    const noHost = await fixture.kubectl.run(['apply', '-f', '-'], { input: bad('  - route:\n    - destination:\n        subset: v1\n') });
    expect(noHost.code).not.toBe(0);
    expect(noHost.stderr.trim()).toBe('The VirtualService "reviews" is invalid: spec.http[0].route[0].destination.host: Required value');

    const fault = await fixture.kubectl.run(['apply', '-f', '-'], { input: bad('  - route:\n    - destination:\n        host: reviews\n    fault: {}\n    timeout: 10s\n') });
    expect(fault.stderr.trim()).toBe('The VirtualService "reviews" is invalid: spec.http[0].fault: Required value: HTTP fault injection must have an abort and/or a delay');

    const dryRun = await fixture.kubectl.run(['apply', '--dry-run=server', '-f', '-'], { input: bad('  - route:\n    - destination:\n        host: reviews\n      weight: -1\n') });
    expect(dryRun.stderr.trim()).toBe('The VirtualService "reviews" is invalid: spec.http[0].route[0].weight: Invalid value: -1: weight -1 < 0');

    const ok = await fixture.kubectl.ok(['apply', '-f', '-'], { input: bad('  - route:\n    - destination:\n        host: reviews\n        subset: v1\n      weight: 30\n    - destination:\n        host: reviews\n        subset: v3\n      weight: 30\n') });
    expect(ok.trim()).toBe('virtualservice.networking.istio.io/reviews created');
  });
});
