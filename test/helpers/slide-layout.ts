/**
 * What the back row would notice on the current slide, measured in the page in slide
 * coordinates (reveal scales the 1280×800 slide to the window, so every rectangle is divided
 * by that scale): elements past the slide's edges, elements under the status bar (with
 * anything it shows outside its own box, such as a status message), a status message
 * outside the bar, text smaller than the legible minimum, and SVG labels that overlap or are
 * cut by their drawing.
 */
import type { Page } from 'playwright-core';

export const SLIDE_W = 1280;
export const SLIDE_H = 800;
/** The smallest text a room can read on a 1280×800 slide. */
export const MIN_TEXT_PX = 14;

export interface LayoutProblem {
  kind: 'outside' | 'under-status-bar' | 'status-message-outside-bar' | 'small-text' | 'label-overlap' | 'label-cut';
  /** What the problem is, in the words of the report ("element … is 41 px outside"). */
  text: string;
  /** How bad, in slide px, for choosing the worst slides to photograph. */
  px: number;
}

export interface SlideMeasure {
  problems: LayoutProblem[];
  /** The bottom of the slide's content, in slide px: how full a slide with no problem is. */
  lowest: number;
  /** The status bar's message as shown (its full text on hover), if it shows one. */
  statusMessage?: { text: string; title: string };
}

interface MeasureArgs {
  width: number;
  height: number;
  minText: number;
}

/** Runs in the page: every problem on `section.present`. */
function measureInPage({ width, height, minText }: MeasureArgs): SlideMeasure {
  const problems: LayoutProblem[] = [];
  const slides = document.querySelector('.reveal .slides') as HTMLElement;
  const section = document.querySelector('.reveal .slides > section.present') as HTMLElement | null;
  if (!slides || !section) return { problems: [{ kind: 'outside', text: 'no current slide', px: 0 }], lowest: 0 };
  const origin = slides.getBoundingClientRect();
  const scale = origin.width / width;
  type R = { l: number; t: number; r: number; b: number };
  const toSlide = (d: DOMRect): R => ({ l: (d.left - origin.left) / scale, t: (d.top - origin.top) / scale, r: (d.right - origin.left) / scale, b: (d.bottom - origin.top) / scale });
  const cut = (a: R, b: R): R => ({ l: Math.max(a.l, b.l), t: Math.max(a.t, b.t), r: Math.min(a.r, b.r), b: Math.min(a.b, b.b) });
  const empty = (a: R) => a.r - a.l < 0.5 || a.b - a.t < 0.5;
  const round = (n: number) => Math.round(n);
  const describe = (el: Element): string => {
    const cls = typeof el.className === 'string' ? el.className : el.getAttribute('class') ?? '';
    const first = cls.split(/\s+/).filter(Boolean).slice(0, 2).map((c) => `.${c}`).join('');
    const panel = el.closest('[data-panel]')?.getAttribute('data-panel');
    const words = (el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 40);
    return `${el.tagName.toLowerCase()}${first}${panel ? ` in the ${panel} panel` : ''}${words ? ` "${words}"` : ''}`;
  };
  const visible = (el: Element) => el.checkVisibility({ opacityProperty: true, visibilityProperty: true });

  // What of an element can be seen: its box cut by every clipping ancestor (scroll boxes, overflow hidden).
  const clipCache = new Map<Element, R>();
  const slideBox: R = { l: -1e6, t: -1e6, r: 1e6, b: 1e6 };
  const clipOf = (el: Element | null): R => {
    if (!el || el === section.parentElement) return slideBox;
    const known = clipCache.get(el);
    if (known) return known;
    let clip = clipOf(el.parentElement);
    const style = getComputedStyle(el);
    if (el !== section && (style.overflowX !== 'visible' || style.overflowY !== 'visible') && !(el instanceof SVGElement && !(el instanceof SVGSVGElement))) {
      clip = cut(clip, toSlide(el.getBoundingClientRect()));
    }
    clipCache.set(el, clip);
    return clip;
  };
  const seen = (el: Element): R => cut(toSlide(el.getBoundingClientRect()), clipOf(el.parentElement));

  // 1. Past the slide's edges: report the outermost element only, not each of its children.
  const reported: Element[] = [];
  for (const el of [section, ...section.querySelectorAll('*')]) {
    if (el.closest('iframe') && el.tagName !== 'IFRAME') continue;
    if (reported.some((r) => r.contains(el)) || !visible(el)) continue;
    const r = seen(el);
    if (empty(r)) continue;
    const out = Math.max(-r.l, -r.t, r.r - width, r.b - height);
    if (out > 1) {
      reported.push(el);
      problems.push({ kind: 'outside', text: `element ${describe(el)} is ${round(out)} px outside`, px: out });
    }
  }

  // 2. Under the status bar (it is fixed over the bottom of the window): its own box, and
  // whatever of it lies outside that box (a message shown above it covers the slide as much).
  // Parts fixed elsewhere (the cluster banner at the top) are not the bar.
  const bar = document.querySelector('.deck-status');
  const barBoxes: R[] = [];
  let statusMessage: SlideMeasure['statusMessage'];
  if (bar && visible(bar)) {
    const own = toSlide(bar.getBoundingClientRect());
    barBoxes.push(own);
    const parts = [...bar.querySelectorAll('*')];
    const fixed = parts.filter((el) => getComputedStyle(el).position === 'fixed');
    for (const el of parts) {
      if (!visible(el) || fixed.some((f) => f.contains(el))) continue;
      const r = toSlide(el.getBoundingClientRect());
      const beyond = Math.max(own.l - r.l, own.t - r.t, r.r - own.r, r.b - own.b);
      if (empty(r) || beyond <= 1) continue;
      barBoxes.push(r);
      if (el.classList.contains('deck-status-message')) {
        problems.push({ kind: 'status-message-outside-bar', text: `status message ${describe(el)} lies ${round(beyond)} px outside the status bar`, px: beyond });
      }
    }
    const message = bar.querySelector('.deck-status-message');
    if (message && visible(message)) statusMessage = { text: message.textContent ?? '', title: message.getAttribute('title') ?? '' };
  }
  const underBar = (r: R) => Math.max(0, ...barBoxes.map((b) => cut(r, b)).filter((o) => !empty(o)).map((o) => o.b - o.t));

  // 3. Text: each visible text node's size as drawn, in slide px.
  const textParents = new Set<Element>();
  const walker = document.createTreeWalker(section, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.textContent?.trim()) continue;
    const parent = n.parentElement;
    // Monaco's aria container holds text for screen readers only, drawn off screen.
    if (!parent || parent.closest('.monaco-aria-container')) continue;
    const el = parent instanceof SVGElement ? parent.closest('text') ?? parent : parent;
    if (textParents.has(el) || !visible(el)) continue;
    textParents.add(el);
    const range = document.createRange();
    range.selectNodeContents(n);
    const drawn = cut(toSlide(range.getBoundingClientRect()), clipOf(parent));
    if (empty(drawn)) continue;
    const fontPx = parseFloat(getComputedStyle(el).fontSize);
    let ratio = 1;
    if (el instanceof SVGGraphicsElement) {
      const box = el.getBBox();
      if (box.height > 0) ratio = el.getBoundingClientRect().height / box.height / scale;
    } else if (el instanceof HTMLElement && el.offsetWidth > 0) {
      ratio = el.getBoundingClientRect().width / el.offsetWidth / scale;
    }
    const px = fontPx * ratio;
    if (px < minText - 0.25) problems.push({ kind: 'small-text', text: `text ${describe(el)} is ${px.toFixed(1)} px`, px: minText - px });
    const under = underBar(drawn);
    if (under) problems.push({ kind: 'under-status-bar', text: `text ${describe(el)} is ${round(under)} px under the status bar`, px: under });
  }
  if (barBoxes.length) {
    for (const el of section.querySelectorAll('svg, iframe, img, canvas, button, input, select, textarea')) {
      if (el.parentElement?.closest('svg') || !visible(el)) continue;
      const under = underBar(seen(el));
      if (under) problems.push({ kind: 'under-status-bar', text: `element ${describe(el)} is ${round(under)} px under the status bar`, px: under });
    }
  }

  // 4. Drawings' labels: none overlaps another, none is cut by the edge of its drawing.
  for (const svg of section.querySelectorAll('svg')) {
    if (svg.parentElement?.closest('svg') || !visible(svg)) continue;
    const frame = toSlide(svg.getBoundingClientRect());
    const labels = [...svg.querySelectorAll('text')].filter((t) => t.textContent?.trim() && visible(t)).map((t) => ({ t, r: toSlide(t.getBoundingClientRect()) }));
    for (const { t, r } of labels) {
      const out = Math.max(frame.l - r.l, frame.t - r.t, r.r - frame.r, r.b - frame.b);
      if (out > 1) problems.push({ kind: 'label-cut', text: `label ${describe(t)} is cut ${round(out)} px at the edge of its drawing`, px: out });
    }
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++) {
        const o = cut(labels[i].r, labels[j].r);
        const w = o.r - o.l;
        const h = o.b - o.t;
        if (w > 1 && h > 1) problems.push({ kind: 'label-overlap', text: `label ${describe(labels[i].t)} overlaps label ${describe(labels[j].t)} by ${round(w)}×${round(h)} px`, px: Math.min(w, h) });
      }
    }
  }
  const lowest = toSlide(section.getBoundingClientRect()).b;
  return { problems, lowest, ...(statusMessage ? { statusMessage } : {}) };
}

export function measureSlide(page: Page): Promise<SlideMeasure> {
  return page.evaluate(measureInPage, { width: SLIDE_W, height: SLIDE_H, minText: MIN_TEXT_PX });
}
