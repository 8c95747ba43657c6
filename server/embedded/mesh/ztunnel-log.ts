import type { Workload } from '../app-runtime/types.ts';
import { spiffePrincipal } from './security.ts';

/** One connection a ztunnel handled, as its access log reports it when the connection ends. */
export interface ConnectionRecord {
  /** The node's ztunnel pod, whose log the line goes to. */
  ztunnel: Workload;
  direction: 'outbound' | 'inbound';
  /** The calling pod; undefined for a client outside the cluster's pods. */
  src?: Workload;
  srcIp: string;
  /** Whether the caller proved its identity (mutual TLS, HBONE). */
  srcIdentified: boolean;
  /** The pod the connection reached (a waypoint's proxy when the traffic goes through one). */
  dst: Workload;
  /** The application port on that pod. */
  dstPort: number;
  /** Sent as HBONE (to port 15008) rather than plain TCP. */
  hbone: boolean;
  /** The Service FQDN the client addressed. */
  service?: string;
  bytesSent: number;
  bytesRecv: number;
  durationMs: number;
  /** Why ztunnel closed the connection (a policy rejection), absent for a completed one. */
  error?: string;
  endMs: number;
}

/** Where the data plane reports ztunnel connections (the ztunnel pod's log, the service graph). */
export interface ConnectionSink {
  connection(record: ConnectionRecord): void;
}

export const NO_CONNECTION_SINK: ConnectionSink = { connection() {} };

/**
 * ztunnel's access line as its log formatter writes it: time, level, target and message
 * separated by tabs, then space-separated `key=value` fields. Addresses are written as they
 * display (bare); names, identities and the direction are quoted strings; an error comes last.
 */
export function formatZtunnelLine(r: ConnectionRecord, srcPort: number): string {
  const q = (v: string) => JSON.stringify(v);
  const fields: string[] = [`src.addr=${r.srcIp}:${srcPort}`];
  if (r.src) fields.push(`src.workload=${q(r.src.pod)}`, `src.namespace=${q(r.src.namespace)}`);
  if (r.src && r.srcIdentified) fields.push(`src.identity=${q(`spiffe://${spiffePrincipal(r.src)}`)}`);
  const appAddr = `${r.dst.ip}:${r.dstPort}`;
  if (r.direction === 'outbound' && r.hbone) fields.push(`dst.addr=${r.dst.ip}:15008`, `dst.hbone_addr=${appAddr}`);
  else fields.push(`dst.addr=${appAddr}`);
  if (r.service) fields.push(`dst.service=${q(r.service)}`);
  fields.push(`dst.workload=${q(r.dst.pod)}`, `dst.namespace=${q(r.dst.namespace)}`);
  if (r.hbone) fields.push(`dst.identity=${q(`spiffe://${spiffePrincipal(r.dst)}`)}`);
  fields.push(`direction=${q(r.direction)}`, `bytes_sent=${r.bytesSent}`, `bytes_recv=${r.bytesRecv}`, `duration=${q(`${Math.round(r.durationMs)}ms`)}`);
  if (r.error) fields.push(`error=${q(r.error)}`);
  // ztunnel stamps microseconds; the simulated clock has milliseconds.
  const time = new Date(r.endMs).toISOString().replace('Z', '000Z');
  return `${time}\t${r.error ? 'error' : 'info'}\taccess\tconnection complete\t${fields.join(' ')}`;
}
