import type { Clock } from '../../clock.ts';
import type { AppHandler, AppRegistry, MeshResponse, Workload } from '../app-runtime/types.ts';
import type { ObjectStore } from '../apiserver/store.ts';
import type { SpanSink } from '../tracing/types.ts';
import { ConnectionPool, OutlierDetector, type PoolLimits } from './connection-pool.ts';
import { CutReason, cutKind, linkedController, localReply } from './envoy.ts';
import { qualifyHost, stripPort } from './hosts.ts';
import { type InboundCall, serveInbound } from './inbound.ts';
import { admitRequest } from './proxy-admission.ts';
import { LoadBalancers } from './load-balancer.ts';
import type { GatewayPlan } from './plan.ts';
import { type RouteInput, routeAtGateway } from './router.ts';
import { type MeshSnapshot, buildSnapshot, isSnapshotKind } from './snapshot.ts';
import type { ServiceInfo } from './services.ts';
import { ProxySpan, incomingTrace, newRequestId, proxyIdentity } from './spans.ts';
import { ConnectionError, type MeshRequest } from './types.ts';
import { forward, forwardByMeshRoutes } from './upstream.ts';
import { type ZtunnelEnv, ingressThroughWaypoint, isAmbient, ztunnelInbound, ztunnelOutbound } from './ztunnel.ts';
import { type ConnectionSink, NO_CONNECTION_SINK } from './ztunnel-log.ts';
import type { ProxyView } from './config-dump.ts';
import { type MeteredProxy, ProxyCostMeter } from './proxy-costs.ts';
import { isWaypointPod } from './ambient.ts';
import { utf8ByteLength } from '../portable/bytes.ts';
import { ipVersion } from '../portable/ip.ts';
import { withoutListenerLimit } from '../portable/listener-limit.ts';

/** Envoy's status port on every gateway pod. */
const STATUS_PORT = 15021;

export interface DataPlaneOptions {
  store: ObjectStore;
  clock: Clock;
  spans: SpanSink;
  /** The container behind each pod. */
  apps: AppRegistry;
  /** Apps spend simulated time working (a few ms per call). Off for benchmarks. */
  realisticLatency?: boolean;
  /** Where ztunnel reports each connection it carried (its pod's log). */
  connections?: ConnectionSink;
}

/** Per-proxy state maps are cleared past this size (pods come and go; their state may go too). */
const MAX_PROXY_STATE = 10_000;

/**
 * The simulated data plane: the ingress gateway and every sidecar. It keeps the compiled
 * snapshot (rebuilt after a change that matters) and the state that outlives a config change
 * (balancer positions, connection pools, outlier ejections), per client proxy and cluster as
 * each Envoy keeps its own. Routing, upstream attempts and the server side run in router.ts,
 * upstream.ts and inbound.ts, reading only the compiled plan.
 */
export class DataPlane implements ZtunnelEnv {
  readonly clock: Clock;
  readonly connections: ConnectionSink;
  readonly spans: SpanSink;
  readonly realisticLatency: boolean;
  readonly lb = new LoadBalancers();
  /** What each kind of proxy's own code costs per request (sampled), for the costs slide. */
  readonly costs = new ProxyCostMeter();
  private readonly store: ObjectStore;
  private snap?: MeshSnapshot;
  private snapCompiledAt = 0;
  private readonly unsubscribe: () => void;
  private readonly pools = new Map<string, ConnectionPool>();
  private readonly outliers = new Map<string, OutlierDetector>();
  private readonly appFor: AppRegistry;
  private readonly apps = new Map<string, AppHandler>();
  private readonly stopping = new AbortController();
  /** Every request in flight listens to it (and stops listening when done), so it has no listener limit. */
  readonly shutdown = withoutListenerLimit(this.stopping.signal);

  constructor(opts: DataPlaneOptions) {
    this.store = opts.store;
    this.clock = opts.clock;
    this.spans = opts.spans;
    this.appFor = opts.apps;
    this.realisticLatency = opts.realisticLatency ?? true;
    this.connections = opts.connections ?? NO_CONNECTION_SINK;
    // Any accepted change to what the snapshot reads invalidates it; the next request compiles it again.
    this.unsubscribe = this.store.onEvent((e) => {
      if (isSnapshotKind(e.resource)) this.snap = undefined;
    });
  }

  snapshot(): MeshSnapshot {
    if (!this.snap) {
      this.snap = buildSnapshot(this.store);
      this.snapCompiledAt = this.clock.now();
    }
    return this.snap;
  }

  /** What one proxy's admin API reads: the plan it runs, its role and its outlier ejections. */
  proxyView(pod: Workload): Omit<ProxyView, 'version'> {
    const snap = this.snapshot();
    const gateway = snap.gatewayOfPod.get(pod.uid);
    // Envoy binds a gateway server's target port (istio-ingressgateway's 80 is its container's 8080).
    const service = gateway ? [...snap.services.values()].find((s) => s.readyPods.some((p) => p.uid === pod.uid)) : undefined;
    const targetPort = (port: number | undefined) => (port === undefined ? undefined : Number(service?.ports.find((p) => p.port === port)?.targetPort ?? port));
    return {
      snap,
      proxy: pod,
      role: gateway ? 'router' : 'sidecar',
      gatewayListeners: (gateway?.listeners ?? []).map((l) => ({ ...l, port: targetPort(l.port ?? 80) })),
      updated: new Date(this.snapCompiledAt),
      ejected: (cluster, endpoint) => {
        const detector = this.outliers.get(`${pod.uid}|${cluster}`);
        return !!detector && detector.healthy([endpoint]).length === 0;
      },
    };
  }

  /** The proxies running now, by kind: sidecars (not gateways), the node's ztunnel, waypoints. */
  proxyInstances(): Record<MeteredProxy, Workload[]> {
    const snap = this.snapshot();
    const ready = snap.pods.filter((p) => p.ready);
    return {
      sidecar: ready.filter((p) => p.hasSidecar && !snap.gatewayOfPod.has(p.uid) && !isWaypointPod(p)),
      ztunnel: snap.ambient.ztunnel ? [snap.ambient.ztunnel] : [],
      waypoint: ready.filter(isWaypointPod),
    };
  }

  stop(): void {
    this.unsubscribe();
    this.stopping.abort(new CutReason('shutdown'));
  }

  /** Finds a calling pod by pod name, workload (deployment) name or app label. */
  findWorkload(name: string | undefined, namespace: string | undefined): Workload | undefined {
    if (!name) return undefined;
    const ns = namespace ?? 'default';
    const pods = this.snapshot().pods.filter((p) => p.namespace === ns);
    return pods.find((p) => p.pod === name) ?? pods.find((p) => p.ready && p.workload === name) ?? pods.find((p) => p.ready && p.app === name);
  }

  /** A request arriving from outside at the istio-ingressgateway's port 80. `req.url` is the path and query. */
  ingress(req: MeshRequest): Promise<MeshResponse> {
    return this.gatewayIngress({ namespace: 'istio-system', name: 'istio-ingressgateway' }, 80, req);
  }

  /**
   * A request arriving from outside the cluster at gateway Service `namespace/name` on its port
   * `port` (what a host port bound for that Service, or a port-forward, hands in). It goes
   * through that gateway's listeners and routes, as one from any pod does. `req.url` is the
   * path and query.
   */
  async gatewayIngress(service: { namespace: string; name: string }, port: number, req: MeshRequest): Promise<MeshResponse> {
    const snap = this.snapshot();
    const svc = snap.services.get(`${service.name}.${service.namespace}.svc.cluster.local`);
    const svcPort = svc?.ports.find((p) => p.port === port);
    const pod = svc?.readyPods.find((p) => snap.gatewayOfPod.has(p.uid));
    // A store without the Service (the mesh's own fixtures) still has the default gateway; a port
    // the Service no longer lists (edited under a running listener) reaches every listener, as before.
    const gateway = pod ? snap.gatewayOfPod.get(pod.uid) : snap.routes.gateways.find((g) => g.name === `${service.namespace}/${service.name}`);
    if (!gateway) throw new ConnectionError('ECONNREFUSED', `Failed to connect to ${service.name}.${service.namespace} port ${port}: Connection refused`);
    const headers = lowerCaseHeaders(req.headers);
    headers['x-forwarded-for'] ??= '10.244.0.1';
    headers['x-envoy-external-address'] ??= '10.244.0.1';
    const ports = svcPort ? [svcPort.port, svcPort.targetPort] : undefined;
    return this.atGateway(snap, gateway, pod ?? gateway.pods[0], ports, port, { method: req.method, path: req.url, headers, body: req.body, signal: req.signal });
  }

  /** A gateway proxy receives a request on one of its ports (any when `ports` is undefined) and routes it by its listeners. */
  private async atGateway(snap: MeshSnapshot, gateway: GatewayPlan, gw: Workload, ports: number[] | undefined, requestPort: number, req: { method?: string; path: string; headers: Record<string, string>; body?: string; signal?: AbortSignal }): Promise<MeshResponse> {
    let { headers } = req;
    const authority = headers.host ?? 'localhost';
    // Concatenated, not resolved, so `//x/y` stays a path as Envoy sees it.
    const url = new URL(`http://gateway.invalid${req.path.startsWith('/') ? '' : '/'}${req.path}`);
    headers['x-request-id'] ??= newRequestId();
    headers['x-forwarded-proto'] ??= 'http';
    const method = (req.method ?? 'GET').toUpperCase();
    // Envoy's health endpoint on the status port, answered before any route.
    if ((ports ?? [requestPort]).includes(STATUS_PORT)) return localReply(url.pathname === '/healthz/ready' ? 200 : 404, '');
    // A local reply from the gateway itself, traced and logged as Envoy does.
    const answerLocally = (reply: MeshResponse, flags: string[]) => {
      const trace = incomingTrace(headers);
      new ProxySpan(this.spans, this.clock, trace.traceId, trace.parentSpanId, 'async', proxyIdentity('router', gw), 'client', {
        url: `http://${authority}${url.pathname}${url.search}`, method, requestId: headers['x-request-id'], userAgent: headers['user-agent'], peerAddress: '10.244.0.1', upstreamCluster: '-', requestSize: utf8ByteLength(req.body ?? ''),
      }).finish(reply.status, flags, utf8ByteLength(reply.body));
      return reply;
    };
    // RequestAuthentication and AuthorizationPolicy on the gateway run before routing, so routes can match the token's claims.
    const admission = await admitRequest(gateway.security, { method, path: req.path, host: stripPort(authority), port: requestPort, headers, sourceIp: headers['x-forwarded-for']?.split(',')[0].trim() ?? '' }, this.clock.now());
    if (!admission.admitted) return answerLocally(admission.reply, []);
    headers = admission.headers;
    const input: RouteInput = { url, method, authority, port: requestPort, headers, src: gw, claims: admission.identity?.claims };
    const choice = routeAtGateway(snap.routes, gateway, ports, stripPort(authority), input);
    // No Gateway or no route for this host/path: Envoy's 404 with an empty body (NR).
    if (!choice) return answerLocally(localReply(404, ''), ['NR']);
    return forward(this, { snap, proxy: proxyIdentity('router', gw), src: gw, ...choice, method, url, headers, body: req.body ?? '', signal: req.signal, requestPort });
  }

  /** An outbound HTTP call made by a container of `src` (or by something outside any pod). */
  async fromPod(src: Workload | undefined, namespace: string, req: MeshRequest): Promise<MeshResponse> {
    const snap = this.snapshot();
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      throw new ConnectionError('ENOTFOUND', `malformed URL ${JSON.stringify(req.url)}`);
    }
    const hostName = url.hostname.toLowerCase();
    const port = Number(url.port || 80);
    const fqdn = qualifyHost(hostName, src?.namespace ?? namespace, snap.namespaces);
    // A Service's ClusterIP reaches it as its name does (`curl --resolve name:port:<ClusterIP>`).
    const svc = snap.services.get(fqdn) ?? (ipVersion(hostName) ? [...snap.services.values()].find((s) => s.clusterIP === hostName) : undefined);
    const method = (req.method ?? 'GET').toUpperCase();
    const headers = lowerCaseHeaders(req.headers);
    headers.host ??= url.host;
    if (!svc && !snap.clusters.externalHosts.has(hostName)) throw new ConnectionError('ENOTFOUND', `Could not resolve host: ${hostName}`);

    // An ambient pod's connections go through its node's ztunnel (and a waypoint when the Service has one).
    if (svc && src && isAmbient(snap.ambient, src)) return this.costs.measure('ztunnel', this, (env) => ztunnelOutbound(env, snap, src, svc, port, { method, url, headers, body: req.body ?? '', signal: req.signal ?? this.shutdown }));
    if (!src?.hasSidecar) return this.direct(snap, src, svc, url, method, headers, req, port);

    headers['x-request-id'] ??= newRequestId();
    const upstream = { snap, proxy: proxyIdentity('sidecar', src), src, method, url, headers, body: req.body ?? '', signal: req.signal, requestPort: port };
    return this.costs.measure('sidecar', this, (env) =>
      forwardByMeshRoutes(env, upstream, svc?.fqdn ?? hostName, { url, method, authority: url.host, port, headers, src }, () => {
        if (svc && !svc.ports.some((p) => p.port === port)) throw new ConnectionError('ECONNREFUSED', `Failed to connect to ${hostName} port ${port}: Connection refused`);
      }),
    );
  }

  /** A pod without a sidecar: kube-proxy picks any Ready pod; no routing rules, no mTLS. */
  private async direct(snap: MeshSnapshot, src: Workload | undefined, svc: ServiceInfo | undefined, url: URL, method: string, headers: Record<string, string>, req: MeshRequest, port: number): Promise<MeshResponse> {
    const svcPort = svc?.ports.find((p) => p.port === port);
    if (!svc || !svcPort) throw new ConnectionError('ECONNREFUSED', `Failed to connect to ${url.hostname} port ${port}: Connection refused`);
    const target = svc.readyPods[Math.floor(Math.random() * svc.readyPods.length)];
    if (!target) throw new ConnectionError('ECONNREFUSED', `Failed to connect to ${url.hostname} port ${port}: Connection refused`);
    const signal = req.signal ?? this.shutdown;
    const path = url.pathname + url.search;
    if (target.hasSidecar || isAmbient(snap.ambient, target)) return this.inbound(snap, { endpoint: target, svc, servicePort: port, targetPort: svcPort.targetPort, src, mtls: false, method, path, headers, body: req.body ?? '', signal });
    return this.runApp(target, { method, path, headers, body: req.body ?? '', signal });
  }

  inbound(snap: MeshSnapshot, call: InboundCall): Promise<MeshResponse> {
    const viaWaypoint = ingressThroughWaypoint(this, snap, call);
    if (viaWaypoint) return viaWaypoint;
    // A gateway pod has no server sidecar: its proxy routes the request by its own listeners.
    const gateway = snap.gatewayOfPod.get(call.endpoint.uid);
    if (gateway) {
      const headers = { ...call.headers };
      if (call.src) headers['x-forwarded-for'] ??= call.src.ip;
      return this.atGateway(snap, gateway, call.endpoint, [call.servicePort, call.targetPort], call.servicePort, { method: call.method, path: call.path, headers, body: call.body, signal: call.signal });
    }
    if (isAmbient(snap.ambient, call.endpoint)) return this.costs.measure('ztunnel', this, (env) => ztunnelInbound(env, snap, call));
    if (!call.endpoint.hasSidecar) {
      // No server proxy: the app itself answers, and a TLS handshake (a DestinationRule's ISTIO_MUTUAL) is garbage to it.
      if (call.mtls) throw new ConnectionError('ECONNRESET', 'Connection reset by peer');
      return this.runApp(call.endpoint, { method: call.method, path: call.path, headers: call.headers, body: call.body, signal: call.signal });
    }
    return this.costs.measure('sidecar', this, (env) => serveInbound(env, snap.inbound.get(call.endpoint.uid), call));
  }

  runApp(pod: Workload, req: { method: string; path: string; headers: Record<string, string>; body: string; signal: AbortSignal }): Promise<MeshResponse> {
    let handler = this.apps.get(pod.uid);
    if (!handler) {
      handler = this.appFor(pod);
      if (this.apps.size > 5000) this.apps.clear();
      this.apps.set(pod.uid, handler);
    }
    const plane = this;
    return handler(req, {
      pod,
      clock: this.clock,
      realisticLatency: this.realisticLatency,
      async call(url, init = {}) {
        const link = linkedController(req.signal, init.signal);
        const timer = init.timeoutMs ? plane.clock.setTimeout(() => link.controller.abort(new CutReason('app-timeout')), init.timeoutMs) : undefined;
        try {
          return await plane.fromPod(pod, pod.namespace, { method: init.method, url, headers: init.headers, body: init.body, signal: link.controller.signal });
        } catch (err) {
          if (cutKind(link.controller.signal) === 'app-timeout') throw new CutReason('app-timeout');
          throw err;
        } finally {
          if (timer) clearTimeout(timer);
          link.dispose();
        }
      },
    });
  }

  /** The circuit-breaker stats of one pod's sidecar, for clusters that have a connection pool. */
  proxyStats(pod: Workload): string {
    const lines: string[] = [];
    for (const [key, pool] of this.pools) {
      const [uid, cluster] = key.split(/\|(.*)/s);
      if (uid === pod.uid) lines.push(...pool.statLines(cluster));
    }
    return lines.sort().join('\n') + (lines.length ? '\n' : '');
  }

  /** One client proxy's pool for one cluster; its limits follow the latest configuration. */
  pool(key: string, limits: PoolLimits): ConnectionPool {
    let pool = this.pools.get(key);
    if (!pool) {
      if (this.pools.size > MAX_PROXY_STATE) this.pools.clear();
      // A TCP+mTLS handshake inside the node: about a millisecond.
      pool = new ConnectionPool(limits, this.clock, () => 0.5 + Math.random());
      this.pools.set(key, pool);
    } else pool.limits = limits;
    return pool;
  }

  outlierDetector(key: string): OutlierDetector {
    let d = this.outliers.get(key);
    if (!d) {
      if (this.outliers.size > MAX_PROXY_STATE) this.outliers.clear();
      this.outliers.set(key, (d = new OutlierDetector(this.clock)));
    }
    return d;
  }
}

function lowerCaseHeaders(h: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) if (v !== undefined) out[k.toLowerCase()] = String(v);
  return out;
}
