/**
 * `virtual:slide-meta`: each slide's scene and presenter-only flag, read from the MDX
 * sources at build time. The deck needs them before a slide's code has loaded: an
 * audience page must never list pre-flight, and the scene buttons must know the scene.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'vite';

export interface SlideMeta {
  scene?: string;
  presenterOnly?: boolean;
}

const ID = 'virtual:slide-meta';
const RESOLVED = `\0${ID}`;

export function readSlideMeta(dir: string): Record<string, SlideMeta> {
  const meta: Record<string, SlideMeta> = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.mdx')).sort()) {
    const text = readFileSync(join(dir, file), 'utf8');
    const scene = /^export const scene\s*=\s*(['"])([^'"]+)\1/m.exec(text)?.[2];
    const presenterOnly = /^export const presenterOnly\s*=\s*true\b/m.test(text);
    meta[file.replace(/\.mdx$/, '')] = { ...(scene ? { scene } : {}), ...(presenterOnly ? { presenterOnly } : {}) };
  }
  return meta;
}

export function slideMetaPlugin(slidesDir: string): Plugin {
  return {
    name: 'istio-deck-slide-meta',
    resolveId: (id) => (id === ID ? RESOLVED : undefined),
    load(id) {
      if (id !== RESOLVED) return undefined;
      for (const f of readdirSync(slidesDir)) if (f.endsWith('.mdx')) this.addWatchFile(join(slidesDir, f));
      return `export default ${JSON.stringify(readSlideMeta(slidesDir))};`;
    },
  };
}
