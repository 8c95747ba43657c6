/**
 * Panels load their code only when their slide is current or next to it, so the first
 * slide's bundle holds the deck alone (the budget is 100 KB as the browser receives it).
 */
import { lazy, Suspense, type ComponentType } from 'react';
import { useSlide } from '../slide-context.ts';

const loaders: (() => Promise<unknown>)[] = [];

/** Loads every panel the loaded slides use (print layout must measure real panels, not placeholders). */
export function preloadPanels(): Promise<unknown> {
  return Promise.all(loaders.map((l) => l()));
}

export function lazyPanel<P extends object>(kind: string, load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | undefined;
  let pending: Promise<ComponentType<P>> | undefined;
  const loadOnce = () => (pending ??= load().then((C) => (loaded = C)));
  loaders.push(loadOnce);
  const Lazy = lazy(() => loadOnce().then((C) => ({ default: C })));
  function LazyPanel(props: P) {
    const { near } = useSlide();
    if (loaded) {
      const Loaded = loaded;
      return <Loaded {...props} />;
    }
    const placeholder = (
      <div role="region" aria-label={kind} className={`live-panel panel-${kind}`} data-panel={kind} data-state="loading">
        <div className="panel-placeholder">Loading…</div>
      </div>
    );
    if (!near) return placeholder;
    return (
      <Suspense fallback={placeholder}>
        <Lazy {...props} />
      </Suspense>
    );
  }
  LazyPanel.displayName = `Lazy(${kind})`;
  return LazyPanel;
}
