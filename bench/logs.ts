/**
 * Figures for `npm run bench` (printed, never asserted): what `kubectl logs` costs the mesh.
 * productpage requests/s through the gateway with tracing on, without and with the containers'
 * logs (app lines and Envoy's access log on every proxy, as the embedded cluster runs), and
 * the memory a full log takes.
 */
import { ScaledClock } from '../server/clock.ts';
import { ISTIO_MESH_CONFIGMAP } from '../server/embedded/controllers/istio-system.ts';
import { standardApps } from '../server/embedded/apps/index.ts';
import { createMesh } from '../server/embedded/mesh/index.ts';
import { SpanStore } from '../server/embedded/tracing/span-store.ts';
import { ContainerLogs } from '../server/embedded/workloads/container-logs.ts';
import { LogStore, MAX_LOG_BYTES_PER_CONTAINER } from '../server/embedded/workloads/log-store.ts';
import { bookinfoStore } from '../test/helpers/mesh-fixtures.ts';
import { productpagesPerSecond } from './gateway-load.ts';

async function pagesPerSecond(withLogs: boolean, seconds: number): Promise<number> {
  const clock = new ScaledClock(1);
  const store = bookinfoStore(clock);
  const { name, namespace, data } = ISTIO_MESH_CONFIGMAP;
  store.create(store.registry.mustGet('', 'configmaps'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { ...data } });
  const spans = new SpanStore();
  const logs = withLogs ? new ContainerLogs(store, clock) : undefined;
  const mesh = createMesh({ store, clock, spans: logs ? logs.teeSpans(spans) : spans, apps: logs ? logs.wrapApps(standardApps) : standardApps, realisticLatency: false });
  const gw = await mesh.startGateway();
  try {
    return await productpagesPerSecond(gw.url, { warmup: 100, seconds });
  } finally {
    await gw.close();
    logs?.stop();
    await mesh.stop();
  }
}

/** Heap taken by 100 containers whose logs are full (each at its cap), in MB. */
function fullLogsHeapMB(): number {
  globalThis.gc?.();
  const before = process.memoryUsage().heapUsed;
  const store = new LogStore();
  const line = `[2026-01-01T00:00:00.000Z] "GET /productpage HTTP/1.1" 200 - via_upstream - "-" 0 5289 12 11 "-" "curl/8.16.0" "${'0'.repeat(36)}" "productpage:9080"`;
  for (let c = 0; c < 100; c++) for (let bytes = 0; bytes < MAX_LOG_BYTES_PER_CONTAINER * 1.5; bytes += line.length + 1) store.write(`pod-${c}`, 'istio-proxy', `${line} ${bytes}`, bytes);
  globalThis.gc?.();
  const mb = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
  if (!store.read('pod-0', 'istio-proxy').length) throw new Error('log store kept nothing');
  return mb;
}

export async function benchLogs(): Promise<Array<[string, string]>> {
  const without = await pagesPerSecond(false, 2);
  const withLogs = await pagesPerSecond(true, 2);
  return [
    ['productpage requests/s, logs off', without.toFixed(0)],
    ['productpage requests/s, app lines + access log on every proxy', `${withLogs.toFixed(0)} (${((withLogs / without - 1) * 100).toFixed(1)} %)`],
    [`heap of 100 full container logs (${MAX_LOG_BYTES_PER_CONTAINER / 1024} KiB cap each)`, `${fullLogsHeapMB().toFixed(1)} MB`],
  ];
}
