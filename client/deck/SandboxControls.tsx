/**
 * The attendee's sandbox in the status bar: start one (already in the current slide's
 * scene), bring it back to a slide's scene in one click, leave it; and plainly which
 * cluster the panels show.
 */
import { useEffect, useRef } from 'react';
import { HEALTH_TOPIC, type HealthState } from '../../server/protocol.ts';
import { useSandbox, useTopic } from '../live/index.ts';
import { sandboxStore } from '../live/sandbox.ts';
import { useSceneAction } from '../live/scene.ts';
import { useRoutingApi } from '../live/routing-api.ts';
import { useDeckInfo } from '../slide-context.ts';
import { StatusMessage } from './StatusMessage.tsx';

export function SandboxControls() {
  const { sandbox, busy, queued, notice, allowed } = useSandbox();
  const { currentScene } = useDeckInfo();
  // A sandbox granted after a wait in line starts in the slide the attendee is on by then.
  const sceneNow = useRef(currentScene);
  sceneNow.current = currentScene;
  const [status, run] = useSceneAction(currentScene);
  // A sandbox takes the scene in the tab this attendee is looking at.
  const { shown } = useRoutingApi();
  // While this page watches the sandbox's health, the server does not evict it as idle.
  // Its health also says when it is over its CPU budget.
  const overBudget = useTopic<HealthState>(sandbox ? HEALTH_TOPIC : undefined).data?.overBudget;

  useEffect(() => {
    document.documentElement.classList.toggle('deck-in-sandbox', Boolean(sandbox));
  }, [sandbox]);
  // A sandbox remembered from before a reload may have been evicted meanwhile.
  useEffect(() => void sandboxStore().verify(), []);

  if (!allowed) return null;
  const store = sandboxStore();
  // One click from any slide: a new sandbox starts in the state this slide expects.
  const start = async () => {
    if ((await store.create()) && sceneNow.current) await run(sceneNow.current, 'reset', shown);
  };
  if (!sandbox && busy === 'waiting' && queued) {
    return (
      <span className="deck-status-group" data-sandbox="queued" data-queue-position={queued.position}>
        <span className="deck-status-label cluster-badge is-presenter">panels: presenter’s cluster (read-only)</span>
        <span className="deck-status-message" role="status" title={queued.text}>
          {queued.text}
        </span>
        <button type="button" className="deck-status-button" onClick={() => store.cancelWaiting()} title="Stop waiting for a sandbox; keep following the presenter">
          Stop waiting
        </button>
      </span>
    );
  }
  if (!sandbox) {
    return (
      <span className="deck-status-group" data-sandbox="none">
        <span className="deck-status-label cluster-badge is-presenter">panels: presenter’s cluster (read-only)</span>
        <button type="button" className="deck-status-button is-primary" disabled={busy === 'creating'} onClick={() => void start()} title="Start a private cluster of your own, in this slide’s state: edit, apply and run commands there; the presenter’s cluster is never touched">
          {busy === 'creating' ? 'Starting your sandbox…' : 'Try it in my own sandbox'}
        </button>
        <StatusMessage status={{ state: notice ? 'error' : 'idle', text: notice }} />
      </span>
    );
  }
  return (
    <span className="deck-status-group" data-sandbox={sandbox.id}>
      <span className="deck-status-label cluster-badge is-sandbox">panels: your sandbox</span>
      {currentScene && (
        <button
          type="button"
          className="deck-status-button is-primary"
          disabled={status.state === 'running' || Boolean(busy)}
          title={`Put your sandbox in this slide’s state (scene ${currentScene})`}
          onClick={() => run(currentScene, 'reset', shown)}
        >
          {status.state === 'running' ? 'Bringing your sandbox here…' : 'Bring my sandbox to this slide'}
        </button>
      )}
      <button type="button" className="deck-status-button" disabled={Boolean(busy)} onClick={() => store.leave()} title="Delete your sandbox; the panels show the presenter’s cluster again">
        {busy === 'leaving' ? 'Leaving…' : 'Leave sandbox'}
      </button>
      <StatusMessage status={status.text ? status : overBudget ? { state: 'error', text: overBudget } : { state: notice ? 'error' : 'idle', text: notice }} />
    </span>
  );
}
