/**
 * `/openapi/v3` over HTTP, as the kube-apiserver's handler answers: the index names each
 * group/version document by the hash of its content; a request with the current hash may be
 * cached for good, one with an old hash is sent to the current URL.
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { OpenApiDocuments } from './documents.ts';

const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

function send(res: ServerResponse, code: number, json: string, headers: Record<string, string>): void {
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json), ...headers });
  res.end(json);
}

/**
 * Answers a GET of `/openapi/v3[/api/<v>|/apis/<g>/<v>]` (segs are the path's segments);
 * false, with nothing sent, when no such document exists.
 */
export function serveOpenApi(res: ServerResponse, docs: OpenApiDocuments, segs: string[], query: URLSearchParams): boolean {
  if (segs.length === 2) {
    const json = JSON.stringify(docs.index());
    const etag = `"${createHash('sha512').update(json).digest('hex').toUpperCase()}"`;
    send(res, 200, json, { Etag: etag, 'Cache-Control': 'no-cache, private' });
    return true;
  }
  const rest = segs.slice(2);
  const gv = rest[0] === 'api' && rest.length === 2 ? { group: '', version: rest[1] } : rest[0] === 'apis' && rest.length === 3 ? { group: rest[1], version: rest[2] } : undefined;
  const doc = gv && docs.document(gv.group, gv.version);
  if (!doc) return false;
  const asked = query.get('hash');
  if (asked !== null && asked !== doc.hash) {
    const location = `/openapi/v3/${rest.join('/')}?hash=${doc.hash}`;
    res.writeHead(301, { Location: location, 'Content-Length': 0 });
    res.end();
    return true;
  }
  const caching: Record<string, string> =
    asked === doc.hash
      ? { 'Cache-Control': 'public, immutable', Expires: new Date(Date.now() + ONE_YEAR_MS).toUTCString(), Vary: 'Accept' }
      : { 'Cache-Control': 'no-cache, private', Etag: `"${doc.hash}"` };
  send(res, 200, doc.json, caching);
  return true;
}
