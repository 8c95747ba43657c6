/** The frame every live panel shares: title, connection badge, state messages and an aria-live summary. */
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { HEALTH_TOPIC, type HealthState } from '../../server/protocol.ts';
import { clusterNow } from '../live/cluster-clock.ts';
import { isPrintPdf } from '../live/env.ts';
import { useTopic, type ConnectionState } from '../live/index.ts';

export interface PanelProps {
  kind: string;
  title: ReactNode;
  /** Stream state; request-driven panels pass their own. */
  state: ConnectionState | 'idle';
  /** True when there is data to show (panels keep showing it while disconnected). */
  hasData: boolean;
  /** Shown when live with nothing to list. */
  emptyText?: string;
  error?: string;
  /** Text description of the last change, announced to screen readers and shown in the footer. */
  summary?: string;
  actions?: ReactNode;
  className?: string;
  /** One row, no header: the actions sit at the end of the body (command cards). */
  compact?: boolean;
  children?: ReactNode;
}

const BADGE: Record<PanelProps['state'], string> = {
  connecting: 'connecting…',
  live: 'live',
  disconnected: 'disconnected',
  error: 'error',
  idle: '',
};

export function Panel({ kind, title, state, hasData, emptyText = 'Nothing here yet.', error, summary, actions, className, compact, children }: PanelProps) {
  let body: ReactNode = children;
  let note: ReactNode = null;
  let badge = BADGE[state];
  if (isPrintPdf() && hasData && state !== 'live') {
    // A PDF shows the last state the deck saw, marked as such, without live-connection noise.
    badge = 'last known state';
  } else if (state === 'error') {
    note = <div className="panel-note is-error" role="alert">Error: {error ?? 'the server refused this panel'}</div>;
    if (!hasData) body = null;
  } else if (state === 'disconnected') {
    note = (
      <div className="panel-note is-disconnected" role="status">
        Disconnected from the deck server{error ? ` (${error})` : ''}. {hasData ? 'Showing the last known state; ' : ''}reconnecting…
      </div>
    );
    if (!hasData) body = null;
  } else if (state === 'connecting' && !hasData) {
    body = <div className="panel-placeholder">Connecting…</div>;
  } else if (!hasData) {
    body = <div className="panel-placeholder is-empty">{emptyText}</div>;
  }
  return (
    <div role="region" aria-label={`${kind} panel`} className={`live-panel panel-${kind}${compact ? ' is-compact' : ''} ${className ?? ''}`} data-panel={kind} data-state={hasData || state !== 'live' ? state : 'empty'}>
      {!compact && (
        <header className="panel-header">
          <span className="panel-title">{title}</span>
          {actions && <span className="panel-actions">{actions}</span>}
          {badge && <span className={`panel-badge is-${state}`}>{badge}</span>}
        </header>
      )}
      {note}
      <div className="panel-body">
        {compact ? (
          <div className="panel-compact-row">
            <span className="panel-title">{title}</span>
            <div className="panel-compact-main">{body}</div>
            {actions && <span className="panel-actions">{actions}</span>}
          </div>
        ) : (
          body
        )}
      </div>
      <p className="panel-summary" role="status" aria-live="polite">
        {summary ?? ''}
      </p>
    </div>
  );
}

/** Re-renders every `ms` and returns Date.now(), for ticking ages and charts. */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

/** The cluster's "now" (see clusterNow), re-rendering every `ms`: what ages count from. */
export function useClusterNow(ms = 1000): number {
  const health = useTopic<HealthState>(HEALTH_TOPIC);
  const clock = health.data?.clock;
  // A new reading arrives as a new object: note when, so the count goes on from there.
  const receivedAt = useMemo(() => Date.now(), [clock]);
  return clusterNow(clock, receivedAt, useNow(ms));
}

/** Note shown in place of a change control the viewer may not use. */
export function ReadOnlyNote({ why }: { why?: string }) {
  return <span className="readonly-note">{why ?? 'presenter token required'}</span>;
}
