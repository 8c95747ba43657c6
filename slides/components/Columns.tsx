import type { ReactNode } from 'react';

/** Side-by-side panels on one slide, equal widths (wide content scrolls, it does not widen its column), top-aligned. */
export function Columns({ children }: { children: ReactNode }) {
  return (
    <div className="slide-columns" style={{ display: 'grid', gridAutoColumns: 'minmax(0, 1fr)', gridAutoFlow: 'column', gap: '1rem', alignItems: 'start' }}>
      {children}
    </div>
  );
}
