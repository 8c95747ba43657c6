import { describe, expect, it } from 'vitest';
import { tracesOf } from '../../client/panels/TracesPanel.tsx';
import { toJaegerTrace } from '../../server/embedded/tracing/jaeger-json.ts';
import type { SpanRecord } from '../../server/embedded/tracing/types.ts';
import { summarizeTrace, withHistory } from '../../server/hub/traces-feed.ts';
import { traceDataPlane } from '../../server/hub/trace-data-plane.ts';
import { foldTopic, MAX_TRACES, TRACES_TOPIC, type TraceSummary, type TracesSnapshot } from '../../server/protocol.ts';
import { sampleBookinfoTrace } from '../helpers/sample-spans.ts';

/** The same trace with each span's proxy kind in its node id replaced (`sidecar~…` → `<kind>~…`). */
const asProxy = (spans: SpanRecord[], kind: (nodeKind: string) => string): SpanRecord[] =>
  spans.map((s) => ({ ...s, tags: s.tags.map((t) => (t.key === 'node_id' ? { ...t, value: String(t.value).replace(/^[a-z]+~/, (m) => `${kind(m.slice(0, -1))}~`) } : t)) }));

const summary = (id: string, startTime: number, dataPlane?: TraceSummary['dataPlane']): TraceSummary => ({ traceID: id, rootService: 'gw', rootOperation: '/productpage', startTime, durationUs: 10, spanCount: 4, error: false, ...(dataPlane ? { dataPlane } : {}) });

describe('which data plane made a trace', () => {
  const sidecarTrace = sampleBookinfoTrace({ startUs: 1_000_000, reviewsVersion: 'v2' });

  it('tells sidecar, waypoint, mixed and gateway-only traces apart by the proxies in their node ids', () => {
    expect(traceDataPlane(toJaegerTrace(sidecarTrace))).toBe('sidecar');
    expect(traceDataPlane(toJaegerTrace(asProxy(sidecarTrace, (k) => (k === 'sidecar' ? 'waypoint' : k))))).toBe('ambient');
    let first = true;
    const mixed = asProxy(sidecarTrace, (k) => (k === 'sidecar' && !(first = !first) ? 'waypoint' : k));
    expect(traceDataPlane(toJaegerTrace(mixed))).toBe('mixed');
    expect(traceDataPlane(toJaegerTrace(sidecarTrace.filter((s) => String(s.tags.find((t) => t.key === 'node_id')?.value).startsWith('router~'))))).toBeUndefined();
    expect(summarizeTrace(toJaegerTrace(sidecarTrace)).dataPlane).toBe('sidecar');
  });

  it('a trace made mid-move to ambient, where productpage answered without its sidecar, is no sidecar trace', () => {
    // productpage's pod lost its sidecar: its spans are gone, and the app's own calls hang from the gateway's span.
    const nodeOf = (s: SpanRecord) => String(s.tags.find((t) => t.key === 'node_id')?.value);
    const gone = new Map(sidecarTrace.filter((s) => nodeOf(s).includes('~productpage-')).map((s) => [s.spanID, s.parentSpanID]));
    const ancestor = (id: string | undefined): string | undefined => (id && gone.has(id) ? ancestor(gone.get(id)) : id);
    const partial = sidecarTrace.filter((s) => !gone.has(s.spanID)).map((s) => ({ ...s, parentSpanID: ancestor(s.parentSpanID) }));
    expect(partial.some((s) => nodeOf(s).startsWith('sidecar~'))).toBe(true);
    expect(traceDataPlane(toJaegerTrace(partial))).toBeUndefined();
    // A failing ratings call is still a sidecar trace: every callee has its own span.
    const aborted = sampleBookinfoTrace({ startUs: 2_000_000, reviewsVersion: 'v2', ratingsStatus: 500 });
    expect(traceDataPlane(toJaegerTrace(aborted))).toBe('sidecar');
  });

  it("a feed's first look back keeps the newest traces and the newest of each data plane beyond them, oldest first", () => {
    const found = [summary('s1', 1, 'sidecar'), summary('s2', 2, 'sidecar'), summary('g', 3), ...Array.from({ length: 5 }, (_, i) => summary(`a${i}`, 10 + i, 'ambient'))];
    expect(withHistory(found, 3).map((t) => t.traceID)).toEqual(['s2', 'a2', 'a3', 'a4']);
    expect(withHistory(found, 50).map((t) => t.traceID)).toEqual(found.map((t) => t.traceID));
  });

  it('the topic keeps the newest sidecar trace after ambient traces push it off the list, and a panel still shows it', () => {
    let snap: TracesSnapshot = { traces: [] };
    const add = (t: TraceSummary) => (snap = foldTopic(TRACES_TOPIC, snap, { op: 'add', trace: t }) as TracesSnapshot);
    add(summary('old-sidecar', 1, 'sidecar'));
    add(summary('sidecar', 2, 'sidecar'));
    for (let i = 0; i < MAX_TRACES + 5; i++) add(summary(`ambient-${i}`, 10 + i, 'ambient'));
    expect(snap.traces.some((t) => t.dataPlane === 'sidecar')).toBe(false);
    expect(snap.newestByDataPlane?.sidecar?.traceID).toBe('sidecar');
    expect(snap.newestByDataPlane?.ambient?.traceID).toBe(`ambient-${MAX_TRACES + 4}`);
    // An older trace arriving late does not replace the newest of its plane.
    add(summary('late-sidecar', 0, 'sidecar'));
    expect(snap.newestByDataPlane?.sidecar?.traceID).toBe('sidecar');
    expect(tracesOf(snap, 'sidecar').map((t) => t.traceID)).toEqual(['sidecar', 'late-sidecar']);
    expect(tracesOf(snap, 'ambient')[0].traceID).toBe(`ambient-${MAX_TRACES + 4}`);
    expect(tracesOf(snap, undefined)).toBe(snap.traces);
    // A gateway-only trace is listed but belongs to no plane.
    add(summary('gateway-only', 100));
    expect(snap.traces[0].traceID).toBe('gateway-only');
    expect(tracesOf(snap, 'ambient').some((t) => t.traceID === 'gateway-only')).toBe(false);
  });
});
