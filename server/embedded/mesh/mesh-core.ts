import type { Clock } from '../../clock.ts';
import type { AppRegistry, MeshResponse, Workload } from '../app-runtime/types.ts';
import type { ProxyCostsReport } from '../../protocol.ts';
import { proxyCostsReport } from './proxy-costs.ts';
import { standardApps } from '../apps/index.ts';
import type { ObjectStore } from '../apiserver/store.ts';
import type { SpanSink } from '../tracing/types.ts';
import { DataPlane } from './dataplane.ts';
import type { MeshRequest } from './types.ts';
import type { ProxyView } from './config-dump.ts';
import type { ConnectionSink } from './ztunnel-log.ts';

export type { GatewayServicePort } from './gateway-handler.ts';
export type { MeshResponse } from '../app-runtime/types.ts';
export { ConnectionError, type MeshRequest } from './types.ts';
export type { ConnectionRecord, ConnectionSink } from './ztunnel-log.ts';

/** Who sends a request: a pod (by pod, deployment or app name; default namespace `default`) or the ingress gateway. */
export type RequestSource = { workload?: string; namespace?: string } | 'ingress';

/**
 * The simulated mesh without sockets: requests go in and come out as values, so the same
 * mesh runs in Node and in a browser's worker. The Node edition adds real listeners (index.ts).
 */
export interface MeshCore {
  readonly clock: Clock;
  /**
   * A request arriving from outside at gateway Service `namespace/name` on its port `port`
   * (istio-ingressgateway, or a Gateway API `<name>-istio`): it goes through that gateway's
   * listeners and routes, exactly as one sent to the Service from a pod. `req.url` is a path.
   */
  gatewayRequest(service: { namespace: string; name: string }, port: number, req: MeshRequest): Promise<MeshResponse>;
  /**
   * An in-process request. From 'ingress', `url` is a path (or a URL whose host becomes the
   * Host header); from a pod it is `http://<service>:<port>/...`, resolved like cluster DNS.
   * Rejects with ConnectionError where no proxy turns a failure into a response (no sidecar).
   */
  request(from: RequestSource, req: MeshRequest): Promise<MeshResponse>;
  /**
   * A pod's sidecar circuit-breaker stats (`pilot-agent request GET stats` lines for clusters
   * with a connectionPool), e.g. `cluster.outbound|8000||httpbin.default.svc.cluster.local;.upstream_rq_pending_overflow: 21`.
   */
  proxyStats(pod: { workload: string; namespace?: string }): string;
  /** What a pod's Envoy admin API shows (config_dump, clusters, listeners); undefined for an unknown pod. */
  proxyView(pod: { workload: string; namespace?: string }): Omit<ProxyView, 'version'> | undefined;
  /** What the simulation spends per proxy kind (sampled CPU per request, memory per instance by `memoryOf`, bytes). */
  proxyCosts(memoryOf: (pod: Workload) => number): ProxyCostsReport;
  stop(): Promise<void>;
}

export interface MeshOptions {
  store: ObjectStore;
  clock: Clock;
  spans: SpanSink;
  /** The container behind each pod; the embedded cluster's standard catalogue unless given. */
  apps?: AppRegistry;
  /** Apps spend a few simulated ms per call (default true; benchmarks turn it off). */
  realisticLatency?: boolean;
  /** Where ztunnel reports each connection it carried (the embedded cluster writes them to the ztunnel pod's log). */
  connections?: ConnectionSink;
}

export function createMeshCore(opts: MeshOptions): MeshCore {
  const plane = new DataPlane({ ...opts, apps: opts.apps ?? standardApps });
  return {
    clock: opts.clock,
    gatewayRequest(service, port, req) {
      return plane.gatewayIngress(service, port, req);
    },
    request(from, req) {
      if (from === 'ingress') {
        let url = req.url;
        const headers = { ...req.headers };
        if (/^https?:\/\//.test(url)) {
          const u = new URL(url);
          headers.host ??= u.host;
          url = u.pathname + u.search;
        }
        return plane.ingress({ ...req, url, headers });
      }
      const ns = from.namespace ?? 'default';
      return plane.fromPod(plane.findWorkload(from.workload, ns), ns, req);
    },
    proxyStats(pod) {
      const w = plane.findWorkload(pod.workload, pod.namespace ?? 'default');
      return w ? plane.proxyStats(w) : '';
    },
    proxyView(pod) {
      const w = plane.findWorkload(pod.workload, pod.namespace ?? 'default');
      return w ? plane.proxyView(w) : undefined;
    },
    proxyCosts(memoryOf) {
      return proxyCostsReport(plane.costs, plane.proxyInstances(), memoryOf);
    },
    async stop() {
      plane.stop();
    },
  };
}
