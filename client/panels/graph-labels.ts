/**
 * Labels of a drawn graph that the back row can read: sizes that stay at least 14 px as
 * the drawing is scaled onto the slide, names shortened to fit their box (the full name
 * goes in a tooltip), and edge labels placed where they overlap no other text and stay
 * inside the drawing.
 */
import { useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';

/** The smallest text a room can read on the 1280×800 slide. */
export const MIN_LABEL_PX = 14;
/** A system-ui character is at most this many em wide on average (digits, lower case). */
const CHAR_EM = 0.6;

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type Anchor = 'start' | 'middle' | 'end';

/** How wide `text` is drawn at `size`, generously, so a label placed by it never touches another. */
export const textWidth = (text: string, size: number) => text.length * size * CHAR_EM;

/** The box of a label drawn at (x, baseline y) with an SVG text-anchor. */
export function labelRect(text: string, size: number, x: number, y: number, anchor: Anchor): Rect {
  const w = textWidth(text, size);
  const left = anchor === 'start' ? x : anchor === 'end' ? x - w : x - w / 2;
  return { x: left, y: y - size, w, h: size * 1.25 };
}

const overlaps = (a: Rect, b: Rect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
const inside = (r: Rect, bounds: Rect) => r.x >= bounds.x && r.y >= bounds.y && r.x + r.w <= bounds.x + bounds.w && r.y + r.h <= bounds.y + bounds.h;

export interface LabelCandidate {
  x: number;
  y: number;
  anchor: Anchor;
}

export interface PlacedLabel extends LabelCandidate {
  rect: Rect;
}

/**
 * Places each label at its first candidate that overlaps neither the fixed text, nor a label
 * placed before it, nor an `avoid` area (the drawing's boxes), and lies inside `bounds`; with
 * none free, the first candidate moved down a line at a time until no text is in its way (the
 * caller grows the drawing to hold it).
 */
export function placeLabels(labels: { text: string; candidates: LabelCandidate[] }[], size: number, fixed: Rect[], bounds: Rect, avoid: Rect[] = []): PlacedLabel[] {
  const taken = [...fixed];
  return labels.map(({ text, candidates }) => {
    const free = (c: LabelCandidate) => {
      const rect = labelRect(text, size, c.x, c.y, c.anchor);
      return inside(rect, bounds) && !taken.some((t) => overlaps(t, rect)) && !avoid.some((a) => overlaps(a, rect)) ? rect : undefined;
    };
    let chosen: PlacedLabel | undefined;
    for (const c of candidates) {
      const rect = free(c);
      if (rect) {
        chosen = { ...c, rect };
        break;
      }
    }
    if (!chosen) {
      const first = candidates[0];
      const w = textWidth(text, size);
      // Pulled inside the drawing sideways first, then down until nothing is in the way.
      const minX = bounds.x + (first.anchor === 'start' ? 0 : first.anchor === 'end' ? w : w / 2);
      const maxX = bounds.x + bounds.w - (first.anchor === 'start' ? w : first.anchor === 'end' ? 0 : w / 2);
      const x = Math.min(Math.max(first.x, minX), maxX);
      let y = Math.max(first.y, bounds.y + size);
      for (let step = 0; step < 40 && taken.some((t) => overlaps(t, labelRect(text, size, x, y, first.anchor))); step++) y += size * 1.3;
      chosen = { x, y, anchor: first.anchor, rect: labelRect(text, size, x, y, first.anchor) };
    }
    taken.push(chosen.rect);
    return chosen;
  });
}

/** A name cut to `maxChars` with an ellipsis; `full` is set when it was cut (for the tooltip). */
export function shortenName(name: string, maxChars: number): { text: string; full?: string } {
  if (name.length <= maxChars) return { text: name };
  return { text: `${name.slice(0, Math.max(1, maxChars - 1))}…`, full: name };
}

/** The most characters of a label that fit `width` at `size`. */
export const charsThatFit = (width: number, size: number) => Math.max(3, Math.floor(width / (size * CHAR_EM)));

/** A size in drawing units that is drawn at least MIN_LABEL_PX on the slide. */
export const legibleSize = (base: number, slidePxPerUnit: number) => Math.max(base, MIN_LABEL_PX / (slidePxPerUnit || 1));

/**
 * Slide px per drawing unit of an SVG showing a `viewBoxWidth`×`viewBoxHeight` viewBox: its
 * laid-out size (CSS px, which reveal's scaling leaves alone) over the viewBox's, the
 * smaller of the two as the drawing is fitted inside.
 */
export function useSlidePxPerUnit(svg: RefObject<SVGSVGElement | null>, viewBoxWidth: number, viewBoxHeight: number): number {
  const [size, setSize] = useState({ w: 0, h: 0 });
  const observed = useRef<{ el: SVGSVGElement; observer: ResizeObserver }>(undefined);
  // Checked after every render: the drawing mounts only once its panel has data, later than the
  // panel itself, and a ref object does not change when the element it holds does.
  useLayoutEffect(() => {
    const el = svg.current;
    if (observed.current?.el === el) return;
    observed.current?.observer.disconnect();
    observed.current = undefined;
    if (!el) return;
    const read = () => setSize((prev) => (prev.w === el.clientWidth && prev.h === el.clientHeight ? prev : { w: el.clientWidth, h: el.clientHeight }));
    read();
    if (typeof ResizeObserver === 'undefined') return; // read once where a resize cannot be watched
    const observer = new ResizeObserver(read);
    observer.observe(el);
    observed.current = { el, observer };
  });
  useEffect(() => () => observed.current?.observer.disconnect(), []);
  if (!size.w || !size.h) return 1;
  return Math.min(size.w / viewBoxWidth, size.h / viewBoxHeight);
}

export interface GraphBoxGeometry {
  key: string;
  x: number;
  y: number;
  w: number;
  h: number;
  /** The box's title, drawn at (x + 10, y + 17). */
  name: string;
  /** Rows inside the box, their labels drawn at (x + 18, rowY + 17) and their shares end-anchored at (x + w - 14, rowY + 17). */
  rows: { key: string; y: number; label: string; share?: string }[];
}

export interface GraphEdgeGeometry {
  key: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  text: string;
}

export interface GraphLabelLayout {
  viewBox: { w: number; h: number };
  nameSize: number;
  rowSize: number;
  edgeSize: number;
  /** Each box's title as drawn, shortened to fit the box (`full` for its tooltip). */
  names: Map<string, { text: string; full?: string }>;
  edges: Map<string, PlacedLabel>;
}

const NAME_PX = 14;
const ROW_PX = 14;
const EDGE_PX = 14;
const MARGIN = 8;

/**
 * Where a service graph's labels go: the viewBox fitted to the boxes (a two-service graph
 * is drawn as large as a five-service one), sizes legible at `slidePxPerUnit`, and each
 * edge's label near its arrow head, or its tail, or the middle, wherever it is free.
 */
export function layoutGraphLabels(boxes: GraphBoxGeometry[], edges: GraphEdgeGeometry[], slidePxPerUnit: number, minSize = { w: 0, h: 0 }): GraphLabelLayout {
  const nameSize = legibleSize(NAME_PX, slidePxPerUnit);
  const rowSize = legibleSize(ROW_PX, slidePxPerUnit);
  const edgeSize = legibleSize(EDGE_PX, slidePxPerUnit);
  const w = Math.max(minSize.w, ...boxes.map((b) => b.x + b.w + MARGIN));
  const h = Math.max(minSize.h, ...boxes.map((b) => b.y + b.h + MARGIN));
  const names = new Map(boxes.map((b) => [b.key, shortenName(b.name, charsThatFit(b.w - 16, nameSize))]));
  const fixed: Rect[] = boxes.flatMap((b) => [
    labelRect(names.get(b.key)!.text, nameSize, b.x + 10, b.y + 17, 'start'),
    ...b.rows.map((r) => labelRect(r.label, rowSize, b.x + 18, r.y + 17, 'start')),
    ...b.rows.filter((r) => r.share).map((r) => labelRect(r.share!, rowSize, b.x + b.w - 14, r.y + 17, 'end')),
  ]);
  const line = edgeSize * 1.3;
  const wanted = edges.map((e) => ({
    text: e.text,
    candidates: [
      { x: e.x2 - 8, y: e.y2 - 7, anchor: 'end' as const },
      { x: e.x2 - 8, y: e.y2 + edgeSize + 4, anchor: 'end' as const },
      { x: e.x1 + 8, y: e.y1 - 7, anchor: 'start' as const },
      { x: e.x1 + 8, y: e.y1 + edgeSize + 4, anchor: 'start' as const },
      { x: (e.x1 + e.x2) / 2, y: (e.y1 + e.y2) / 2 - 6, anchor: 'middle' as const },
      { x: e.x2 - 8, y: e.y2 - 7 - line, anchor: 'end' as const },
      { x: e.x2 - 8, y: e.y2 + edgeSize + 4 + line, anchor: 'end' as const },
    ],
  }));
  const placed = placeLabels(wanted, edgeSize, fixed, { x: 0, y: 0, w, h }, boxes.map((b) => ({ x: b.x, y: b.y, w: b.w, h: b.h })));
  const bottom = Math.max(h, ...placed.map((p) => p.rect.y + p.rect.h + 2));
  return { viewBox: { w, h: bottom }, nameSize, rowSize, edgeSize, names, edges: new Map(edges.map((e, i) => [e.key, placed[i]])) };
}

/** The panel's hook: a ref for its <svg> and the label layout at the scale that SVG is drawn. */
export function useGraphLabels(boxes: GraphBoxGeometry[], edges: GraphEdgeGeometry[], minSize: { w: number; h: number }): { svgRef: RefObject<SVGSVGElement | null>; labels: GraphLabelLayout } {
  const svgRef = useRef<SVGSVGElement | null>(null);
  const first = layoutGraphLabels(boxes, edges, 1, minSize);
  const scale = useSlidePxPerUnit(svgRef, first.viewBox.w, first.viewBox.h);
  return { svgRef, labels: scale === 1 ? first : layoutGraphLabels(boxes, edges, scale, minSize) };
}
