import { useEffect, useState } from 'react';
import { TRACES_TOPIC, type JaegerResponse, type JaegerSpan, type JaegerTrace, type TraceDataPlane, type TraceSummary, type TracesChange, type TracesSnapshot } from '../../server/protocol.ts';
import { useTopic } from '../live/index.ts';
import { Panel } from './Panel.tsx';
import { useTraceDetail } from './trace-loader.ts';
import { useSlide } from '../slide-context.ts';

export interface GanttRow {
  id: string;
  service: string;
  operation: string;
  depth: number;
  offsetUs: number;
  durationUs: number;
  error: boolean;
}

/** Spans in tree order (children by start time), with depth and offset from the trace start. */
/**
 * What a trace's root asked for, short: Envoy names the gateway's span
 * `productpage.default.svc.cluster.local:9080/productpage`; the list shows `/productpage`.
 */
export function requestPath(operation: string): string {
  const m = /^[a-z0-9.-]+(?::\d+)?(\/.*)$/i.exec(operation);
  return m ? m[1] : operation || '(unnamed)';
}

export function ganttRows(trace: JaegerTrace): { rows: GanttRow[]; totalUs: number } {
  const spans = trace.spans ?? [];
  if (!spans.length) return { rows: [], totalUs: 0 };
  const ids = new Set(spans.map((s) => s.spanID));
  const children = new Map<string, JaegerSpan[]>();
  const roots: JaegerSpan[] = [];
  for (const s of spans) {
    const parent = s.references?.find((r) => r.refType === 'CHILD_OF' && ids.has(r.spanID))?.spanID;
    if (parent) children.set(parent, [...(children.get(parent) ?? []), s]);
    else roots.push(s);
  }
  const start = Math.min(...spans.map((s) => s.startTime));
  const end = Math.max(...spans.map((s) => s.startTime + s.duration));
  const rows: GanttRow[] = [];
  const walk = (s: JaegerSpan, depth: number) => {
    rows.push({
      id: s.spanID,
      service: trace.processes?.[s.processID]?.serviceName ?? s.processID,
      operation: s.operationName,
      depth,
      offsetUs: s.startTime - start,
      durationUs: s.duration,
      error: !!s.tags?.some((t) => t.key === 'error' && (t.value === true || t.value === 'true')),
    });
    for (const c of (children.get(s.spanID) ?? []).sort((a, b) => a.startTime - b.startTime)) walk(c, depth + 1);
  };
  for (const r of roots.sort((a, b) => a.startTime - b.startTime)) walk(r, 0);
  return { rows, totalUs: end - start };
}

export const ms = (us: number) => (us >= 1_000_000 ? `${(us / 1_000_000).toFixed(2)} s` : `${(us / 1000).toFixed(us < 10_000 ? 1 : 0)} ms`);

function Gantt({ traceID }: { traceID: string }) {
  const loaded = useTraceDetail(traceID);
  if (!loaded) return <div className="panel-placeholder">Loading trace {traceID.slice(0, 8)}…</div>;
  if ('error' in loaded) return <div className="panel-note is-error">Trace {loaded.id.slice(0, 8)}: {loaded.error}</div>;
  const { trace } = loaded;
  const { rows, totalUs } = ganttRows(trace);
  return (
    <div className="gantt" data-trace={loaded.id}>
      <div className="gantt-scale">
        <span>0</span>
        <span>{ms(totalUs / 2)}</span>
        <span>{ms(totalUs)}</span>
      </div>
      {rows.map((r) => (
        <div key={r.id} className={`gantt-row${r.error ? ' is-error' : ''}`}>
          <span className="gantt-label" style={{ paddingLeft: `${r.depth * 0.8}em` }} title={`${r.service}: ${r.operation}`}>
            <strong>{r.service}</strong> {r.operation}
          </span>
          <span className="gantt-track">
            <span
              className="gantt-bar"
              style={{ left: `${totalUs ? (r.offsetUs / totalUs) * 100 : 0}%`, width: `${totalUs ? Math.max(0.4, (r.durationUs / totalUs) * 100) : 100}%` }}
            />
            <span className="gantt-duration" style={{ left: `${totalUs ? Math.min(85, (r.offsetUs / totalUs) * 100) : 0}%` }}>
              {ms(r.durationUs)}
            </span>
          </span>
        </div>
      ))}
    </div>
  );
}

/** What a panel limited to one data plane is titled, and says while it has no trace of it. */
const DATA_PLANE_TEXT: Record<TraceDataPlane, { title: string; empty: string }> = {
  sidecar: { title: 'traces · with sidecars', empty: 'No trace made with sidecars yet: load the product page while Bookinfo runs with sidecars.' },
  ambient: { title: 'traces · ztunnel + waypoint', empty: 'No trace made through a waypoint yet: load the product page once the namespace uses a waypoint.' },
  mixed: { title: 'traces · sidecars and waypoints', empty: 'No trace through both sidecars and a waypoint yet.' },
};

/**
 * The traces of one data plane, newest first: those still listed, and the newest one of that
 * plane the topic kept after newer traces pushed it off the list.
 */
export function tracesOf(snapshot: TracesSnapshot | undefined, dataPlane: TraceDataPlane | undefined): TraceSummary[] {
  const traces = snapshot?.traces ?? [];
  if (!dataPlane) return traces;
  const listed = traces.filter((t) => t.dataPlane === dataPlane);
  const kept = snapshot?.newestByDataPlane?.[dataPlane];
  return kept && !listed.some((t) => t.traceID === kept.traceID) ? [kept, ...listed] : listed;
}

/**
 * Recent traces, and the timeline of the one selected (the newest until the viewer picks one).
 * With `dataPlane`, only the traces made by that data plane's proxies, so two panels can set
 * a sidecar trace beside an ambient one.
 */
export function TracesPanel({ dataPlane }: { dataPlane?: TraceDataPlane } = {}) {
  const t = useTopic<TracesSnapshot>(TRACES_TOPIC);
  const traces = tracesOf(t.data, dataPlane);
  // The picked trace stays open (and listed) after newer traces push it out of the list.
  const [picked, setPicked] = useState<TraceSummary>();
  // While the pointer is over the list it holds still, so the presenter can click a trace.
  const [held, setHeld] = useState<TraceSummary[]>();
  // A pick belongs to the moment it was made: back on this slide later, the panel follows the newest again.
  const { isCurrent } = useSlide();
  useEffect(() => {
    if (!isCurrent) {
      setPicked(undefined);
      setHeld(undefined);
    }
  }, [isCurrent]);
  // Two panels side by side share the slide with a graph: each lists fewer.
  const max = dataPlane ? 4 : 12;
  const newest = held ?? traces.slice(0, max);
  const listed = picked && !newest.some((x) => x.traceID === picked.traceID) ? [picked, ...newest.slice(0, max - 1)] : newest;
  const selected = picked?.traceID ?? traces[0]?.traceID;
  const lastChange = t.lastChange as TracesChange | undefined;
  const change = lastChange && (!dataPlane || lastChange.trace.dataPlane === dataPlane) ? lastChange : undefined;
  const summary = change ? `new trace ${requestPath(change.trace.rootOperation)}${change.trace.user ? ` as ${change.trace.user}` : ''}: ${ms(change.trace.durationUs)}${change.trace.error ? ', with errors' : ''}` : undefined;
  return (
    <Panel
      kind="traces"
      className={dataPlane ? `traces-${dataPlane}` : undefined}
      title={dataPlane ? DATA_PLANE_TEXT[dataPlane].title : 'traces'}
      state={t.state}
      error={t.error}
      hasData={traces.length > 0}
      emptyText={dataPlane ? DATA_PLANE_TEXT[dataPlane].empty : 'No traces yet: send some requests to the product page.'}
      summary={summary}
    >
      <div className="traces-layout">
        <ul className="trace-list" aria-label="recent traces" onPointerEnter={() => setHeld(traces.slice(0, max))} onPointerLeave={() => setHeld(undefined)}>
          {listed.map((tr: TraceSummary) => (
            <li key={tr.traceID}>
              {/* Clicking the open trace again goes back to following the newest one. */}
              <button type="button" data-trace={tr.traceID} aria-pressed={tr.traceID === selected} className={`trace-item${tr.error ? ' is-error' : ''}`} onClick={() => setPicked(picked?.traceID === tr.traceID ? undefined : tr)}>
                <span title={`${tr.rootService} ${tr.rootOperation}`}>
                  {requestPath(tr.rootOperation)}
                  {tr.user ? ` · ${tr.user}` : ''}
                </span>
                <span className="trace-meta">
                  {ms(tr.durationUs)} · {tr.spanCount} spans
                </span>
              </button>
            </li>
          ))}
        </ul>
        {selected && <Gantt traceID={selected} />}
      </div>
    </Panel>
  );
}
