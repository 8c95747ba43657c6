import { describe, expect, it } from 'vitest';
import { labelRect, layoutGraphLabels, MIN_LABEL_PX, shortenName, type GraphLabelLayout, type Rect } from '../../client/panels/graph-labels.ts';
import { labelGeometry, layoutGraph } from '../../client/panels/ServiceGraphPanel.tsx';
import type { GraphEdge, GraphNode } from '../../server/protocol.ts';

const node = (id: string, app: string, version?: string, kind: GraphNode['kind'] = 'workload'): GraphNode => ({ id, app, ...(version ? { version } : {}), namespace: 'default', kind });
const edge = (source: string, target: string, rps: number, errorPct = 0): GraphEdge => ({ source, target, rps, errorPct, p99Ms: 1 });
const overlaps = (a: Rect, b: Rect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** Every text the graph draws, as the label layout sees it: box names, rows, shares, edge labels. */
function drawnTexts(nodes: GraphNode[], edges: GraphEdge[], scale: number): { labels: GraphLabelLayout; texts: Array<{ what: string; rect: Rect }> } {
  const geometry = labelGeometry(layoutGraph(nodes, edges), edges);
  const labels = layoutGraphLabels(geometry.boxes, geometry.edges, scale, geometry.minSize);
  const texts = [
    ...geometry.boxes.flatMap((b) => [
      { what: `name of ${b.key}`, rect: labelRect(labels.names.get(b.key)!.text, labels.nameSize, b.x + 10, b.y + 17, 'start') },
      ...b.rows.map((r) => ({ what: `row ${r.key}`, rect: labelRect(r.label, labels.rowSize, b.x + 18, r.y + 17, 'start') })),
    ]),
    ...geometry.edges.map((e) => ({ what: `edge ${e.key}`, rect: labels.edges.get(e.key)!.rect })),
  ];
  return { labels, texts };
}

function collisions(texts: Array<{ what: string; rect: Rect }>): string[] {
  const found: string[] = [];
  for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) if (overlaps(texts[i].rect, texts[j].rect)) found.push(`${texts[i].what} × ${texts[j].what}`);
  return found;
}

const outside = (texts: Array<{ what: string; rect: Rect }>, view: { w: number; h: number }) =>
  texts.filter(({ rect: r }) => r.x < 0 || r.y < 0 || r.x + r.w > view.w || r.y + r.h > view.h).map((t) => t.what);

const BOOKINFO_NODES = [
  node('istio-ingressgateway', 'istio-ingressgateway', undefined, 'ingress'),
  node('productpage-v1', 'productpage', 'v1'),
  node('details-v1', 'details', 'v1'),
  node('reviews-v1', 'reviews', 'v1'),
  node('reviews-v2', 'reviews', 'v2'),
  node('reviews-v3', 'reviews', 'v3'),
  node('ratings-v1', 'ratings', 'v1'),
];
const BOOKINFO_EDGES = [
  edge('istio-ingressgateway', 'productpage-v1', 12.3, 50),
  edge('productpage-v1', 'details-v1', 12.3),
  edge('productpage-v1', 'reviews-v1', 4.1),
  edge('productpage-v1', 'reviews-v2', 4.1),
  edge('productpage-v1', 'reviews-v3', 4.1, 100),
  edge('reviews-v2', 'ratings-v1', 4.1),
  edge('reviews-v3', 'ratings-v1', 4.1, 100),
];

describe('service graph labels', () => {
  it('two edges into the same service get labels apart, inside the drawing', () => {
    const nodes = [node('fortio', 'fortio'), node('sleep', 'sleep'), node('httpbin', 'httpbin')];
    const edges = [edge('fortio', 'httpbin', 9.5, 40), edge('sleep', 'httpbin', 0.2)];
    const { labels, texts } = drawnTexts(nodes, edges, 1.5);
    expect(collisions(texts)).toEqual([]);
    expect(outside(texts, labels.viewBox)).toEqual([]);
  });

  it('the whole Bookinfo graph, drawn small (half a slide) and full width: no label over another, none outside', () => {
    for (const scale of [0.76, 1.5]) {
      const { labels, texts } = drawnTexts(BOOKINFO_NODES, BOOKINFO_EDGES, scale);
      expect(collisions(texts), `at ${scale} slide px per unit`).toEqual([]);
      expect(outside(texts, labels.viewBox), `at ${scale} slide px per unit`).toEqual([]);
    }
  });

  it('labels are drawn at least 14 px on the slide however small the drawing is scaled', () => {
    for (const scale of [0.5, 0.76, 1, 2]) {
      const geometry = labelGeometry(layoutGraph(BOOKINFO_NODES, BOOKINFO_EDGES), BOOKINFO_EDGES);
      const labels = layoutGraphLabels(geometry.boxes, geometry.edges, scale, geometry.minSize);
      for (const size of [labels.nameSize, labels.rowSize, labels.edgeSize]) expect(size * scale).toBeGreaterThanOrEqual(MIN_LABEL_PX);
    }
  });

  it('a name too long for its box is cut with an ellipsis and keeps the full name for the tooltip', () => {
    expect(shortenName('ingressgateway', 8)).toEqual({ text: 'ingress…', full: 'ingressgateway' });
    expect(shortenName('details', 8)).toEqual({ text: 'details' });
    const geometry = labelGeometry(layoutGraph(BOOKINFO_NODES, BOOKINFO_EDGES), BOOKINFO_EDGES);
    const small = layoutGraphLabels(geometry.boxes, geometry.edges, 0.5, geometry.minSize);
    expect(small.names.get('istio-ingressgateway')).toEqual({ text: expect.stringMatching(/^ingres.*…$/), full: 'ingressgateway' });
  });

  it('the drawing is only as wide as its services: two services are not drawn in a four-column frame', () => {
    const nodes = [node('fortio', 'fortio'), node('httpbin', 'httpbin')];
    const geometry = labelGeometry(layoutGraph(nodes, [edge('fortio', 'httpbin', 1)]), [edge('fortio', 'httpbin', 1)]);
    expect(layoutGraphLabels(geometry.boxes, geometry.edges, 1, geometry.minSize).viewBox.w).toBeLessThan(400);
    const full = labelGeometry(layoutGraph(BOOKINFO_NODES, BOOKINFO_EDGES), BOOKINFO_EDGES);
    expect(layoutGraphLabels(full.boxes, full.edges, 1, full.minSize).viewBox.w).toBeGreaterThan(790);
  });
});
