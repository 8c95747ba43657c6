/** Which data plane made a trace, read from the Envoy node ids its spans carry. */
import type { TraceDataPlane } from '../protocol.ts';
import { tagOf, type JaegerTrace } from '../embedded/tracing/jaeger-json.ts';

/**
 * `sidecar~…` and `waypoint~…` node ids; a trace with only gateway (`router~…`) spans has none.
 * A trace made while pods move from sidecars to ambient, where some in-cluster callee answered
 * without a sidecar of its own, is not a sidecar trace: shown as one, it would lack whole apps.
 */
export function traceDataPlane(trace: JaegerTrace): TraceDataPlane | undefined {
  let sidecar = false;
  let waypoint = false;
  for (const span of trace.spans) {
    const kind = tagOf(span, 'node_id')?.split('~')[0];
    sidecar ||= kind === 'sidecar';
    waypoint ||= kind === 'waypoint';
  }
  if (sidecar && waypoint) return 'mixed';
  if (sidecar) return someCalleeUnproxied(trace) ? undefined : 'sidecar';
  return waypoint ? 'ambient' : undefined;
}

/**
 * A client span to a cluster Service, answered without an Envoy flag, that no proxy of the
 * callee took up: no span beneath it carries the same request path. (Without a sidecar, the
 * callee's app passes the trace on, so its own calls hang directly beneath this span.)
 */
function someCalleeUnproxied(trace: JaegerTrace): boolean {
  const children = new Map<string, JaegerTrace['spans']>();
  for (const s of trace.spans) for (const r of s.references) children.set(r.spanID, [...(children.get(r.spanID) ?? []), s]);
  return trace.spans.some((s) => {
    if (tagOf(s, 'span.kind') !== 'client' || !/\.svc\.cluster\.local$/.test(tagOf(s, 'upstream_cluster') ?? '')) return false;
    const status = Number(tagOf(s, 'http.status_code'));
    if (status < 200 || status >= 500 || (tagOf(s, 'response_flags') ?? '-') !== '-') return false;
    const path = pathOf(tagOf(s, 'http.url'));
    return !(children.get(s.spanID) ?? []).some((c) => pathOf(tagOf(c, 'http.url')) === path);
  });
}

function pathOf(url: string | undefined): string {
  const m = /^[a-z]+:\/\/[^/]*(\/[^?#]*)?/i.exec(url ?? '');
  return m ? (m[1] ?? '/') : (url ?? '');
}
