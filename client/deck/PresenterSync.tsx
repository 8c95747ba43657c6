/**
 * The presenter drives the `presenter` topic; the audience follows it unless they chose
 * to browse freely. Speaker-view receivers do neither (reveal's notes plugin moves them).
 */
import { useEffect, useState } from 'react';
import type { RevealApi } from 'reveal.js';
import { PRESENTER_TOPIC, type PresenterPosition } from '../../server/protocol.ts';
import { isPrintPdf, isReceiver, presenterToken } from '../live/env.ts';
import { useConnection, useLiveClient, useTopic } from '../live/index.ts';
import type { DeckSlide } from './slides.ts';

export function PresenterSync({ deck, slides }: { deck: RevealApi | null; slides: DeckSlide[]; current: number }) {
  const client = useLiveClient();
  const { connection, role } = useConnection();
  const passive = isReceiver() || isPrintPdf();
  const presenter = !passive && role === 'presenter';
  const audience = !passive && role === 'audience';
  const [following, setFollowing] = useState(true);
  const position = useTopic<PresenterPosition>(audience ? PRESENTER_TOPIC : undefined);

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
  useEffect(() => {
    if (!deck || !audience || !following || !target) return;
    let h = target.h;
    const byId = target.slideId ? slides.findIndex((s) => s.id === target.slideId) : -1;
    if (byId >= 0) h = byId;
    const cur = deck.getIndices();
    if (cur.h !== h || cur.v !== target.v || (cur.f ?? -1) !== (target.f ?? -1)) deck.slide(h, target.v, target.f);
  }, [deck, audience, following, target, slides]);

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
    </div>
  );
}
