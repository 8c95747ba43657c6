/**
 * Panels load their code only when their slide is current or next to it, so the first
 * slide's bundle holds the deck alone (the budget is 150 KB gzip).
 */
import { lazy, Suspense, type ComponentType } from 'react';
import { useSlide } from '../deck/context.ts';

export function lazyPanel<P extends object>(kind: string, load: () => Promise<ComponentType<P>>): ComponentType<P> {
  const Lazy = lazy(() => load().then((C) => ({ default: C })));
  function LazyPanel(props: P) {
    const { near } = useSlide();
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
