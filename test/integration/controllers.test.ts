import { afterEach, describe, expect, it } from 'vitest';
import { until as poll } from '../helpers/until.ts';
import { ScaledClock } from '../../server/clock.ts';
import { ObjectStore } from '../../server/embedded/apiserver/store.ts';
import type { KubeObject } from '../../server/embedded/apiserver/types.ts';
import { bootstrapCluster, startControllers } from '../../server/embedded/controllers/index.ts';

const clock = new ScaledClock(0.01);
let stops: Array<() => void> = [];
afterEach(() => {
  for (const s of stops) s();
  stops = [];
});

function cluster(opts: { istio?: boolean } = {}) {
  const store = new ObjectStore({ clock });
  bootstrapCluster(store, clock, { istio: opts.istio });
  const controllers = startControllers({ store, clock, podStartupMs: 2000, podReadyMs: 1000 });
  stops.push(() => controllers.stop());
  const t = (group: string, plural: string) => store.registry.mustGet(group, plural);
  const kinds = {
    ns: t('', 'namespaces'), pods: t('', 'pods'), svc: t('', 'services'), ep: t('', 'endpoints'),
    deploy: t('apps', 'deployments'), rs: t('apps', 'replicasets'), events: t('', 'events'),
  };
  return { store, kinds };
}

/** Polls often until `check` returns a truthy value (real time; the clock runs 100x fast). */
const until = <T>(what: string, check: () => T | undefined | false) => poll(check, what, 3000, 5);

const readyCount = (p: KubeObject) => `${(p.status?.containerStatuses ?? []).filter((c: any) => c.ready).length}/${p.spec.containers.length}`;

function deployment(name: string, ns: string, replicas = 1, image = 'docker.io/istio/examples-bookinfo-reviews-v1:1.20.3'): KubeObject {
  const app = name.replace(/-v\d+$/, '');
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: { app, version: 'v1' } },
      template: { metadata: { labels: { app, version: 'v1' } }, spec: { containers: [{ name: app, image, ports: [{ containerPort: 9080 }] }] } },
    },
  };
}

describe('bootstrapCluster', () => {
  it('returns with istio-system pods Running 1/1 and the ingress gateway reachable by the talk\'s jsonpath', () => {
    const store = new ObjectStore({ clock });
    bootstrapCluster(store, clock);
    const pods = store.list(store.registry.mustGet('', 'pods'), 'istio-system');
    const byDeployment = (d: string) => pods.filter((p) => new RegExp(`^${d}-[bcdfghjklmnpqrstvwxz2456789]{6,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$`).test(p.metadata.name));
    for (const d of ['istiod', 'istio-ingressgateway', 'jaeger']) {
      const [pod] = byDeployment(d);
      expect(pod, d).toBeDefined();
      expect(pod.status.phase).toBe('Running');
      expect(readyCount(pod)).toBe('1/1');
      expect(pod.status.podIP).toMatch(/^10\.244\.0\.\d+$/);
      expect(pod.spec.nodeName).toBeTruthy();
    }
    const gw = store.get(store.registry.mustGet('', 'services'), 'istio-system', 'istio-ingressgateway')!;
    expect(gw.spec.type).toBe('LoadBalancer');
    expect(gw.status.loadBalancer.ingress[0].ip).toBe('127.0.0.1');
    expect(gw.spec.ports.find((p: any) => p.name === 'http2')).toMatchObject({ port: 80, targetPort: 8080 });
    const tracing = store.get(store.registry.mustGet('', 'services'), 'istio-system', 'tracing')!;
    expect(tracing.spec.ports[0]).toMatchObject({ name: 'http-query', port: 80, targetPort: 16686 });
    const istiod = store.get(store.registry.mustGet('apps', 'deployments'), 'istio-system', 'istiod')!;
    expect(istiod.status).toMatchObject({ replicas: 1, readyReplicas: 1, availableReplicas: 1, updatedReplicas: 1 });
    const ep = store.get(store.registry.mustGet('', 'endpoints'), 'istio-system', 'istio-ingressgateway')!;
    expect(ep.subsets[0].addresses).toHaveLength(1);
    expect(store.get(store.registry.mustGet('', 'services'), 'default', 'kubernetes')!.spec.clusterIP).toBe('10.96.0.1');
  });
});

describe('controllers', () => {
  it('takes a Deployment in an injected namespace through Pending to Running 2/2, with Endpoints following readiness', async () => {
    const { store, kinds } = cluster();
    // The stages pass in milliseconds of real time, so record every change rather than poll for it.
    const podStates: string[] = [];
    const endpointStates: string[] = [];
    const unsubscribe = store.onEvent((e) => {
      if (e.resource === kinds.pods && e.object.metadata.namespace === 'bookinfo' && e.type !== 'DELETED') {
        const p = e.object;
        const waiting = p.status?.containerStatuses?.[0]?.state?.waiting?.reason;
        podStates.push(`${p.status?.phase} ${readyCount(p)}${waiting ? ` ${waiting}` : ''}`);
      }
      if (e.resource === kinds.ep && e.object.metadata.name === 'reviews') {
        const subset = e.object.subsets?.[0];
        endpointStates.push(`ready=${subset?.addresses?.length ?? 0} notReady=${subset?.notReadyAddresses?.length ?? 0}`);
      }
    });
    stops.push(unsubscribe);
    store.create(kinds.ns, { metadata: { name: 'bookinfo', labels: { 'istio-injection': 'enabled' } } });
    store.create(kinds.svc, { metadata: { name: 'reviews', namespace: 'bookinfo' }, spec: { selector: { app: 'reviews' }, ports: [{ name: 'http', port: 9080 }] } });
    store.create(kinds.deploy, deployment('reviews-v1', 'bookinfo'));

    const pod = await until('a pod', () => store.list(kinds.pods, 'bookinfo')[0]);
    expect(pod.metadata.name).toMatch(/^reviews-v1-[bcdfghjklmnpqrstvwxz2456789]+-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(pod.spec.containers.map((c: any) => c.name)).toEqual(['reviews', 'istio-proxy']);
    expect(pod.spec.initContainers.map((c: any) => c.name)).toEqual(['istio-init']);
    expect(pod.metadata.labels!['security.istio.io/tlsMode']).toBe('istio');
    expect(pod.metadata.labels!['service.istio.io/canonical-name']).toBe('reviews');
    expect(pod.metadata.annotations!['sidecar.istio.io/status']).toContain('istio-proxy');
    const rs = store.list(kinds.rs, 'bookinfo')[0];
    expect(pod.metadata.ownerReferences![0]).toMatchObject({ kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid });
    expect(rs.metadata.labels!['pod-template-hash']).toBe(rs.metadata.name.slice('reviews-v1-'.length));

    const ready = await until('Ready', () => {
      const p = store.get(kinds.pods, 'bookinfo', pod.metadata.name)!;
      return readyCount(p) === '2/2' && p;
    });
    expect(podStates).toEqual([
      'Pending 0/2',
      'Pending 0/2 PodInitializing',
      'Pending 0/2 ContainerCreating',
      'Running 0/2',
      'Running 2/2',
    ]);
    expect(ready.status.conditions.find((c: any) => c.type === 'Ready').status).toBe('True');
    expect(ready.status.initContainerStatuses[0].state.terminated.reason).toBe('Completed');

    const address = await until('ready endpoint', () => store.get(kinds.ep, 'bookinfo', 'reviews')?.subsets?.[0]?.addresses?.[0]);
    expect(address).toMatchObject({ ip: ready.status.podIP, targetRef: { kind: 'Pod', name: pod.metadata.name } });
    expect(store.get(kinds.ep, 'bookinfo', 'reviews')!.subsets[0].ports).toEqual([{ name: 'http', port: 9080, protocol: 'TCP' }]);
    // Endpoints list the pod only once it has an IP: not ready while Running 0/2, ready at 2/2.
    expect(endpointStates[0]).toBe('ready=0 notReady=0');
    expect(endpointStates.slice(1)).toEqual(expect.arrayContaining(['ready=0 notReady=1', 'ready=1 notReady=0']));
    expect(endpointStates.indexOf('ready=0 notReady=1')).toBeLessThan(endpointStates.indexOf('ready=1 notReady=0'));

    const d = await until('deployment available', () => {
      const d = store.get(kinds.deploy, 'bookinfo', 'reviews-v1')!;
      return d.status?.availableReplicas === 1 && d;
    });
    expect(d.status).toMatchObject({ replicas: 1, readyReplicas: 1, updatedReplicas: 1, observedGeneration: 1 });
    expect(d.status.conditions.map((c: any) => `${c.type}=${c.status}:${c.reason}`)).toEqual(['Available=True:MinimumReplicasAvailable', 'Progressing=True:NewReplicaSetAvailable']);

    const reasons = store.list(kinds.events, 'bookinfo').filter((e) => e.involvedObject.name === pod.metadata.name).map((e) => e.reason);
    expect(reasons).toEqual(['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started', 'Pulling', 'Pulling', 'Pulled', 'Created', 'Started', 'Pulled', 'Created', 'Started']);
  });

  it('does not inject without the namespace label, nor when the pod opts out', async () => {
    const { store, kinds } = cluster();
    store.create(kinds.deploy, deployment('details-v1', 'default'));
    store.create(kinds.ns, { metadata: { name: 'mesh', labels: { 'istio-injection': 'enabled' } } });
    const optOut = deployment('ratings-v1', 'mesh');
    optOut.spec.template.metadata.labels['sidecar.istio.io/inject'] = 'false';
    store.create(kinds.deploy, optOut);
    const plain = await until('plain pod Ready', () => store.list(kinds.pods, 'default').find((p) => readyCount(p) === '1/1'));
    expect(plain.spec.containers.map((c: any) => c.name)).toEqual(['details']);
    expect(plain.metadata.annotations?.['sidecar.istio.io/status']).toBeUndefined();
    const opted = await until('opted-out pod', () => store.list(kinds.pods, 'mesh')[0]);
    expect(opted.spec.containers).toHaveLength(1);
  });

  it('injects a pod labelled sidecar.istio.io/inject=true in a plain namespace', () => {
    const { store, kinds } = cluster();
    const pod = store.create(kinds.pods, { metadata: { name: 'sleep', labels: { app: 'sleep', 'sidecar.istio.io/inject': 'true' } }, spec: { containers: [{ name: 'sleep', image: 'curlimages/curl' }] } });
    expect(pod.spec.containers.map((c: any) => c.name)).toEqual(['sleep', 'istio-proxy']);
    expect(pod.spec.containers[1].image).toBe('docker.io/istio/proxyv2:1.28.0');
    expect(pod.metadata.labels!['service.istio.io/canonical-revision']).toBe('latest');
  });

  it('scales up and down, replaces a deleted pod, and deleting the Deployment removes its ReplicaSets and pods', async () => {
    const { store, kinds } = cluster();
    store.create(kinds.deploy, deployment('productpage-v1', 'default', 1));
    const first = await until('first pod', () => store.list(kinds.pods, 'default')[0]);

    await until('first pod Running', () => store.get(kinds.pods, 'default', first.metadata.name)?.status?.phase === 'Running');
    store.delete(kinds.pods, 'default', first.metadata.name);
    const killing = await until('Killing event', () => store.list(kinds.events, 'default').find((e) => e.reason === 'Killing' && e.involvedObject.name === first.metadata.name));
    expect(killing.message).toBe('Stopping container productpage');
    const replacement = await until('replacement', () => store.list(kinds.pods, 'default').find((p) => p.metadata.name !== first.metadata.name));
    expect(replacement.metadata.name).toMatch(/^productpage-v1-/);

    const d = structuredClone(store.get(kinds.deploy, 'default', 'productpage-v1')!);
    d.spec.replicas = 3;
    store.update(kinds.deploy, d);
    await until('3 pods Running 1/1', () => {
      const pods = store.list(kinds.pods, 'default');
      return pods.length === 3 && pods.every((p) => readyCount(p) === '1/1');
    });
    await until('deployment 3/3', () => store.get(kinds.deploy, 'default', 'productpage-v1')!.status?.readyReplicas === 3);

    const down = structuredClone(store.get(kinds.deploy, 'default', 'productpage-v1')!);
    down.spec.replicas = 1;
    store.update(kinds.deploy, down);
    await until('1 pod', () => store.list(kinds.pods, 'default').length === 1);

    store.delete(kinds.deploy, 'default', 'productpage-v1');
    await until('pods gone', () => store.list(kinds.pods, 'default').length === 0 && store.list(kinds.rs, 'default').length === 0);
  });

  it('rolls out a changed template: a new ReplicaSet takes over, the old one scales to 0', async () => {
    const { store, kinds } = cluster();
    store.create(kinds.deploy, deployment('reviews-v2', 'default', 1));
    await until('v1 ready', () => store.get(kinds.deploy, 'default', 'reviews-v2')!.status?.availableReplicas === 1);
    const oldRs = store.list(kinds.rs, 'default')[0];
    const d = structuredClone(store.get(kinds.deploy, 'default', 'reviews-v2')!);
    d.spec.template.spec.containers[0].image = 'docker.io/istio/examples-bookinfo-reviews-v2:1.20.3';
    store.update(kinds.deploy, d);
    const done = await until('rollout complete', () => {
      const cur = store.get(kinds.deploy, 'default', 'reviews-v2')!;
      const pods = store.list(kinds.pods, 'default');
      return cur.status?.observedGeneration === 2 && cur.status.updatedReplicas === 1 && cur.status.replicas === 1 && cur.status.availableReplicas === 1
        && pods.length === 1 && cur;
    });
    expect(done.metadata.annotations!['deployment.kubernetes.io/revision']).toBe('2');
    const sets = store.list(kinds.rs, 'default');
    expect(sets).toHaveLength(2);
    expect(store.get(kinds.rs, 'default', oldRs.metadata.name)!.spec.replicas).toBe(0);
    expect(store.list(kinds.pods, 'default')[0].spec.containers[0].image).toContain('reviews-v2');
  });

  it('starts bare without Istio, and injects only once istiod is installed', async () => {
    const { store, kinds } = cluster({ istio: false });
    expect(store.get(kinds.ns, undefined, 'istio-system')).toBeUndefined();
    expect(store.list(kinds.pods).map((p) => p.metadata.name.replace(/-[a-z0-9]+-[a-z0-9]{5}$/, ''))).toEqual(['coredns', 'coredns']);
    store.create(kinds.ns, { metadata: { name: 'mesh', labels: { 'istio-injection': 'enabled' } } });
    const before = store.create(kinds.pods, { metadata: { name: 'early', namespace: 'mesh' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } });
    expect(before.spec.containers).toHaveLength(1);

    // What an install manifest does: the namespace and istiod's Deployment; the controllers bring it up.
    store.create(kinds.ns, { metadata: { name: 'istio-system' } });
    const istiod = deployment('istiod', 'istio-system', 1, 'docker.io/istio/pilot:1.28.0');
    istiod.spec.selector = { matchLabels: { app: 'istiod' } };
    istiod.spec.template.metadata.labels = { app: 'istiod' };
    store.create(kinds.deploy, istiod);
    await until('istiod Running 1/1', () => store.list(kinds.pods, 'istio-system').find((p) => p.status?.phase === 'Running' && readyCount(p) === '1/1'));
    const after = store.create(kinds.pods, { metadata: { name: 'late', namespace: 'mesh' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } });
    expect(after.spec.containers.map((c: any) => c.name)).toEqual(['app', 'istio-proxy']);
  });

  it('picks up where it left off when the controllers restart', async () => {
    const store = new ObjectStore({ clock });
    bootstrapCluster(store, clock);
    const slow = startControllers({ store, clock, podStartupMs: 1000, podReadyMs: 1_000_000 });
    const pods = store.registry.mustGet('', 'pods');
    store.create(store.registry.mustGet('apps', 'deployments'), deployment('ratings-v1', 'default'));
    const running = await until('Running 0/1', () => store.list(pods, 'default').find((p) => p.status?.phase === 'Running'));
    expect(readyCount(running)).toBe('0/1');
    slow.stop();
    const again = startControllers({ store, clock, podStartupMs: 1000, podReadyMs: 500 });
    stops.push(() => again.stop());
    await until('Ready 1/1 after the restart', () => readyCount(store.get(pods, 'default', running.metadata.name)!) === '1/1');
  });

  it('assigns Services a ClusterIP, and LoadBalancer Services nodePorts and the node\'s address', () => {
    const { store, kinds } = cluster();
    const plain = store.create(kinds.svc, { metadata: { name: 'details' }, spec: { selector: { app: 'details' }, ports: [{ name: 'http', port: 9080 }] } });
    expect(plain.spec.clusterIP).toMatch(/^10\.96\.\d+\.\d+$/);
    expect(plain.spec.ports[0]).toEqual({ name: 'http', port: 9080, protocol: 'TCP', targetPort: 9080 });
    const lb = store.create(kinds.svc, { metadata: { name: 'web' }, spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
    expect(lb.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000);
    expect(lb.spec.ports[0].nodePort).toBeLessThanOrEqual(32767);
    expect(lb.status.loadBalancer.ingress).toEqual([{ ip: '127.0.0.1', ipMode: 'VIP' }]);
    const replaced = structuredClone(lb);
    delete replaced.spec.clusterIP;
    delete replaced.spec.ports[0].nodePort;
    const after = store.update(kinds.svc, replaced);
    expect(after.spec.clusterIP).toBe(lb.spec.clusterIP);
    expect(after.spec.ports[0].nodePort).toBe(lb.spec.ports[0].nodePort);
  });

  it('gives a new namespace its default ServiceAccount', async () => {
    const { store } = cluster();
    const ns = store.create(store.registry.mustGet('', 'namespaces'), { metadata: { name: 'team' } });
    expect(ns.status.phase).toBe('Active');
    expect(ns.metadata.labels!['kubernetes.io/metadata.name']).toBe('team');
    await until('default SA', () => store.get(store.registry.mustGet('', 'serviceaccounts'), 'team', 'default'));
  });
});
