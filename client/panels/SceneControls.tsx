import { useDeckInfo } from '../deck/context.ts';
import { usePresenter } from '../live/index.ts';
import { useSceneAction } from '../live/scene.ts';
import { Panel } from './Panel.tsx';

/**
 * Buttons that put the cluster in the state the current slide expects: the presenter's
 * cluster, or the attendee's own sandbox. The status bar has the same buttons on every slide.
 */
export function SceneControls() {
  const { currentScene } = useDeckInfo();
  const { canChange, why, sandbox } = usePresenter();
  const [status, run] = useSceneAction(currentScene);
  if (!canChange) {
    return (
      <p className="scene-readonly" data-panel="scene">
        The presenter can reset the cluster to this slide’s state <span className="readonly-note">({why})</span>
      </p>
    );
  }
  const busy = status.state === 'running';
  const panelState = busy ? 'connecting' : status.state === 'error' ? 'error' : status.state === 'done' ? 'live' : 'idle';
  return (
    <Panel
      kind="scene"
      title={<>scene · <code>{currentScene ?? 'none'}</code>{sandbox ? ' · your sandbox' : ''}</>}
      state={panelState}
      error={status.text}
      hasData
      summary={status.text}
      actions={
        <>
          <button type="button" className="panel-button" disabled={!currentScene || busy} onClick={() => currentScene && run(currentScene, 'catch-up')}>
            Catch up
          </button>
          <button type="button" className="panel-button is-danger" disabled={!currentScene || busy} onClick={() => currentScene && run(currentScene, 'reset')}>
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
