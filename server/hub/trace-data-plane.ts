/** Which data plane made a trace, read from the Envoy node ids its spans carry. */
import type { TraceDataPlane } from '../protocol.ts';
import { tagOf, type JaegerTrace } from '../embedded/tracing/jaeger-json.ts';

/** `sidecar~…` and `waypoint~…` node ids; a trace with only gateway (`router~…`) spans has none. */
export function traceDataPlane(trace: JaegerTrace): TraceDataPlane | undefined {
  let sidecar = false;
  let waypoint = false;
  for (const span of trace.spans) {
    const kind = tagOf(span, 'node_id')?.split('~')[0];
    sidecar ||= kind === 'sidecar';
    waypoint ||= kind === 'waypoint';
  }
  if (sidecar && waypoint) return 'mixed';
  return sidecar ? 'sidecar' : waypoint ? 'ambient' : undefined;
}
