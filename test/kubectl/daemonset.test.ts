import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import { makeIstioctl } from '../helpers/istioctl.ts';

/** The ambient profile's node agents as DaemonSets, seen through the real kubectl. */
describe('DaemonSets on the embedded cluster', () => {
  const fixture = clusterWithKubectl(0.02);
  let t: ReturnType<typeof makeIstioctl>;
  beforeAll(async () => {
    t = makeIstioctl(fixture.cluster.kubeconfig);
    expect((await t.istioctl(['install', '--set', 'profile=ambient', '--skip-confirmation'], { timeoutMs: 120_000 })).code).toBe(0);
  }, 150_000);
  afterAll(() => t?.cleanup());

  it('kubectl get daemonset prints the columns kubectl prints, one pod per node, named <ds>-<5 chars>', async () => {
    const out = await fixture.kubectl.ok(['get', 'pods,daemonset', '-n', 'istio-system']);
    expect(out).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE$/m);
    expect(out).toMatch(/^daemonset\.apps\/ztunnel\s+1\s+1\s+1\s+1\s+1\s+kubernetes\.io\/os=linux\s+\S+$/m);
    expect(out).toMatch(/^daemonset\.apps\/istio-cni-node\s+1\s+1\s+1\s+1\s+1\s+kubernetes\.io\/os=linux\s+\S+$/m);
    expect(out).toMatch(/^pod\/ztunnel-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s/m);
    expect(out).not.toMatch(/istio-ingressgateway/);
  });

  it('rollout restart replaces the pod and rollout status waits for it', async () => {
    const before = (await fixture.kubectl.ok(['get', 'pods', '-n', 'istio-system', '-l', 'app=ztunnel', '-o', 'jsonpath={.items[*].metadata.name}'])).trim();
    expect(await fixture.kubectl.ok(['rollout', 'restart', 'ds/ztunnel', '-n', 'istio-system'])).toBe('daemonset.apps/ztunnel restarted\n');
    const status = await fixture.kubectl.ok(['rollout', 'status', 'ds/ztunnel', '-n', 'istio-system', '--timeout=60s']);
    expect(status).toMatch(/daemon set "ztunnel" successfully rolled out\n$/);
    const after = (await fixture.kubectl.ok(['get', 'pods', '-n', 'istio-system', '-l', 'app=ztunnel', '-o', 'jsonpath={.items[*].metadata.name}'])).trim();
    expect(after).toMatch(/^ztunnel-[a-z0-9]{5}$/);
    expect(after).not.toBe(before);
  }, 90_000);

  it('refuses a selector that does not match the template labels, and deleting the DaemonSet removes its pods', async () => {
    const bad = await fixture.kubectl.run(['create', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'other' } }, spec: { containers: [{ name: 'a', image: 'busybox' }] } } } }),
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('The DaemonSet "agent" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`');
    await fixture.kubectl.ok(['delete', 'ds', 'istio-cni-node', '-n', 'istio-system']);
    for (let i = 0; i < 50; i++) {
      const left = await fixture.kubectl.ok(['get', 'pods', '-n', 'istio-system', '-l', 'k8s-app=istio-cni-node', '-o', 'name']);
      if (!left.trim()) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('istio-cni-node pods were not garbage-collected');
  }, 60_000);
});
