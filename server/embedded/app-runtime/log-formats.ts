/**
 * What a container image writes to its log, as lines: at start, for each request it serves,
 * and for each call it makes. Each image family (Bookinfo's apps, the samples, the proxy)
 * says how; the kubelet stand-in (workloads/container-logs.ts) stamps and keeps the lines.
 */

/** A container as it starts. */
export interface ContainerStart {
  pod: string;
  namespace: string;
  podIp: string;
  container: string;
  image: string;
  labels: Record<string, string>;
  /** Simulated epoch ms. */
  startedAtMs: number;
}

/** One line, `offsetMs` after the moment it describes (startup lines spread over the boot). */
export interface TimedLine {
  offsetMs: number;
  line: string;
}

/** A request the container answered. */
export interface ServedRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: Record<string, string>;
  status: number;
  /** Response body bytes. */
  bytes: number;
  /** The address the app sees the connection from (127.0.0.6 behind a sidecar). */
  peerIp: string;
  startMs: number;
  endMs: number;
}

/** A call the container made: its answer, or the error it got instead. */
export interface CalledService {
  method: string;
  url: string;
  status?: number;
  bytes?: number;
  error?: { kind: 'timeout' | 'refused' | 'reset' | 'unknown-host'; message: string };
  /** Calls this container made before this one to the same host:port (Python's pool numbers its connections). */
  previousCalls: number;
}

export interface ContainerLogFormat {
  startup(c: ContainerStart): TimedLine[];
  served?(r: ServedRequest): string[];
  called?(c: CalledService): string[];
}

/** `2025-04-16 10:00:00`, local to UTC, as Ruby's and Python's default loggers print time. */
export function dateTimeUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** `2025-04-16T10:00:00.123456Z`, the microsecond UTC stamp Istio's and Go's structured loggers print. */
export function isoMicros(ms: number): string {
  const micros = Math.floor((ms % 1) * 1000);
  return new Date(Math.floor(ms)).toISOString().replace(/Z$/, `${String(micros).padStart(3, '0')}Z`);
}
