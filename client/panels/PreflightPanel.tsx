import { useState } from 'react';
import type { PreflightResult } from '../../server/protocol.ts';
import { api, errorText } from '../live/api.ts';
import { usePresenter } from '../live/index.ts';
import { ROUTING_API_LABELS } from '../live/routing-api.ts';
import { Panel, ReadOnlyNote } from './Panel.tsx';

/** Before the talk: walk every scene and show which would come up red or green. */
export function PreflightPanel() {
  const { canChange, why } = usePresenter();
  const [state, setState] = useState<'idle' | 'connecting' | 'live' | 'error'>('idle');
  const [results, setResults] = useState<PreflightResult[]>();
  const [error, setError] = useState<string>();
  const run = async () => {
    setState('connecting');
    setError(undefined);
    try {
      setResults(await api<PreflightResult[]>('/api/preflight'));
      setState('live');
    } catch (e) {
      setError(errorText(e));
      setState('error');
    }
  };
  const bad = results?.filter((r) => !r.ok).length ?? 0;
  const slow = slowScenes(results ?? []);
  const slowest = results?.length ? results.reduce((a, b) => ((b.ms ?? 0) > (a.ms ?? 0) ? b : a)) : undefined;
  const timing = slowest?.ms !== undefined ? `; slowest: ${slowest.scene} (${seconds(slowest.ms)})` : '';
  return (
    <Panel
      kind="preflight"
      title="preflight"
      state={state}
      error={error}
      hasData={!!results?.length}
      emptyText={canChange ? 'Run the preflight to check every scene.' : 'The presenter runs the preflight before the talk.'}
      summary={results ? (bad ? `${bad} of ${results.length} scene variants have problems` : `all ${results.length} scene variants are green, in both APIs`) + timing : undefined}
      actions={
        canChange ? (
          <button type="button" className="panel-button is-primary" onClick={run} disabled={state === 'connecting'}>
            {state === 'connecting' ? 'Checking…' : 'Run preflight'}
          </button>
        ) : (
          <ReadOnlyNote why={why} />
        )
      }
    >
      <ul className="preflight-list">
        {results?.map((r) => (
          <li key={`${r.scene}/${r.api}`} className={r.ok ? 'is-ok' : 'is-bad'} data-scene={r.scene} data-api={r.api}>
            <span className="preflight-dot" aria-hidden="true" />
            <strong>{r.scene}</strong> <span className="preflight-api">{ROUTING_API_LABELS[r.api] ?? r.api}</span> {r.ok ? 'ok' : r.problems.join('; ')}
            {r.ms !== undefined && (
              <span className={`preflight-time${slow.has(r) ? ' is-slow' : ''}`} title={slow.has(r) ? 'one of the slowest scenes on this cluster: start it a little ahead' : 'time to check this scene on this cluster'}>
                {' '}
                {seconds(r.ms)}
                {slow.has(r) ? ' · slow' : ''}
              </span>
            )}
          </li>
        ))}
      </ul>
    </Panel>
  );
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The scenes a speaker should start ahead of time: at least twice the median and over half a
 * second, since on a slow cluster every scene is slow and only the outliers matter.
 */
export function slowScenes(results: PreflightResult[]): Set<PreflightResult> {
  const times = results.map((r) => r.ms).filter((ms): ms is number => typeof ms === 'number').sort((a, b) => a - b);
  if (!times.length) return new Set();
  const median = times[Math.floor(times.length / 2)];
  return new Set(results.filter((r) => typeof r.ms === 'number' && r.ms >= Math.max(500, 2 * median)));
}
