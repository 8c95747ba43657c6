import type { Clock } from '../../clock.ts';
import type { ObjectStore } from '../apiserver/store.ts';
import type { SpanSink } from '../tracing/types.ts';
import { ConnectionPool, OutlierDetector, outlierPolicy, poolLimits } from './connection-pool.ts';
import { MeshCounters, endOf } from './counters.ts';
import { optionalDurationMs } from './duration.ts';
import { CutReason, ENVOY, cutKind, linkedController, localReply } from './envoy.ts';
import { hostPatternMatches, qualifyHost, stripPort } from './hosts.ts';
import { LoadBalancers } from './load-balancer.ts';
import { type HttpMatchRequest, type MatchInput, firstMatch } from './match.ts';
import { authorize, clientUsesMtls, peerAuthMode, spiffePrincipal } from './security.ts';
import { type HeaderOps, type HttpRoute, type MeshSnapshot, type ServiceInfo, type VirtualServiceInfo, buildSnapshot, selects } from './snapshot.ts';
import { type ProxyIdentity, ProxySpan, newRequestId, newTraceId, proxyIdentity } from './spans.ts';
import type { AppHandler, AppRegistry, MeshResponse, Workload } from '../app-runtime/types.ts';
import { ConnectionError, type MeshRequest } from './types.ts';

export interface DataPlaneOptions {
  store: ObjectStore;
  clock: Clock;
  spans: SpanSink;
  /** The container behind each pod. */
  apps: AppRegistry;
  /** Apps spend simulated time working (a few ms per call). Off for benchmarks. */
  realisticLatency?: boolean;
}

/** Istio ≥ 1.24 default: retry twice on connection-level failures, not on 503. */
const DEFAULT_RETRY: { attempts?: number; perTryTimeout?: string; retryOn?: string } = { attempts: 2, retryOn: 'connect-failure,refused-stream,unavailable,cancelled' };

/** The kinds a routing snapshot is built from (Events, ReplicaSets and the like do not matter). */
const ROUTING_KINDS = new Set(['Namespace', 'Pod', 'Service', 'VirtualService', 'DestinationRule', 'Gateway', 'ServiceEntry', 'PeerAuthentication', 'AuthorizationPolicy']);

/** Per-proxy state maps are cleared past this size (pods come and go; their state may go too). */
const MAX_PROXY_STATE = 10_000;

/** A synthetic gateway pod for clusters whose control plane has not created one. */
const FALLBACK_GATEWAY: Workload = {
  pod: 'istio-ingressgateway-0',
  namespace: 'istio-system',
  uid: 'istio-ingressgateway-0',
  ip: '10.244.0.250',
  labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
  app: 'istio-ingressgateway',
  version: 'latest',
  workload: 'istio-ingressgateway',
  serviceAccount: 'istio-ingressgateway-service-account',
  hasSidecar: true,
  ready: true,
};

interface Upstream {
  proxy: ProxyIdentity;
  /** The calling workload (the gateway for ingress traffic). */
  src: Workload;
  vs?: VirtualServiceInfo;
  route: HttpRoute;
  matched: HttpMatchRequest | null;
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
  signal?: AbortSignal;
  requestPort: number;
}

/**
 * The simulated data plane: the ingress gateway and every sidecar, acting on the latest
 * routing snapshot. Proxy state that outlives a config change (balancer positions, connection
 * pools, outlier ejections) is kept per client proxy and cluster, as each Envoy keeps its own.
 */
export class DataPlane {
  readonly counters = new MeshCounters();
  readonly clock: Clock;
  readonly realisticLatency: boolean;
  private readonly store: ObjectStore;
  private readonly spans: SpanSink;
  private snap?: MeshSnapshot;
  private readonly unsubscribe: () => void;
  private readonly lb = new LoadBalancers();
  private readonly pools = new Map<string, ConnectionPool>();
  private readonly outliers = new Map<string, OutlierDetector>();
  private readonly appFor: AppRegistry;
  private readonly apps = new Map<string, AppHandler>();
  private readonly shutdown = new AbortController();

  constructor(opts: DataPlaneOptions) {
    this.store = opts.store;
    this.clock = opts.clock;
    this.spans = opts.spans;
    this.realisticLatency = opts.realisticLatency ?? true;
    this.appFor = opts.apps;
    // Any accepted change to what routing reads invalidates the snapshot; the next request rebuilds it.
    this.unsubscribe = this.store.onEvent((e) => {
      if (ROUTING_KINDS.has(e.resource.kind)) this.snap = undefined;
    });
  }

  snapshot(): MeshSnapshot {
    return (this.snap ??= buildSnapshot(this.store));
  }

  stop(): void {
    this.unsubscribe();
    this.shutdown.abort(new CutReason('shutdown'));
  }

  /** Finds a calling pod by pod name, workload (deployment) name or app label. */
  findWorkload(name: string | undefined, namespace: string | undefined): Workload | undefined {
    if (!name) return undefined;
    const ns = namespace ?? 'default';
    const pods = this.snapshot().pods.filter((p) => p.namespace === ns);
    return pods.find((p) => p.pod === name) ?? pods.find((p) => p.ready && p.workload === name) ?? pods.find((p) => p.ready && p.app === name);
  }

  // ---- ingress gateway -------------------------------------------------------------------

  /** A request arriving at the ingress gateway's port 80. `req.url` is the path and query. */
  async ingress(req: MeshRequest): Promise<MeshResponse> {
    const snap = this.snapshot();
    const gw = snap.ingressPod ?? FALLBACK_GATEWAY;
    const headers = lowerCaseHeaders(req.headers);
    const authority = headers.host ?? 'localhost';
    const host = stripPort(authority);
    // Concatenated, not resolved, so `//x/y` stays a path as Envoy sees it.
    const url = new URL(`http://gateway.invalid${req.url.startsWith('/') ? '' : '/'}${req.url}`);
    const bound = snap.gateways.filter(
      (g) => selects(g.selector, gw) && g.servers.some((s) => (s.hosts ?? []).some((h) => hostPatternMatches(String(h).split('/').pop()!.toLowerCase(), host))),
    );
    headers['x-request-id'] ??= newRequestId();
    headers['x-forwarded-for'] ??= '10.244.0.1';
    headers['x-forwarded-proto'] ??= 'http';
    headers['x-envoy-external-address'] ??= '10.244.0.1';
    const method = (req.method ?? 'GET').toUpperCase();
    for (const g of bound) {
      const input = matchInput(url, method, authority, 80, headers, gw, g.key);
      for (const vs of snap.virtualServices) {
        if (!vs.gateways.includes(g.key) || !vs.hosts.some((h) => hostPatternMatches(h, host))) continue;
        for (const route of vs.http) {
          const matched = firstMatch(route.match, input);
          if (matched === undefined) continue;
          return this.forward({ proxy: proxyIdentity('router', gw), src: gw, vs, route, matched, method, url, headers, body: req.body ?? '', signal: req.signal, requestPort: 80 });
        }
      }
    }
    // No Gateway or no route for this host/path: Envoy's 404 with an empty body (NR).
    this.counters.record(endOf(gw), { ...endOf(undefined), service: 'unknown' }, 404, ['NR'], 0, this.clock.now());
    return localReply(404, '');
  }

  // ---- pod outbound --------------------------------------------------------------------

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
    const svc = snap.services.get(fqdn);
    const method = (req.method ?? 'GET').toUpperCase();
    const headers = lowerCaseHeaders(req.headers);
    headers.host ??= url.host;
    if (!svc && !snap.serviceEntryHosts.has(hostName)) throw new ConnectionError('ENOTFOUND', `Could not resolve host: ${hostName}`);

    if (!src?.hasSidecar) return this.direct(src, svc, url, method, headers, req, port);

    const proxy = proxyIdentity('sidecar', src);
    headers['x-request-id'] ??= newRequestId();
    const input = matchInput(url, method, url.host, port, headers, src, 'mesh');
    const vs = snap.virtualServices.find((v) => v.gateways.includes('mesh') && v.hosts.some((h) => hostPatternMatches(h, svc?.fqdn ?? hostName)));
    if (vs) {
      for (const route of vs.http) {
        const matched = firstMatch(route.match, input);
        if (matched === undefined) continue;
        return this.forward({ proxy, src, vs, route, matched, method, url, headers, body: req.body ?? '', signal: req.signal, requestPort: port });
      }
      return localReply(404, '');
    }
    if (svc && !svc.ports.some((p) => p.port === port)) throw new ConnectionError('ECONNREFUSED', `Failed to connect to ${hostName} port ${port}: Connection refused`);
    const route: HttpRoute = { route: [{ destination: { host: svc?.fqdn ?? hostName, port: { number: port } } }] };
    return this.forward({ proxy, src, route, matched: null, method, url, headers, body: req.body ?? '', signal: req.signal, requestPort: port });
  }

  /** A pod without a sidecar: kube-proxy picks any Ready pod; no routing rules, no mTLS. */
  private async direct(src: Workload | undefined, svc: ServiceInfo | undefined, url: URL, method: string, headers: Record<string, string>, req: MeshRequest, port: number): Promise<MeshResponse> {
    const svcPort = svc?.ports.find((p) => p.port === port);
    if (!svc || !svcPort) throw new ConnectionError('ECONNREFUSED', `Failed to connect to ${url.hostname} port ${port}: Connection refused`);
    const target = svc.readyPods[Math.floor(Math.random() * svc.readyPods.length)];
    if (!target) throw new ConnectionError('ECONNREFUSED', `Failed to connect to ${url.hostname} port ${port}: Connection refused`);
    const started = this.clock.now();
    const signal = req.signal ?? this.shutdown.signal;
    let resp: MeshResponse;
    if (target.hasSidecar) {
      resp = await this.inbound({ endpoint: target, svc, servicePort: port, targetPort: svcPort.targetPort, src, mtls: false, method, path: url.pathname + url.search, headers, body: req.body ?? '', signal });
    } else {
      resp = await this.runApp(target, { method, path: url.pathname + url.search, headers, body: req.body ?? '', signal });
    }
    this.counters.record(endOf(src), { ...endOf(target), service: svc.fqdn }, resp.status, [], this.clock.now() - started, this.clock.now());
    return resp;
  }

  // ---- the client proxy's router ---------------------------------------------------------

  private async forward(u: Upstream): Promise<MeshResponse> {
    const snap = this.snapshot();
    const started = this.clock.now();
    const { headers, route } = u;
    const { traceId, parentSpanId } = incomingTrace(headers);
    const dest = pickWeighted(route.route ?? []);
    const destFqdn = dest ? qualifyHost(dest.destination.host, u.vs?.namespace ?? u.src.namespace, snap.namespaces) : '';
    const svc = snap.services.get(destFqdn);
    const port = dest?.destination.port?.number ?? (svc?.ports.length === 1 ? svc.ports[0].port : u.requestPort);
    const subset = dest?.destination.subset;
    const cluster = `outbound|${port}|${subset ?? ''}|${destFqdn}`;
    const span = new ProxySpan(this.spans, this.clock, traceId, parentSpanId, operationName(route, u.matched, destFqdn, port, u.vs), u.proxy, 'client', {
      url: u.proxy.kind === 'router' ? `http://${headers.host ?? 'localhost'}${u.url.pathname}${u.url.search}` : u.url.href,
      method: u.method,
      requestId: headers['x-request-id'],
      userAgent: headers['user-agent'],
      peerAddress: u.proxy.kind === 'router' ? '10.244.0.1' : u.src.ip,
      upstreamCluster: cluster,
      requestSize: Buffer.byteLength(u.body),
    });
    const flags = new UniqueList();
    let endpoint: Workload | undefined;
    let stickyCookie: string | undefined;
    const finish = (resp: MeshResponse): MeshResponse => {
      const status = resp.status;
      span.finish(status, flags, Buffer.byteLength(resp.body));
      this.counters.record(endOf(u.src), { ...endOf(endpoint), service: destFqdn || 'unknown' }, status, flags, this.clock.now() - started, this.clock.now());
      return resp;
    };

    try {
      if (route.directResponse) return finish(localReply(route.directResponse.status, route.directResponse.body?.string ?? ''));
      if (route.redirect) {
        const target = `http://${route.redirect.authority ?? headers.host}${route.redirect.uri ?? u.url.pathname}`;
        return finish(localReply(route.redirect.redirectCode ?? 301, '', { location: target }));
      }
      // Faults are applied by the client-side proxy before the request leaves.
      const delay = route.fault?.delay;
      if (delay && hit(delay.percentage?.value ?? delay.percent)) {
        const ms = optionalDurationMs(delay.fixedDelay) ?? 0;
        flags.push('DI');
        const cut = linkedController(u.signal, this.shutdown.signal);
        try {
          await this.clock.sleep(ms, cut.controller.signal);
        } finally {
          cut.dispose();
        }
      }
      const abort = route.fault?.abort;
      if (abort && hit(abort.percentage?.value ?? abort.percent)) {
        flags.push('FI');
        return finish(localReply(abort.httpStatus ?? 503, ENVOY.faultAbort));
      }
      const dr = snap.destinationRules.get(destFqdn);
      const subsetDef = subset ? dr?.subsets.find((s) => s.name === subset) : undefined;
      if (dest && !svc && snap.serviceEntryHosts.has(destFqdn)) {
        // A ServiceEntry host outside the cluster: the simulated cluster has no internet.
        flags.push('UF');
        return finish(localReply(503, ENVOY.connectionFailure));
      }
      if (!dest || !svc || (subset && !subsetDef)) {
        flags.push('NC');
        return finish(localReply(503, ''));
      }
      const svcPort = svc.ports.find((p) => p.port === port);
      if (!svcPort) {
        flags.push('NC');
        return finish(localReply(503, ''));
      }
      const policy = { ...(dr?.trafficPolicy ?? {}), ...(subsetDef?.trafficPolicy ?? {}) };
      // What the route changes on the way up: rewrite, header operations, and a mirror copy.
      const upstreamPath = rewritePath(route, u.matched, u.url);
      const routeHeaders = applyHeaderOps(applyHeaderOps({ ...headers }, route.headers?.request), dest.headers?.request);
      if (route.rewrite?.authority) routeHeaders.host = route.rewrite.authority;
      if (route.mirror && hit(route.mirrorPercentage?.value ?? 100)) this.mirror(u, route.mirror, routeHeaders, upstreamPath);
      const candidates = subsetDef ? svc.endpoints.filter((e) => selects(subsetDef.labels ?? {}, e)) : svc.endpoints;
      const proxyKey = `${u.proxy.workload.uid}|${cluster}`;
      const outliers = this.outlierDetector(proxyKey);
      const outlier = outlierPolicy(policy.outlierDetection);
      const limits = poolLimits(policy.connectionPool);
      const pool = limits ? this.pool(proxyKey, limits) : undefined;

      const headerTimeout = Number(headers['x-envoy-upstream-rq-timeout-ms']);
      const routeTimeoutMs = headerTimeout > 0 ? headerTimeout : optionalDurationMs(route.timeout) ?? 0;
      const retries = route.retries ?? DEFAULT_RETRY;
      const attempts = Math.max(0, retries.attempts ?? 0);
      const retryOn = new Set(String(retries.retryOn ?? DEFAULT_RETRY.retryOn).split(',').map((s) => s.trim()).filter(Boolean));
      const perTryMs = optionalDurationMs(retries.perTryTimeout) ?? 0;

      const overall = linkedController(u.signal, this.shutdown.signal);
      const routeTimer = routeTimeoutMs > 0 ? this.clock.setTimeout(() => overall.controller.abort(new CutReason('route-timeout')), routeTimeoutMs) : undefined;
      try {
        let resp: MeshResponse | undefined;
        let upstreamStarted = this.clock.now();
        for (let attempt = 0; ; attempt++) {
          const healthy = outliers.healthy(candidates);
          const pick = this.lb.pick(proxyKey, healthy, policy.loadBalancer, { headers, query: u.url.searchParams, sourceIp: u.src.ip });
          if (!pick) {
            flags.push('UH');
            return finish(localReply(503, ENVOY.noHealthyUpstream));
          }
          endpoint = pick.endpoint;
          stickyCookie = pick.setCookie;
          span.upstreamAddress = `${endpoint.ip}:${svcPort.targetPort}`;
          const perTry = linkedController(overall.controller.signal);
          const perTryTimer = perTryMs > 0 ? this.clock.setTimeout(() => perTry.controller.abort(new CutReason('per-try-timeout')), perTryMs) : undefined;
          let retriable = false;
          let release: (() => void) | 'overflow' | undefined;
          let done: (() => void) | undefined;
          try {
            release = pool ? await pool.acquire(perTry.controller.signal) : undefined;
            if (release === 'overflow') {
              flags.push('UO');
              return finish(localReply(503, ENVOY.overflow, { 'x-envoy-overloaded': 'true' }));
            }
            done = this.lb.begin(proxyKey, endpoint);
            upstreamStarted = this.clock.now();
            const serverMode = peerAuthMode(snap, endpoint);
            const mtls = clientUsesMtls(dr?.trafficPolicy, subsetDef?.trafficPolicy, serverMode);
            const upstreamHeaders: Record<string, string> = { ...routeHeaders, 'x-envoy-attempt-count': String(attempt + 1), 'x-b3-traceid': traceId, 'x-b3-spanid': span.spanID, 'x-b3-sampled': '1', 'x-envoy-decorator-operation': span.operationName };
            if (parentSpanId) upstreamHeaders['x-b3-parentspanid'] = parentSpanId;
            else delete upstreamHeaders['x-b3-parentspanid'];
            if (u.proxy.kind === 'router') upstreamHeaders['x-envoy-internal'] = 'true';
            resp = await this.inbound({ endpoint, svc, servicePort: port, targetPort: svcPort.targetPort, src: u.src, mtls, method: u.method, path: upstreamPath, headers: upstreamHeaders, body: u.body, signal: perTry.controller.signal });
            retriable = retryOn.has('5xx') ? resp.status >= 500 : (retryOn.has('gateway-error') && resp.status >= 502 && resp.status <= 504) || (retryOn.has('retriable-4xx') && resp.status === 409) || retryOn.has(String(resp.status));
          } catch (err) {
            // A per-try timeout (while queued for a connection or waiting for headers) is a 504 attempt.
            if (cutKind(perTry.controller.signal) === 'per-try-timeout' && !overall.controller.signal.aborted) {
              flags.push('UT');
              resp = localReply(504, ENVOY.timeout);
              retriable = retryOn.has('5xx') || retryOn.has('gateway-error') || retryOn.has('reset');
            } else if (err instanceof ConnectionError) {
              flags.push('UC');
              resp = localReply(503, attempt > 0 ? ENVOY.connectionTermination.replace('reset reason:', 'retried and the latest reset reason:') : ENVOY.connectionTermination);
              retriable = retryOn.has('5xx') || retryOn.has('gateway-error') || retryOn.has('reset');
            } else throw err;
          } finally {
            done?.();
            if (typeof release === 'function') release();
            if (perTryTimer) clearTimeout(perTryTimer);
            perTry.dispose();
          }
          outliers.record(endpoint, resp.status, outlier, candidates.length);
          if (!retriable || attempt >= attempts) {
            if (retriable && attempts > 0) flags.push('URX');
            break;
          }
          span.retryCount = attempt + 1;
          // Envoy's default backoff: 25 ms base, exponential, fully jittered.
          await this.clock.sleep(Math.random() * 25 * 2 ** attempt, overall.controller.signal);
        }
        const out: MeshResponse = {
          status: resp.status,
          headers: { ...resp.headers, server: 'istio-envoy', 'x-envoy-upstream-service-time': String(Math.round(this.clock.now() - upstreamStarted)) },
          body: resp.body,
        };
        applyHeaderOps(out.headers, route.headers?.response);
        applyHeaderOps(out.headers, dest.headers?.response);
        // Several Set-Cookie values travel joined by newlines; the gateway splits them again.
        if (stickyCookie) out.headers['set-cookie'] = out.headers['set-cookie'] ? `${out.headers['set-cookie']}\n${stickyCookie}` : stickyCookie;
        return finish(out);
      } catch (err) {
        const kind = cutKind(overall.controller.signal);
        if (kind === 'route-timeout') {
          flags.push('UT');
          return finish(localReply(504, ENVOY.timeout));
        }
        throw err;
      } finally {
        if (routeTimer) clearTimeout(routeTimer);
        overall.dispose();
      }
    } catch (err) {
      // The caller hung up (or the mesh is stopping): Envoy logs status 0 with DC.
      flags.push('DC');
      span.finish(0, flags, 0);
      this.counters.record(endOf(u.src), { ...endOf(endpoint), service: destFqdn || 'unknown' }, 0, flags, this.clock.now() - started, this.clock.now());
      throw err;
    }
  }

  /** Envoy's request mirroring: a fire-and-forget copy, Host suffixed `-shadow`, its answer dropped. */
  private mirror(u: Upstream, target: { host: string; subset?: string; port?: { number?: number } }, headers: Record<string, string>, path: string): void {
    const url = new URL(`${u.url.origin}${path}`);
    const shadow: Record<string, string> = { ...headers, host: `${stripPort(headers.host ?? url.host)}-shadow` };
    void this.forward({ ...u, url, headers: shadow, route: { route: [{ destination: target }] }, matched: null, signal: undefined }).catch(() => {});
  }

  // ---- the server sidecar ----------------------------------------------------------------

  private async inbound(p: {
    endpoint: Workload;
    svc: ServiceInfo;
    servicePort: number;
    targetPort: number;
    src: Workload | undefined;
    mtls: boolean;
    method: string;
    path: string;
    headers: Record<string, string>;
    body: string;
    signal: AbortSignal;
  }): Promise<MeshResponse> {
    const snap = this.snapshot();
    const mode = peerAuthMode(snap, p.endpoint);
    // STRICT refuses plain text; DISABLE cannot read a TLS handshake. Either way the connection is reset.
    if ((!p.mtls && mode === 'STRICT') || (p.mtls && mode === 'DISABLE')) throw new ConnectionError('ECONNRESET', 'Connection reset by peer');
    const headers = { ...p.headers };
    headers['x-request-id'] ??= newRequestId();
    const { traceId, parentSpanId: parent } = incomingTrace(headers);
    const proxy = proxyIdentity('sidecar', p.endpoint);
    const span = new ProxySpan(this.spans, this.clock, traceId, parent, `${p.svc.fqdn}:${p.servicePort}/*`, proxy, 'server', {
      url: `http://${headers.host ?? p.svc.fqdn}${p.path}`,
      method: p.method,
      requestId: headers['x-request-id'],
      userAgent: headers['user-agent'],
      peerAddress: p.src?.ip ?? '10.244.0.1',
      upstreamCluster: `inbound|${p.targetPort}||`,
      upstreamAddress: `${p.endpoint.ip}:${p.targetPort}`,
      requestSize: Buffer.byteLength(p.body),
    });
    headers['x-b3-traceid'] = traceId;
    headers['x-b3-spanid'] = span.spanID;
    if (parent) headers['x-b3-parentspanid'] = parent;
    headers['x-b3-sampled'] = '1';
    if (p.mtls && p.src) {
      headers['x-forwarded-client-cert'] = `By=spiffe://${spiffePrincipal(p.endpoint)};Hash=${traceId.slice(0, 16)};Subject="";URI=spiffe://${spiffePrincipal(p.src)}`;
    } else delete headers['x-forwarded-client-cert'];
    const allowed = authorize(snap, p.endpoint, {
      method: p.method,
      path: p.path.split('?')[0],
      host: headers.host ?? p.svc.fqdn,
      port: p.targetPort,
      headers,
      source: p.mtls ? p.src : undefined,
      sourceIp: p.src?.ip ?? '',
    });
    if (!allowed) {
      const denied = localReply(403, ENVOY.rbacDenied);
      span.finish(403, [], denied.body.length);
      return denied;
    }
    try {
      const resp = await this.runApp(p.endpoint, { method: p.method, path: p.path, headers, body: p.body, signal: p.signal });
      span.finish(resp.status, [], Buffer.byteLength(resp.body));
      return resp;
    } catch (err) {
      span.finish(0, ['DC'], 0);
      throw err;
    }
  }

  private runApp(pod: Workload, req: { method: string; path: string; headers: Record<string, string>; body: string; signal: AbortSignal }): Promise<MeshResponse> {
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

  private pool(key: string, limits: NonNullable<ReturnType<typeof poolLimits>>): ConnectionPool {
    let pool = this.pools.get(key);
    if (!pool) {
      if (this.pools.size > MAX_PROXY_STATE) this.pools.clear();
      // A TCP+mTLS handshake inside the node: about a millisecond.
      pool = new ConnectionPool(limits, this.clock, () => 0.5 + Math.random());
      this.pools.set(key, pool);
    } else pool.limits = limits;
    return pool;
  }

  private outlierDetector(key: string): OutlierDetector {
    let d = this.outliers.get(key);
    if (!d) {
      if (this.outliers.size > MAX_PROXY_STATE) this.outliers.clear();
      this.outliers.set(key, (d = new OutlierDetector(this.clock)));
    }
    return d;
  }
}

/** The B3 context a request carries; malformed ids (anything a client may send) start a new trace. */
function incomingTrace(headers: Record<string, string>): { traceId: string; parentSpanId?: string } {
  const traceId = headers['x-b3-traceid']?.toLowerCase();
  const spanId = headers['x-b3-spanid']?.toLowerCase();
  if (!traceId || !/^(?:[0-9a-f]{16}|[0-9a-f]{32})$/.test(traceId) || /^0+$/.test(traceId)) {
    delete headers['x-b3-traceid'];
    delete headers['x-b3-spanid'];
    delete headers['x-b3-parentspanid'];
    return { traceId: newTraceId() };
  }
  return { traceId, parentSpanId: spanId && /^[0-9a-f]{16}$/.test(spanId) ? spanId : undefined };
}

/** HTTPRewrite.uri replaces the matched prefix (or the whole path for other matches). */
function rewritePath(route: HttpRoute, matched: HttpMatchRequest | null, url: URL): string {
  const to = route.rewrite?.uri;
  if (to === undefined) return url.pathname + url.search;
  const prefix = matched?.uri?.prefix;
  const path = prefix !== undefined && url.pathname.startsWith(prefix) ? to + url.pathname.slice(prefix.length) : to;
  return (path.replace(/^\/\//, '/') || '/') + url.search;
}

function applyHeaderOps(headers: Record<string, string>, ops: HeaderOps | undefined): Record<string, string> {
  if (!ops) return headers;
  for (const [k, v] of Object.entries(ops.set ?? {})) headers[k.toLowerCase()] = String(v);
  for (const [k, v] of Object.entries(ops.add ?? {})) {
    const name = k.toLowerCase();
    headers[name] = headers[name] !== undefined ? `${headers[name]},${v}` : String(v);
  }
  for (const k of ops.remove ?? []) delete headers[k.toLowerCase()];
  return headers;
}

/** Response flags, each listed once however many attempts raised it. */
class UniqueList extends Array<string> {
  override push(...items: string[]): number {
    for (const i of items) if (!this.includes(i)) super.push(i);
    return this.length;
  }
}

function lowerCaseHeaders(h: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) if (v !== undefined) out[k.toLowerCase()] = String(v);
  return out;
}

function matchInput(url: URL, method: string, authority: string, port: number, headers: Record<string, string>, src: Workload, gateway: string): MatchInput {
  return { path: url.pathname, query: url.searchParams, method, authority, scheme: 'http', port, headers, sourceLabels: src.labels, sourceNamespace: src.namespace, gateway };
}

/** Percentages are fractions of a million in Envoy; a missing percentage injects nothing. */
function hit(percent: number | undefined): boolean {
  if (typeof percent !== 'number' || !(percent > 0)) return false;
  return Math.random() * 100 < percent;
}

/** A destination by weight / sum(weights); a lone destination always wins; weight 0 never does. */
function pickWeighted<T extends { weight?: number }>(routes: T[]): T | undefined {
  if (routes.length <= 1) return routes[0];
  const total = routes.reduce((s, r) => s + (r.weight ?? 0), 0);
  if (total <= 0) return routes[0];
  let x = Math.random() * total;
  for (const r of routes) {
    x -= r.weight ?? 0;
    if (x < 0) return r;
  }
  return routes[routes.length - 1];
}

/** Envoy's route decorator (Istio's GetRouteOperation). */
function operationName(route: HttpRoute, matched: HttpMatchRequest | null, fqdn: string, port: number, vs?: VirtualServiceInfo): string {
  const uri = matched?.uri;
  const path = uri?.exact !== undefined ? uri.exact : uri?.prefix !== undefined ? `${uri.prefix}*` : '/*';
  if ((route.route?.length ?? 0) > 1 && vs) return `${vs.name}:${port}/*`;
  return `${fqdn}:${port}${path}`;
}
