import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import type { KubeObject } from '../../server/embedded/apiserver/types.ts';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';
import { makeKubectl } from '../helpers/kubectl.ts';

let api: TestApiServer;
let kubectl: ReturnType<typeof makeKubectl>;
const MINUTE = 60_000;

/** A clock that only moves when told: ages must come from simulated time, not the wall clock. */
class SteppingClock extends ScaledClock {
  offset = 0;
  private readonly base = Date.parse('2026-03-01T12:00:00Z');
  now(): number {
    return this.base + this.offset;
  }
}
const clock = new SteppingClock(1);

const t = (plural: string, group = '') => api.store.registry.mustGet(group, plural);
const create = (plural: string, obj: KubeObject, group = '') => api.store.create(t(plural, group), obj);

/** kubectl's table rows as arrays of cells (split on 2+ spaces). */
const rows = (out: string) =>
  out
    .trim()
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => l.trim().split(/\s{2,}/));

beforeAll(async () => {
  api = await startTestApiServer({ clock });
  kubectl = makeKubectl(api.kubeconfigPath);
  const running = (name: string) => ({ name, ready: true, restartCount: 0, state: { running: { startedAt: '2026-01-01T00:00:00Z' } } });
  create('pods', {
    metadata: { name: 'productpage-v1-6b746f74dc-9stvs', labels: { app: 'productpage', version: 'v1' } },
    spec: { containers: [{ name: 'productpage', image: 'istio/examples-bookinfo-productpage-v1:1.20.2' }, { name: 'istio-proxy', image: 'istio/proxyv2' }], nodeName: 'embedded-node' },
    status: { phase: 'Running', podIP: '10.244.0.12', containerStatuses: [running('productpage'), running('istio-proxy')] },
  });
  create('pods', {
    metadata: { name: 'ratings-v1-1', labels: { app: 'ratings' } },
    spec: { containers: [{ name: 'ratings', image: 'ratings' }] },
    status: { phase: 'Pending', containerStatuses: [{ name: 'ratings', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] },
  });
  create('pods', {
    metadata: { name: 'crashy', labels: { app: 'crashy' } },
    spec: { containers: [{ name: 'c', image: 'c' }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'c', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } }] },
  });
  // No status at all: a freshly created pod before any controller touched it.
  create('pods', { metadata: { name: 'bare' }, spec: { containers: [{ name: 'c', image: 'c' }] } });
  create('pods', { metadata: { name: 'istiod-abc-def', namespace: 'istio-system', labels: { app: 'istiod' } }, spec: { containers: [{ name: 'discovery', image: 'pilot' }] }, status: { phase: 'Running', containerStatuses: [running('discovery')] } });
  create('services', {
    metadata: { name: 'istio-ingressgateway', namespace: 'istio-system' },
    spec: { type: 'LoadBalancer', clusterIP: '10.96.0.20', selector: { istio: 'ingressgateway' }, ports: [{ name: 'http2', port: 80, nodePort: 31380, protocol: 'TCP' }, { name: 'https', port: 443, nodePort: 31390, protocol: 'TCP' }] },
    status: { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } },
  });
  create('services', { metadata: { name: 'reviews' }, spec: { clusterIP: '10.96.0.31', selector: { app: 'reviews' }, ports: [{ name: 'http', port: 9080, protocol: 'TCP' }] } });
  create('endpoints', { metadata: { name: 'reviews' }, subsets: [{ addresses: [{ ip: '10.244.0.1' }, { ip: '10.244.0.2' }, { ip: '10.244.0.3' }, { ip: '10.244.0.4' }], ports: [{ port: 9080 }] }] });
  create('deployments', { metadata: { name: 'reviews-v1' }, spec: { replicas: 3, selector: { matchLabels: { app: 'reviews', version: 'v1' } }, template: { metadata: { labels: { app: 'reviews', version: 'v1' } }, spec: { containers: [{ name: 'reviews', image: 'reviews:v1' }] } } }, status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } }, 'apps');
  create('configmaps', { metadata: { name: 'cfg' }, data: { a: '1', b: '2' } });
  create('virtualservices', { metadata: { name: 'bookinfo' }, spec: { hosts: ['*'], gateways: ['bookinfo-gateway'], http: [{ route: [{ destination: { host: 'productpage' } }] }] } }, 'networking.istio.io');
  create('destinationrules', { metadata: { name: 'reviews' }, spec: { host: 'reviews' } }, 'networking.istio.io');
  create('gateways', { metadata: { name: 'bookinfo-gateway' }, spec: { selector: { istio: 'ingressgateway' } } }, 'networking.istio.io');
  create('serviceentries', { metadata: { name: 'httpbin-ext' }, spec: { hosts: ['httpbin.org'], location: 'MESH_EXTERNAL', resolution: 'DNS' } }, 'networking.istio.io');
  create('peerauthentications', { metadata: { name: 'default', namespace: 'istio-system' }, spec: { mtls: { mode: 'STRICT' } } }, 'security.istio.io');
  create('authorizationpolicies', { metadata: { name: 'deny-all' }, spec: {} }, 'security.istio.io');
  clock.offset = 5 * MINUTE + 3_000;
});

afterAll(async () => {
  kubectl?.cleanup();
  await api?.stop();
});

describe('kubectl get against the embedded API', () => {
  it('reports a v1.32 server so the gcloud dispatcher picks kubectl 1.32', async () => {
    const out = await kubectl.ok(['version', '-o', 'json']);
    expect(JSON.parse(out).serverVersion.gitVersion).toMatch(/^v1\.32\./);
  });

  it('prints pods with READY, STATUS, RESTARTS and AGE from the simulated clock', async () => {
    const out = rows(await kubectl.ok(['get', 'pods']));
    expect(out[0]).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    const byName = Object.fromEntries(out.slice(1).map((r) => [r[0], r]));
    expect(byName['productpage-v1-6b746f74dc-9stvs']).toEqual(['productpage-v1-6b746f74dc-9stvs', '2/2', 'Running', '0', '5m3s']);
    expect(byName['ratings-v1-1'].slice(1, 3)).toEqual(['0/1', 'ContainerCreating']);
    expect(byName['crashy'].slice(1, 4)).toEqual(['0/1', 'CrashLoopBackOff', '4']);
    expect(byName['bare'].slice(1, 3)).toEqual(['0/1', 'Pending']);
  });

  it('adds IP, NODE, NOMINATED NODE and READINESS GATES with -o wide, and LABELS with --show-labels', async () => {
    const out = rows(await kubectl.ok(['get', 'pod', 'productpage-v1-6b746f74dc-9stvs', '-o', 'wide', '--show-labels']));
    expect(out[0]).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES', 'LABELS']);
    expect(out[1].slice(5)).toEqual(['10.244.0.12', 'embedded-node', '<none>', '<none>', 'app=productpage,version=v1']);
  });

  it('lists every namespace with -A', async () => {
    const out = rows(await kubectl.ok(['get', 'pods', '-A']));
    expect(out[0][0]).toBe('NAMESPACE');
    expect(out.some((r) => r[0] === 'istio-system' && r[1] === 'istiod-abc-def')).toBe(true);
    expect(out.some((r) => r[0] === 'default' && r[1] === 'crashy')).toBe(true);
  });

  it('prints services like kubectl, with node ports and the load balancer IP', async () => {
    const out = rows(await kubectl.ok(['get', 'svc', '-n', 'istio-system', '-o', 'wide']));
    expect(out[0]).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR']);
    expect(out[1]).toEqual(['istio-ingressgateway', 'LoadBalancer', '10.96.0.20', '127.0.0.1', '80:31380/TCP,443:31390/TCP', '5m3s', 'istio=ingressgateway']);
    const ip = await kubectl.ok(['-n', 'istio-system', 'get', 'service', 'istio-ingressgateway', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}']);
    expect(ip).toBe('127.0.0.1');
    const port = await kubectl.ok(['-n', 'istio-system', 'get', 'service', 'istio-ingressgateway', '-o', 'jsonpath={.spec.ports[?(@.name=="http2")].port}']);
    expect(port).toBe('80');
  });

  it('prints deployments, endpoints, configmaps and namespaces with their usual columns', async () => {
    const deploy = rows(await kubectl.ok(['get', 'deploy', '-o', 'wide']));
    expect(deploy[0]).toEqual(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    expect(deploy[1]).toEqual(['reviews-v1', '2/3', '3', '2', '5m3s', 'reviews', 'reviews:v1', 'app=reviews,version=v1']);
    const ep = rows(await kubectl.ok(['get', 'endpoints', 'reviews']));
    expect(ep[1]).toEqual(['reviews', '10.244.0.1:9080,10.244.0.2:9080,10.244.0.3:9080 + 1 more...', '5m3s']);
    const cm = rows(await kubectl.ok(['get', 'cm', 'cfg']));
    expect(cm).toEqual([['NAME', 'DATA', 'AGE'], ['cfg', '2', '5m3s']]);
    const ns = rows(await kubectl.ok(['get', 'ns']));
    expect(ns[0]).toEqual(['NAME', 'STATUS', 'AGE']);
    expect(ns.find((r) => r[0] === 'istio-system')?.[1]).toBe('Active');
  });

  it('serves Istio kinds by short name with their printer columns', async () => {
    const out = await kubectl.ok(['get', 'vs,dr,gw']);
    expect(out).toMatch(/NAME\s+GATEWAYS\s+HOSTS\s+AGE\nvirtualservice\.networking\.istio\.io\/bookinfo\s+\["bookinfo-gateway"\]\s+\["\*"\]\s+5m3s/);
    expect(out).toMatch(/NAME\s+HOST\s+AGE\ndestinationrule\.networking\.istio\.io\/reviews\s+reviews\s+5m3s/);
    expect(out).toMatch(/NAME\s+AGE\ngateway\.networking\.istio\.io\/bookinfo-gateway\s+5m3s/);
    const se = rows(await kubectl.ok(['get', 'se']));
    expect(se).toEqual([['NAME', 'HOSTS', 'LOCATION', 'RESOLUTION', 'AGE'], ['httpbin-ext', '["httpbin.org"]', 'MESH_EXTERNAL', 'DNS', '5m3s']]);
    const pa = rows(await kubectl.ok(['get', 'peerauthentication', '-n', 'istio-system']));
    expect(pa).toEqual([['NAME', 'MODE', 'AGE'], ['default', 'STRICT', '5m3s']]);
    // A missing printer-column value is a null cell, which kubectl leaves blank.
    const ap = await kubectl.ok(['get', 'authorizationpolicies']);
    expect(ap).toMatch(/^NAME\s+ACTION\s+AGE\ndeny-all\s+5m3s\n$/);
  });

  it('expands the all and istio-io categories', async () => {
    const all = await kubectl.ok(['get', 'all']);
    expect(all).toContain('pod/crashy');
    expect(all).toContain('service/reviews');
    expect(all).toContain('deployment.apps/reviews-v1');
    expect(all).not.toContain('virtualservice');
    const istio = await kubectl.ok(['get', 'istio-io', '-A']);
    expect(istio).toContain('virtualservice.networking.istio.io/bookinfo');
    expect(istio).toContain('peerauthentication.security.istio.io/default');
  });

  it('shows every Istio version with the requested apiVersion, stored once', async () => {
    const v1 = JSON.parse(await kubectl.ok(['get', 'virtualservices.v1.networking.istio.io', 'bookinfo', '-o', 'json']));
    const alpha = JSON.parse(await kubectl.ok(['get', 'virtualservices.v1alpha3.networking.istio.io', 'bookinfo', '-o', 'json']));
    expect(v1.apiVersion).toBe('networking.istio.io/v1');
    expect(alpha.apiVersion).toBe('networking.istio.io/v1alpha3');
    expect(alpha.metadata.uid).toBe(v1.metadata.uid);
    const yaml = await kubectl.ok(['get', 'virtualservices', '-o', 'yaml']);
    expect(yaml).toContain('gateways:\n    - bookinfo-gateway');
  });

  it('prints NotFound errors the way a real server makes kubectl print them', async () => {
    const pod = await kubectl.run(['get', 'pod', 'nope']);
    expect(pod.code).toBe(1);
    expect(pod.stderr.trim()).toBe('Error from server (NotFound): pods "nope" not found');
    const vs = await kubectl.run(['get', 'vs', 'nope']);
    expect(vs.stderr.trim()).toBe('Error from server (NotFound): virtualservices.networking.istio.io "nope" not found');
    const kind = await kubectl.run(['get', 'foos']);
    expect(kind.stderr).toContain('the server doesn\'t have a resource type "foos"');
  });

  it('lists api-resources with short names and categories from aggregated discovery', async () => {
    const out = await kubectl.ok(['api-resources']);
    expect(out).toMatch(/virtualservices\s+vs\s+networking\.istio\.io\/v1\s+true\s+VirtualService/);
    expect(out).toMatch(/deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
  });

  it('shows Events: in kubectl describe, from the events field selector', async () => {
    const pod = api.store.get(t('pods'), 'default', 'crashy')!;
    create('events', {
      metadata: { name: 'crashy.1' },
      involvedObject: { kind: 'Pod', name: 'crashy', namespace: 'default', uid: pod.metadata.uid },
      reason: 'BackOff',
      type: 'Warning',
      message: 'Back-off restarting failed container c',
      source: { component: 'kubelet' },
      count: 4,
    });
    create('events', { metadata: { name: 'other.1' }, involvedObject: { kind: 'Pod', name: 'bare', namespace: 'default' }, reason: 'Scheduled', type: 'Normal', message: 'unrelated' });
    const out = await kubectl.ok(['describe', 'pod', 'crashy']);
    expect(out).toMatch(/Warning\s+BackOff\s+.*Back-off restarting failed container c/);
    expect(out).not.toContain('unrelated');
  });
});
