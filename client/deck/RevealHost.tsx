/**
 * The reveal.js instance behind the deck, owned by React. A small host of our own instead of
 * a wrapper package: the wrapper bundles a Markdown parser the deck never uses, and that
 * parser alone cost the first slide about 12 KB on the wire.
 */
import { createContext, useCallback, useContext, useEffect, useLayoutEffect, useRef, type HTMLAttributes, type ReactNode } from 'react';
import Reveal from 'reveal.js';
import type { RevealApi, RevealConfig } from 'reveal.js';

type DeckEvent = (event: Event) => void;

export interface RevealHostProps {
  config: Omit<RevealConfig, 'plugins'>;
  onReady?: (api: RevealApi) => void;
  onSlideChange?: DeckEvent;
  /** After reveal re-reads its slides (sections added, dropped or re-ordered). */
  onSync?: DeckEvent;
  children: ReactNode;
}

/** The slides element's sections, in order. */
const sectionsOf = (slides: HTMLElement) => [...slides.children].filter((c): c is HTMLElement => c.tagName === 'SECTION');

/** Lets a slide whose data-* attributes changed ask reveal to re-read it (notes, backgrounds, fragments). */
const SyncSlideContext = createContext<(section: HTMLElement) => void>(() => {});

export function RevealHost({ config, onReady, onSlideChange, onSync, children }: RevealHostProps) {
  const root = useRef<HTMLDivElement>(null);
  const slides = useRef<HTMLDivElement>(null);
  const deck = useRef<{ api: RevealApi; ready: boolean; mounts: number } | null>(null);
  const seen = useRef<HTMLElement[]>([]);
  const handlers = useRef({ onReady, onSlideChange, onSync });
  handlers.current = { onReady, onSlideChange, onSync };

  useEffect(() => {
    // StrictMode mounts twice: the second mount keeps the instance the first one made.
    let owned = deck.current;
    if (!owned) {
      const api = new Reveal(root.current!, { ...config, plugins: [] }) as unknown as RevealApi;
      owned = deck.current = { api, ready: false, mounts: 0 };
      const me = owned;
      api.on('slidechanged', (e) => handlers.current.onSlideChange?.(e));
      api.on('sync', (e) => handlers.current.onSync?.(e));
      void api.initialize().then(() => {
        if (deck.current !== me) return;
        me.ready = true;
        seen.current = sectionsOf(slides.current!);
        handlers.current.onReady?.(api);
      });
    }
    const mount = ++owned.mounts;
    return () => {
      const me = owned!;
      // Destroy only if no remount followed (a StrictMode remount runs before this microtask).
      queueMicrotask(() => {
        if (me.mounts !== mount || deck.current !== me) return;
        deck.current = null;
        try {
          me.api.destroy();
        } catch {
          // reveal may already have torn down its DOM with the page.
        }
      });
    };
    // The instance is made once; config changes are applied below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const appliedConfig = useRef(config);
  useLayoutEffect(() => {
    const d = deck.current;
    if (!d?.ready || appliedConfig.current === config) return;
    appliedConfig.current = config;
    d.api.configure(config);
  }, [config]);

  // After every render: sections added, dropped or moved make reveal re-read its slides.
  useLayoutEffect(() => {
    const d = deck.current;
    if (!d?.ready || !slides.current) return;
    const now = sectionsOf(slides.current);
    const before = seen.current;
    seen.current = now;
    if (now.length !== before.length || now.some((s, i) => s !== before[i])) d.api.sync();
  });
  const syncSlide = useCallback((section: HTMLElement) => {
    const d = deck.current;
    if (d?.ready && section.isConnected) d.api.syncSlide(section);
  }, []);

  return (
    <div className="reveal" ref={root}>
      <div className="slides" ref={slides}>
        <SyncSlideContext.Provider value={syncSlide}>{children}</SyncSlideContext.Provider>
      </div>
    </div>
  );
}

/** One slide: a section with its speaker notes where reveal's notes plugin reads them. */
export function RevealSlide({ notes, children, ...rest }: HTMLAttributes<HTMLElement> & { notes?: string; [data: `data-${string}`]: string | undefined }) {
  const section = useRef<HTMLElement>(null);
  const syncSlide = useContext(SyncSlideContext);
  const data = JSON.stringify([notes, ...Object.entries(rest).filter(([k]) => k.startsWith('data-'))]);
  const first = useRef(true);
  useLayoutEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    if (section.current) syncSlide(section.current);
  }, [data, syncSlide]);
  return (
    <section ref={section} {...rest} data-notes={notes}>
      {children}
    </section>
  );
}
