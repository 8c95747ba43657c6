/** The presenter's scene buttons in the status bar: catch up to, or reset to, the current slide's scene. */
import { useDeckInfo } from '../slide-context.ts';
import { usePresenter } from '../live/index.ts';
import { useSceneAction, type SceneMode } from '../live/scene.ts';
import { useEffect } from 'react';
import { takeSwitchMadeHere, useRoutingApi } from '../live/routing-api.ts';
import { StatusMessage } from './StatusMessage.tsx';

const BUTTONS: Array<{ mode: SceneMode; label: string; busy: string; title: string }> = [
  { mode: 'catch-up', label: 'Catch up', busy: 'Catching up…', title: 'Apply what this slide’s scene needs; rules you wrote live stay' },
  { mode: 'reset', label: 'Reset this slide', busy: 'Resetting…', title: 'Put the cluster in exactly this slide’s state: routing rules the scene does not hold are deleted' },
];

export function SceneButtons() {
  const { currentScene } = useDeckInfo();
  const { canChange, why } = usePresenter();
  const [status, run] = useSceneAction(currentScene);
  // The scene in the API the talk shows: the presenter's choice, which the server keeps too.
  const { shared } = useRoutingApi();
  // Switching the talk's API resets this slide's scene in it: one click, never both APIs' rules at once.
  useEffect(() => {
    if (takeSwitchMadeHere(shared) && currentScene && canChange) run(currentScene, 'reset', shared);
  }, [shared]); // eslint-disable-line react-hooks/exhaustive-deps
  if (!currentScene) return null;
  const disabled = !canChange || status.state === 'running';
  const reason = canChange ? undefined : `Read-only: ${why}`;
  return (
    <span className="deck-status-group" data-scene-controls={currentScene}>
      <span className="deck-status-label">
        scene <code>{currentScene}</code>
      </span>
      {BUTTONS.map((b) => (
        <button
          key={b.mode}
          type="button"
          className={`deck-status-button${b.mode === 'reset' ? ' is-danger' : ''}`}
          disabled={disabled}
          title={reason ?? b.title}
          onClick={() => run(currentScene, b.mode, shared)}
        >
          {status.state === 'running' && status.mode === b.mode ? b.busy : b.label}
        </button>
      ))}
      {reason && <span className="readonly-note">{reason}</span>}
      <StatusMessage status={status} />
    </span>
  );
}
