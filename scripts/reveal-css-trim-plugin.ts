/**
 * Vite plugin: drops the one image reveal.css inlines that the deck can never show, the
 * spinner of reveal's link-preview overlay (4 KB of base64, a third of the first slide's CSS
 * on the wire). The deck leaves link previews off, so that overlay never opens.
 */
import type { Plugin } from 'vite';

const REVEAL_CSS = /node_modules\/reveal\.js\/dist\/reveal\.css$/;
const SPINNER_IMAGE = /(\.r-overlay-spinner\{[^}]*?background-image:)url\(data:[^)]*\)/;

export function revealCssTrimPlugin(): Plugin {
  return {
    name: 'istio-deck-reveal-css-trim',
    enforce: 'pre',
    transform(code, id) {
      if (!REVEAL_CSS.test(id.split('?')[0])) return null;
      if (!SPINNER_IMAGE.test(code)) {
        this.warn('reveal.css no longer inlines the preview spinner where expected: nothing trimmed');
        return null;
      }
      return { code: code.replace(SPINNER_IMAGE, '$1none'), map: null };
    },
  };
}
