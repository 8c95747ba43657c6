/** How this page was opened: presenter (token), speaker-view receiver, PDF export, or audience. */

const TOKEN_KEY = 'istio-deck-presenter-token';

/**
 * Takes `?token=` from the address bar into sessionStorage and removes it from the
 * visible URL, so the token is not shared by a screenshot or a copied link.
 */
export function captureToken(loc: Location = location, storage: Storage = sessionStorage, hist: History = history): string | undefined {
  const params = new URLSearchParams(loc.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    storage.setItem(TOKEN_KEY, fromUrl);
    params.delete('token');
    const search = params.toString();
    hist.replaceState(hist.state, '', `${loc.pathname}${search ? `?${search}` : ''}${loc.hash}`);
  }
  return presenterToken(storage);
}

export function presenterToken(storage: Storage | undefined = globalThis.sessionStorage): string | undefined {
  try {
    return storage?.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

const search = () => (typeof location === 'undefined' ? '' : location.search);

/** Speaker-view iframes load the deck with `?receiver`: they must stay passive. */
export const isReceiver = () => /(^|[?&])receiver(=|&|$)/i.test(search());
/** `?print-pdf`: every slide laid out for printing. */
export const isPrintPdf = () => /print-pdf/i.test(search());
