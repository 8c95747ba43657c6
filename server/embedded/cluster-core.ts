/**
 * One embedded cluster without a socket: the store with its admission rules, the controllers,
 * the simulated mesh with Bookinfo's apps, the span store, container logs and the pods'
 * runtime, plus the API and Jaeger query as handlers (Request in, Response out). The Node
 * edition (cluster.ts) serves these over real listeners; a browser worker calls them directly.
 * So both editions run one cluster, built in one place.
 */
import type { Clock } from '../clock.ts';
import { ScaledClock } from '../clock.ts';
import { ApiHandler } from './apiserver/api-handler.ts';
import { ObjectStore, type PodQuota } from './apiserver/store.ts';
import { builtinValidationHook, istioValidationHook } from './apiserver/validation/index.ts';
import { standardApps } from './apps/index.ts';
import { bootstrapCluster, startControllers } from './controllers/index.ts';
import { type MeshCore, type MeshOptions, createMeshCore } from './mesh/mesh-core.ts';
import { bytesToHex } from './portable/bytes.ts';
import { JaegerQuery } from './tracing/jaeger-query.ts';
import { SpanStore } from './tracing/span-store.ts';
import { ContainerLogs, PROXY_CONTAINER } from './workloads/container-logs.ts';
import type { PodRuntime } from './apiserver/pod-runtime.ts';
import { type ForwardedPort, createPodRuntime } from './workloads/pod-runtime.ts';
import type { ProxyCostsReport } from '../protocol.ts';

export interface ClusterCoreOptions {
  clock?: Clock;
  maxSpans?: number;
  /** The pod quota the store enforces; the store's default when unset. */
  podQuota?: PodQuota;
}

export interface ClusterCore<M extends MeshCore = MeshCore> {
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly mesh: M;
  readonly spans: SpanStore;
  readonly logs: ContainerLogs;
  /** exec and logs for the API; `forwarded` lists the pod ports a port-forward can reach (none without listeners). */
  readonly runtime: PodRuntime;
  readonly forwarded: ForwardedPort[];
  /** The bearer token the API asks for. */
  readonly token: string;
  /** Jaeger's query API over the span store (the `/jaeger` base path and the root both answer). */
  readonly jaeger: JaegerQuery;
  /** A fresh API handler over the store (each one has its own watches; close it when done). */
  apiHandler(serverAddress?: string): ApiHandler;
  /** What the simulated data plane spends per proxy kind, for the costs slide. */
  proxyCosts(): ProxyCostsReport;
  stop(): Promise<void>;
}

/**
 * Builds and starts a cluster core. `makeMesh` chooses the mesh: the socket-free core by
 * default, or the Node edition's mesh that also serves its gateways on real listeners.
 */
export function createClusterCore<M extends MeshCore = MeshCore>(opts: ClusterCoreOptions = {}, makeMesh: (o: MeshOptions) => M = createMeshCore as (o: MeshOptions) => M): ClusterCore<M> {
  const clock = opts.clock ?? new ScaledClock(1);
  const store = new ObjectStore({ clock, podQuota: opts.podQuota });
  store.addAdmissionHook(builtinValidationHook);
  store.addAdmissionHook(istioValidationHook);
  bootstrapCluster(store, clock);
  const controllers = startControllers({ store, clock });
  const spans = new SpanStore(opts.maxSpans ? { maxSpans: opts.maxSpans } : undefined);
  // What each container prints (`kubectl logs`): its apps' lines and its proxy's access log.
  const logs = new ContainerLogs(store, clock);
  const mesh = makeMesh({ store, clock, spans: logs.teeSpans(spans), apps: logs.wrapApps(standardApps), connections: logs });
  const forwarded: ForwardedPort[] = [];
  const runtime = createPodRuntime(mesh, forwarded, logs);
  const token = bytesToHex(crypto.getRandomValues(new Uint8Array(24)));
  const jaeger = new JaegerQuery({ spans });
  return {
    store,
    clock,
    mesh,
    spans,
    logs,
    runtime,
    forwarded,
    token,
    jaeger,
    apiHandler: (serverAddress) => new ApiHandler({ store, token, runtime, serverAddress }),
    proxyCosts: () => mesh.proxyCosts((pod) => logs.store.bytesOf(pod.uid, PROXY_CONTAINER)),
    async stop() {
      controllers.stop();
      logs.stop();
      await mesh.stop();
    },
  };
}
