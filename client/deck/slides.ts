/**
 * The talk's slides: every slides/*.mdx, ordered by file name. Only the title slide
 * (00-*.mdx) is in the first bundle; the others load right after the deck is up, so the
 * first slide stays small however long the talk grows.
 */
import type { MDXContent } from 'mdx/types';
import slideMeta from 'virtual:slide-meta';

export interface SlideModule {
  default: MDXContent;
  notes?: string;
  scene?: string;
  /** Pre-flight and other presenter tools: not in the audience's deck at all. */
  presenterOnly?: boolean;
}

export interface DeckSlide {
  /** File name without extension, e.g. "05-install-verify". */
  id: string;
  /** Present when bundled with the entry (or once loaded). */
  module?: SlideModule;
  load?: () => Promise<SlideModule>;
  /** Known from the source at build time, before the module loads. */
  meta?: { scene?: string; presenterOnly?: boolean };
}

const first = import.meta.glob<SlideModule>('../../slides/00-*.mdx', { eager: true });

const idOf = (path: string) => path.replace(/^.*\//, '').replace(/\.mdx$/, '');

/** The other slides, known by name from the build's metadata; their code comes in one step later. */
function restOf(meta: Record<string, DeckSlide['meta']>, eager: Record<string, SlideModule>): Record<string, () => Promise<SlideModule>> {
  const paths = Object.keys(meta)
    .map((id) => `../../slides/${id}.mdx`)
    .filter((p) => !eager[p]);
  return Object.fromEntries(paths.map((p) => [p, () => import('./slide-loaders.ts').then((m) => m.loadSlide(p) as Promise<SlideModule>)]));
}

export function collectSlides(
  eager: Record<string, SlideModule> = first,
  lazy?: Record<string, () => Promise<SlideModule>>,
  meta: Record<string, DeckSlide['meta']> = slideMeta,
): DeckSlide[] {
  lazy ??= restOf(meta, eager);
  const paths = [...new Set([...Object.keys(eager), ...Object.keys(lazy)])].sort((a, b) => idOf(a).localeCompare(idOf(b)));
  return paths.map((p) => ({ id: idOf(p), module: eager[p], load: lazy[p], meta: meta[idOf(p)] }));
}

/**
 * The section id reveal puts in the URL hash. Reveal only uses ids that start with a
 * letter, so "05-install-verify" becomes "install-verify".
 */
export function hashId(id: string): string {
  const stripped = id.replace(/^[^a-zA-Z]+/, '');
  return stripped || `slide-${id}`;
}

export const slideNotes = (m: SlideModule | undefined) => (typeof m?.notes === 'string' ? m.notes.trim() : undefined);
export const slideScene = (m: SlideModule | undefined, s?: DeckSlide) => (typeof m?.scene === 'string' ? m.scene : s?.meta?.scene);
export const isPresenterOnly = (m: SlideModule | undefined, s?: DeckSlide) => m?.presenterOnly === true || s?.meta?.presenterOnly === true;

/** The slides this page shows: presenter-only ones are known from the build's metadata, or once loaded. */
export function visibleSlides(slides: DeckSlide[], modules: Record<string, SlideModule | undefined>, showPresenterOnly: boolean): DeckSlide[] {
  if (showPresenterOnly) return slides;
  return slides.filter((s) => !isPresenterOnly(modules[s.id] ?? s.module, s));
}
