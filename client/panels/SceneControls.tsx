import { useState } from 'react';
import { useDeckInfo } from '../deck/context.ts';
import { errorText, postJson } from '../live/api.ts';
import { usePresenter } from '../live/index.ts';
import { Panel } from './Panel.tsx';

/** Presenter buttons that put the cluster in the state the current slide expects. */
export function SceneControls() {
  const { currentScene } = useDeckInfo();
  const { canChange, why } = usePresenter();
  const [status, setStatus] = useState<{ state: 'idle' | 'connecting' | 'live' | 'error'; text?: string }>({ state: 'idle' });
  if (!canChange) {
    return (
      <p className="scene-readonly" data-panel="scene">
        The presenter can reset the cluster to this slide’s state <span className="readonly-note">({why})</span>
      </p>
    );
  }
  const go = async (mode: 'catch-up' | 'reset') => {
    if (!currentScene) return;
    setStatus({ state: 'connecting', text: `${mode === 'reset' ? 'resetting to' : 'catching up to'} scene ${currentScene}…` });
    try {
      await postJson(`/api/scene/${encodeURIComponent(currentScene)}`, { mode });
      setStatus({ state: 'live', text: `cluster is at scene ${currentScene}` });
    } catch (e) {
      setStatus({ state: 'error', text: errorText(e) });
    }
  };
  return (
    <Panel
      kind="scene"
      title={<>scene · <code>{currentScene ?? 'none'}</code></>}
      state={status.state}
      error={status.text}
      hasData
      summary={status.state === 'error' ? `scene failed: ${status.text}` : status.text}
      actions={
        <>
          <button type="button" className="panel-button" disabled={!currentScene || status.state === 'connecting'} onClick={() => go('catch-up')}>
            Catch up
          </button>
          <button type="button" className="panel-button is-danger" disabled={!currentScene || status.state === 'connecting'} onClick={() => go('reset')}>
            Reset this slide
          </button>
        </>
      }
    >
      {!currentScene && <span className="is-muted">This slide declares no scene.</span>}
      {status.state !== 'error' && status.text && <span>{status.text}</span>}
    </Panel>
  );
}
