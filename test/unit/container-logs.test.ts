/**
 * When the proxies write access logs: the `istio` ConfigMap's mesh config, or a mesh-wide
 * Telemetry naming the envoy provider (or disabling it), switched while requests flow.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { ResourceRegistry, RESOURCE_TYPES } from '../../server/embedded/apiserver/registry.ts';
import { CUSTOM_RESOURCE_STRATEGY } from '../../server/embedded/apiserver/strategy.ts';
import { ObjectStore } from '../../server/embedded/apiserver/store.ts';
import type { KubeObject, ResourceType } from '../../server/embedded/apiserver/types.ts';
import { standardApps } from '../../server/embedded/apps/index.ts';
import { ISTIO_MESH_CONFIGMAP } from '../../server/embedded/controllers/istio-system.ts';
import { createMesh, type Mesh } from '../../server/embedded/mesh/index.ts';
import { ContainerLogs } from '../../server/embedded/workloads/container-logs.ts';
import { curl } from '../../server/embedded/workloads/curl.ts';
import { SpanCollector, apply, ensureNamespace, manifest, podsFor } from '../helpers/mesh-fixtures.ts';

const TELEMETRY: ResourceType = { group: 'telemetry.istio.io', versions: ['v1'], kind: 'Telemetry', plural: 'telemetries', singular: 'telemetry', namespaced: true, shortNames: ['telemetry'], categories: [], strategy: CUSTOM_RESOURCE_STRATEGY } as ResourceType;

let store: ObjectStore;
let logs: ContainerLogs;
let mesh: Mesh;
let httpbinPod: KubeObject;
beforeEach(() => {
  const clock = new ScaledClock(0.01);
  store = new ObjectStore({ clock, registry: new ResourceRegistry([...RESOURCE_TYPES, TELEMETRY]) });
  ensureNamespace(store, 'default', { 'istio-injection': 'enabled' });
  ensureNamespace(store, 'istio-system');
  const samples = [...manifest('curl/curl.yaml'), ...manifest('httpbin/httpbin.yaml')];
  apply(store, samples.filter((o) => o.kind !== 'Deployment'));
  httpbinPod = podsFor(store, samples).find((p) => p.metadata.labels?.app === 'httpbin')!;
  logs = new ContainerLogs(store, clock);
  mesh = createMesh({ store, clock, spans: logs.teeSpans(new SpanCollector()), apps: logs.wrapApps(standardApps) });
});
afterEach(async () => {
  logs.stop();
  await mesh.stop();
});

const proxyLines = (path: string) => logs.read(httpbinPod, 'istio-proxy').filter((e) => e.line.includes(path));
const telemetry = (name: string, spec: unknown) => store.create(TELEMETRY, { apiVersion: 'telemetry.istio.io/v1', kind: 'Telemetry', metadata: { name, namespace: 'istio-system' }, spec });

describe('access logging on and off', () => {
  it('is off without a mesh config, and follows accessLogFile once the istio ConfigMap has it', async () => {
    await curl(mesh, { workload: 'curl' }, 'http://httpbin:8000/status/201');
    expect(proxyLines('/status/201')).toEqual([]);
    const { name, namespace, data } = ISTIO_MESH_CONFIGMAP;
    store.create(store.registry.mustGet('', 'configmaps'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { ...data } });
    await curl(mesh, { workload: 'curl' }, 'http://httpbin:8000/status/202');
    expect(proxyLines('/status/202')).toHaveLength(1);
  });

  it('a mesh-wide Telemetry with the envoy provider turns it on, and disabled: true turns it off', async () => {
    telemetry('mesh-default', { accessLogging: [{ providers: [{ name: 'envoy' }] }] });
    await curl(mesh, { workload: 'curl' }, 'http://httpbin:8000/status/203');
    expect(proxyLines('/status/203')[0].line).toMatch(/"GET \/status\/203 HTTP\/1\.1" 203 - via_upstream /);
    store.delete(TELEMETRY, 'istio-system', 'mesh-default');
    // Even with the mesh config asking for access logs.
    const { name, namespace, data } = ISTIO_MESH_CONFIGMAP;
    store.create(store.registry.mustGet('', 'configmaps'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { ...data } });
    telemetry('mesh-off', { accessLogging: [{ providers: [{ name: 'envoy' }], disabled: true }] });
    await curl(mesh, { workload: 'curl' }, 'http://httpbin:8000/status/204');
    expect(proxyLines('/status/204')).toEqual([]);
  });

  it("a deleted pod's logs go with it", async () => {
    telemetry('mesh-default', { accessLogging: [{ providers: [{ name: 'envoy' }] }] });
    await curl(mesh, { workload: 'curl' }, 'http://httpbin:8000/status/205');
    expect(proxyLines('/status/205')).toHaveLength(1);
    store.delete(store.registry.mustGet('', 'pods'), 'default', httpbinPod.metadata.name);
    expect(logs.read(httpbinPod, 'istio-proxy')).toEqual([]);
  });

  it('a gateway (a pod that is only a proxy) logs a request once, as it leaves, never as an inbound call', () => {
    telemetry('mesh-default', { accessLogging: [{ providers: [{ name: 'envoy' }] }] });
    const gw = store.create(store.registry.mustGet('', 'pods'), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'istio-ingressgateway-1', namespace: 'istio-system' },
      spec: { containers: [{ name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.28.0' }] },
      status: { phase: 'Running', podIP: '10.244.0.5' },
    });
    const sink = logs.teeSpans(new SpanCollector());
    const span = (kind: string, cluster: string) => ({
      traceID: 'a'.repeat(32), spanID: kind === 'client' ? '1'.repeat(16) : '2'.repeat(16), operationName: 'x', serviceName: 'istio-ingressgateway.istio-system', startTime: 1e15, duration: 1000,
      tags: Object.entries({ 'span.kind': kind, node_id: 'router~10.244.0.5~istio-ingressgateway-1.istio-system~istio-system.svc.cluster.local', 'http.url': 'http://bookinfo/productpage', upstream_cluster: cluster, 'http.status_code': '200' }).map(([key, value]) => ({ key, type: 'string' as const, value })),
    });
    sink.record(span('server', 'inbound|8080||'));
    sink.record(span('client', 'outbound|9080||productpage.default.svc.cluster.local'));
    const lines = logs.read(gw, 'istio-proxy').map((e) => e.line);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(' outbound|9080||productpage.default.svc.cluster.local ');
  });
});
