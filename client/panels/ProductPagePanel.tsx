import { useEffect, useState } from 'react';
import { useSlide } from '../deck/context.ts';
import { isPrintPdf, isReceiver } from '../live/env.ts';
import { Panel } from './Panel.tsx';

type User = 'jason' | 'anonymous';

/** Bookinfo's productpage through the deck server's gateway proxy, as anonymous or as jason. */
export function ProductPagePanel({ user: initialUser = 'anonymous' }: { user?: User }) {
  const { visited } = useSlide();
  const passive = isReceiver() || isPrintPdf();
  const [user, setUser] = useState<User>(initialUser);
  const [reloads, setReloads] = useState(0);
  const [state, setState] = useState<'connecting' | 'live' | 'error'>('connecting');
  const [error, setError] = useState<string>();
  const [summary, setSummary] = useState<string>();

  const switchUser = async (next: User) => {
    setState('connecting');
    try {
      const res =
        next === 'jason'
          ? await fetch('/gateway/login', { method: 'POST', body: new URLSearchParams({ username: 'jason', passwd: 'jason' }), redirect: 'manual' })
          : await fetch('/gateway/logout', { redirect: 'manual' });
      if (res.status >= 400) throw new Error(`${next === 'jason' ? 'login' : 'logout'} answered ${res.status}`);
      setUser(next);
      setReloads((n) => n + 1);
      setSummary(next === 'jason' ? 'signed in as jason' : 'signed out: anonymous');
    } catch (e) {
      setState('error');
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  // Log in once as the slide asks, when it is first shown.
  useEffect(() => {
    if (visited && !passive && initialUser === 'jason') void switchUser('jason');
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [visited]);

  return (
    <Panel
      kind="productpage"
      title={<>productpage · {user}</>}
      state={passive ? 'idle' : state}
      error={error}
      hasData
      summary={summary}
      actions={
        !passive && (
          <>
            <span className="segmented" role="group" aria-label="user">
              {(['anonymous', 'jason'] as const).map((u) => (
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
        <div className="panel-placeholder">Bookinfo product page (/gateway/productpage){passive ? ' — shown live in the main window' : ''}</div>
      ) : (
        <iframe
          key={reloads}
          className="productpage-frame"
          title="Bookinfo product page"
          // deck-user lets a gateway proxy that supports it show each panel's own user; cookies are shared per browser.
          src={`/gateway/productpage?deck-user=${user}`}
          onLoad={() => setState('live')}
          onError={() => (setState('error'), setError('the gateway did not answer'))}
        />
      )}
    </Panel>
  );
}
