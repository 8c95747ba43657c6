import { isDeepStrictEqual } from 'node:util';
import type { ObjectStore } from '../apiserver/store.ts';
import type { KubeObject } from '../apiserver/types.ts';
import { NODE, allocateNodePort } from '../controllers/addresses.ts';
import { kindsOf } from '../controllers/kinds.ts';
import type { GatewayServer, GatewayServerOptions } from '../mesh/index.ts';
import { CLUSTER_PORTS_ANNOTATION, clusterPortOf, servicePortKey } from '../mesh/cluster-ports.ts';
import { SecretContexts, gatewayPortMode } from './gateway-port-mode.ts';
import { GATEWAY_NAME_LABEL, gatewaysWithMovedPorts, publishListenerPorts } from './gateway-listener-ports.ts';
import { bindFirst, loadBalancerPortCandidates, nodePortCandidates, type HostPortMode } from './port-choice.ts';

export interface ServiceListenersOptions {
  store: ObjectStore;
  /** Starts one HTTP listener that plays a gateway Service's port. */
  listen(opts: GatewayServerOptions): Promise<GatewayServer>;
  mode: HostPortMode;
  /** The address load balancers are reachable at: the EXTERNAL-IP a LoadBalancer Service shows. */
  loadBalancerIp: string;
  /** The node's InternalIP, where node ports listen. */
  nodeIp?: string;
  /** Told once per port that could not be bound at all. */
  onError?: (message: string) => void;
}

export interface ServiceListeners {
  /** Resolves once every Service seen so far is served and shows where. */
  settled(): Promise<void>;
  /** `http://ip:port` where a Service's named port is served by its load balancer, if it is. */
  loadBalancerUrl(namespace: string, name: string, portName: string): string | undefined;
  stop(): Promise<void>;
}

interface Binding {
  server: GatewayServer;
  /** The port the listener is on. */
  hostPort: number;
  /** The port the Service declared (what it keeps inside the cluster). */
  declared: number;
}

/** Gateway pods run Envoy as a router (Istio's gateways), or belong to a Gateway API Gateway. */
export function isGatewayPod(pod: KubeObject): boolean {
  if (pod.metadata.labels?.[GATEWAY_NAME_LABEL]) return true;
  return (pod.spec?.containers ?? []).some((c: any) => c.name === 'istio-proxy' && Array.isArray(c.args) && c.args[0] === 'proxy' && c.args[1] === 'router');
}

const selectsPod = (selector: Record<string, string>, pod: KubeObject) =>
  Object.entries(selector).every(([k, v]) => pod.metadata.labels?.[k] === v);

/** Services a host listener stands for: LoadBalancer or NodePort, selecting gateway pods. */
function exposedGatewayServices(store: ObjectStore): KubeObject[] {
  const kinds = kindsOf(store);
  return store.list(kinds.services).filter((svc) => {
    const type = svc.spec?.type;
    const selector: Record<string, string> | undefined = svc.spec?.selector;
    if ((type !== 'LoadBalancer' && type !== 'NodePort') || !selector || !Object.keys(selector).length) return false;
    return store.list(kinds.pods, svc.metadata.namespace).some((p) => !p.metadata.deletionTimestamp && isGatewayPod(p) && selectsPod(selector, p));
  });
}

const isTcp = (p: any) => (p.protocol ?? 'TCP') === 'TCP';

/**
 * The host side of the embedded cluster's load balancer and kube-proxy: every LoadBalancer or
 * NodePort Service whose pods are a gateway gets a real listener on the load-balancer address
 * for each port, and one on the node's address for each node port. The Service then shows
 * what serves: `status.loadBalancer.ingress[0].ip` is that address, each `port` the one the
 * load balancer listens on (the declared one when it could be bound, else the free port it
 * took, with the declared one kept in CLUSTER_PORTS_ANNOTATION), and each `nodePort` one that
 * is bound. So `<EXTERNAL-IP>:<port>` and `<hostIP>:<nodePort>` both reach the gateway.
 */
export function startServiceListeners(opts: ServiceListenersOptions): ServiceListeners {
  const { store } = opts;
  const kinds = kindsOf(store);
  const nodeIp = opts.nodeIp ?? NODE.ip;
  const lb = new Map<string, Binding>();
  const node = new Map<string, Binding>();
  const failed = new Set<string>();
  const secrets = new SecretContexts(store);
  let stopped = false;
  let pass: Promise<void> = Promise.resolve();
  let queued = false;

  const schedule = () => {
    if (queued || stopped) return pass;
    queued = true;
    // A turn of the event loop between passes, so a burst of events is one pass and the
    // writes of a controller that disagrees with ours never starve everything else.
    pass = pass.then(() => new Promise<void>((r) => setImmediate(r))).then(() => {
      queued = false;
      return stopped ? undefined : reconcile();
    }).catch((err) => opts.onError?.(`host listeners: ${err instanceof Error ? err.message : err}`));
    return pass;
  };
  const unsubscribe = store.onEvent((e) => {
    if (e.resource === kinds.services || e.resource === kinds.pods) void schedule();
  });
  void schedule();

  async function bind(key: string, candidates: Iterable<number>, host: string, declared: number, target: { namespace: string; service: string }): Promise<Binding | undefined> {
    try {
      const { server } = await bindFirst(candidates, (port) => opts.listen({ host, port, target: { ...target, port: declared }, portMode: () => gatewayPortMode(store, secrets, { ...target, port: declared }) }));
      failed.delete(key);
      return { server, hostPort: server.port, declared };
    } catch (err) {
      if (!failed.has(key)) opts.onError?.(`cannot serve ${key} on ${host}: ${(err as Error).message}`);
      failed.add(key);
      return undefined;
    }
  }

  async function reconcile(): Promise<void> {
    const wantLb = new Set<string>();
    const wantNode = new Set<string>();
    const exposed = exposedGatewayServices(store);
    const servedGateways = new Set<string>();
    restoreDeclaredPorts(exposed);
    for (const svc of exposed) {
      if (stopped) return;
      const ns = svc.metadata.namespace!;
      const name = svc.metadata.name;
      const target = { namespace: ns, service: name };
      const next = structuredClone(svc);
      const declaredPorts: Record<string, number> = {};
      const ports: any[] = next.spec.ports ?? [];
      for (const [i, p] of ports.entries()) {
        if (!isTcp(p)) continue;
        const portKey = servicePortKey(p, i);
        if (svc.spec.type === 'LoadBalancer') {
          const key = `${ns}/${name}:${portKey}`;
          wantLb.add(key);
          let have = lb.get(key);
          // The port it shows is ours when it is the one we bound; any other is a new declaration.
          const declared = have && have.hostPort === Number(p.port) ? have.declared : Number(p.port);
          if (have && have.declared !== declared) {
            lb.delete(key);
            await have.server.close();
            have = undefined;
          }
          have ??= await bind(`${key} (load balancer)`, loadBalancerPortCandidates(declared, opts.mode), opts.loadBalancerIp, declared, target);
          if (have) {
            lb.set(key, have);
            p.port = have.hostPort;
            if (have.hostPort !== declared) declaredPorts[portKey] = declared;
          }
        } else {
          // No load balancer (any more): the port is the declared one again.
          p.port = clusterPortOf(svc, p, i);
        }
        if (p.nodePort) {
          const key = `${ns}/${name}:${portKey}`;
          wantNode.add(key);
          let have = node.get(key);
          const declared = declaredPorts[portKey] ?? Number(p.port);
          if (have && (have.hostPort !== Number(p.nodePort) || have.declared !== declared)) {
            node.delete(key);
            await have.server.close();
            have = undefined;
          }
          have ??= await bind(`${key} (node port)`, nodePortCandidates(Number(p.nodePort), (taken) => allocateNodePort(store, taken)), nodeIp, declared, target);
          if (have) {
            node.set(key, have);
            p.nodePort = have.hostPort;
          }
        }
      }
      await publish(svc, next, declaredPorts);
      const gatewayName = svc.metadata.labels?.[GATEWAY_NAME_LABEL];
      if (gatewayName && svc.spec.type === 'LoadBalancer') {
        servedGateways.add(`${ns}/${gatewayName}`);
        publishListenerPorts(store, ns, gatewayName, movedPorts(next, declaredPorts));
      }
    }
    // A Gateway whose Service is no longer on a load balancer shows its declared ports again.
    for (const g of gatewaysWithMovedPorts(store)) if (!servedGateways.has(`${g.namespace}/${g.name}`)) publishListenerPorts(store, g.namespace, g.name, new Map());
    for (const [map, want] of [[lb, wantLb], [node, wantNode]] as const) {
      for (const [key, b] of map) {
        if (want.has(key)) continue;
        map.delete(key);
        await b.server.close();
      }
    }
  }

  /** Declared port → the host port it moved to, for the ports of `svc` that moved. */
  function movedPorts(svc: KubeObject, declaredPorts: Record<string, number>): Map<number, number> {
    const moved = new Map<number, number>();
    for (const [i, p] of (svc.spec.ports ?? []).entries()) {
      const declared = declaredPorts[servicePortKey(p, i)];
      if (declared !== undefined) moved.set(declared, Number(p.port));
    }
    return moved;
  }

  /** A Service no longer served on the host shows the ports it declared again. */
  function restoreDeclaredPorts(exposed: KubeObject[]): void {
    const served = new Set(exposed);
    for (const svc of store.list(kinds.services)) {
      if (served.has(svc) || !svc.metadata.annotations?.[CLUSTER_PORTS_ANNOTATION]) continue;
      const next = structuredClone(svc);
      next.spec.ports = (next.spec.ports ?? []).map((p: any, i: number) => ({ ...p, port: clusterPortOf(svc, p, i) }));
      delete next.metadata.annotations![CLUSTER_PORTS_ANNOTATION];
      store.update(kinds.services, next);
    }
  }

  /** Writes what serves into the Service (spec, then status), only where it changed. */
  async function publish(before: KubeObject, next: KubeObject, declaredPorts: Record<string, number>): Promise<void> {
    const annotations = { ...next.metadata.annotations };
    if (Object.keys(declaredPorts).length) annotations[CLUSTER_PORTS_ANNOTATION] = JSON.stringify(declaredPorts);
    else delete annotations[CLUSTER_PORTS_ANNOTATION];
    next.metadata.annotations = Object.keys(annotations).length ? annotations : undefined;
    if (!next.metadata.annotations) delete next.metadata.annotations;
    const current = store.get(kinds.services, before.metadata.namespace, before.metadata.name);
    // Changed while we bound: the next pass, which that change scheduled, writes it.
    if (!current || current.metadata.resourceVersion !== before.metadata.resourceVersion) return;
    let written = current;
    if (!isDeepStrictEqual(next.spec, current.spec) || !isDeepStrictEqual(next.metadata.annotations, current.metadata.annotations)) {
      written = store.update(kinds.services, { ...next, status: current.status });
    }
    const ingress = before.spec.type === 'LoadBalancer' ? [{ ip: opts.loadBalancerIp, ipMode: 'VIP' }] : undefined;
    if (!ingress && !written.status?.loadBalancer?.ingress?.length) return;
    if (!isDeepStrictEqual(written.status?.loadBalancer?.ingress, ingress)) {
      store.updateStatus(kinds.services, { ...written, status: { ...written.status, loadBalancer: ingress ? { ingress } : {} } });
    }
  }

  return {
    async settled() {
      // A pass may schedule another (its own writes); wait until one finds nothing to do.
      for (;;) {
        const current = pass;
        await current;
        if (current === pass && !queued) return;
      }
    },
    loadBalancerUrl(namespace, name, portName) {
      const b = lb.get(`${namespace}/${name}:${portName}`);
      if (!b) return undefined;
      const host = opts.loadBalancerIp.includes(':') ? `[${opts.loadBalancerIp}]` : opts.loadBalancerIp;
      return `http://${host}:${b.hostPort}`;
    },
    async stop() {
      stopped = true;
      unsubscribe();
      await pass;
      const all = [...lb.values(), ...node.values()];
      lb.clear();
      node.clear();
      await Promise.all(all.map((b) => b.server.close()));
    },
  };
}
