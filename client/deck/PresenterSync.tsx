/**
 * The presenter drives the `presenter` topic; the audience follows it unless they chose
 * to browse freely. Speaker-view receivers do neither (reveal's notes plugin moves them).
 * Following always uses the main connection, also while an attendee's panels show their
 * sandbox. The status bar also holds the presenter's scene buttons and the attendee's
 * sandbox controls.
 */
import { useEffect, useState } from 'react';
import type { RevealApi } from 'reveal.js';
import { PRESENTER_TOPIC, type PresenterPosition } from '../../server/protocol.ts';
import { isPrintPdf, isReceiver, presenterToken } from '../live/env.ts';
import { useConnectionOf, useMainClient, useTopicOf } from '../live/index.ts';
import { ClusterBanner, FailoverButton } from './FailoverControls.tsx';
import { RoutingApiToggle } from './RoutingApiToggle.tsx';
import { SandboxControls } from './SandboxControls.tsx';
import { SceneButtons } from './SceneButtons.tsx';
import type { DeckSlide } from './slides.ts';

/** Where the audience should be: the presenter's slide by id, or undefined when this page does not have it. */
export function followTarget(target: PresenterPosition, slides: Pick<DeckSlide, 'id'>[]): number | undefined {
  if (!target.slideId) return target.h;
  const byId = slides.findIndex((s) => s.id === target.slideId);
  return byId >= 0 ? byId : undefined;
}

export function PresenterSync({ deck, slides }: { deck: RevealApi | null; slides: DeckSlide[]; current: number }) {
  const client = useMainClient();
  const { connection, role } = useConnectionOf(client);
  const passive = isReceiver() || isPrintPdf();
  const presenter = !passive && role === 'presenter';
  const audience = !passive && role === 'audience';
  const [following, setFollowing] = useState(true);
  const position = useTopicOf<PresenterPosition>(client, audience ? PRESENTER_TOPIC : undefined);

  useEffect(() => {
    if (!deck || !presenter || !client || connection !== 'live') return;
    const send = () => {
      const { h, v, f } = deck.getIndices();
      client.sendPresenterPosition({ h, v, f: typeof f === 'number' ? f : undefined, slideId: slides[h]?.id });
    };
    send();
    const events = ['slidechanged', 'fragmentshown', 'fragmenthidden'];
    for (const e of events) deck.on(e, send);
    return () => {
      for (const e of events) deck.off(e, send);
    };
  }, [deck, presenter, client, connection, slides]);

  const target = position.data;
  // A presenter-only slide (pre-flight) is not in the audience's deck: they stay where they are.
  const h = target ? followTarget(target, slides) : undefined;
  useEffect(() => {
    if (!deck || !audience || !following || !target || h === undefined) return;
    const cur = deck.getIndices();
    if (cur.h !== h || cur.v !== target.v || (cur.f ?? -1) !== (target.f ?? -1)) deck.slide(h, target.v, target.f);
  }, [deck, audience, following, target, h]);

  if (passive) return null;
  const label = presenter
    ? 'presenter'
    : presenterToken() && role === 'audience'
      ? 'token rejected: audience'
      : role === 'audience'
        ? 'audience'
        : 'connecting';
  return (
    <div className="deck-status" data-connection={connection}>
      <span className={`deck-status-dot is-${connection}`} aria-hidden="true" />
      <span className="deck-status-text">
        {label} · {connection}
      </span>
      {audience && (
        <button
          type="button"
          className="follow-toggle"
          aria-pressed={following}
          onClick={() => setFollowing((f) => !f)}
          title={following ? 'Stop following the presenter and move through the slides yourself' : 'Jump to the presenter’s slide and follow it'}
        >
          {following ? 'Following presenter · browse freely' : 'Browsing freely · follow presenter'}
        </button>
      )}
      {audience && following && target && h === undefined && <span className="deck-status-label">the presenter is on a presenter-only slide</span>}
      {(presenter || audience) && <RoutingApiToggle />}
      {presenter && <FailoverButton />}
      {presenterToken() ? <SceneButtons /> : audience && <SandboxControls />}
      <ClusterBanner />
    </div>
  );
}
