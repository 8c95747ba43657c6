/**
 * Envoy's access log as Istio configures it (`meshConfig.accessLogFile`), one entry per
 * request a proxy handled, built from the same record the proxy's span is: Istio's default
 * text format, or its JSON encoding under the same operators' snake_case names.
 */
import type { KeyValue, SpanRecord } from '../tracing/types.ts';
import { ENVOY } from './envoy.ts';

/** The addresses a proxy's connection had, which the span does not carry. */
export interface ConnectionAddresses {
  /** The service's cluster IP (client side of a sidecar), when known. */
  serviceIp?: string;
}

/** The fields of one access-log entry, in the default format's order; undefined prints `-`. */
export interface AccessLogEntry {
  start_time: string;
  method: string;
  path: string;
  protocol: string;
  response_code: number;
  response_flags?: string;
  response_code_details?: string;
  connection_termination_details?: string;
  upstream_transport_failure_reason?: string;
  bytes_received: number;
  bytes_sent: number;
  duration: number;
  upstream_service_time?: string;
  x_forwarded_for?: string;
  user_agent?: string;
  request_id?: string;
  authority?: string;
  upstream_host?: string;
  upstream_cluster?: string;
  upstream_local_address?: string;
  downstream_local_address?: string;
  downstream_remote_address?: string;
  requested_server_name?: string;
  route_name?: string;
}

/** Which proxy wrote a span: the kind, pod and namespace in its Envoy node id (`sidecar~<ip>~<pod>.<ns>~…`). */
export function proxyOfSpan(span: SpanRecord): { kind: string; ip: string; pod: string; namespace: string } | undefined {
  const nodeId = tag(span.tags, 'node_id');
  const m = nodeId && /^(sidecar|router|waypoint)~([^~]+)~(.+)\.([^.~]+)~/.exec(nodeId);
  return m ? { kind: m[1], ip: m[2], pod: m[3], namespace: m[4] } : undefined;
}

function tag(tags: KeyValue[], key: string): string | undefined {
  const v = tags.find((t) => t.key === key)?.value;
  return v === undefined ? undefined : String(v);
}

/** A stable ephemeral port for one side of one request, so the client's source port is the server's peer port. */
function ephemeralPort(seed: string): number {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  return 32768 + ((h >>> 0) % 28232);
}

/** Envoy's RESPONSE_CODE_DETAILS for what the proxy did, read from its response flags. */
function responseCodeDetails(flags: string[], status: number, responseSize: number, hadUpstream: boolean, server: boolean): string {
  if (flags.includes('DC')) return 'downstream_remote_disconnect';
  if (flags.includes('FI')) return 'fault_filter_abort';
  if (flags.includes('UO')) return 'upstream_reset_before_response_started{overflow}';
  if (flags.includes('UH')) return 'no_healthy_upstream';
  if (flags.includes('UT')) return 'response_timeout';
  if (flags.includes('NC')) return 'cluster_not_found';
  if (flags.includes('NR')) return 'route_not_found';
  if (flags.includes('UF')) return 'upstream_reset_before_response_started{connection_failure}';
  if (flags.includes('UC')) return 'upstream_reset_before_response_started{connection_termination}';
  if (server && status === 403 && responseSize === ENVOY.rbacDenied.length) return 'rbac_access_denied_matched_policy[none]';
  return hadUpstream ? 'via_upstream' : 'direct_response';
}

/** The entry a proxy's span describes. */
export function accessLogEntry(span: SpanRecord, addr: ConnectionAddresses = {}): AccessLogEntry {
  const tags = new Map(span.tags.map((kv) => [kv.key, String(kv.value)]));
  const t = (key: string) => tags.get(key);
  const proxy = proxyOfSpan(span);
  const server = t('span.kind') === 'server';
  // `http://<authority><path>`: split by hand, as URL parsing would cost more than the rest of the line.
  const m = /^[a-z]+:\/\/([^/?#]*)([^#]*)/i.exec(t('http.url') ?? '');
  const url = { host: m?.[1] ?? '', pathname: m?.[2] || '/', search: '' };
  const flags = (t('response_flags') ?? '-') === '-' ? [] : t('response_flags')!.split(',');
  const status = Number(t('http.status_code') ?? 0);
  const responseSize = Number(t('response_size') ?? 0);
  const upstreamHost = t('upstream_address');
  const cluster = t('upstream_cluster');
  const requestId = t('guid:x-request-id');
  const peer = t('peer.address') ?? '';
  const durationMs = Math.round(span.duration / 1000);
  const details = responseCodeDetails(flags, status, responseSize, upstreamHost !== undefined, server);
  const viaUpstream = details === 'via_upstream';
  const router = proxy?.kind === 'router';
  const clientPort = ephemeralPort(`${requestId}|${span.spanID}|up`);
  const port = /^outbound\|(\d+)\|[^|]*\|(.+)$/.exec(cluster ?? '');
  const inboundPort = /^inbound\|(\d+)\|/.exec(cluster ?? '')?.[1];
  const fqdnPort = /^([^:]+):(\d+)\//.exec(span.operationName);
  return {
    start_time: new Date(Math.floor(span.startTime / 1000)).toISOString(),
    method: t('http.method') ?? 'GET',
    path: url.pathname + url.search,
    protocol: t('http.protocol') ?? 'HTTP/1.1',
    response_code: status,
    response_flags: flags.length ? flags.join(',') : undefined,
    response_code_details: details,
    bytes_received: Number(t('request_size') ?? 0),
    bytes_sent: responseSize,
    duration: durationMs,
    upstream_service_time: viaUpstream ? String(Math.max(0, durationMs - (server ? 0 : 1))) : undefined,
    x_forwarded_for: router ? peer : undefined,
    user_agent: t('user_agent') === '-' ? undefined : t('user_agent'),
    request_id: requestId,
    authority: url.host || undefined,
    upstream_host: upstreamHost,
    upstream_cluster: cluster,
    // The server side reaches its app from Istio's inbound passthrough address.
    upstream_local_address: upstreamHost ? (server ? `127.0.0.6:${ephemeralPort(`${requestId}|${span.spanID}|app`)}` : `${proxy?.ip}:${clientPort}`) : undefined,
    downstream_local_address: server
      ? `${proxy?.ip}:${inboundPort ?? ''}`
      : router
        ? `${proxy?.ip}:8080`
        : addr.serviceIp && port
          ? `${addr.serviceIp}:${port[1]}`
          : undefined,
    downstream_remote_address: server ? `${peer}:${ephemeralPort(`${requestId}|${span.parentSpanID}|up`)}` : `${router ? peer : proxy?.ip}:${ephemeralPort(`${requestId}|${span.spanID}|down`)}`,
    requested_server_name: server && fqdnPort ? `outbound_.${fqdnPort[2]}_._.${fqdnPort[1]}` : undefined,
    route_name: router ? undefined : 'default',
  };
}

/** Istio's default text line (without its newline). */
export function formatAccessLogText(e: AccessLogEntry): string {
  const d = (v: string | number | undefined) => (v === undefined || v === '' ? '-' : String(v));
  const q = (v: string | undefined) => `"${d(v)}"`;
  return (
    `[${e.start_time}] "${e.method} ${e.path} ${e.protocol}" ${e.response_code} ${d(e.response_flags)} ${d(e.response_code_details)} ${d(e.connection_termination_details)} ${q(e.upstream_transport_failure_reason)} ` +
    `${e.bytes_received} ${e.bytes_sent} ${e.duration} ${d(e.upstream_service_time)} ${q(e.x_forwarded_for)} ${q(e.user_agent)} ${q(e.request_id)} ${q(e.authority)} ${q(e.upstream_host)} ` +
    `${d(e.upstream_cluster)} ${d(e.upstream_local_address)} ${d(e.downstream_local_address)} ${d(e.downstream_remote_address)} ${d(e.requested_server_name)} ${d(e.route_name)}`
  );
}

/** The JSON encoding: every key present, empty values null, as Envoy's JSON formatter writes them. */
export function formatAccessLogJson(e: AccessLogEntry): string {
  const keys: Array<keyof AccessLogEntry> = [
    'authority', 'bytes_received', 'bytes_sent', 'connection_termination_details', 'downstream_local_address', 'downstream_remote_address', 'duration', 'method', 'path', 'protocol',
    'request_id', 'requested_server_name', 'response_code', 'response_code_details', 'response_flags', 'route_name', 'start_time', 'upstream_cluster', 'upstream_host',
    'upstream_local_address', 'upstream_service_time', 'upstream_transport_failure_reason', 'user_agent', 'x_forwarded_for',
  ];
  return JSON.stringify(Object.fromEntries(keys.map((k) => [k, e[k] ?? null])));
}
