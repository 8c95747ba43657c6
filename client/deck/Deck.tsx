import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { RevealApi, RevealConfig } from 'reveal.js';
import { isPrintPdf, isReceiver, presenterToken } from '../live/env.ts';
import type { Role } from '../live/index.ts';
import { DeckContext, SlideContext, type DeckInfo } from '../slide-context.ts';
import { preloadPanels } from '../panels/lazy.tsx';
import { RevealHost, RevealSlide } from './RevealHost.tsx';
import { collectSlides, hashId, slideNotes, slideScene, visibleSlides, type DeckSlide, type SlideModule } from './slides.ts';

declare global {
  interface Window {
    /** The reveal API, for the speaker's console and the browser tests. */
    __istioDeck?: RevealApi;
  }
}

/** Keys typed into editors and form fields must not drive the deck (frontend-stack.md, Pitfall 4). */
export function deckMayHandleKey(e: KeyboardEvent): boolean {
  const target = e.target as Element | null;
  return !target?.closest?.('.monaco-editor, input, textarea, select, [contenteditable], .deck-keys-own');
}

// Module-level: the wrapper shallow-compares config and reconfigures reveal when it changes.
const CONFIG: Omit<RevealConfig, 'plugins'> = {
  hash: true,
  width: 1280,
  height: 800,
  margin: 0.03,
  transition: 'slide',
  help: true,
  pause: true,
  keyboardCondition: deckMayHandleKey as RevealConfig['keyboardCondition'],
};

/**
 * The speaker-notes plugin (S) is not needed to show the first slide: it loads once the deck
 * is up. Speaker-view previews never open a speaker view of their own.
 */
function loadSpeakerNotes(api: RevealApi): void {
  if (isReceiver()) return;
  import('reveal.js/plugin/notes').then(
    (m) => api.registerPlugin(m.default()),
    (e) => console.error('speaker notes failed to load', e),
  );
}

// The status bar (following, scenes, sandboxes) and the live connection load once the first
// slide shows: they act on a ready deck only.
const PresenterSync = lazy(() => import('./PresenterSync.tsx').then((m) => ({ default: m.PresenterSync })));
const RoleProbe = lazy(() => import('./RoleProbe.tsx').then((m) => ({ default: m.RoleProbe })));
const toggleSharedRoutingApi = () =>
  import('../live/routing-api.ts').then(
    (m) => m.toggleSharedRoutingApi(),
    (e) => console.error('routing API switch failed to load', e),
  );

/**
 * Slides whose panels load their code: the current one and its neighbours. The title slide
 * is what every attendee waits for on opening the deck, so it fetches no panel code at all.
 */
const nearSlides = (h: number) => (h === 0 ? [0] : [h - 1, h, h + 1]);

const TITLE_FALLBACK: DeckSlide[] = [{ id: 'title', module: { default: () => <h1>So what is this Istio thing anyway</h1> } }];

function toggleStageZoom() {
  document.documentElement.classList.toggle('stage-zoom');
}

export function Deck({ slides: given }: { slides?: DeckSlide[] }) {
  const allSlides = useMemo(() => {
    const s = given ?? collectSlides();
    return s.length ? s : TITLE_FALLBACK;
  }, [given]);
  const [deck, setDeck] = useState<RevealApi | null>(null);
  const [current, setCurrent] = useState(0);
  const [visited, setVisited] = useState<ReadonlySet<number>>(() => new Set([0]));
  const [near, setNear] = useState<ReadonlySet<number>>(() => new Set(nearSlides(0)));
  const printing = useMemo(isPrintPdf, []);
  const [modules, setModules] = useState<Record<string, SlideModule>>(() =>
    Object.fromEntries(allSlides.filter((s) => s.module).map((s) => [s.id, s.module!])),
  );

  // The presenter (and their speaker view) see presenter-only slides; the audience never does.
  const [role, setRole] = useState<Role | undefined>();
  const showPresenterOnly = Boolean(presenterToken()) && role !== 'audience';
  const shown = useMemo(() => visibleSlides(allSlides, modules, showPresenterOnly), [allSlides, modules, showPresenterOnly]);

  // Print layout measures each slide once, when reveal starts: everything must be there first.
  const [printReady, setPrintReady] = useState(!printing);
  useEffect(() => {
    if (!printing) return;
    let live = true;
    Promise.all(allSlides.map(async (s) => [s.id, s.module ?? (await s.load!())] as const))
      .then(async (entries) => {
        if (!live) return;
        setModules(Object.fromEntries(entries));
        await preloadPanels();
        if (live) setPrintReady(true);
      })
      .catch((e) => console.error('print: slides failed to load', e));
    return () => {
      live = false;
    };
  }, [printing, allSlides]);

  // The other slides load in the background once the first one is up: all fetched at once,
  // shown in the talk's order (a later slide never fills in before an earlier one).
  useEffect(() => {
    if (!deck || printing) return;
    let live = true;
    let shownSoFar: Promise<unknown> = Promise.resolve();
    for (const s of allSlides) {
      if (modules[s.id] || !s.load) continue;
      const loading = s.load();
      loading.catch(() => {}); // reported below, in order; not an unhandled rejection meanwhile
      shownSoFar = shownSoFar
        .then(() => loading)
        .then(
          (m) => live && setModules((prev) => ({ ...prev, [s.id]: m })),
          (e) => console.error(`slide ${s.id} failed to load`, e),
        );
    }
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [allSlides, deck, printing]);
  const zoomBound = useRef(false);

  const track = useCallback((api: RevealApi) => {
    const h = api.getIndices().h;
    setCurrent(h);
    setVisited((prev) => (prev.has(h) ? prev : new Set(prev).add(h)));
    setNear((prev) => (nearSlides(h).every((n) => prev.has(n)) ? prev : new Set([...prev, ...nearSlides(h)])));
  }, []);

  const onReady = useCallback(
    (api: RevealApi) => {
      window.__istioDeck = api;
      setDeck(api);
      // A #/slide deep link moves the deck before event props are attached (Pitfall 12).
      track(api);
      if (!zoomBound.current) {
        zoomBound.current = true;
        api.addKeyBinding({ keyCode: 90, key: 'Z', description: 'Stage zoom: enlarge the live panels' }, toggleStageZoom);
        api.addKeyBinding({ keyCode: 65, key: 'A', description: 'Routing API: switch the talk between Istio APIs and Gateway API (presenter)' }, toggleSharedRoutingApi);
      }
      // Panels load and grow after reveal measured the slides; re-centre when any slide's height changes.
      let frame = 0;
      const relayout = new ResizeObserver(() => {
        cancelAnimationFrame(frame);
        frame = requestAnimationFrame(() => api.layout());
      });
      api.getSlides().forEach((s) => relayout.observe(s));
      document.documentElement.classList.add('deck-ready');
      performance.mark('deck-ready');
      loadSpeakerNotes(api);
    },
    [track],
  );

  // Scenes carry forward: a slide without one expects the state the previous scene left.
  const sceneAt = useMemo(() => {
    let last: string | undefined;
    return shown.map((s) => (last = slideScene(modules[s.id], s) ?? last));
  }, [shown, modules]);
  const info: DeckInfo = { current, currentId: shown[current]?.id, currentScene: sceneAt[current] };

  if (!printReady) return <p className="print-preparing">Preparing the PDF…</p>;
  return (
    <DeckContext.Provider value={info}>
      <RevealHost
        config={CONFIG}
        onReady={onReady}
        onSlideChange={() => window.__istioDeck && track(window.__istioDeck)}
        // Slides dropped (presenter-only, once known) move reveal without a slide change event.
        onSync={() => window.__istioDeck && track(window.__istioDeck)}
      >
        {shown.map((s, i) => {
          const mod = modules[s.id];
          const Content = mod?.default;
          return (
          <RevealSlide key={s.id} id={hashId(s.id)} data-slide-id={s.id} notes={slideNotes(mod)} data-scene={slideScene(mod, s)}>
            <SlideContext.Provider value={{ index: i, id: s.id, scene: sceneAt[i], isCurrent: i === current, visited: printing || visited.has(i), near: printing || near.has(i) }}>
              {Content ? <Content /> : null}
            </SlideContext.Provider>
          </RevealSlide>
          );
        })}
      </RevealHost>
      {deck && (
        <Suspense fallback={null}>
          <PresenterSync deck={deck} slides={shown} current={current} />
          <RoleProbe onRole={setRole} />
        </Suspense>
      )}
    </DeckContext.Provider>
  );
}
