import type { Clock } from '../../clock.ts';
import type { MeshResponse, Workload } from '../app-runtime/types.ts';
import type { SpanSink } from '../tracing/types.ts';
import type { ConnectionPool, OutlierDetector, PoolLimits } from './connection-pool.ts';
import { CutReason, ENVOY, cutKind, linkedController, localReply } from './envoy.ts';
import { stripPort } from './hosts.ts';
import type { InboundCall } from './inbound.ts';
import type { LoadBalancers } from './load-balancer.ts';
import type { HttpMatchRequest } from './match.ts';
import { type RedirectAction, type RetryOn, type Route, plainRoute } from './plan.ts';
import { type RouteInput, applyHeaderOps, hit, operationName, pickDestination, replacePrefix, rewritePath, routeFromSidecar } from './router.ts';
import { clientUsesMtls } from './security.ts';
import type { MeshSnapshot } from './snapshot.ts';
import { type ProxyIdentity, ProxySpan, incomingTrace } from './spans.ts';
import { ConnectionError } from './types.ts';
import { utf8ByteLength } from '../portable/bytes.ts';

/** The proxy state a client proxy uses while it runs a route (kept per proxy and cluster by the data plane). */
export interface UpstreamEnv {
  clock: Clock;
  spans: SpanSink;
  /** Aborts every request when the mesh stops. */
  shutdown: AbortSignal;
  lb: LoadBalancers;
  pool(key: string, limits: PoolLimits): ConnectionPool;
  outlierDetector(key: string): OutlierDetector;
  inbound(snap: MeshSnapshot, call: InboundCall): Promise<MeshResponse>;
}

/** A request leaving a client proxy (a sidecar, or the ingress gateway) on the route it matched. */
export interface Upstream {
  snap: MeshSnapshot;
  proxy: ProxyIdentity;
  /** The calling workload (the gateway for ingress traffic). */
  src: Workload;
  route: Route;
  matched: HttpMatchRequest | null;
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
  signal?: AbortSignal;
  requestPort: number;
}

/**
 * A client proxy in the mesh (a sidecar, a waypoint) sends to `host`: the mesh route table's
 * virtual host for it decides (no matching route: Envoy's 404 NR), else a plain route to the
 * host on the request's port. `checkPassthrough` may refuse that plain route first.
 */
export function forwardByMeshRoutes(env: UpstreamEnv, base: Omit<Upstream, 'route' | 'matched'>, host: string, input: RouteInput, checkPassthrough?: () => void): Promise<MeshResponse> {
  const choice = routeFromSidecar(base.snap.routes, host, input);
  if (choice === null) return Promise.resolve(localReply(404, '', { server: serverName(base.proxy) }));
  if (choice) return forward(env, { ...base, ...choice });
  checkPassthrough?.();
  const route = base.snap.routes.passthrough.get(`${host}:${base.requestPort}`) || plainRoute({ host, port: base.requestPort });
  return forward(env, { ...base, route, matched: null });
}

const retriesStatus = (on: RetryOn, status: number) =>
  on.fiveXx ? status >= 500 : (on.gatewayError && status >= 502 && status <= 504) || (on.retriable4xx && status === 409) || on.statuses.has(String(status));
const retriesReset = (on: RetryOn) => on.fiveXx || on.gatewayError || on.reset;

/**
 * Runs a compiled route: local replies, faults, then attempts against the cluster's endpoints
 * with the route's timeout and retries, the cluster's balancer, pool and outlier detection.
 */
export async function forward(env: UpstreamEnv, u: Upstream): Promise<MeshResponse> {
  const { snap, headers, route } = u;
  const { clock } = env;
  const { traceId, parentSpanId } = incomingTrace(headers);
  const action = route.action;
  const dest = action.kind === 'forward' ? pickDestination(action) : undefined;
  const destFqdn = dest?.host ?? '';
  const svc = snap.services.get(destFqdn);
  const port = dest?.port ?? (svc?.ports.length === 1 ? svc.ports[0].port : u.requestPort);
  const subset = dest?.subset;
  const clusterName = `outbound|${port}|${subset ?? ''}|${destFqdn}`;
  const span = new ProxySpan(env.spans, clock, traceId, parentSpanId, operationName(route, u.matched, destFqdn, port), u.proxy, 'client', {
    url: u.proxy.kind === 'router' ? `http://${headers.host ?? 'localhost'}${u.url.pathname}${u.url.search}` : u.url.href,
    method: u.method,
    requestId: headers['x-request-id'],
    userAgent: headers['user-agent'],
    peerAddress: u.proxy.kind === 'router' ? '10.244.0.1' : u.src.ip,
    upstreamCluster: clusterName,
    requestSize: utf8ByteLength(u.body),
  });
  const flags = new UniqueList();
  const finish = (resp: MeshResponse): MeshResponse => {
    span.finish(resp.status, flags, utf8ByteLength(resp.body));
    return { ...resp, headers: { ...resp.headers, server: serverName(u.proxy) } };
  };

  try {
    if (action.kind === 'direct') return finish(localReply(action.status, action.body));
    if (action.kind === 'redirect') return finish(localReply(action.status, '', { location: redirectLocation(action, u.matched, u.url, headers.host ?? u.url.host) }));
    if (dest?.unresolved) {
      // A backend the route names but cannot reach: Istio answers its share with a 500.
      return finish(localReply(500, ''));
    }
    // Faults are applied by the client-side proxy before the request leaves.
    const delay = action.fault?.delay;
    if (delay && hit(delay.percent)) {
      flags.push('DI');
      const cut = linkedController(u.signal, env.shutdown);
      try {
        await clock.sleep(delay.ms, cut.controller.signal);
      } finally {
        cut.dispose();
      }
    }
    const abort = action.fault?.abort;
    if (abort && hit(abort.percent)) {
      flags.push('FI');
      return finish(localReply(abort.status, ENVOY.faultAbort));
    }
    const clusters = snap.clusters.services.get(destFqdn);
    const cluster = subset ? clusters?.subsets.get(subset) : clusters?.all;
    if (dest && !svc && snap.clusters.externalHosts.has(destFqdn)) {
      // A ServiceEntry host outside the cluster: the simulated cluster has no internet.
      flags.push('UF');
      return finish(localReply(503, ENVOY.connectionFailure));
    }
    const svcPort = svc?.ports.find((p) => p.port === port);
    if (!dest || !svc || !cluster || !svcPort) {
      flags.push('NC');
      return finish(localReply(503, ''));
    }
    // What the route changes on the way up: rewrite, header operations, and a mirror copy.
    const upstreamPath = rewritePath(action, u.matched, u.url);
    const routeHeaders = applyHeaderOps(applyHeaderOps({ ...headers }, action.requestHeaders), dest.requestHeaders);
    if (action.rewrite?.authority) routeHeaders.host = action.rewrite.authority;
    if (action.mirror && hit(action.mirror.percent)) mirror(env, u, action.mirror.route, routeHeaders, upstreamPath);
    const proxyKey = `${u.proxy.workload.uid}|${clusterName}`;
    const outliers = env.outlierDetector(proxyKey);
    const pool = cluster.connectionPool ? env.pool(proxyKey, cluster.connectionPool) : undefined;

    const headerTimeout = Number(headers['x-envoy-upstream-rq-timeout-ms']);
    const routeTimeoutMs = headerTimeout > 0 ? headerTimeout : action.timeoutMs;
    const { attempts, perTryTimeoutMs, on: retryOn } = action.retry;

    const overall = linkedController(u.signal, env.shutdown);
    const routeTimer = routeTimeoutMs > 0 ? clock.setTimeout(() => overall.controller.abort(new CutReason('route-timeout')), routeTimeoutMs) : undefined;
    try {
      let resp: MeshResponse | undefined;
      let stickyCookie: string | undefined;
      let upstreamStarted = clock.now();
      for (let attempt = 0; ; attempt++) {
        const healthy = outliers.healthy(cluster.endpoints);
        const pick = env.lb.pick(proxyKey, healthy, cluster.loadBalancer, { headers, query: u.url.searchParams, sourceIp: u.src.ip });
        if (!pick) {
          flags.push('UH');
          return finish(localReply(503, ENVOY.noHealthyUpstream));
        }
        const endpoint = pick.endpoint;
        stickyCookie = pick.setCookie;
        span.upstreamAddress = `${endpoint.ip}:${svcPort.targetPort}`;
        const perTry = linkedController(overall.controller.signal);
        const perTryTimer = perTryTimeoutMs > 0 ? clock.setTimeout(() => perTry.controller.abort(new CutReason('per-try-timeout')), perTryTimeoutMs) : undefined;
        let retriable = false;
        let release: (() => void) | 'overflow' | undefined;
        let done: (() => void) | undefined;
        try {
          release = pool ? await pool.acquire(perTry.controller.signal) : undefined;
          if (release === 'overflow') {
            flags.push('UO');
            return finish(localReply(503, ENVOY.overflow, { 'x-envoy-overloaded': 'true' }));
          }
          done = env.lb.begin(proxyKey, endpoint);
          upstreamStarted = clock.now();
          const mtls = clientUsesMtls(cluster.tls, hasMeshPeer(snap, endpoint) ? (snap.inbound.get(endpoint.uid)?.peerMode ?? 'PERMISSIVE') : undefined);
          const upstreamHeaders: Record<string, string> = { ...routeHeaders, 'x-envoy-attempt-count': String(attempt + 1), 'x-b3-traceid': traceId, 'x-b3-spanid': span.spanID, 'x-b3-sampled': '1', 'x-envoy-decorator-operation': span.operationName };
          if (parentSpanId) upstreamHeaders['x-b3-parentspanid'] = parentSpanId;
          else delete upstreamHeaders['x-b3-parentspanid'];
          if (u.proxy.kind === 'router') upstreamHeaders['x-envoy-internal'] = 'true';
          resp = await env.inbound(snap, { endpoint, svc, servicePort: port, targetPort: svcPort.targetPort, src: u.src, mtls, method: u.method, path: upstreamPath, headers: upstreamHeaders, body: u.body, signal: perTry.controller.signal });
          retriable = retriesStatus(retryOn, resp.status);
        } catch (err) {
          // A per-try timeout (while queued for a connection or waiting for headers) is a 504 attempt.
          if (cutKind(perTry.controller.signal) === 'per-try-timeout' && !overall.controller.signal.aborted) {
            flags.push('UT');
            resp = localReply(504, ENVOY.timeout);
            retriable = retriesReset(retryOn);
          } else if (err instanceof ConnectionError) {
            flags.push('UC');
            resp = localReply(503, attempt > 0 ? ENVOY.connectionTermination.replace('reset reason:', 'retried and the latest reset reason:') : ENVOY.connectionTermination);
            retriable = retriesReset(retryOn);
          } else throw err;
        } finally {
          done?.();
          if (typeof release === 'function') release();
          if (perTryTimer) clearTimeout(perTryTimer);
          perTry.dispose();
        }
        outliers.record(endpoint, resp.status, cluster.outlierDetection, cluster.endpoints.length);
        if (!retriable || attempt >= attempts) {
          if (retriable && attempts > 0) flags.push('URX');
          break;
        }
        span.retryCount = attempt + 1;
        // Envoy's default backoff: 25 ms base, exponential, fully jittered.
        await clock.sleep(Math.random() * 25 * 2 ** attempt, overall.controller.signal);
      }
      const out: MeshResponse = {
        status: resp.status,
        headers: { ...resp.headers, 'x-envoy-upstream-service-time': String(Math.round(clock.now() - upstreamStarted)) },
        body: resp.body,
      };
      applyHeaderOps(out.headers, action.responseHeaders);
      applyHeaderOps(out.headers, dest.responseHeaders);
      // Several Set-Cookie values travel joined by newlines; the gateway splits them again.
      if (stickyCookie) out.headers['set-cookie'] = out.headers['set-cookie'] ? `${out.headers['set-cookie']}\n${stickyCookie}` : stickyCookie;
      return finish(out);
    } catch (err) {
      if (cutKind(overall.controller.signal) === 'route-timeout') {
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
    throw err;
  }
}

/** The Location of a redirect: scheme, host and port as the route sets them, else the request's; the path replaced whole or by prefix. */
function redirectLocation(action: RedirectAction, matched: HttpMatchRequest | null, url: URL, host: string): string {
  const scheme = action.scheme ?? 'http';
  let authority = action.authority ?? host;
  if (action.port !== undefined) authority = `${stripPort(authority)}${action.port === (scheme === 'https' ? 443 : 80) ? '' : `:${action.port}`}`;
  else if (action.scheme && action.authority === undefined) authority = stripPort(authority);
  const path = action.uri ?? (action.prefix !== undefined ? replacePrefix(action.prefix, matched, url) : url.pathname);
  return `${scheme}://${authority}${path}`;
}

/** Envoy's request mirroring: a fire-and-forget copy, Host suffixed `-shadow`, its answer dropped. */
function mirror(env: UpstreamEnv, u: Upstream, route: Route, headers: Record<string, string>, path: string): void {
  const url = new URL(`${u.url.origin}${path}`);
  const shadow: Record<string, string> = { ...headers, host: `${stripPort(headers.host ?? url.host)}-shadow` };
  void forward(env, { ...u, url, headers: shadow, route, matched: null, signal: undefined }).catch(() => {});
}

/** The Server header the proxy writes: a sidecar's Envoy calls itself `envoy`, Istio names its gateways' (and waypoints') `istio-envoy`. */
const serverName = (proxy: ProxyIdentity) => (proxy.kind === 'sidecar' ? 'envoy' : 'istio-envoy');

/** Whether a proxy answers for the endpoint (its sidecar, ztunnel, or the gateway it is): only such a peer takes mutual TLS. */
function hasMeshPeer(snap: MeshSnapshot, endpoint: Workload): boolean {
  return endpoint.hasSidecar || snap.ambient.pods.has(endpoint.uid) || snap.gatewayOfPod.has(endpoint.uid);
}

/** Response flags, each listed once however many attempts raised it. */
class UniqueList extends Array<string> {
  override push(...items: string[]): number {
    for (const i of items) if (!this.includes(i)) super.push(i);
    return this.length;
  }
}
