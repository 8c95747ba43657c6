/**
 * Recent traces for the traces panel: polls Jaeger for traces that entered through
 * the ingress gateway and emits 'change' ({ op: 'add', trace }) for each new one, oldest
 * first. getTrace() fetches one whole trace for the gantt view. HTTP only.
 */
import type { TraceSummary, TracesChange } from '../protocol.ts';
import { tagOf, type JaegerTrace } from '../embedded/tracing/jaeger-json.ts';
import { fetchJaeger, JaegerClientError, searchTraces } from '../embedded/tracing/jaeger-client.ts';
import { gatewayApiGateway } from '../cluster/service-address.ts';
import { INGRESS_SERVICE } from './graph.ts';
import { Poller } from './poller.ts';
import { traceDataPlane } from './trace-data-plane.ts';

export interface TracesFeedOptions {
  jaegerUrl: string;
  /** Default 1000. */
  intervalMs?: number;
  /** Service whose traces are listed; default the ingress gateway. */
  service?: string;
  /** Several services whose traces are listed (each gateway Bookinfo may enter through); overrides `service`. */
  services?: string[];
  /** Traces fetched per poll at most; default 50. */
  limit?: number;
  /**
   * How many traces the first poll looks through, default 200: beyond the newest `limit` it
   * emits only the newest of each data plane, so a sidecar trace made before the talk moved to
   * ambient is there to compare with, even if this feed started after it.
   */
  historyLimit?: number;
  fetchImpl?: typeof fetch;
}

/** The Jaeger service of the Gateway API's Bookinfo gateway in a namespace (Envoy names it `<workload>.<namespace>`). */
export const gatewayApiTraceService = (namespace: string) => `${gatewayApiGateway(namespace).name}.${namespace}`;

/** Tags a span may carry the end user in (Istio custom tags name them after the header). */
const USER_TAGS = ['end-user', 'user', 'request.header.end-user'];
/** How far back, in trace time, each poll looks again for traces that finished late. */
const OVERLAP_US = 60e6;

/** The user the deck's demo traffic sent the request as (see demoUserAgent in traffic.ts). */
export function userFromUserAgent(agent: string | undefined): string | undefined {
  return agent ? /^istio-live-deck\/traffic \(user=([\w.@-]{1,64})\)$/.exec(agent)?.[1] : undefined;
}

/**
 * What the first poll emits of everything it found: the newest `limit`, and the newest of each
 * data plane among the older ones. Oldest first, as the topic folds newest last.
 */
export function withHistory(found: TraceSummary[], limit: number): TraceSummary[] {
  const newestFirst = [...found].sort((a, b) => b.startTime - a.startTime);
  const kept = newestFirst.slice(0, limit);
  const planes = new Set(kept.map((t) => t.dataPlane));
  for (const t of newestFirst.slice(limit)) {
    if (!t.dataPlane || planes.has(t.dataPlane)) continue;
    planes.add(t.dataPlane);
    kept.push(t);
  }
  return kept.sort((a, b) => a.startTime - b.startTime);
}

export function summarizeTrace(trace: JaegerTrace): TraceSummary {
  const ids = new Set(trace.spans.map((s) => s.spanID));
  const roots = trace.spans.filter((s) => !s.references.some((r) => ids.has(r.spanID)));
  const root = [...(roots.length ? roots : trace.spans)].sort((a, b) => a.startTime - b.startTime)[0];
  const start = Math.min(...trace.spans.map((s) => s.startTime));
  const end = Math.max(...trace.spans.map((s) => s.startTime + s.duration));
  let user: string | undefined;
  for (const span of trace.spans) {
    for (const key of USER_TAGS) user ??= tagOf(span, key);
    if (user) break;
  }
  user ??= userFromUserAgent(root ? tagOf(root, 'user_agent') : undefined);
  const dataPlane = traceDataPlane(trace);
  return {
    traceID: trace.traceID,
    rootService: root ? (trace.processes[root.processID]?.serviceName ?? '') : '',
    rootOperation: root?.operationName ?? '',
    startTime: start,
    durationUs: end - start,
    spanCount: trace.spans.length,
    error: trace.spans.some((s) => tagOf(s, 'error') === 'true' || Number(tagOf(s, 'http.status_code') ?? 200) >= 500),
    ...(user ? { user } : {}),
    ...(dataPlane ? { dataPlane } : {}),
  };
}

export class TracesFeed extends Poller {
  private readonly opts: Required<Omit<TracesFeedOptions, 'fetchImpl' | 'service'>> & { fetchImpl?: typeof fetch };
  private firstPoll = true;
  /** Trace ids already emitted, oldest first (bounded). */
  private readonly seen = new Set<string>();
  private newestStartUs = 0;

  constructor(opts: TracesFeedOptions) {
    super(opts.intervalMs ?? 1000);
    this.opts = {
      jaegerUrl: opts.jaegerUrl,
      intervalMs: opts.intervalMs ?? 1000,
      services: opts.services?.length ? opts.services : [opts.service ?? INGRESS_SERVICE],
      limit: opts.limit ?? 50,
      historyLimit: Math.max(opts.historyLimit ?? 200, opts.limit ?? 50),
      fetchImpl: opts.fetchImpl,
    };
  }

  /** One poll; resolves with the summaries it emitted. */
  async poll(): Promise<TraceSummary[]> {
    const emitted = await this.runPoll(async (signal) => {
      const first = this.firstPoll;
      const params: Record<string, string | number> = { limit: first ? this.opts.historyLimit : this.opts.limit };
      if (this.newestStartUs) params.start = Math.floor(this.newestStartUs - OVERLAP_US);
      const lists = await Promise.all(this.opts.services.map((service) => searchTraces(this.opts.jaegerUrl, { ...params, service }, { fetchImpl: this.opts.fetchImpl, signal })));
      this.firstPoll = false;
      // A trace that passed two of the services comes back twice.
      const byId = new Map(lists.flat().filter((t) => t.spans.length && !this.seen.has(t.traceID)).map((t) => [t.traceID, t]));
      const found = [...byId.values()].map(summarizeTrace);
      const fresh = first ? withHistory(found, this.opts.limit) : found.sort((a, b) => a.startTime - b.startTime);
      for (const s of fresh) {
        this.remember(s);
        this.emit('change', { op: 'add', trace: s } satisfies TracesChange);
      }
      return fresh;
    });
    return emitted ?? [];
  }

  /** The whole trace in Jaeger JSON, or undefined when Jaeger does not have it. */
  async getTrace(traceID: string): Promise<JaegerTrace | undefined> {
    if (!/^[0-9a-fA-F]{1,32}$/.test(traceID)) throw new JaegerClientError(`trace id ${JSON.stringify(traceID.slice(0, 40))} is not 1-32 hex digits`);
    const { status, body } = await fetchJaeger<JaegerTrace[] | null>(this.opts.jaegerUrl, `/api/traces/${traceID}`, { fetchImpl: this.opts.fetchImpl });
    if (status === 404) return undefined;
    if (status !== 200) throw new JaegerClientError(`Jaeger answered ${status} for trace ${traceID}: ${body.errors?.[0]?.msg ?? 'no message'}`, status);
    return body.data?.[0];
  }

  private remember(s: TraceSummary): void {
    this.seen.add(s.traceID);
    // A trace older than the overlap never comes back, so the seen set can forget old ids.
    while (this.seen.size > 10 * this.opts.limit) this.seen.delete(this.seen.values().next().value!);
    this.newestStartUs = Math.max(this.newestStartUs, s.startTime);
  }
}
