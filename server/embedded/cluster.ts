import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import type { Clock } from '../clock.ts';
import { ScaledClock } from '../clock.ts';
import { startApiServer, type ApiServerHandle } from './apiserver/server.ts';
import { ObjectStore, type PodQuota } from './apiserver/store.ts';
import { generateTlsMaterial } from './apiserver/tls.ts';
import { builtinValidationHook, istioValidationHook } from './apiserver/validation/index.ts';
import { bootstrapCluster, startControllers } from './controllers/index.ts';
import { standardApps } from './apps/index.ts';
import { createMesh } from './mesh/index.ts';
import { startJaegerQuery } from './tracing/jaeger-api.ts';
import { SpanStore } from './tracing/span-store.ts';
import { type ForwardedPort, createPodRuntime } from './workloads/pod-runtime.ts';
import { keepGatewayPodPorts } from './mesh/gateway-pod-ports.ts';
import { LOCAL_URL_ANNOTATION } from '../cluster/service-address.ts';

export interface EmbeddedClusterOptions {
  /** Shown in the kubeconfig as cluster, user and context name. */
  name?: string;
  clock?: Clock;
  host?: string;
  apiPort?: number;
  gatewayPort?: number;
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
  readonly gatewayUrl: string;
  readonly jaegerUrl: string;
  /** A kubeconfig (YAML) with the CA and the bearer token; the only way in. */
  readonly kubeconfig: string;
  /** Stops and restarts the API server on the same port, keeping every object (for resilience tests). */
  restartApiServer(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startEmbeddedCluster(opts: EmbeddedClusterOptions = {}): Promise<EmbeddedCluster> {
  const name = opts.name ?? 'istio-deck-embedded';
  const host = opts.host ?? '127.0.0.1';
  const clock = opts.clock ?? new ScaledClock(1);
  const store = new ObjectStore({ clock, podQuota: opts.podQuota });
  store.addAdmissionHook(builtinValidationHook);
  store.addAdmissionHook(istioValidationHook);
  bootstrapCluster(store, clock);
  const controllers = startControllers({ store, clock });

  const spans = new SpanStore(opts.maxSpans ? { maxSpans: opts.maxSpans } : undefined);
  const mesh = createMesh({ store, clock, spans, apps: standardApps });
  const token = randomBytes(24).toString('hex');
  const tls = generateTlsMaterial();

  const closers: Array<() => Promise<void> | void> = [() => controllers.stop(), () => mesh.stop()];
  try {
    const gateway = await mesh.startGateway({ host, port: opts.gatewayPort ?? 0 });
    closers.push(() => gateway.close());
    const jaeger = await startJaegerQuery({ spans, host, port: opts.jaegerPort ?? 0 });
    closers.push(() => jaeger.close());
    // kubectl exec runs against the mesh; port-forward reaches the pods backed by real listeners:
    // the ingress gateway, Jaeger, and each Gateway API gateway's ports (kept up to date).
    const forwarded: ForwardedPort[] = [
      { namespace: 'istio-system', label: ['istio', 'ingressgateway'], port: 8080, url: gateway.url },
      { namespace: 'istio-system', label: ['app', 'jaeger'], port: 16686, url: jaeger.url },
    ];
    const gatewayPodPorts = keepGatewayPodPorts(store, mesh, host, forwarded);
    closers.push(() => gatewayPodPorts.stop());
    const runtime = createPodRuntime(mesh, forwarded);
    let api: ApiServerHandle = await startApiServer({ store, token, tls, host, port: opts.apiPort ?? 0, runtime });
    closers.push(() => api.close());
    annotateLocalUrl(store, 'istio-system', 'istio-ingressgateway', gateway.url);
    annotateLocalUrl(store, 'istio-system', 'tracing', jaeger.url);

    const kubeconfig = stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name, cluster: { server: api.url, 'certificate-authority-data': Buffer.from(tls.caPem).toString('base64') } }],
      users: [{ name, user: { token } }],
      contexts: [{ name, context: { cluster: name, user: name, namespace: 'default' } }],
      'current-context': name,
    });

    return {
      name,
      store,
      clock,
      apiServerUrl: api.url,
      gatewayUrl: gateway.url,
      jaegerUrl: jaeger.url,
      kubeconfig,
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
 * Our gateway and Jaeger listen on local ports, not the Service ports a real cluster has;
 * the annotation tells the deck (and anyone) where, so it finds them like any cluster's.
 */
export function annotateLocalUrl(store: ObjectStore, namespace: string, name: string, url: string): void {
  const type = store.registry.mustGet('', 'services');
  const svc = store.get(type, namespace, name);
  if (!svc) return;
  const copy = structuredClone(svc);
  copy.metadata.annotations = { ...copy.metadata.annotations, [LOCAL_URL_ANNOTATION]: url };
  store.update(type, copy);
}
