/**
 * Reads ztunnel's access log: one `connection complete` line per connection it carried, as
 * `kubectl logs -n istio-system ds/ztunnel` shows them. Works on the lines of a real ztunnel
 * (tab-separated head) and on older or re-spaced copies (spaces), quoted or bare values.
 */

/** One end of a connection as ztunnel names it. */
export interface L4Peer {
  /** The pod name, when ztunnel knows the workload. */
  workload?: string;
  namespace?: string;
  /** SPIFFE identity, present only when the connection was mutual TLS. */
  identity?: string;
}

export interface L4Connection {
  /** When the connection ended, epoch µs. */
  endUs: number;
  direction: 'inbound' | 'outbound';
  src: L4Peer;
  dst: L4Peer & { service?: string };
  bytesSent: number;
  bytesRecv: number;
  /** Why ztunnel closed it (a policy rejection, a reset); absent for one that completed. */
  error?: string;
}

const HEAD = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)\s+(\w+)\s+access\s+connection complete\s+(.*)$/;
const FIELD = /([\w.]+)=("(?:[^"\\]|\\.)*"|\S+)/g;

function fieldValue(raw: string): string {
  if (!raw.startsWith('"')) return raw;
  try {
    return JSON.parse(raw) as string;
  } catch {
    return raw.slice(1, -1);
  }
}

/** Epoch µs of an RFC 3339 time with up to nanoseconds (Date keeps only milliseconds). */
function epochMicros(time: string): number {
  const ms = Date.parse(time);
  const fraction = /\.(\d+)Z$/.exec(time)?.[1] ?? '';
  const extraMicros = Number((fraction + '000000').slice(3, 6));
  return ms * 1000 + extraMicros;
}

/** One access line, or undefined for any other line (start-up, xDS, warnings, a cut-off line). */
export function parseZtunnelLine(line: string): L4Connection | undefined {
  const head = HEAD.exec(line.trimEnd());
  if (!head) return undefined;
  const f = new Map<string, string>();
  for (const m of head[3].matchAll(FIELD)) f.set(m[1], fieldValue(m[2]));
  const direction = f.get('direction');
  if (direction !== 'inbound' && direction !== 'outbound') return undefined;
  const endUs = epochMicros(head[1]);
  if (!Number.isFinite(endUs)) return undefined;
  const count = (k: string) => {
    const n = Number(f.get(k));
    return Number.isFinite(n) && n >= 0 ? n : 0;
  };
  const conn: L4Connection = {
    endUs,
    direction,
    src: { workload: f.get('src.workload'), namespace: f.get('src.namespace'), identity: f.get('src.identity') },
    dst: { workload: f.get('dst.workload'), namespace: f.get('dst.namespace'), identity: f.get('dst.identity'), service: f.get('dst.service') },
    bytesSent: count('bytes_sent'),
    bytesRecv: count('bytes_recv'),
  };
  const error = f.get('error') ?? (head[2].toLowerCase() === 'error' ? 'error' : undefined);
  if (error) conn.error = error;
  return conn;
}
