import http from 'node:http';
import type { Request, Response } from 'express';

const MAX_BODY_BYTES = 1024 * 1024;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);

/**
 * `/gateway/*` → the cluster's ingress gateway, so a browser never needs the cluster's
 * network. Redirects and cookies are rewritten to stay under /gateway.
 */
export function gatewayProxy(gatewayUrl: () => Promise<string>) {
  return async (req: Request, res: Response) => {
    let target: URL;
    try {
      target = new URL(req.originalUrl.replace(/^\/gateway/, '') || '/', await gatewayUrl());
    } catch (err) {
      return res.status(502).type('text/plain').send(`The ingress gateway is not reachable: ${err instanceof Error ? err.message : err}`);
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) return res.status(413).type('text/plain').send('request body too large for the gateway proxy (1 MiB)');
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && k !== 'authorization') headers[k] = v;
    if (typeof headers.referer === 'string') headers.referer = headers.referer.replace('/gateway/', '/');
    const upstream = http.request(target, { method: req.method, headers, timeout: 60_000 }, (up) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
      if (typeof out.location === 'string') out.location = rewriteLocation(out.location, target);
      res.writeHead(up.statusCode ?? 502, out);
      up.pipe(res);
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

function rewriteLocation(location: string, target: URL): string {
  if (location.startsWith('/')) return `/gateway${location}`;
  try {
    const u = new URL(location);
    if (u.host === target.host) return `/gateway${u.pathname}${u.search}`;
    // Bookinfo redirects to the Referer, which named the deck: keep it under /gateway.
    if (!u.pathname.startsWith('/gateway/')) return `${u.origin}/gateway${u.pathname}${u.search}`;
  } catch {
    /* leave as is */
  }
  return location;
}
