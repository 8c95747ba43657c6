import type { Clock } from '../../clock.ts';
import { optionalDurationMs } from '../../go-duration.ts';
import type { Workload } from '../app-runtime/types.ts';

const UNLIMITED = 2 ** 32 - 1;

export interface PoolLimits {
  maxConnections: number;
  maxPending: number;
  maxRequests: number;
  /** 0 = unlimited (keep-alive). */
  maxRequestsPerConnection: number;
}

/** DestinationRule connectionPool settings, with Envoy's defaults; undefined when none are set. */
export function poolLimits(connectionPool: any): PoolLimits | undefined {
  if (!connectionPool) return undefined;
  const tcp = connectionPool.tcp ?? {};
  const http = connectionPool.http ?? {};
  return {
    maxConnections: positive(tcp.maxConnections) ?? UNLIMITED,
    maxPending: positive(http.http1MaxPendingRequests) ?? UNLIMITED,
    maxRequests: positive(http.http2MaxRequests) ?? UNLIMITED,
    maxRequestsPerConnection: positive(http.maxRequestsPerConnection) ?? 0,
  };
}

const positive = (v: unknown) => (typeof v === 'number' && v > 0 ? v : undefined);

interface Connection {
  requests: number;
}

type Waiter = { resolve: (c: Connection) => void; reject: (e: Error) => void };

/**
 * One Envoy HTTP/1.1 connection pool (per client proxy and cluster): a request takes an idle
 * connection, else waits in the pending queue while a connection is opened. A full queue is an
 * overflow, which the proxy answers at once with 503 UO. With maxRequestsPerConnection 1 every
 * request closes its connection, and the next one waits for a fresh connect: the "leeway" the
 * Istio circuit-breaking task sees at concurrency 2.
 */
export class ConnectionPool {
  private open = 0;
  private idle: Connection[] = [];
  private pending: Waiter[] = [];
  private active = 0;
  readonly stats = { pendingTotal: 0, pendingOverflow: 0, requestsOverflow: 0 };

  constructor(
    public limits: PoolLimits,
    private readonly clock: Clock,
    /** Simulated TCP connect time. */
    private readonly connectMs: () => number,
  ) {}

  /**
   * Envoy's circuit-breaker stats for this cluster, as `pilot-agent request GET stats` prints
   * them: Istio's stat tags leave a `;` after the cluster name, and the `high` priority set,
   * which no route here uses, never opens.
   */
  statLines(cluster: string): string[] {
    const p = `cluster.${cluster};`;
    const remaining = Math.max(0, this.limits.maxPending - this.pending.length);
    return [
      `${p}.circuit_breakers.default.remaining_pending: ${remaining}`,
      `${p}.circuit_breakers.default.rq_pending_open: ${remaining === 0 ? 1 : 0}`,
      `${p}.circuit_breakers.high.rq_pending_open: 0`,
      `${p}.upstream_rq_pending_active: ${this.pending.length}`,
      `${p}.upstream_rq_pending_failure_eject: 0`,
      `${p}.upstream_rq_pending_overflow: ${this.stats.pendingOverflow}`,
      `${p}.upstream_rq_pending_total: ${this.stats.pendingTotal}`,
    ];
  }

  /** Resolves with a release function, or 'overflow'. */
  async acquire(signal: AbortSignal): Promise<(() => void) | 'overflow'> {
    if (this.active >= this.limits.maxRequests) {
      this.stats.requestsOverflow++;
      return 'overflow';
    }
    let conn = this.idle.pop();
    if (!conn) {
      if (this.pending.length >= this.limits.maxPending) {
        this.stats.pendingOverflow++;
        return 'overflow';
      }
      this.stats.pendingTotal++;
      let waiter!: Waiter;
      const waiting = new Promise<Connection>((resolve, reject) => (waiter = { resolve, reject }));
      this.pending.push(waiter);
      if (this.open < this.limits.maxConnections) this.connect();
      const onAbort = () => {
        const i = this.pending.indexOf(waiter);
        if (i >= 0) this.pending.splice(i, 1);
        waiter.reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        conn = await waiting;
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    }
    this.active++;
    const c = conn;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      c.requests++;
      if (this.limits.maxRequestsPerConnection && c.requests >= this.limits.maxRequestsPerConnection) {
        this.open--;
        if (this.pending.length && this.open < this.limits.maxConnections) this.connect();
      } else this.handOver(c);
    };
  }

  private connect(): void {
    this.open++;
    void this.clock.sleep(this.connectMs()).then(() => this.handOver({ requests: 0 }));
  }

  private handOver(c: Connection): void {
    const next = this.pending.shift();
    if (next) next.resolve(c);
    else this.idle.push(c);
  }
}

/** DestinationRule outlierDetection, with Istio's defaults. */
export interface OutlierPolicy {
  consecutive5xx: number;
  consecutiveGateway: number;
  baseEjectionMs: number;
  maxEjectionPercent: number;
}

export function outlierPolicy(od: any): OutlierPolicy | undefined {
  if (!od) return undefined;
  return {
    consecutive5xx: typeof od.consecutive5xxErrors === 'number' ? od.consecutive5xxErrors : typeof od.consecutiveErrors === 'number' ? od.consecutiveErrors : 5,
    consecutiveGateway: typeof od.consecutiveGatewayErrors === 'number' ? od.consecutiveGatewayErrors : 0,
    baseEjectionMs: optionalDurationMs(od.baseEjectionTime) ?? 30_000,
    maxEjectionPercent: typeof od.maxEjectionPercent === 'number' ? od.maxEjectionPercent : 10,
  };
}

/** Passive health checking per client proxy and cluster: hosts with too many consecutive 5xx are ejected for a while. */
export class OutlierDetector {
  private readonly hosts = new Map<string, { consecutive5xx: number; consecutiveGateway: number; ejections: number; ejectedUntil: number }>();

  constructor(private readonly clock: Clock) {}

  healthy(endpoints: Workload[]): Workload[] {
    const now = this.clock.now();
    return endpoints.filter((e) => (this.hosts.get(e.uid)?.ejectedUntil ?? 0) <= now);
  }

  record(endpoint: Workload, status: number, policy: OutlierPolicy | undefined, total: number): void {
    if (!policy) return;
    let h = this.hosts.get(endpoint.uid);
    if (!h) this.hosts.set(endpoint.uid, (h = { consecutive5xx: 0, consecutiveGateway: 0, ejections: 0, ejectedUntil: 0 }));
    if (status >= 500) h.consecutive5xx++;
    else h.consecutive5xx = 0;
    if (status >= 502 && status <= 504) h.consecutiveGateway++;
    else h.consecutiveGateway = 0;
    const trip =
      (policy.consecutive5xx > 0 && h.consecutive5xx >= policy.consecutive5xx) ||
      (policy.consecutiveGateway > 0 && h.consecutiveGateway >= policy.consecutiveGateway);
    if (!trip) return;
    const now = this.clock.now();
    const ejected = [...this.hosts.values()].filter((x) => x.ejectedUntil > now).length;
    if (total > 0 && (ejected / total) * 100 >= policy.maxEjectionPercent && ejected > 0) return;
    h.ejections++;
    h.ejectedUntil = now + policy.baseEjectionMs * h.ejections;
    h.consecutive5xx = 0;
    h.consecutiveGateway = 0;
  }
}
