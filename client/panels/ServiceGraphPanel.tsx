import { useId, useRef } from 'react';
import { GRAPH_TOPIC, type DataPlaneGraph, type GraphDataPlane, type GraphEdge, type GraphNode, type GraphSnapshot } from '../../server/protocol.ts';
import { useTopic } from '../live/index.ts';
import { Panel } from './Panel.tsx';
import { useGraphLabels } from './graph-labels.ts';

const COLUMN_X = [6, 226, 446, 652];
const BOX_W = 140;
/** Two columns: a one-service graph is not blown up to fill the panel. */
const MIN_VIEW_W = 372;
const HEADER = 24;
const ROW = 30;
const KNOWN_COLUMNS: Record<string, number> = { 'istio-ingressgateway': 0, ingress: 0, productpage: 1, details: 2, reviews: 2, ratings: 3 };
const KNOWN_ORDER = ['istio-ingressgateway', 'productpage', 'details', 'reviews', 'ratings'];
/** Waypoints sit in a lane of their own under the services, between the callers and the called. */
const WAYPOINT_X = (COLUMN_X[1] + COLUMN_X[2]) / 2;

interface Box {
  app: string;
  x: number;
  y: number;
  h: number;
  versions: { id: string; label: string; y: number }[];
  /** The node id when the app has no versions. */
  id?: string;
  waypoint?: boolean;
}

/** Fixed positions by app (ingress → productpage → details, reviews → ratings) so nothing jumps as traffic changes. */
export function layoutGraph(nodes: GraphNode[], edges: GraphEdge[] = []): { boxes: Box[]; anchor: Map<string, { x: number; y: number; box: Box }>; height: number } {
  const depth = callDepths(nodes, edges);
  const byApp = new Map<string, GraphNode[]>();
  for (const n of nodes) byApp.set(n.app, [...(byApp.get(n.app) ?? []), n]);
  const apps = [...byApp.keys()].sort((a, b) => {
    const ia = KNOWN_ORDER.indexOf(a);
    const ib = KNOWN_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  const nextY = [20, 20, 20, 20];
  const boxes: Box[] = [];
  const anchor = new Map<string, { x: number; y: number; box: Box }>();
  const waypointApps = apps.filter((a) => byApp.get(a)!.some((m) => m.kind === 'waypoint'));
  for (const app of apps) {
    const members = byApp.get(app)!;
    if (waypointApps.includes(app)) continue;
    const col = KNOWN_COLUMNS[app] ?? (members.some((m) => m.kind === 'ingress') ? 0 : Math.min(3, Math.min(...members.map((m) => depth.get(m.app) ?? 3))));
    const versioned = members.filter((m) => m.version).sort((a, b) => a.version!.localeCompare(b.version!, undefined, { numeric: true }));
    const y = nextY[col];
    const h = versioned.length ? HEADER + versioned.length * ROW + 6 : HEADER + 12;
    const box: Box = {
      app,
      x: COLUMN_X[col],
      y,
      h,
      versions: versioned.map((m, i) => ({ id: m.id, label: m.version!, y: y + HEADER + i * ROW })),
      id: versioned.length ? undefined : members[0].id,
    };
    boxes.push(box);
    nextY[col] = y + h + 24;
    for (const v of box.versions) anchor.set(v.id, { x: box.x, y: v.y + ROW / 2 - 2, box });
    for (const m of members) if (!anchor.has(m.id)) anchor.set(m.id, { x: box.x, y: y + h / 2, box });
  }
  let waypointY = Math.max(...nextY);
  for (const app of waypointApps) {
    const box: Box = { app, x: WAYPOINT_X, y: waypointY, h: HEADER + 12, versions: [], id: byApp.get(app)![0].id, waypoint: true };
    boxes.push(box);
    for (const m of byApp.get(app)!) anchor.set(m.id, { x: box.x, y: box.y + box.h / 2, box });
    waypointY += box.h + 24;
  }
  return { boxes, anchor, height: Math.max(200, waypointY) };
}

/**
 * How many calls from where traffic starts each app is (fortio 0, httpbin 1): apps the
 * talk does not place by name still read left to right. Apps in a cycle get column 3.
 */
function callDepths(nodes: GraphNode[], edges: GraphEdge[]): Map<string, number> {
  const app = new Map(nodes.map((n) => [n.id, n.app]));
  const callers = new Map<string, Set<string>>();
  for (const e of edges) {
    const [from, to] = [app.get(e.source), app.get(e.target)];
    if (!from || !to || from === to) continue;
    callers.set(to, (callers.get(to) ?? new Set()).add(from));
  }
  const depth = new Map<string, number>();
  let frontier = [...new Set(nodes.map((n) => n.app))].filter((a) => !callers.has(a));
  for (let d = 0; frontier.length && d < 4; d++) {
    for (const a of frontier) depth.set(a, d);
    frontier = [...callers.keys()].filter((a) => !depth.has(a) && [...callers.get(a)!].every((c) => depth.has(c)));
  }
  return depth;
}

/** How much traffic an edge carries: requests/s from traces, connections/s on a TCP edge. */
const edgeWeight = (e: GraphEdge) => (e.protocol === 'tcp' ? (e.tcp?.connectionsPerSecond ?? 0) : e.rps);

/** A TCP edge's label, as Kiali labels TCP traffic: connections and bytes, never requests. */
export function tcpLabel(e: GraphEdge): string {
  const t = e.tcp;
  if (!t) return 'tcp';
  const bytes = t.bytesPerSecond >= 1024 * 1024 ? `${(t.bytesPerSecond / 1024 / 1024).toFixed(1)} MB/s` : t.bytesPerSecond >= 1024 ? `${(t.bytesPerSecond / 1024).toFixed(1)} KB/s` : `${t.bytesPerSecond.toFixed(0)} B/s`;
  return `${t.connections} conn · ${bytes}${t.failedPct > 0 ? ` · ${t.failedPct.toFixed(0)}% failed` : ''}`;
}

/** Per target node, its share (%) of the traffic into its app. */
export function subsetShares(nodes: GraphNode[], edges: GraphEdge[]): Map<string, number> {
  const appOf = new Map(nodes.map((n) => [n.id, n]));
  const intoApp = new Map<string, number>();
  const intoNode = new Map<string, number>();
  for (const e of edges) {
    const n = appOf.get(e.target);
    if (!n?.version) continue;
    intoApp.set(n.app, (intoApp.get(n.app) ?? 0) + edgeWeight(e));
    intoNode.set(n.id, (intoNode.get(n.id) ?? 0) + edgeWeight(e));
  }
  const out = new Map<string, number>();
  for (const n of nodes) {
    if (!n.version) continue;
    const total = intoApp.get(n.app) ?? 0;
    out.set(n.id, total ? Math.round(((intoNode.get(n.id) ?? 0) / total) * 100) : 0);
  }
  return out;
}

export function graphSummary(prev: Map<string, number> | undefined, next: Map<string, number>): string | undefined {
  if (!prev?.size) return undefined;
  const moved = [...next].filter(([id, pct]) => Math.abs((prev.get(id) ?? 0) - pct) >= 10).map(([id, pct]) => `${id} now receives ${pct}%`);
  return moved.length ? moved.join('; ') : undefined;
}

/** Requests/s to one decimal, two below 0.1 (a call every 30 s is 0.03 rps, not "0.0 rps"). */
const rpsText = (rps: number) => (rps > 0 && rps < 0.095 ? rps.toFixed(2) : rps.toFixed(1));
const edgeText = (e: GraphEdge) => (e.protocol === 'tcp' ? tcpLabel(e) : `${rpsText(e.rps)} rps${e.errorPct > 0 ? ` · ${e.errorPct.toFixed(0)}% err` : ''}`);
const boxName = (b: Box) => (b.waypoint ? `⬡ ${b.app}` : b.app.replace(/^istio-/, ''));

/** What the label layout needs of the drawing: each box with its texts, each edge's ends and label. */
export function labelGeometry(layout: ReturnType<typeof layoutGraph>, edges: GraphEdge[], shareText: (box: Box, id: string) => string = () => '') {
  const { boxes, anchor, height } = layout;
  return {
    boxes: boxes.map((b) => ({ key: b.app, x: b.x, y: b.y, w: BOX_W, h: b.h, name: boxName(b), rows: b.versions.map((v) => ({ key: v.id, y: v.y, label: v.label, share: shareText(b, v.id) })) })),
    edges: edges.flatMap((e) => {
      const a = anchor.get(e.source);
      const b = anchor.get(e.target);
      return a && b ? [{ key: `${e.source}>${e.target}`, x1: a.box.x + BOX_W, y1: a.y, x2: b.box.x - 2, y2: b.y, text: edgeText(e) }] : [];
    }),
    minSize: { w: MIN_VIEW_W, h: height },
  };
}

/** What a panel limited to one data plane draws: the snapshot itself when it is that plane's graph, else the one kept of it. */
export function graphOfDataPlane(snapshot: GraphSnapshot | undefined, plane: GraphDataPlane): DataPlaneGraph | undefined {
  if (!snapshot) return undefined;
  if (snapshot.dataPlane === plane) return { nodes: snapshot.nodes, edges: snapshot.edges, windowSeconds: snapshot.windowSeconds, current: true };
  return snapshot.byDataPlane?.[plane];
}

/** What a panel limited to one data plane is titled, says with no graph of it, and says of a graph kept after its traffic stopped. */
const DATA_PLANE_TEXT: Record<GraphDataPlane, { title: string; empty: string; past: string }> = {
  sidecar: {
    title: 'service graph · with sidecars',
    empty: 'No traffic seen through sidecars yet: load the product page while Bookinfo runs with sidecars.',
    past: 'No traffic goes through sidecars now: this is the last graph they made.',
  },
  ambient: {
    title: 'service graph · ztunnel + waypoint',
    empty: 'No ambient traffic seen yet: load the product page once Bookinfo runs in ambient mode.',
    past: 'No ambient traffic now: this is the last graph ztunnel and the waypoint made.',
  },
};

/**
 * The Bookinfo service graph: versions as subsets of their service, HTTP edges with rps and
 * error %, TCP edges (ambient traffic only ztunnel saw) in their own style with connections
 * and bytes, and waypoints as nodes of their own. With `dataPlane`, the graph of that data
 * plane's traffic only (the last one seen, once it stopped), so two panels can set the
 * sidecar graph beside the ambient one.
 */
export function ServiceGraphPanel({ dataPlane }: { dataPlane?: GraphDataPlane } = {}) {
  const t = useTopic<GraphSnapshot>(GRAPH_TOPIC);
  const shown = dataPlane ? graphOfDataPlane(t.data, dataPlane) : t.data;
  const nodes = shown?.nodes ?? [];
  const edges = shown?.edges ?? [];
  // A kept graph says so: its traffic stopped, its figures are from then.
  const pastNote = dataPlane && shown && !(shown as DataPlaneGraph).current ? DATA_PLANE_TEXT[dataPlane].past : undefined;
  const markerId = useId().replace(/:/g, '');
  const { boxes, anchor, height } = layoutGraph(nodes, edges);
  const shares = subsetShares(nodes, edges);
  const memory = useRef<{ shares?: Map<string, number>; summary?: string; data?: unknown }>({});
  if (memory.current.data !== shown) {
    const s = graphSummary(memory.current.shares, shares);
    memory.current = { shares, summary: s ?? memory.current.summary, data: shown };
  }
  const maxRps = Math.max(1, ...edges.filter((e) => e.protocol !== 'tcp').map((e) => e.rps));
  const maxCps = Math.max(0.001, ...edges.map((e) => e.tcp?.connectionsPerSecond ?? 0));
  const shareText = (box: Box, id: string) => (box.versions.length > 1 && shares.has(id) ? `${shares.get(id)}%` : '');
  const geometry = labelGeometry({ boxes, anchor, height }, edges, shareText);
  const { svgRef, labels } = useGraphLabels(geometry.boxes, geometry.edges, geometry.minSize);
  return (
    <Panel
      kind="graph"
      className={dataPlane ? `graph-${dataPlane}` : undefined}
      title={dataPlane ? DATA_PLANE_TEXT[dataPlane].title : <>service graph{t.data ? ` · last ${t.data.windowSeconds}s` : ''}</>}
      state={t.state}
      error={t.error}
      hasData={nodes.length > 0}
      emptyText={dataPlane ? DATA_PLANE_TEXT[dataPlane].empty : 'No workloads in the mesh yet.'}
      summary={pastNote ? undefined : memory.current.summary}
    >
      {pastNote ? <p className="graph-note is-past">{pastNote}</p> : null}
      {t.data?.l4Error ? <p className="graph-note">TCP edges unavailable: {t.data.l4Error}</p> : null}
      {edges.some((e) => e.protocol === 'tcp') ? <p className="graph-note">dotted blue: TCP seen only by ztunnel (no L7, no spans) · ⬡ waypoint</p> : null}
      <svg ref={svgRef} className="graph-svg" viewBox={`0 0 ${labels.viewBox.w} ${labels.viewBox.h}`} role="img" aria-label="service graph">
        <defs>
          <marker id={`graph-arrow-${markerId}`} viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" className="graph-arrowhead" />
          </marker>
          <marker id={`graph-arrow-tcp-${markerId}`} viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" className="graph-arrowhead is-tcp" />
          </marker>
        </defs>
        {edges.map((e) => {
          const a = anchor.get(e.source);
          const b = anchor.get(e.target);
          if (!a || !b) return null;
          const x1 = a.box.x + BOX_W;
          const x2 = b.box.x - 2;
          const mid = (x1 + x2) / 2;
          const tcp = e.protocol === 'tcp';
          const idle = edgeWeight(e) <= 0;
          const failing = tcp ? (e.tcp?.failedPct ?? 0) > 0 : e.errorPct > 0;
          const at = labels.edges.get(`${e.source}>${e.target}`)!;
          const cls = `graph-edge${tcp ? ' is-tcp' : ''}${idle ? ' is-idle' : ''}${failing ? ' has-errors' : ''}`;
          const width = tcp ? 1.5 + ((e.tcp?.connectionsPerSecond ?? 0) / maxCps) * 2.5 : 1.5 + (e.rps / maxRps) * 3.5;
          return (
            <g key={`${e.source}>${e.target}`} className={cls} data-edge={`${e.source}>${e.target}`}>
              <path
                d={`M${x1},${a.y} C${mid},${a.y} ${mid},${b.y} ${x2},${b.y}`}
                style={{ strokeWidth: width }}
                markerEnd={tcp ? `url(#graph-arrow-tcp-${markerId})` : `url(#graph-arrow-${markerId})`}
              />
              <text x={at.x} y={at.y} textAnchor={at.anchor} className="graph-edge-label" style={{ fontSize: labels.edgeSize }}>
                {edgeText(e)}
              </text>
            </g>
          );
        })}
        {boxes.map((box) => (
          <g key={box.app} className={`graph-service${box.waypoint ? ' is-waypoint' : ''}`} data-app={box.app} data-node={box.id} transform={`translate(${box.x},${box.y})`}>
            <rect width={BOX_W} height={box.h} rx={box.waypoint ? 18 : 8} className="graph-service-box" />
            <text x={10} y={17} className="graph-service-name" style={{ fontSize: labels.nameSize }}>
              {labels.names.get(box.app)!.full && <title>{labels.names.get(box.app)!.full}</title>}
              {labels.names.get(box.app)!.text}
            </text>
            {box.versions.map((v) => (
              <g key={v.id} className={`graph-subset series-${v.label}`} data-node={v.id}>
                <rect x={8} y={v.y - box.y} width={BOX_W - 16} height={ROW - 6} rx={5} />
                <text x={18} y={v.y - box.y + 17} style={{ fontSize: labels.rowSize }}>
                  {v.label}
                </text>
                <text x={BOX_W - 14} y={v.y - box.y + 17} textAnchor="end" className="graph-share" style={{ fontSize: labels.rowSize }}>
                  {shareText(box, v.id)}
                </text>
              </g>
            ))}
          </g>
        ))}
      </svg>
    </Panel>
  );
}
