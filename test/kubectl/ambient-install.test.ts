import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import { makeIstioctl } from '../helpers/istioctl.ts';

/** Ambient mode as istiod and istio-cni show it through the API: waypoints and enrolment. */
describe('the ambient profile, seen through the real kubectl and the project istioctl', () => {
  const fixture = clusterWithKubectl(0.02);
  let t: ReturnType<typeof makeIstioctl>;
  beforeAll(async () => {
    t = makeIstioctl(fixture.cluster.kubeconfig);
    const install = await t.istioctl(['install', '--set', 'profile=ambient', '-y'], { timeoutMs: 120_000 });
    expect(install.code, install.stderr).toBe(0);
  }, 150_000);
  afterAll(() => t?.cleanup());

  it('istioctl waypoint apply --enroll-namespace --wait waits for a Programmed waypoint and labels the namespace', async () => {
    const r = await t.istioctl(['waypoint', 'apply', '--enroll-namespace', '--wait', '-n', 'default'], { timeoutMs: 90_000 });
    if (r.code) expect(r.stderr + r.stdout).toBe('');
    expect(r.stdout).toContain(
      '✅ waypoint default/waypoint applied\n✅ waypoint default/waypoint is ready!\n✅ namespace default labeled with "istio.io/use-waypoint: waypoint"\n',
    );
    expect(await fixture.kubectl.ok(['get', 'namespace', 'default', '-o', 'jsonpath={.metadata.labels.istio\\.io/use-waypoint}'])).toBe('waypoint');

    const clusterIP = await fixture.kubectl.ok(['get', 'svc', 'waypoint', '-o', 'jsonpath={.spec.clusterIP}']);
    const gtw = await fixture.kubectl.ok(['get', 'gtw', 'waypoint']);
    expect(gtw).toMatch(/^NAME\s+CLASS\s+ADDRESS\s+PROGRAMMED\s+AGE$/m);
    expect(gtw).toMatch(new RegExp(`^waypoint\\s+istio-waypoint\\s+${clusterIP.replaceAll('.', '\\.')}\\s+True\\s+\\S+$`, 'm'));

    const status = JSON.parse(await fixture.kubectl.ok(['get', 'gtw', 'waypoint', '-o', 'json'])).status;
    const programmed = status.conditions.find((c: any) => c.type === 'Programmed');
    expect(programmed).toMatchObject({ status: 'True', message: 'Resource programmed, assigned to service(s) waypoint.default.svc.cluster.local:15008', observedGeneration: 1 });
    expect(status.addresses).toEqual([{ type: 'IPAddress', value: clusterIP }, { type: 'Hostname', value: 'waypoint.default.svc.cluster.local' }]);
    expect(status.listeners).toEqual([expect.objectContaining({ name: 'mesh', supportedKinds: [], attachedRoutes: 0 })]);

    const list = await t.istioctl(['waypoint', 'list', '-n', 'default']);
    expect(list.stdout).toMatch(/^waypoint\s+default\s+service\s+True$/m);
  }, 120_000);

  it('istiod deploys the waypoint as a ServiceAccount, Deployment and Service named after the Gateway', async () => {
    expect((await fixture.kubectl.ok(['get', 'serviceaccount', 'waypoint', '-o', 'name'])).trim()).toBe('serviceaccount/waypoint');
    const svc = JSON.parse(await fixture.kubectl.ok(['get', 'svc', 'waypoint', '-o', 'json']));
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.ports.map((p: any) => [p.name, p.port, p.appProtocol])).toEqual([['status-port', 15021, 'tcp'], ['mesh', 15008, 'hbone']]);
    expect(svc.metadata.annotations?.['networking.istio.io/traffic-distribution']).toBe('PreferClose');
    const deployment = JSON.parse(await fixture.kubectl.ok(['get', 'deployment', 'waypoint', '-o', 'json']));
    expect(deployment.spec.template.metadata.labels).toMatchObject({ 'gateway.istio.io/managed': 'istio.io-mesh-controller', 'istio.io/dataplane-mode': 'none', 'gateway.networking.k8s.io/gateway-name': 'waypoint' });
    expect(deployment.spec.template.spec.containers[0].args.slice(0, 2)).toEqual(['proxy', 'waypoint']);
    const out = await fixture.kubectl.ok(['rollout', 'status', 'deployment/waypoint', '--timeout=60s']);
    expect(out).toContain('successfully rolled out');
    expect(await fixture.kubectl.ok(['get', 'pods', '-l', 'gateway.networking.k8s.io/gateway-name=waypoint'])).toMatch(/^waypoint-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running\s/m);
  }, 90_000);
});

describe('enrolment in ambient mode, as istio-cni marks it on the pods', () => {
  const fixture = clusterWithKubectl(0.02);
  let t: ReturnType<typeof makeIstioctl>;
  const redirection = async () =>
    (await fixture.kubectl.ok(['get', 'pods', '-n', 'default', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.metadata.annotations.ambient\\.istio\\.io/redirection}{"\\n"}{end}']))
      .trim()
      .split('\n');
  const until = async (check: () => Promise<boolean>, what: string) => {
    for (let i = 0; i < 100; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`timed out waiting until ${what}`);
  };
  beforeAll(async () => {
    t = makeIstioctl(fixture.cluster.kubeconfig);
    const install = await t.istioctl(['install', '--set', 'profile=ambient', '-y'], { timeoutMs: 120_000 });
    expect(install.code, install.stderr).toBe(0);
    await fixture.kubectl.ok(['create', 'deployment', 'web', '--image=nginx', '--replicas=2', '-n', 'default']);
    await fixture.kubectl.ok(['rollout', 'status', 'deployment/web', '-n', 'default', '--timeout=60s'], { timeoutMs: 70_000 });
  }, 200_000);
  afterAll(() => t?.cleanup());

  it('labelling the namespace annotates its running pods without restarting them; removing the label removes it', async () => {
    const before = await fixture.kubectl.ok(['get', 'pods', '-n', 'default', '-l', 'app=web', '-o', 'jsonpath={.items[*].metadata.name}']);
    expect(before.split(' ')).toHaveLength(2);
    expect((await redirection()).every((line) => line.endsWith('='))).toBe(true);

    expect(await fixture.kubectl.ok(['label', 'namespace', 'default', 'istio.io/dataplane-mode=ambient'])).toBe('namespace/default labeled\n');
    await until(async () => (await redirection()).every((line) => line.endsWith('=enabled')), 'every pod in default has ambient.istio.io/redirection: enabled');
    const pods = await fixture.kubectl.ok(['get', 'pods', '-n', 'default', '-l', 'app=web']);
    for (const name of before.split(' ')) expect(pods).toMatch(new RegExp(`^${name}\\s+1/1\\s+Running\\s+0\\s`, 'm'));

    expect(await fixture.kubectl.ok(['label', 'namespace', 'default', 'istio.io/dataplane-mode-'])).toBe('namespace/default unlabeled\n');
    await until(async () => (await redirection()).every((line) => line.endsWith('=')), 'the annotation is gone from every pod');
    expect(await fixture.kubectl.ok(['get', 'pods', '-n', 'default', '-l', 'app=web', '-o', 'jsonpath={.items[*].metadata.name}'])).toBe(before);
  }, 60_000);

  it('a pod labelled istio.io/dataplane-mode=none stays out of an enrolled namespace', async () => {
    const [first] = (await fixture.kubectl.ok(['get', 'pods', '-n', 'default', '-l', 'app=web', '-o', 'jsonpath={.items[*].metadata.name}'])).split(' ');
    await fixture.kubectl.ok(['label', 'pod', first, '-n', 'default', 'istio.io/dataplane-mode=none']);
    await fixture.kubectl.ok(['label', 'namespace', 'default', 'istio.io/dataplane-mode=ambient']);
    await until(async () => (await redirection()).filter((line) => line.endsWith('=enabled')).length === 1, 'the other pod is enrolled');
    expect(await redirection()).toContain(`${first}=`);
    await fixture.kubectl.ok(['label', 'namespace', 'default', 'istio.io/dataplane-mode-']);
  }, 60_000);
});
