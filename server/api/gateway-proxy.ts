import http from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { ANONYMOUS, cookieFor, isFrameUser, parseFrameIdentity, sessionFor } from './gateway-identity.ts';

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_FORM_BYTES = 16 * 1024;
/** HTML is rewritten in memory; a page larger than this is refused rather than buffered. */
const MAX_HTML_BYTES = 4 * 1024 * 1024;
/** A path the gateway may be asked for: printable ASCII, no backslash, no empty or dot segment. */
const PATH_CHARS = /^[\x21-\x7e]*$/;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);

/**
 * `<mount>/*` → the cluster's ingress gateway, so a browser never needs the cluster's
 * network. Mounted at `/gateway` (the presenter's cluster) and `/sandbox-gateway/<id>`.
 * Redirects and the page's absolute links are rewritten to stay under the mount.
 * `<mount>/as/<user>/…` shows the page as that user whatever the browser's cookies say
 * (gateway-identity.ts), so two frames can show two users.
 */
export function gatewayProxy(gatewayUrl: () => Promise<string>) {
  return async (req: Request, res: Response) => {
    const mount = req.baseUrl;
    let path = req.url || '/';
    let base = mount;
    const identity = parseFrameIdentity(path);
    if (identity && 'error' in identity) return res.status(400).type('text/plain').send(identity.error);
    if (identity) {
      base = `${mount}/as/${encodeURIComponent(identity.user)}`;
      path = identity.rest;
      // The frame's own sign-in form and sign-out link switch which user this frame shows.
      const pathname = path.split('?')[0];
      if (pathname === '/login' && req.method === 'POST') {
        const name = new URLSearchParams(await readForm(req).catch(() => '')).get('username')?.trim() ?? '';
        const next = isFrameUser(name) ? name : ANONYMOUS;
        return res.redirect(303, `${mount}/as/${encodeURIComponent(next)}/productpage`);
      }
      if (pathname === '/logout') return res.redirect(302, `${mount}/as/${ANONYMOUS}/productpage`);
    }

    const upstreamPath = gatewayPath(path);
    if ('error' in upstreamPath) return res.status(400).type('text/plain').send(`${upstreamPath.error} (in ${JSON.stringify(req.originalUrl.slice(0, 200))})`);
    let gateway: string;
    let target: URL;
    try {
      gateway = await gatewayUrl();
      target = new URL(`${new URL(gateway).origin}${upstreamPath.path}`);
    } catch (err) {
      return res.status(502).type('text/plain').send(`The ingress gateway is not reachable: ${err instanceof Error ? err.message : err}`);
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) return res.status(413).type('text/plain').send('request body too large for the gateway proxy (1 MiB)');
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && k !== 'authorization') headers[k] = v;
    if (typeof headers.referer === 'string') headers.referer = headers.referer.replace(`${base}/`, '/');
    if (identity) {
      try {
        const cookie = cookieFor(req.headers.cookie, await sessionFor(gateway, identity.user));
        if (cookie) headers.cookie = cookie;
        else delete headers.cookie;
      } catch (err) {
        return res.status(502).type('text/plain').send(`Could not sign in as ${identity.user} at the gateway: ${err instanceof Error ? err.message : err}`);
      }
    }
    // Host and port come from the gateway's address alone; the request supplies only the path.
    const upstream = http.request({ hostname: target.hostname, port: target.port, path: upstreamPath.path, method: req.method, headers, timeout: 60_000 }, (up) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
      if (typeof out.location === 'string') out.location = rewriteLocation(out.location, target, base);
      // A frame with its own user never changes the browser's session.
      if (identity) delete out['set-cookie'];
      const html = /^text\/html/i.test(String(out['content-type'] ?? '')) && !out['content-encoding'];
      if (!html) {
        res.writeHead(up.statusCode ?? 502, out);
        up.pipe(res);
        return;
      }
      readAll(up, MAX_HTML_BYTES).then(
        (body) => {
          const page = rewriteLinks(body.toString('utf8'), base);
          delete out['content-length'];
          res.writeHead(up.statusCode ?? 502, out);
          res.end(page);
        },
        (err: Error) => {
          if (!res.headersSent) res.status(502).type('text/plain').send(`The gateway's page could not be proxied: ${err.message}`);
        },
      );
    });
    upstream.on('timeout', () => upstream.destroy(new Error('gateway timed out')));
    upstream.on('error', (err) => {
      if (!res.headersSent) res.status(502).type('text/plain').send(`The ingress gateway did not answer: ${err.message}`);
      else res.destroy();
    });
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > MAX_BODY_BYTES) {
        upstream.destroy();
        if (!res.headersSent) res.status(413).type('text/plain').send('request body too large for the gateway proxy (1 MiB)');
        req.destroy();
      }
    });
    req.pipe(upstream);
  };
}

/**
 * `/productpage?u=1` as the gateway will be asked for it, or why not: the path must start
 * with one "/", and may hold no backslash, no empty, "." or ".." segment (raw or
 * percent-encoded), no encoded "/" and no malformed percent-encoding, so nothing in it can
 * name another host or climb out of the gateway's paths.
 */
export function gatewayPath(pathAndQuery: string): { path: string } | { error: string } {
  if (!PATH_CHARS.test(pathAndQuery)) return { error: 'the gateway path may hold only printable ASCII (percent-encode the rest)' };
  const q = pathAndQuery.indexOf('?');
  const pathname = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
  if (!pathname.startsWith('/')) return { error: 'the gateway path must start with "/"' };
  if (pathname.includes('\\') || /%5c/i.test(pathname)) return { error: 'the gateway path may not hold a backslash' };
  if (/%2f/i.test(pathname)) return { error: 'the gateway path may not hold an encoded "/"' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { error: 'the gateway path has malformed percent-encoding' };
  }
  const segments = decoded.slice(1).split('/');
  if (segments.slice(0, -1).some((s) => s === '')) return { error: 'the gateway path may not hold an empty segment ("//")' };
  if (segments.some((s) => s === '.' || s === '..')) return { error: 'the gateway path may not hold a "." or ".." segment' };
  return { path: pathAndQuery };
}

/**
 * `/sandbox-gateway/<id>/*`: the same proxy to a sandbox's own gateway; `gatewayOf` finds
 * the sandbox's gateway address, undefined for no such sandbox.
 */
export function sandboxGatewayProxy(gatewayOf: (id: string) => (() => Promise<string>) | undefined) {
  return (req: Request, res: Response, next: NextFunction) => {
    const gatewayUrl = gatewayOf(String(req.params.id));
    if (!gatewayUrl) return res.status(404).type('text/plain').send('no such sandbox');
    gatewayProxy(gatewayUrl)(req, res).catch(next);
  };
}

/** Root-relative links (`href="/logout"`, `action="/login"`) would leave the proxy: keep them under `base`. */
export function rewriteLinks(html: string, base: string): string {
  return html.replace(/(\s(?:href|src|action)\s*=\s*["'])\/(?!\/)/gi, `$1${base}/`);
}

function rewriteLocation(location: string, target: URL, base: string): string {
  if (location.startsWith('/') && !location.startsWith('//')) return `${base}${location}`;
  try {
    const u = new URL(location);
    if (u.host === target.host) return `${base}${u.pathname}${u.search}`;
    // Bookinfo redirects to the Referer, which named the deck: keep it under the mount.
    if (!u.pathname.startsWith(`${base}/`)) return `${u.origin}${base}${u.pathname}${u.search}`;
  } catch {
    /* leave as is */
  }
  return location;
}

function readAll(stream: NodeJS.ReadableStream, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error(`larger than ${limit} bytes`));
        (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
        return;
      }
      chunks.push(c);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

const readForm = (req: Request) => readAll(req, MAX_FORM_BYTES).then((b) => b.toString('utf8'));
