/** Parsing of the request headers that pick a representation: Accept-Encoding and Range. */

export type ContentEncoding = 'br' | 'gzip';

/** Longer headers are cut here: a browser's fit in a few dozen bytes. */
const MAX_HEADER = 1024;

/** The q-value the client gives each coding it names (`*` included), lower-cased. */
function qualities(header: string): Map<string, number> {
  const q = new Map<string, number>();
  for (const part of header.slice(0, MAX_HEADER).split(',')) {
    const [name, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (!name) continue;
    const qParam = params.find((p) => p.startsWith('q='));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    q.set(name, Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0);
  }
  return q;
}

/**
 * The encodings the client accepts, best first among those offered: brotli is preferred
 * (smaller), then gzip; an empty list means identity. A coding with q=0 is refused, and `*`
 * covers the codings not named.
 */
export function acceptedEncodings(header: string | undefined, offered: readonly ContentEncoding[] = ['br', 'gzip']): ContentEncoding[] {
  if (!header) return [];
  const q = qualities(header);
  const wildcard = q.get('*') ?? 0;
  // x-gzip is the old name of gzip.
  const of = (e: ContentEncoding) => q.get(e) ?? (e === 'gzip' ? q.get('x-gzip') : undefined) ?? wildcard;
  return offered.filter((e) => of(e) > 0).sort((a, b) => of(b) - of(a));
}

export type RangeRequest = { kind: 'none' } | { kind: 'unsatisfiable' } | { kind: 'range'; start: number; end: number };

/**
 * One byte range of a representation of `size` bytes (end inclusive). Several ranges, or a
 * header this does not understand, mean the whole representation, as the HTTP spec allows.
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (!header) return { kind: 'none' };
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim().slice(0, MAX_HEADER));
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'none' };
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return { kind: 'unsatisfiable' };
  return { kind: 'range', start, end };
}
