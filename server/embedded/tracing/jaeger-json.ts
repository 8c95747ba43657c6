/**
 * Jaeger's v1 query API JSON ("internal JSON" the Jaeger UI reads). The embedded
 * query API writes it and the deck's hub reads it, from our API or a real Jaeger. The
 * types are the wire's (server/protocol.ts): the browser reads the same JSON.
 */
import type { JaegerDependencyLink, JaegerKeyValue, JaegerProcess, JaegerSpan, JaegerTrace } from '../../protocol.ts';
import type { SpanRecord } from './types.ts';

export type { JaegerDependencyLink, JaegerError, JaegerKeyValue, JaegerProcess, JaegerReference, JaegerResponse, JaegerSpan, JaegerTrace } from '../../protocol.ts';

/** Jaeger trace JSON for one trace's spans: processes de-duplicated as p1, p2, … */
export function toJaegerTrace(spans: readonly SpanRecord[]): JaegerTrace {
  const processes: Record<string, JaegerProcess> = {};
  const processIds = new Map<string, string>();
  const sorted = [...spans].sort((a, b) => a.startTime - b.startTime);
  const out: JaegerSpan[] = sorted.map((s) => {
    const process = processOf(s);
    const identity = `${process.serviceName}\u0000${JSON.stringify(process.tags)}`;
    let pid = processIds.get(identity);
    if (!pid) {
      pid = `p${processIds.size + 1}`;
      processIds.set(identity, pid);
      processes[pid] = process;
    }
    return {
      traceID: s.traceID,
      spanID: s.spanID,
      flags: 1,
      operationName: s.operationName,
      references: s.parentSpanID ? [{ refType: 'CHILD_OF', traceID: s.traceID, spanID: s.parentSpanID }] : [],
      startTime: s.startTime,
      duration: s.duration,
      tags: s.tags.map(toJaegerKeyValue),
      logs: (s.logs ?? []).map((l) => ({ timestamp: l.timestamp, fields: l.fields.map(toJaegerKeyValue) })),
      processID: pid,
      warnings: null,
    };
  });
  return { traceID: spans[0]?.traceID ?? '', spans: out, processes, warnings: null };
}

// Jaeger's Zipkin/OTLP ingest turns the sidecar's local endpoint into an `ip`
// process tag, so each pod is its own process; the node_id tag carries that address.
function processOf(s: SpanRecord): JaegerProcess {
  const nodeId = s.tags.find((t) => t.key === 'node_id')?.value;
  const ip = typeof nodeId === 'string' ? nodeId.split('~')[1] : undefined;
  return { serviceName: s.serviceName, tags: ip ? [{ key: 'ip', type: 'string', value: ip }] : [] };
}

function toJaegerKeyValue(kv: { key: string; type: JaegerKeyValue['type']; value: string | number | boolean }): JaegerKeyValue {
  // int64 beyond 2^53 cannot travel as a JSON number.
  if (kv.type === 'int64' && typeof kv.value === 'number' && !Number.isSafeInteger(kv.value)) {
    return { key: kv.key, type: kv.type, value: String(kv.value) };
  }
  return { key: kv.key, type: kv.type, value: kv.value };
}

/**
 * Service dependencies as Jaeger's in-memory store computes them: one call for each
 * span whose parent span belongs to another service.
 */
export type DependencySpan = Pick<SpanRecord, 'spanID' | 'parentSpanID' | 'serviceName' | 'startTime'>;

export function computeDependencies(traces: Iterable<readonly DependencySpan[]>, opts: { startUs: number; endUs: number; service?: string }): JaegerDependencyLink[] {
  const counts = new Map<string, JaegerDependencyLink>();
  for (const spans of traces) {
    if (!spans.some((s) => s.startTime >= opts.startUs && s.startTime <= opts.endUs)) continue;
    const byId = new Map<string, DependencySpan>();
    for (const s of spans) byId.set(s.spanID, s);
    for (const s of spans) {
      const parent = s.parentSpanID ? byId.get(s.parentSpanID) : undefined;
      if (!parent || parent.serviceName === s.serviceName) continue;
      if (opts.service && parent.serviceName !== opts.service && s.serviceName !== opts.service) continue;
      const key = `${parent.serviceName}\u0000${s.serviceName}`;
      const link = counts.get(key);
      if (link) link.callCount++;
      else counts.set(key, { parent: parent.serviceName, child: s.serviceName, callCount: 1 });
    }
  }
  return [...counts.values()];
}

/** Looks up a tag value in a Jaeger span. */
export function tagOf(span: { tags: readonly JaegerKeyValue[] }, key: string): string | undefined {
  const t = span.tags.find((kv) => kv.key === key);
  return t === undefined ? undefined : String(t.value);
}
