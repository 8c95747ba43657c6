/**
 * The speaker's safety net in the status bar. On a real cluster that stays unreachable the
 * presenter gets one button to continue on the embedded cluster at the current slide's
 * scene; once the real cluster answers again, one button back. Everyone sees a banner
 * while the panels show the embedded cluster.
 */
import { useEffect, useState } from 'react';
import { HEALTH_TOPIC, type FailoverCluster, type FailoverResponse, type FailoverState, type HealthState } from '../../server/protocol.ts';
import { errorText, postJson } from '../live/api.ts';
import { useMainClient, usePresenter, useTopicOf } from '../live/index.ts';
import { useDeckInfo } from '../slide-context.ts';
import { StatusMessage } from './StatusMessage.tsx';

/** The deck's failover state, from the main connection's health (never a sandbox's). */
function useFailover(): FailoverState | undefined {
  return useTopicOf<HealthState>(useMainClient(), HEALTH_TOPIC).data?.failover;
}

/** What the banner says about the cluster the panels show, or undefined while they show the real one. */
export function bannerText(state: FailoverState | undefined): string | undefined {
  if (state?.active !== 'embedded') return undefined;
  return state.realReachable
    ? `embedded cluster: ${state.realCluster} is reachable again, the presenter can return to it`
    : 'embedded cluster: the real one is unreachable';
}

const BUTTON: Record<FailoverCluster, { label: string; busy: string; title: (s: FailoverState) => string }> = {
  embedded: {
    label: 'Continue on the embedded cluster',
    busy: 'Starting the embedded cluster…',
    title: (s) => `${s.realCluster} does not answer: start the embedded cluster at this slide's scene and show it to everyone`,
  },
  real: {
    label: 'Return to the real cluster',
    busy: 'Returning…',
    title: (s) => `${s.realCluster} answers again: bring it to this slide's scene and show it to everyone`,
  },
};

export function FailoverButton() {
  const state = useFailover();
  const { currentScene } = useDeckInfo();
  const { canChange } = usePresenter();
  const [status, setStatus] = useState<{ state: 'idle' | 'running' | 'done' | 'error'; text?: string }>({ state: 'idle' });
  // The result describes the slide it was made on: a finished switch's message clears on the next scene.
  useEffect(() => setStatus((s) => (s.state === 'running' ? s : { state: 'idle' })), [currentScene]);
  const to = status.state === 'running' ? state?.switching : state?.offer;
  if (!state || !canChange || !to) return status.state === 'idle' ? null : <StatusMessage status={status} />;
  const since = state.unreachableSince ? Math.round((Date.now() - Date.parse(state.unreachableSince)) / 1000) : undefined;
  const switchTo = async () => {
    setStatus({ state: 'running', text: to === 'embedded' ? `starting the embedded cluster at scene ${currentScene ?? '(none)'}…` : `bringing ${state.realCluster} to scene ${currentScene ?? '(none)'}…` });
    try {
      const r = await postJson<FailoverResponse>('/api/failover', { to, scene: currentScene });
      setStatus({ state: 'done', text: `${r.active === 'embedded' ? 'on the embedded cluster' : `back on ${state.realCluster}`}${r.scene ? ` at scene ${r.scene}` : ''} (${(r.ms / 1000).toFixed(1)} s)` });
    } catch (e) {
      setStatus({ state: 'error', text: `switch to the ${to} cluster failed: ${errorText(e)}` });
    }
  };
  const b = BUTTON[to];
  return (
    <span className="deck-status-group" data-failover-offer={to}>
      {to === 'embedded' && since !== undefined && <span className="deck-status-label">{state.realCluster} unreachable for {since} s</span>}
      <button type="button" className="deck-status-button is-primary" disabled={status.state === 'running'} title={b.title(state)} onClick={switchTo}>
        {status.state === 'running' ? b.busy : b.label}
      </button>
      <StatusMessage status={status} />
    </span>
  );
}

/** A banner over the slides for everyone while the panels show the embedded cluster. */
export function ClusterBanner() {
  const text = bannerText(useFailover());
  if (!text) return null;
  return (
    <div className="cluster-banner" role="status" data-cluster="embedded">
      {text}
    </div>
  );
}
