import type { Clock } from '../../clock.ts';
import type { MeshResponse, Workload } from '../app-runtime/types.ts';
import type { SpanSink } from '../tracing/types.ts';
import type { InboundPolicy } from './plan.ts';
import { admitRequest } from './proxy-admission.ts';
import { spiffePrincipal } from './security.ts';
import type { ServiceInfo } from './services.ts';
import { ProxySpan, incomingTrace, newRequestId, proxyIdentity } from './spans.ts';
import { ConnectionError } from './types.ts';
import { utf8ByteLength } from '../portable/bytes.ts';

/** A request arriving at a pod's server sidecar. */
export interface InboundCall {
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
}

export interface InboundEnv {
  clock: Clock;
  spans: SpanSink;
  /** Hands the request to the pod's container. */
  runApp(pod: Workload, req: { method: string; path: string; headers: Record<string, string>; body: string; signal: AbortSignal }): Promise<MeshResponse>;
}

/** A pod with no compiled policy (not in the mesh when the plan was built): Istio's defaults. */
const NO_POLICY: InboundPolicy = { peerMode: 'PERMISSIVE', deny: [], allow: [], hasAllow: false };

/** The server sidecar: peer authentication, the server span, authorization, then the app. */
export async function serveInbound(env: InboundEnv, compiled: InboundPolicy | undefined, p: InboundCall): Promise<MeshResponse> {
  const policy = compiled ?? NO_POLICY;
  const { peerMode } = policy;
  // STRICT refuses plain text; DISABLE cannot read a TLS handshake. Either way the connection is reset.
  if ((!p.mtls && peerMode === 'STRICT') || (p.mtls && peerMode === 'DISABLE')) throw new ConnectionError('ECONNRESET', 'Connection reset by peer');
  const headers = { ...p.headers };
  headers['x-request-id'] ??= newRequestId();
  const { traceId, parentSpanId: parent } = incomingTrace(headers);
  const proxy = proxyIdentity('sidecar', p.endpoint);
  const span = new ProxySpan(env.spans, env.clock, traceId, parent, `${p.svc.fqdn}:${p.servicePort}/*`, proxy, 'server', {
    url: `http://${headers.host ?? p.svc.fqdn}${p.path}`,
    method: p.method,
    requestId: headers['x-request-id'],
    userAgent: headers['user-agent'],
    peerAddress: p.src?.ip ?? '10.244.0.1',
    upstreamCluster: `inbound|${p.targetPort}||`,
    upstreamAddress: `${p.endpoint.ip}:${p.targetPort}`,
    requestSize: utf8ByteLength(p.body),
  });
  headers['x-b3-traceid'] = traceId;
  headers['x-b3-spanid'] = span.spanID;
  if (parent) headers['x-b3-parentspanid'] = parent;
  headers['x-b3-sampled'] = '1';
  if (p.mtls && p.src) {
    headers['x-forwarded-client-cert'] = `By=spiffe://${spiffePrincipal(p.endpoint)};Hash=${traceId.slice(0, 16)};Subject="";URI=spiffe://${spiffePrincipal(p.src)}`;
  } else delete headers['x-forwarded-client-cert'];
  const admission = await admitRequest(policy, {
    method: p.method,
    path: p.path,
    host: headers.host ?? p.svc.fqdn,
    port: p.targetPort,
    headers,
    source: p.mtls ? p.src : undefined,
    sourceIp: p.src?.ip ?? '',
  }, env.clock.now());
  if (!admission.admitted) {
    span.finish(admission.reply.status, [], admission.reply.body.length);
    return admission.reply;
  }
  try {
    const resp = await env.runApp(p.endpoint, { method: p.method, path: p.path, headers: admission.headers, body: p.body, signal: p.signal });
    span.finish(resp.status, [], utf8ByteLength(resp.body));
    return resp;
  } catch (err) {
    span.finish(0, ['DC'], 0);
    throw err;
  }
}
