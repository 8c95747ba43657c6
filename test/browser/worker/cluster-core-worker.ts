/**
 * A Web Worker that runs the embedded cluster's core with no server behind it: Bookinfo is
 * applied through the API handler (Requests, as kubectl would send), the product page is
 * asked for through the gateway's core, and the trace it made is read from Jaeger's query
 * core. It posts what a visitor would see at each step, or the error that stopped it.
 */
import './provide-bundle.ts';
import { parseAllDocuments } from 'yaml';
import bookinfoYaml from '../../../manifests/bookinfo/bookinfo.yaml';
import gatewayYaml from '../../../manifests/networking/bookinfo-gateway.yaml';
import { ScaledClock } from '../../../server/clock.ts';
import { createClusterCore } from '../../../server/embedded/cluster-core.ts';
import { INGRESS_GATEWAY_POD_PORT, handleGatewayRequest } from '../../../server/embedded/mesh/gateway-handler.ts';

interface PodList {
  items: Array<{ metadata: { name: string }; status?: { containerStatuses?: Array<{ ready: boolean }> } }>;
}

const post = (msg: unknown) => (self as unknown as { postMessage(m: unknown): void }).postMessage(msg);

async function run(): Promise<void> {
  const started = performance.now();
  const core = createClusterCore({ clock: new ScaledClock(0.02) });
  const api = core.apiHandler();
  const call = async (method: string, path: string, body?: unknown, contentType = 'application/json') => {
    const res = await api.handle(
      new Request(`https://cluster.local${path}`, { method, headers: { authorization: `Bearer ${core.token}`, 'content-type': contentType }, body: body === undefined ? undefined : JSON.stringify(body) }),
    );
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${String(json.message)}`);
    return json;
  };
  post({ step: 'ready', ms: Math.round(performance.now() - started) });

  // The fault-delay story's 7 s, on the sped-up clock: simulated time passes, real time barely.
  const simStart = core.clock.now();
  const realStart = performance.now();
  await core.clock.sleep(7000);
  post({ step: 'clock', simulatedMs: core.clock.now() - simStart, realMs: performance.now() - realStart });

  await call('PATCH', '/api/v1/namespaces/default', { metadata: { labels: { 'istio-injection': 'enabled' } } }, 'application/merge-patch+json');
  const created: string[] = [];
  for (const text of [bookinfoYaml, gatewayYaml]) {
    for (const doc of parseAllDocuments(text)) {
      const obj = doc.toJS() as { apiVersion: string; kind: string; metadata: { name: string } } | null;
      if (!obj) continue;
      const type = core.store.registry.byApiVersionKind(obj.apiVersion, obj.kind);
      if (!type) throw new Error(`no kind ${obj.apiVersion} ${obj.kind}`);
      const prefix = type.group ? `/apis/${type.group}/${type.versions[0]}` : '/api/v1';
      await call('POST', `${prefix}/namespaces/default/${type.plural}`, obj);
      created.push(`${obj.kind}/${obj.metadata.name}`);
    }
  }
  post({ step: 'applied', created });

  let pods: PodList = { items: [] };
  const readyOf = (p: PodList['items'][number]) => `${p.status?.containerStatuses?.filter((c) => c.ready).length ?? 0}/${p.status?.containerStatuses?.length ?? 0}`;
  for (let i = 0; i < 600; i++) {
    pods = (await call('GET', '/api/v1/namespaces/default/pods')) as unknown as PodList;
    if (pods.items.length >= 6 && pods.items.every((p) => readyOf(p) === '2/2')) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  post({ step: 'pods', pods: pods.items.map((p) => `${p.metadata.name} ${readyOf(p)}`) });

  const ingress = core.mesh.gatewayRequest.bind(core.mesh);
  const page = await handleGatewayRequest(ingress, INGRESS_GATEWAY_POD_PORT, { method: 'GET', path: '/productpage', headers: { host: 'bookinfo.local' }, body: new Uint8Array(), secure: false });
  const html = new TextDecoder().decode(page?.body);
  post({ step: 'productpage', status: page?.status, title: /<title>([^<]*)<\/title>/.exec(html)?.[1], reviews: html.includes('Reviews served by') });

  const traces = await core.jaeger.handle(new Request('https://jaeger.local/api/traces?service=productpage.default&limit=5'));
  const found = (await traces.json()) as { data: Array<{ spans: Array<{ operationName: string }>; processes: Record<string, { serviceName: string }> }> };
  post({ step: 'traces', status: traces.status, services: [...new Set(found.data.flatMap((t) => Object.values(t.processes).map((p) => p.serviceName)))].sort() });

  api.close();
  await core.stop();
  post({ step: 'stopped' });
}

run().catch((err: unknown) => post({ step: 'error', message: String((err as Error)?.stack ?? err) }));
