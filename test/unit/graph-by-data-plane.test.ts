import { describe, expect, it } from 'vitest';
import { graphOfDataPlane } from '../../client/panels/ServiceGraphPanel.tsx';
import { toJaegerTrace } from '../../server/embedded/tracing/jaeger-json.ts';
import type { SpanRecord } from '../../server/embedded/tracing/types.ts';
import { DataPlaneGraphs, tracesByDataPlane } from '../../server/hub/graph-by-data-plane.ts';
import type { GraphSnapshot } from '../../server/protocol.ts';
import { sampleBookinfoTrace } from '../helpers/sample-spans.ts';

const nodeKind = (s: SpanRecord) => String(s.tags.find((t) => t.key === 'node_id')?.value).split('~')[0];
const sidecarTrace = () => toJaegerTrace(sampleBookinfoTrace({ startUs: 1_000_000, reviewsVersion: 'v2' }));
const waypointTrace = () => toJaegerTrace(sampleBookinfoTrace({ startUs: 2_000_000 }).map((s) => ({ ...s, tags: s.tags.map((t) => (t.key === 'node_id' ? { ...t, value: String(t.value).replace(/^sidecar~/, 'waypoint~') } : t)) })));
const gatewayOnly = () => toJaegerTrace(sampleBookinfoTrace({ startUs: 3_000_000 }).filter((s) => nodeKind(s) === 'router'));

const graph = (ids: string[], edges = ids.length - 1): GraphSnapshot => ({
  nodes: ids.map((id) => ({ id, app: id, namespace: 'default', kind: 'workload' as const })),
  edges: Array.from({ length: Math.max(0, edges) }, (_, i) => ({ source: ids[i], target: ids[i + 1], rps: 1, errorPct: 0, p99Ms: 1 })),
  windowSeconds: 30,
});
const EMPTY = graph([]);

describe("each data plane's graph", () => {
  it('draws sidecar traces into the sidecar graph, waypoint traces into the ambient one, and gateway-only traces where ambient traffic is seen', () => {
    const [s, w, g] = [sidecarTrace(), waypointTrace(), gatewayOnly()];
    expect(tracesByDataPlane([s, g], false)).toEqual({ sidecar: [s, g], ambient: [] });
    // An ambient pod without a waypoint makes no span: only ztunnel's connections say the traffic is ambient.
    expect(tracesByDataPlane([g], true)).toEqual({ sidecar: [], ambient: [g] });
    expect(tracesByDataPlane([s, w, g], false)).toEqual({ sidecar: [s], ambient: [w, g] });
  });

  it('a snapshot of one plane is that plane’s graph; after the switch the other plane’s last graph rides along, marked as past', () => {
    const planes = new DataPlaneGraphs();
    const sidecar = graph(['gateway', 'productpage-v1', 'reviews-v2']);
    const first = planes.attach(sidecar, { sidecar, ambient: EMPTY });
    expect(first.dataPlane).toBe('sidecar');
    expect(first.byDataPlane).toBeUndefined(); // nothing sent twice
    expect(graphOfDataPlane(first, 'sidecar')).toMatchObject({ current: true, nodes: sidecar.nodes });
    expect(graphOfDataPlane(first, 'ambient')).toBeUndefined();

    const ambient = graph(['gateway', 'waypoint', 'reviews-v1']);
    const after = planes.attach(ambient, { sidecar: EMPTY, ambient });
    expect(after.dataPlane).toBe('ambient');
    expect(graphOfDataPlane(after, 'ambient')).toMatchObject({ current: true, nodes: ambient.nodes });
    expect(graphOfDataPlane(after, 'sidecar')).toMatchObject({ current: false, nodes: sidecar.nodes, edges: sidecar.edges });

    // No traffic at all: both graphs kept, neither current.
    const idle = planes.attach(EMPTY, { sidecar: EMPTY, ambient: EMPTY });
    expect(idle.dataPlane).toBeUndefined();
    expect(graphOfDataPlane(idle, 'sidecar')?.current).toBe(false);
    expect(graphOfDataPlane(idle, 'ambient')).toMatchObject({ current: false, nodes: ambient.nodes });
  });

  it('while both planes carry traffic, both are current', () => {
    const planes = new DataPlaneGraphs();
    const [sidecar, ambient] = [graph(['a', 'b']), graph(['c', 'waypoint'])];
    const both = planes.attach(graph(['a', 'b', 'c', 'waypoint'], 3), { sidecar, ambient });
    expect(both.dataPlane).toBeUndefined();
    expect(graphOfDataPlane(both, 'sidecar')).toMatchObject({ current: true, nodes: sidecar.nodes });
    expect(graphOfDataPlane(both, 'ambient')).toMatchObject({ current: true, nodes: ambient.nodes });
  });

  it('a graph from older traces fills in a plane only until a live one is seen', () => {
    const planes = new DataPlaneGraphs();
    expect(planes.unknown()).toEqual(['sidecar', 'ambient']);
    planes.rememberPast('sidecar', graph(['old-a', 'old-b']));
    planes.rememberPast('ambient', EMPTY); // nothing drawn: still unknown
    expect(planes.unknown()).toEqual(['ambient']);
    const live = graph(['a', 'b']);
    planes.attach(live, { sidecar: live, ambient: EMPTY });
    planes.rememberPast('sidecar', graph(['older']));
    const idle = planes.attach(EMPTY, { sidecar: EMPTY, ambient: EMPTY });
    expect(graphOfDataPlane(idle, 'sidecar')?.nodes.map((n) => n.id)).toEqual(['a', 'b']);
  });
});
