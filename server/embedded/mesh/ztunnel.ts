/**
 * ztunnel, the node proxy of ambient mode: it carries an ambient pod's TCP connections as
 * HBONE (mutual TLS with SPIFFE identities), enforces L4 AuthorizationPolicies where the
 * connection arrives, logs one line per connection, and never parses HTTP: no routing rules,
 * no spans. A Service with a waypoint gets its traffic sent there instead, and the waypoint
 * (an Envoy) does what a client sidecar does: L7 policy, routes, faults, retries and spans.
 */
import type { MeshResponse, Workload } from '../app-runtime/types.ts';
import type { AmbientPlan, WaypointPlan } from './ambient.ts';
import { ENVOY, localReply } from './envoy.ts';
import type { InboundCall, InboundEnv } from './inbound.ts';
import { authorize } from './security.ts';
import type { ServiceInfo } from './services.ts';
import type { MeshSnapshot } from './snapshot.ts';
import { ProxySpan, incomingTrace, newRequestId, proxyIdentity } from './spans.ts';
import { ConnectionError } from './types.ts';
import { type UpstreamEnv, forwardByMeshRoutes } from './upstream.ts';
import type { ConnectionRecord, ConnectionSink } from './ztunnel-log.ts';
import type { ProxyCostMeter } from './proxy-costs.ts';
import { utf8ByteLength } from '../portable/bytes.ts';

export interface ZtunnelEnv extends UpstreamEnv, InboundEnv {
  connections: ConnectionSink;
  costs: ProxyCostMeter;
}

/** An HTTP request as a ztunnel carries it (only its size matters to ztunnel). */
export interface CarriedRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
}

/** What ztunnel reads of the PeerAuthentication in force: STRICT converts to a static deny of plain text. */
const STRICT_REJECTION = 'connection closed due to policy rejection: explicitly denied by: istio-system/istio_converted_static_strict';
const POLICY_REJECTION = 'connection closed due to policy rejection';

export const isAmbient = (ambient: AmbientPlan, w: Workload | undefined) => !!w && ambient.pods.has(w.uid);

/** Bytes on the wire for a request or response: a start line, its headers and its body. */
function wireBytes(headers: Record<string, string>, body: string, startLine: string): number {
  let n = startLine.length + 2;
  for (const [k, v] of Object.entries(headers)) n += k.length + String(v).length + 4;
  return n + 2 + utf8ByteLength(body);
}

function record(env: ZtunnelEnv, ztunnel: Workload | undefined, r: Omit<ConnectionRecord, 'ztunnel' | 'endMs' | 'durationMs'>, startedMs: number): void {
  if (!ztunnel) return;
  const now = env.clock.now();
  env.connections.connection({ ...r, ztunnel, endMs: now, durationMs: now - startedMs });
}

/** The receiving ztunnel: peer authentication and L4 policy on the connection, then the pod's app. */
export async function ztunnelInbound(env: ZtunnelEnv, snap: MeshSnapshot, call: InboundCall): Promise<MeshResponse> {
  const started = env.clock.now();
  const policy = snap.ambient.l4.get(call.endpoint.uid);
  const requestBytes = wireBytes(call.headers, call.body, `${call.method} ${call.path} HTTP/1.1`);
  const base = { direction: 'inbound' as const, src: call.src, srcIp: call.src?.ip ?? '10.244.0.1', srcIdentified: call.mtls, dst: call.endpoint, dstPort: call.targetPort, hbone: call.mtls, service: call.svc.fqdn };
  const refuse = (error: string): never => {
    record(env, snap.ambient.ztunnel, { ...base, bytesSent: 0, bytesRecv: 0, error }, started);
    throw new ConnectionError('ECONNRESET', 'Connection reset by peer');
  };
  if (policy) {
    if (!call.mtls && policy.peerMode === 'STRICT') refuse(STRICT_REJECTION);
    const allowed = authorize(policy, { method: '', path: '', host: '', port: call.targetPort, headers: {}, source: call.mtls ? call.src : undefined, sourceIp: base.srcIp });
    if (!allowed) refuse(policy.hasAllow && !policy.deny.length ? `${POLICY_REJECTION}: allow policies exist, but none allowed` : POLICY_REJECTION);
  }
  // ztunnel passes the bytes on untouched: no client-certificate header, no span.
  const headers = { ...call.headers };
  delete headers['x-forwarded-client-cert'];
  const resp = await env.runApp(call.endpoint, { method: call.method, path: call.path, headers, body: call.body, signal: call.signal });
  record(env, snap.ambient.ztunnel, { ...base, bytesSent: wireBytes(resp.headers, resp.body, `HTTP/1.1 ${resp.status}`), bytesRecv: requestBytes }, started);
  return resp;
}

/**
 * The sending ztunnel of an ambient pod: to the Service's waypoint when it has one, else
 * straight to one of its Ready pods (HBONE to a pod in the mesh, plain TCP to one outside).
 */
export async function ztunnelOutbound(env: ZtunnelEnv, snap: MeshSnapshot, src: Workload, svc: ServiceInfo, port: number, req: CarriedRequest): Promise<MeshResponse> {
  const svcPort = svc.ports.find((p) => p.port === port);
  if (!svcPort) throw new ConnectionError('ECONNREFUSED', `Failed to connect to ${req.url.hostname} port ${port}: Connection refused`);
  const waypoint = snap.ambient.waypoints.get(svc.fqdn);
  const target = waypoint?.proxy ?? svc.readyPods[Math.floor(Math.random() * svc.readyPods.length)];
  if (!target) throw new ConnectionError('ECONNRESET', 'Connection reset by peer');
  const hbone = !!waypoint || target.hasSidecar || isAmbient(snap.ambient, target);
  const started = env.clock.now();
  const requestBytes = wireBytes(req.headers, req.body, `${req.method} ${req.url.pathname}${req.url.search} HTTP/1.1`);
  const base = { direction: 'outbound' as const, src, srcIp: src.ip, srcIdentified: true, dst: target, dstPort: waypoint ? port : svcPort.targetPort, hbone, service: svc.fqdn };
  try {
    const resp = waypoint
      ? await env.costs.measure('waypoint', env, (e) => atWaypoint(e, snap, waypoint, src, svc, port, req))
      : await env.inbound(snap, { endpoint: target, svc, servicePort: port, targetPort: svcPort.targetPort, src, mtls: hbone, method: req.method, path: req.url.pathname + req.url.search, headers: req.headers, body: req.body, signal: req.signal });
    record(env, snap.ambient.ztunnel, { ...base, bytesSent: requestBytes, bytesRecv: wireBytes(resp.headers, resp.body, `HTTP/1.1 ${resp.status}`) }, started);
    return resp;
  } catch (err) {
    if (err instanceof ConnectionError) record(env, snap.ambient.ztunnel, { ...base, bytesSent: requestBytes, bytesRecv: 0, error: 'connection reset by peer' }, started);
    throw err;
  }
}

/** The waypoint: L7 AuthorizationPolicies bound to it or the Service, then the Service's routes, as a client sidecar runs them. */
async function atWaypoint(env: ZtunnelEnv, snap: MeshSnapshot, waypoint: WaypointPlan, src: Workload, svc: ServiceInfo, port: number, req: CarriedRequest): Promise<MeshResponse> {
  const proxy = proxyIdentity('waypoint', waypoint.proxy);
  const headers = { ...req.headers };
  headers['x-request-id'] ??= newRequestId();
  const policy = snap.ambient.l7.get(svc.fqdn);
  const path = req.url.pathname;
  if (policy && !authorize(policy, { method: req.method, path, host: headers.host ?? svc.fqdn, port, headers, source: src, sourceIp: src.ip })) {
    const { traceId, parentSpanId } = incomingTrace(headers);
    const span = new ProxySpan(env.spans, env.clock, traceId, parentSpanId, `${svc.fqdn}:${port}/*`, proxy, 'server', {
      url: req.url.href,
      method: req.method,
      requestId: headers['x-request-id'],
      userAgent: headers['user-agent'],
      peerAddress: src.ip,
      upstreamCluster: `inbound-vip|${port}|http|${svc.fqdn}`,
      requestSize: utf8ByteLength(req.body),
    });
    const denied = localReply(403, ENVOY.rbacDenied);
    span.finish(403, [], denied.body.length);
    return denied;
  }
  const upstream = { snap, proxy, src: waypoint.proxy, method: req.method, url: req.url, headers, body: req.body, signal: req.signal, requestPort: port };
  // Routes match on the original client (sourceLabels); the destination's ztunnel sees the waypoint's identity.
  return forwardByMeshRoutes(env, upstream, svc.fqdn, { url: req.url, method: req.method, authority: req.url.host, port, headers, src });
}

/**
 * An ingress gateway sending to a Service whose waypoint also takes ingress traffic
 * (`istio.io/ingress-use-waypoint: "true"`): the gateway's endpoints for it are the waypoint's,
 * so the waypoint runs its policies and routes. Undefined for every other hop.
 */
export function ingressThroughWaypoint(env: ZtunnelEnv, snap: MeshSnapshot, call: InboundCall): Promise<MeshResponse> | undefined {
  if (!call.src || !snap.gatewayOfPod.has(call.src.uid) || !snap.ambient.ingressWaypoints.has(call.svc.fqdn)) return undefined;
  const waypoint = snap.ambient.waypoints.get(call.svc.fqdn);
  if (!waypoint) return undefined;
  const url = new URL(`http://${call.svc.fqdn}:${call.servicePort}${call.path.startsWith('/') ? '' : '/'}${call.path}`);
  return atWaypoint(env, snap, waypoint, call.src, call.svc, call.servicePort, { method: call.method, url, headers: call.headers, body: call.body, signal: call.signal });
}
