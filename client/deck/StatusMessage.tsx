/** The status bar's line above the buttons: progress, the result, or what failed. */
import type { SceneActionState } from '../live/scene.ts';

export function StatusMessage({ status }: { status: Pick<SceneActionState, 'state' | 'text'> }) {
  if (!status.text) return null;
  const error = status.state === 'error';
  return (
    <span className={`deck-status-message is-${status.state}`} role={error ? 'alert' : 'status'}>
      {status.text}
    </span>
  );
}
