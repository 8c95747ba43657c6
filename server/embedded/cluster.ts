import { stringify } from 'yaml';
import type { Clock } from '../clock.ts';
import { startApiServer, type ApiServerHandle } from './apiserver/server.ts';
import { generateTlsMaterial } from './apiserver/tls.ts';
import { LOAD_BALANCER_IP } from './controllers/defaults.ts';
import { startServiceListeners } from './host-network/service-listeners.ts';
import type { HostPortMode } from './host-network/port-choice.ts';
import { createMesh } from './mesh/index.ts';
import { createClusterCore } from './cluster-core.ts';
import type { ObjectStore, PodQuota } from './apiserver/store.ts';
import { startJaegerQuery } from './tracing/jaeger-api.ts';
import { keepGatewayPodPorts } from './mesh/gateway-pod-ports.ts';
import { LOCAL_URL_ANNOTATION } from '../cluster/service-address.ts';
import { base64Encode } from './portable/bytes.ts';
import type { ProxyCostsReport } from '../protocol.ts';

export interface EmbeddedClusterOptions {
  /** Shown in the kubeconfig as cluster, user and context name. */
  name?: string;
  clock?: Clock;
  host?: string;
  apiPort?: number;
  /** The port a port-forward to the ingress gateway pod's 8080 reaches (any free one by default). */
  gatewayPort?: number;
  /**
   * 'well-known': LoadBalancer Services of gateways listen on their own ports (80, 443) where
   * this process may bind them: only the presenter's cluster asks for it. 'ephemeral' (the
   * default): on free ports, which the Services then show, so clusters never fight over port 80.
   */
  hostPorts?: HostPortMode;
  jaegerPort?: number;
  maxSpans?: number;
  /** The pod quota the store enforces; the store's default when unset. */
  podQuota?: PodQuota;
}

/**
 * One embedded cluster: a Kubernetes API, controllers, the simulated mesh with its
 * ingress gateway, and a Jaeger query API. Several can run in one process (attendee
 * sandboxes); each owns its own store, clock and ports.
 */
export interface EmbeddedCluster {
  readonly name: string;
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly apiServerUrl: string;
  /** Where istio-ingressgateway's http2 port is served: its load-balancer IP and port, as the talk's lines read them. */
  readonly gatewayUrl: string;
  readonly jaegerUrl: string;
  /** A kubeconfig (YAML) with the CA and the bearer token; the only way in. */
  readonly kubeconfig: string;
  /** What the simulated data plane spends per proxy kind, for the costs slide. */
  proxyCosts(): ProxyCostsReport;
  /** Stops and restarts the API server on the same port, keeping every object (for resilience tests). */
  restartApiServer(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startEmbeddedCluster(opts: EmbeddedClusterOptions = {}): Promise<EmbeddedCluster> {
  const name = opts.name ?? 'istio-deck-embedded';
  const host = opts.host ?? '127.0.0.1';
  const core = createClusterCore({ clock: opts.clock, maxSpans: opts.maxSpans, podQuota: opts.podQuota }, createMesh);
  const { store, clock, mesh, runtime, token, forwarded } = core;
  const tls = generateTlsMaterial();

  const closers: Array<() => Promise<void> | void> = [() => core.stop()];
  try {
    const gateway = await mesh.startGateway({ host, port: opts.gatewayPort ?? 0 });
    closers.push(() => gateway.close());
    const listeners = startServiceListeners({
      store,
      listen: (o) => mesh.startGateway(o),
      mode: opts.hostPorts ?? 'ephemeral',
      loadBalancerIp: LOAD_BALANCER_IP,
      onError: (message) => console.warn(`embedded cluster ${name}: ${message}`),
    });
    closers.push(() => listeners.stop());
    await listeners.settled();
    const gatewayUrl = listeners.loadBalancerUrl('istio-system', 'istio-ingressgateway', 'http2') ?? gateway.url;
    const jaeger = await startJaegerQuery({ query: core.jaeger, host, port: opts.jaegerPort ?? 0 });
    closers.push(() => jaeger.close());
    // kubectl exec runs against the mesh; port-forward reaches the pods backed by real listeners:
    // the ingress gateway, Jaeger, and each Gateway API gateway's ports (kept up to date).
    forwarded.push(
      { namespace: 'istio-system', label: ['istio', 'ingressgateway'], port: 8080, url: gateway.url },
      { namespace: 'istio-system', label: ['app', 'jaeger'], port: 16686, url: jaeger.url },
    );
    const gatewayPodPorts = keepGatewayPodPorts(store, mesh, host, forwarded);
    closers.push(() => gatewayPodPorts.stop());
    let api: ApiServerHandle = await startApiServer({ store, token, tls, host, port: opts.apiPort ?? 0, runtime });
    closers.push(() => api.close());
    annotateLocalUrl(store, 'istio-system', 'tracing', jaeger.url);

    const kubeconfig = stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name, cluster: { server: api.url, 'certificate-authority-data': base64Encode(tls.caPem) } }],
      users: [{ name, user: { token } }],
      contexts: [{ name, context: { cluster: name, user: name, namespace: 'default' } }],
      'current-context': name,
    });

    return {
      name,
      store,
      clock,
      apiServerUrl: api.url,
      gatewayUrl,
      jaegerUrl: jaeger.url,
      kubeconfig,
      proxyCosts: () => core.proxyCosts(),
      async restartApiServer(downMs = 0) {
        const port = api.port;
        await api.close();
        if (downMs) await new Promise((r) => setTimeout(r, downMs));
        api = await startApiServer({ store, token, tls, host, port, runtime });
      },
      async stop() {
        for (const close of closers.reverse()) await close();
      },
    };
  } catch (err) {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => {});
    throw err;
  }
}

/**
 * Jaeger listens on a local port, not its Service's; the annotation tells the deck (and
 * anyone) where, so it finds it like any cluster's. The gateway's is its load balancer's URL.
 */
export function annotateLocalUrl(store: ObjectStore, namespace: string, name: string, url: string): void {
  const type = store.registry.mustGet('', 'services');
  const svc = store.get(type, namespace, name);
  if (!svc) return;
  const copy = structuredClone(svc);
  copy.metadata.annotations = { ...copy.metadata.annotations, [LOCAL_URL_ANNOTATION]: url };
  store.update(type, copy);
}
