import type { ObjectStore } from '../apiserver/store.ts';
import type { KubeObject } from '../apiserver/types.ts';
import type { GatewayServer } from './gateway.ts';
import type { Mesh } from './index.ts';

/** The label Istio puts on what it deploys for a Gateway API Gateway. */
const GATEWAY_NAME = 'gateway.networking.k8s.io/gateway-name';
const STATUS_PORT = 15021;

/** A gateway pod port backed by a real listener (the pod runtime's port-forward target). */
export interface GatewayPodPort {
  namespace: string;
  label: [string, string];
  port: number;
  url: string;
}

/**
 * Keeps one real listener per traffic port of each Gateway API gateway Service
 * (`<name>-istio`), each routed by that gateway's listeners, and lists them in `ports` (which
 * the caller's pod runtime reads), so `kubectl port-forward svc/<name>-istio 8080:80` reaches
 * the gateway as istio.io's getting started does.
 */
export function keepGatewayPodPorts(store: ObjectStore, mesh: Mesh, host: string, ports: GatewayPodPort[]): { stop(): Promise<void> } {
  const services = store.registry.mustGet('', 'services');
  const servers = new Map<string, { entry: GatewayPodPort; server: Promise<GatewayServer | undefined> }>();
  let stopped = false;

  const wanted = (svc: KubeObject) => {
    const gateway = svc.metadata.labels?.[GATEWAY_NAME];
    if (!gateway || !svc.metadata.namespace) return [];
    return (svc.spec?.ports ?? [])
      .filter((p: any) => Number(p.port) !== STATUS_PORT)
      .map((p: any) => ({ key: `${svc.metadata.namespace}/${svc.metadata.name}/${p.port}`, gateway, namespace: svc.metadata.namespace!, name: svc.metadata.name, servicePort: Number(p.port), podPort: typeof p.targetPort === 'number' ? p.targetPort : Number(p.port) }));
  };

  const sync = () => {
    if (stopped) return;
    const desired = new Map(store.list(services).flatMap(wanted).map((w) => [w.key, w]));
    for (const [key, s] of servers) {
      if (desired.has(key)) continue;
      servers.delete(key);
      const i = ports.indexOf(s.entry);
      if (i >= 0) ports.splice(i, 1);
      void s.server.then((srv) => srv?.close());
    }
    for (const [key, w] of desired) {
      if (servers.has(key)) continue;
      const entry: GatewayPodPort = { namespace: w.namespace, label: [GATEWAY_NAME, w.gateway], port: w.podPort, url: '' };
      const server = mesh
        .startGateway({ host, target: { namespace: w.namespace, service: w.name, port: w.servicePort } })
        .then((srv) => {
          entry.url = srv.url;
          if (servers.get(key)?.entry === entry) ports.push(entry);
          else void srv.close();
          return srv;
        })
        .catch(() => undefined);
      servers.set(key, { entry, server });
    }
  };

  const unsubscribe = store.onEvent((e) => {
    if (e.resource === services) sync();
  });
  sync();
  return {
    async stop() {
      stopped = true;
      unsubscribe();
      const all = [...servers.values()];
      servers.clear();
      await Promise.all(all.map(async (s) => (await s.server)?.close()));
    },
  };
}
