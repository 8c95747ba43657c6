import type { Clock } from '../../clock.ts';
import type { KeyValue, SpanSink } from '../tracing/types.ts';
import type { Workload } from '../app-runtime/types.ts';

/** A proxy as tracing and telemetry name it: a sidecar, a gateway (a "router") or an ambient waypoint. */
export interface ProxyIdentity {
  kind: ProxyKind;
  workload: Workload;
  /** Jaeger service name, `<app>.<namespace>`. */
  serviceName: string;
  /** Envoy node id, `sidecar~<ip>~<pod>.<ns>~<ns>.svc.cluster.local`. */
  nodeId: string;
}

export type ProxyKind = 'sidecar' | 'router' | 'waypoint';

export function proxyIdentity(kind: ProxyKind, w: Workload): ProxyIdentity {
  return {
    kind,
    workload: w,
    serviceName: `${w.app}.${w.namespace}`,
    nodeId: `${kind}~${w.ip}~${w.pod}.${w.namespace}~${w.namespace}.svc.cluster.local`,
  };
}

function randomHex(chars: number): string {
  let s = '';
  while (s.length < chars) s += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, chars);
}
export const newTraceId = () => randomHex(32);
export const newSpanId = () => randomHex(16);
export const newRequestId = () => {
  const h = randomHex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
};

/** The B3 context a request carries; malformed ids (anything a client may send) start a new trace. */
export function incomingTrace(headers: Record<string, string>): { traceId: string; parentSpanId?: string } {
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

export interface SpanFields {
  url: string;
  method: string;
  requestId: string;
  userAgent?: string;
  peerAddress: string;
  upstreamCluster: string;
  upstreamAddress?: string;
  requestSize: number;
}

/** One Envoy span in the making; finish() records it with the status and flags known at the end. */
export class ProxySpan {
  readonly spanID = newSpanId();
  private readonly startMs: number;
  private finished = false;
  upstreamCluster: string;
  upstreamAddress?: string;
  retryCount = 0;

  constructor(
    private readonly sink: SpanSink,
    private readonly clock: Clock,
    readonly traceID: string,
    readonly parentSpanID: string | undefined,
    public operationName: string,
    private readonly proxy: ProxyIdentity,
    private readonly spanKind: 'client' | 'server',
    private readonly fields: SpanFields,
  ) {
    this.startMs = clock.now();
    this.upstreamCluster = fields.upstreamCluster;
    this.upstreamAddress = fields.upstreamAddress;
  }

  finish(status: number, flags: string[], responseSize: number): void {
    if (this.finished) return;
    this.finished = true;
    const w = this.proxy.workload;
    const s = (key: string, value: string): KeyValue => ({ key, type: 'string', value });
    const tags: KeyValue[] = [
      s('component', 'proxy'),
      s('node_id', this.proxy.nodeId),
      s('zone', ''),
      s('guid:x-request-id', this.fields.requestId),
      s('http.url', this.fields.url),
      s('http.method', this.fields.method),
      s('downstream_cluster', '-'),
      s('user_agent', this.fields.userAgent ?? '-'),
      s('http.protocol', 'HTTP/1.1'),
      s('peer.address', this.fields.peerAddress),
      s('request_size', String(this.fields.requestSize)),
      s('upstream_cluster', this.upstreamCluster),
      s('upstream_cluster.name', this.upstreamCluster),
      ...(this.upstreamAddress ? [s('upstream_address', this.upstreamAddress)] : []),
      s('http.status_code', String(status)),
      s('response_size', String(responseSize)),
      s('response_flags', flags.length ? flags.join(',') : '-'),
      s('span.kind', this.spanKind),
      s('istio.canonical_revision', w.version),
      s('istio.canonical_service', w.app),
      s('istio.mesh_id', 'cluster.local'),
      s('istio.namespace', w.namespace),
      s('istio.cluster_id', 'Kubernetes'),
    ];
    if (this.retryCount > 0) tags.push({ key: 'retry.count', type: 'int64', value: this.retryCount });
    if (status >= 500 || status === 0) tags.push({ key: 'error', type: 'bool', value: true });
    const end = this.clock.now();
    this.sink.record({
      traceID: this.traceID,
      spanID: this.spanID,
      parentSpanID: this.parentSpanID,
      operationName: this.operationName,
      serviceName: this.proxy.serviceName,
      startTime: Math.round(this.startMs * 1000),
      duration: Math.max(1, Math.round((end - this.startMs) * 1000)),
      tags,
    });
  }
}
