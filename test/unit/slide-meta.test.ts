import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSlideMeta } from '../../scripts/slide-meta-plugin.ts';
import { collectSlides, visibleSlides } from '../../client/deck/slides.ts';

describe('slide metadata known before a slide loads', () => {
  it('reads every slide of the talk: pre-flight is presenter-only, live slides name their scene', () => {
    const meta = readSlideMeta(resolve(import.meta.dirname, '../../slides'));
    expect(meta['99-preflight']).toEqual({ presenterOnly: true });
    expect(meta['10-all-v1'].scene).toBe('all-v1');
    expect(meta['17-fault-delay'].scene).toBe('ratings-delay');
    expect(meta['00-title']).toEqual({});
  });

  it('takes only real exports: a mention in prose or a false flag does not count', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slides-'));
    try {
      writeFileSync(join(dir, '01-a.mdx'), 'export const scene = "gateway";\nexport const presenterOnly = false;\n\n# A\n');
      writeFileSync(join(dir, '02-b.mdx'), '# B\n\nWrite `export const presenterOnly = true` to hide a slide.\n');
      expect(readSlideMeta(dir)).toEqual({ '01-a': { scene: 'gateway' }, '02-b': {} });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hides a presenter-only slide from the audience before its code has loaded', () => {
    const lazy = { '../../slides/00-title.mdx': async () => ({ default: () => null }), '../../slides/99-preflight.mdx': async () => ({ default: () => null }) };
    const slides = collectSlides({}, lazy, { '99-preflight': { presenterOnly: true } });
    expect(visibleSlides(slides, {}, false).map((s) => s.id)).toEqual(['00-title']);
    expect(visibleSlides(slides, {}, true).map((s) => s.id)).toEqual(['00-title', '99-preflight']);
  });
});
