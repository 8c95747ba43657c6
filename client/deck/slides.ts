/**
 * The talk's slides: every slides/*.mdx, ordered by file name. Only the title slide
 * (00-*.mdx) is in the first bundle; the others load right after the deck is up, so the
 * first slide stays small however long the talk grows.
 */
import type { MDXContent } from 'mdx/types';

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
}

const first = import.meta.glob<SlideModule>('../../slides/00-*.mdx', { eager: true });
const rest = import.meta.glob<SlideModule>('../../slides/*.mdx');

const idOf = (path: string) => path.replace(/^.*\//, '').replace(/\.mdx$/, '');

export function collectSlides(eager: Record<string, SlideModule> = first, lazy: Record<string, () => Promise<SlideModule>> = rest): DeckSlide[] {
  const paths = [...new Set([...Object.keys(eager), ...Object.keys(lazy)])].sort((a, b) => idOf(a).localeCompare(idOf(b)));
  return paths.map((p) => ({ id: idOf(p), module: eager[p], load: lazy[p] }));
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
export const slideScene = (m: SlideModule | undefined) => (typeof m?.scene === 'string' ? m.scene : undefined);
export const isPresenterOnly = (m: SlideModule | undefined) => m?.presenterOnly === true;

/**
 * The slides this page shows. A presenter-only slide is known once its module has loaded;
 * until then it is an empty section, so nothing of it can show before it is dropped.
 */
export function visibleSlides(slides: DeckSlide[], modules: Record<string, SlideModule | undefined>, showPresenterOnly: boolean): DeckSlide[] {
  if (showPresenterOnly) return slides;
  return slides.filter((s) => !isPresenterOnly(modules[s.id] ?? s.module));
}
