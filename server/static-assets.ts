/**
 * Serves the built client (dist/client). The build writes a brotli and a gzip copy of every
 * compressible file (scripts/precompress.ts); each request gets the best copy its
 * Accept-Encoding allows. Hashed assets are cached for a year, unchanged until their name
 * changes; index.html and any other unhashed file is revalidated on every load.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync, type Stats } from 'node:fs';
import { extname, resolve, sep } from 'node:path';
import type { Request, RequestHandler, Response } from 'express';
import { acceptedEncodings, parseRange, type ContentEncoding } from './http-negotiation.ts';

/** The suffix of each encoding's copy, as the build step writes it. */
const SUFFIX: Record<ContentEncoding, string> = { br: '.br', gzip: '.gz' };
/** Vite puts content-hashed files under assets/ with an 8-character hash before the extension. */
const HASHED = /^\/assets\/(?:.*\/)?[^/]+-[A-Za-z0-9_-]{8}\.[A-Za-z0-9]+$/;
export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';

interface Representation {
  file: string;
  size: number;
  etag: string;
  encoding?: ContentEncoding;
}

const statFile = (file: string): Stats | undefined => {
  try {
    const st = statSync(file);
    return st.isFile() ? st : undefined;
  } catch {
    return undefined;
  }
};

/** The URL path as a file under root, or undefined when it names no servable file (dot files, .br/.gz copies, outside root). */
function fileFor(root: string, urlPath: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (path === '/') path = '/index.html';
  if (path.includes('\0') || path.endsWith('/') || path.split('/').some((seg) => seg.startsWith('.'))) return undefined;
  if (Object.values(SUFFIX).some((s) => path.endsWith(s))) return undefined;
  const file = resolve(root, `.${path}`);
  return file.startsWith(root + sep) ? file : undefined;
}

export function staticAssets(rootDir: string): RequestHandler {
  const root = resolve(rootDir);
  // Content hashes, kept while a file's size and mtime stay the same (a rebuild changes both).
  const etags = new Map<string, { key: string; etag: string }>();
  const etagOf = (file: string, st: Stats, encoding?: ContentEncoding) => {
    const key = `${st.size}:${st.mtimeMs}`;
    const known = etags.get(file);
    if (known?.key === key) return known.etag;
    const hash = createHash('sha256').update(readFileSync(file)).digest('base64url').slice(0, 27);
    const etag = `"${hash}${encoding ? `-${encoding}` : ''}"`;
    etags.set(file, { key, etag });
    return etag;
  };

  const pick = (file: string, identity: Stats, acceptEncoding: string | undefined): Representation => {
    for (const encoding of acceptedEncodings(acceptEncoding)) {
      const copy = file + SUFFIX[encoding];
      const st = statFile(copy);
      // A copy older than its file is from an earlier build: never send stale bytes.
      if (st && st.mtimeMs >= identity.mtimeMs) return { file: copy, size: st.size, etag: etagOf(copy, st, encoding), encoding };
    }
    return { file, size: identity.size, etag: etagOf(file, identity) };
  };

  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const file = fileFor(root, req.path);
    const identity = file && statFile(file);
    if (!file || !identity) return next();
    const compressible = Object.values(SUFFIX).some((s) => statFile(file + s));
    const rep = pick(file, identity, req.get('accept-encoding'));

    res.type(extname(file));
    res.setHeader('Cache-Control', HASHED.test(req.path) ? IMMUTABLE : REVALIDATE);
    res.setHeader('ETag', rep.etag);
    res.setHeader('Last-Modified', identity.mtime.toUTCString());
    res.setHeader('Accept-Ranges', 'bytes');
    if (compressible) res.setHeader('Vary', 'Accept-Encoding');
    if (rep.encoding) res.setHeader('Content-Encoding', rep.encoding);

    if (notModified(req, rep.etag, identity)) {
      res.removeHeader('Content-Type');
      return res.status(304).end();
    }
    const range = rangeFor(req, rep);
    if (range.kind === 'unsatisfiable') {
      res.setHeader('Content-Range', `bytes */${rep.size}`);
      return res.status(416).end();
    }
    const [start, end] = range.kind === 'range' ? [range.start, range.end] : [0, rep.size - 1];
    if (range.kind === 'range') {
      res.status(206);
      res.setHeader('Content-Range', `bytes ${start}-${end}/${rep.size}`);
    }
    res.setHeader('Content-Length', String(Math.max(0, end - start + 1)));
    if (req.method === 'HEAD' || rep.size === 0) return res.end();
    send(res, rep.file, start, end);
  };
}

/** If-None-Match wins over If-Modified-Since, as the HTTP spec orders them. */
function notModified(req: Request, etag: string, identity: Stats): boolean {
  const inm = req.get('if-none-match');
  if (inm !== undefined) return inm.trim() === '*' || inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
  const ims = req.get('if-modified-since');
  const since = ims ? Date.parse(ims) : NaN;
  return Number.isFinite(since) && Math.floor(identity.mtimeMs / 1000) * 1000 <= since;
}

/** A Range counts only on GET, and only while If-Range (when sent) still names this representation. */
function rangeFor(req: Request, rep: Representation) {
  const ifRange = req.get('if-range');
  if (req.method !== 'GET' || (ifRange !== undefined && ifRange.trim() !== rep.etag)) return { kind: 'none' as const };
  return parseRange(req.get('range'), rep.size);
}

function send(res: Response, file: string, start: number, end: number): void {
  const stream = createReadStream(file, { start, end });
  stream.on('error', (err) => {
    console.error(`static: reading ${file} failed:`, err.message);
    res.destroy(err);
  });
  res.on('close', () => stream.destroy());
  stream.pipe(res);
}
