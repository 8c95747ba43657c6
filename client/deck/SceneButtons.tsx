/** The presenter's scene buttons in the status bar: catch up to, or reset to, the current slide's scene. */
import { useDeckInfo } from './context.ts';
import { usePresenter } from '../live/index.ts';
import { useSceneAction } from '../live/scene.ts';
import { StatusMessage } from './StatusMessage.tsx';

export function SceneButtons() {
  const { currentScene } = useDeckInfo();
  const { canChange, why } = usePresenter();
  const [status, run] = useSceneAction();
  if (!currentScene) return null;
  const disabled = !canChange || status.state === 'running';
  const reason = canChange ? undefined : `Read-only: ${why}`;
  return (
    <span className="deck-status-group" data-scene-controls={currentScene}>
      <span className="deck-status-label">
        scene <code>{currentScene}</code>
      </span>
      <button
        type="button"
        className="deck-status-button"
        disabled={disabled}
        title={reason ?? 'Apply what this slide’s scene needs; rules you wrote live stay'}
        onClick={() => run(currentScene, 'catch-up')}
      >
        {status.state === 'running' && status.mode === 'catch-up' ? 'Catching up…' : 'Catch up'}
      </button>
      <button
        type="button"
        className="deck-status-button is-danger"
        disabled={disabled}
        title={reason ?? 'Put the cluster in exactly this slide’s state: routing rules the scene does not hold are deleted'}
        onClick={() => run(currentScene, 'reset')}
      >
        {status.state === 'running' && status.mode === 'reset' ? 'Resetting…' : 'Reset this slide'}
      </button>
      {reason && <span className="readonly-note">{reason}</span>}
      <StatusMessage status={status} />
    </span>
  );
}
