/**
 * The status bar's message after its buttons: progress, the result, or what failed. It stays
 * in the bar's one line (shortened with an ellipsis where the line is short), so its full
 * text is also its tooltip.
 */
import type { SceneActionState } from '../live/scene.ts';

export function StatusMessage({ status }: { status: Pick<SceneActionState, 'state' | 'text'> }) {
  if (!status.text) return null;
  const error = status.state === 'error';
  return (
    <span className={`deck-status-message is-${status.state}`} role={error ? 'alert' : 'status'} title={status.text}>
      {status.text}
    </span>
  );
}
