/**
 * `/openapi/v3` over HTTP, as the kube-apiserver's handler answers: the index names each
 * group/version document by the hash of its content; a request with the current hash may be
 * cached for good, one with an old hash is sent to the current URL.
 */
import type { OpenApiDocuments } from './documents.ts';

const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;
const encoder = new TextEncoder();

/** What to answer: the status, the body's text and the headers besides its length. */
export interface OpenApiAnswer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

const send = (status: number, json: string, headers: Record<string, string>): OpenApiAnswer => ({ status, body: json, headers: { 'Content-Type': 'application/json', ...headers } });

/** SHA-512 of a text, in upper-case hex (the index's ETag). */
async function sha512Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-512', encoder.encode(text)));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex.toUpperCase();
}

/**
 * Answers a GET of `/openapi/v3[/api/<v>|/apis/<g>/<v>]` (segs are the path's segments);
 * undefined when no such document exists.
 */
export async function serveOpenApi(docs: OpenApiDocuments, segs: string[], query: URLSearchParams): Promise<OpenApiAnswer | undefined> {
  if (segs.length === 2) {
    const json = JSON.stringify(docs.index());
    return send(200, json, { Etag: `"${await sha512Hex(json)}"`, 'Cache-Control': 'no-cache, private' });
  }
  const rest = segs.slice(2);
  const gv = rest[0] === 'api' && rest.length === 2 ? { group: '', version: rest[1] } : rest[0] === 'apis' && rest.length === 3 ? { group: rest[1], version: rest[2] } : undefined;
  const doc = gv && docs.document(gv.group, gv.version);
  if (!doc) return undefined;
  const asked = query.get('hash');
  if (asked !== null && asked !== doc.hash) {
    const location = `/openapi/v3/${rest.join('/')}?hash=${doc.hash}`;
    return { status: 301, body: '', headers: { Location: location } };
  }
  const caching: Record<string, string> =
    asked === doc.hash
      ? { 'Cache-Control': 'public, immutable', Expires: new Date(Date.now() + ONE_YEAR_MS).toUTCString(), Vary: 'Accept' }
      : { 'Cache-Control': 'no-cache, private', Etag: `"${doc.hash}"` };
  return send(200, doc.json, caching);
}
