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
  return (
    <Panel
      kind="preflight"
      title="preflight"
      state={state}
      error={error}
      hasData={!!results?.length}
      emptyText={canChange ? 'Run the preflight to check every scene.' : 'The presenter runs the preflight before the talk.'}
      summary={results ? (bad ? `${bad} of ${results.length} scene variants have problems` : `all ${results.length} scene variants are green, in both APIs`) : undefined}
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
          </li>
        ))}
      </ul>
    </Panel>
  );
}
