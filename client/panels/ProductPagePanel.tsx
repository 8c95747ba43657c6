import { useRef, useState } from 'react';
import { useSlide } from '../slide-context.ts';
import { isPrintPdf, isReceiver } from '../live/env.ts';
import { useSandbox, useTopic } from '../live/index.ts';
import { resourcesTopic, TRAFFIC_TOPIC, type PodSummary, type ResourcesSnapshot, type TrafficSnapshot } from '../../server/protocol.ts';
import { productPageBlocker } from './productpage-diagnosis.ts';
import { gatewayBase } from '../live/sandbox.ts';
import { Panel } from './Panel.tsx';

type User = 'jason' | 'anonymous';
const USERS: readonly User[] = ['anonymous', 'jason'];

/** `/gateway/as/<user>/…`: the frame's path names its user (see the gateway proxy), so two frames show two users. */
export function productPageUrl(base: string, user: string): string {
  return `${base}/as/${encodeURIComponent(user)}/productpage`;
}

/** The user a frame shows now: its own sign-in form or sign-out link may have changed it. */
export function frameUser(pathname: string): string | undefined {
  const m = /\/as\/([^/]+)\/productpage$/.exec(pathname);
  return m ? decodeURIComponent(m[1]) : undefined;
}

/**
 * The reviews (stars, or the error a fault causes) are what each slide is about, but they
 * sit below the fold in a panel-sized frame: bring them to the top. Works for our page
 * (`data-section="reviews"`) and Istio's (a "Book Reviews" / "Error fetching product reviews" heading).
 */
export function scrollToReviews(doc: Document | null | undefined): boolean {
  if (!doc) return false;
  const target =
    doc.querySelector('[data-section="reviews"]') ??
    [...doc.querySelectorAll('h1, h2, h3, h4, h5')].find((h) => /book reviews|error fetching product reviews/i.test(h.textContent ?? ''));
  const win = doc.defaultView;
  if (!target || !win) return false;
  // Not scrollIntoView: that would scroll the deck around the frame too.
  win.scrollTo(0, Math.max(0, target.getBoundingClientRect().top + win.scrollY - 8));
  return true;
}

/** Bookinfo's productpage through the deck server's gateway proxy, as anonymous or as jason. */
export function ProductPagePanel({ user: initialUser = 'anonymous' }: { user?: User }) {
  const { visited } = useSlide();
  const { sandbox } = useSandbox();
  const passive = isReceiver() || isPrintPdf();
  const [user, setUser] = useState<string>(initialUser);
  const [reloads, setReloads] = useState(0);
  const [state, setState] = useState<'connecting' | 'live' | 'error'>('connecting');
  const [error, setError] = useState<string>();
  const [summary, setSummary] = useState<string>();
  const frame = useRef<HTMLIFrameElement>(null);
  const base = gatewayBase(sandbox);
  const pods = useTopic<ResourcesSnapshot>(passive ? undefined : resourcesTopic('Pod', 'default'));
  const traffic = useTopic<TrafficSnapshot>(passive ? undefined : TRAFFIC_TOPIC);
  const blocker = productPageBlocker({
    pods: pods.data?.items as PodSummary[] | undefined,
    podsUnavailable: pods.state === 'error',
    traffic: traffic.data,
    trafficUnavailable: traffic.state === 'error',
    user,
  });

  const switchUser = (next: string) => {
    setState('connecting');
    setUser(next);
    setReloads((n) => n + 1);
    setSummary(next === 'anonymous' ? 'signed out: anonymous' : `signed in as ${next}`);
  };

  const loaded = () => {
    setState('live');
    setError(undefined);
    let path: string | undefined;
    try {
      path = frame.current?.contentWindow?.location.pathname;
    } catch {
      return; // not same-origin: nothing to learn
    }
    scrollToReviews(frame.current?.contentDocument);
    const shown = path ? frameUser(path) : undefined;
    if (shown && shown !== user) {
      setUser(shown);
      setSummary(shown === 'anonymous' ? 'signed out: anonymous' : `signed in as ${shown}`);
    }
  };

  return (
    <Panel
      kind="productpage"
      title={<>productpage · {user}</>}
      state={passive ? 'idle' : blocker ? 'live' : state}
      error={error}
      hasData
      summary={summary}
      actions={
        !passive && (
          <>
            <span className="segmented" role="group" aria-label="user">
              {USERS.map((u) => (
                <button key={u} type="button" className="panel-button" aria-pressed={user === u} onClick={() => switchUser(u)}>
                  {u}
                </button>
              ))}
            </span>
            <button type="button" className="panel-button" onClick={() => (setState('connecting'), setReloads((n) => n + 1))}>
              Reload
            </button>
          </>
        )
      }
    >
      {passive || !visited ? (
        <div className="panel-placeholder">Bookinfo product page ({base}/productpage){passive ? ' — shown live in the main window' : ''}</div>
      ) : blocker ? (
        <div className="panel-placeholder productpage-blocked" role="status">
          {blocker.message}
        </div>
      ) : (
        <iframe
          ref={frame}
          key={`${base} ${user} ${reloads}`}
          className="productpage-frame"
          title={`Bookinfo product page as ${user}`}
          data-user={user}
          src={productPageUrl(base, user)}
          onLoad={loaded}
          onError={() => (setState('error'), setError('the gateway did not answer'))}
        />
      )}
    </Panel>
  );
}
