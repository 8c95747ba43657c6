import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import { makeIstioctl } from '../helpers/istioctl.ts';

/** `istioctl install --set profile=…` switches the embedded control plane's profile; uninstall removes it. */
describe('istioctl install and uninstall on the embedded cluster', () => {
  const fixture = clusterWithKubectl(0.02);
  let t: ReturnType<typeof makeIstioctl>;
  beforeAll(() => {
    t = makeIstioctl(fixture.cluster.kubeconfig);
  });
  afterAll(() => t?.cleanup());

  const deployments = async () => (await fixture.kubectl.ok(['get', 'deployments', '-n', 'istio-system', '-o', 'jsonpath={.items[*].metadata.name}'])).trim().split(' ').filter(Boolean).sort();

  it('demo adds the egress gateway, minimal keeps only istiod, ambient adds CNI and ztunnel', async () => {
    expect(await deployments()).toEqual(['istio-ingressgateway', 'istiod', 'jaeger']);
    const demo = await t.istioctl(['install', '--set', 'profile=demo', '-y'], { timeoutMs: 120_000 });
    expect(demo).toEqual({ code: 0, stderr: '', stdout: '\u2714 Istio core installed\n\u2714 Istiod installed\n\u2714 Ingress gateways installed\n\u2714 Egress gateways installed\n\u2714 Installation complete\n' });
    expect(await deployments()).toEqual(['istio-egressgateway', 'istio-ingressgateway', 'istiod', 'jaeger']);
    expect((await fixture.kubectl.ok(['get', 'svc', '-n', 'istio-system', 'istio-egressgateway', '-o', 'jsonpath={.spec.ports[*].port}'])).trim()).toBe('80 443');

    const minimal = await t.istioctl(['install', '--set', 'profile=minimal', '--skip-confirmation'], { timeoutMs: 120_000 });
    expect(minimal.stdout).toBe('\u2714 Istio core installed\n\u2714 Istiod installed\n\u2714 Installation complete\n');
    expect(await deployments()).toEqual(['istiod', 'jaeger']);
    expect((await fixture.kubectl.run(['get', 'svc', '-n', 'istio-system', 'istio-ingressgateway'])).code).toBe(1);

    const ambient = await t.istioctl(['install', '--set', 'profile=ambient', '-y'], { timeoutMs: 120_000 });
    expect(ambient.stdout).toBe('\u2714 Istio core installed\n\u2714 Istiod installed\n\u2714 CNI installed\n\u2714 Ztunnel installed\n\u2714 Installation complete\n');
    const pods = await fixture.kubectl.ok(['get', 'pods', '-n', 'istio-system', '--no-headers']);
    expect(pods).toMatch(/^ztunnel-\S+\s+1\/1\s+Running\s+0\s/m);
    expect(pods).toMatch(/^istio-cni-node-\S+\s+1\/1\s+Running\s+0\s/m);
  }, 300_000);

  it('refuses an unknown profile or --set key in one line, changing nothing', async () => {
    const before = await deployments();
    for (const args of [['--set', 'profile=huge'], ['--set', 'values.global.x=1']]) {
      const r = await t.istioctl(['install', ...args, '-y']);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(await deployments()).toEqual(before);
  });

  it('uninstall --purge removes the control plane; version then says Istio is absent, and install brings the default profile back', async () => {
    const r = await t.istioctl(['uninstall', '--purge', '-y'], { timeoutMs: 120_000 });
    expect(r).toEqual({ code: 0, stderr: '', stdout: '\u2714 Uninstall complete\n' });
    expect(await deployments()).toEqual(['jaeger']);
    expect((await t.istioctl(['version'])).stdout).toBe('Istio is not present in the cluster: no running Istio pods in namespace "istio-system"\nclient version: 1.28.0\n');
    const back = await t.istioctl(['install', '-y'], { timeoutMs: 120_000 });
    expect(back.stdout).toBe('\u2714 Istio core installed\n\u2714 Istiod installed\n\u2714 Ingress gateways installed\n\u2714 Installation complete\n');
  }, 300_000);

  it('on a cluster that is not the embedded one it says to use the real istioctl', async () => {
    await fixture.kubectl.ok(['delete', 'configmap', '-n', 'kube-system', 'istio-live-deck-install']);
    const r = await t.istioctl(['install', '--set', 'profile=demo', '-y']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Error: this cluster is not the Istio Live Deck's embedded cluster: install Istio on it with the real istioctl (https://istio.io/latest/docs/setup/install/istioctl/)\n");
  });
});
