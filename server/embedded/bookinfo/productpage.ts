import { type AppContext, type AppHandler, type MeshResponse, jsonResponse, textResponse } from '../app-runtime/types.ts';
import { PRODUCT, UNAVAILABLE, propagate } from './data.ts';
import { type PageModel, type Review, renderIndexPage, renderProductPage } from './page.ts';
import { SessionCodec } from './session.ts';
import { work } from '../app-runtime/work.ts';

const MAX_FORM = 16 * 1024;
/**
 * The product page's own client timeouts and retries (the real app hard-codes them): a
 * slower backend shows as an error on the page after 3 s, whatever the mesh's timeout.
 */
const DETAILS_TIMEOUT_MS = 3000;
const REVIEWS_TIMEOUT_MS = 3000;
const REVIEWS_ATTEMPTS = 2;
const RATINGS_TIMEOUT_MS = 3000;

interface Fetched {
  status: number;
  body?: any;
}

/** One signing key for every productpage pod, so a login survives being balanced to another replica. */
const session = new SessionCodec();

/** productpage (Python/Flask). */
export function productpageApp(): AppHandler {

  async function send(ctx: AppContext, url: string, headers: Record<string, string>, timeoutMs: number, signal: AbortSignal): Promise<MeshResponse | undefined> {
    try {
      return await ctx.call(url, { headers, timeoutMs, signal });
    } catch (err) {
      if (signal.aborted) throw err;
      return undefined; // timeout or connection error: requests raised
    }
  }

  async function getDetails(ctx: AppContext, id: string, headers: Record<string, string>, signal: AbortSignal): Promise<Fetched> {
    const res = await send(ctx, `http://details:9080/details/${id}`, headers, DETAILS_TIMEOUT_MS, signal);
    if (res?.status === 200) return { status: 200, body: safeJson(res.body) };
    return { status: res?.status || 500, body: { error: UNAVAILABLE.details } };
  }

  // "Bug introduced explicitly for illustration in fault injection task": two 3 s attempts.
  async function getReviews(ctx: AppContext, id: string, headers: Record<string, string>, signal: AbortSignal): Promise<Fetched> {
    let res: MeshResponse | undefined;
    for (let i = 0; i < REVIEWS_ATTEMPTS; i++) {
      res = await send(ctx, `http://reviews:9080/reviews/${id}`, headers, REVIEWS_TIMEOUT_MS, signal);
      if (res?.status === 200) return { status: 200, body: safeJson(res.body) };
    }
    return { status: res?.status || 500, body: { error: UNAVAILABLE.reviews } };
  }

  async function getRatings(ctx: AppContext, id: string, headers: Record<string, string>, signal: AbortSignal): Promise<Fetched> {
    const res = await send(ctx, `http://ratings:9080/ratings/${id}`, headers, RATINGS_TIMEOUT_MS, signal);
    if (res?.status === 200) return { status: 200, body: safeJson(res.body) };
    return { status: res?.status || 500, body: { error: UNAVAILABLE.ratings } };
  }

  return async (req, ctx) => {
    const url = new URL(`http://productpage${req.path}`);
    const path = url.pathname;
    const { user } = session.decode(req.headers.cookie);
    const outbound = propagate(req.headers);
    if (user) outbound['end-user'] = user;

    if (path === '/health') return textResponse(200, 'Product page is healthy');
    if ((path === '/' || path === '/index.html') && req.method === 'GET') return htmlResponse(200, renderIndexPage());

    if (path === '/login' && req.method === 'POST') {
      if (req.body.length > MAX_FORM) return textResponse(413, 'Request Entity Too Large');
      const form = new URLSearchParams(req.body);
      const name = (form.get('username') ?? '').slice(0, 100);
      return redirect(req.headers.referer, name ? session.setCookie({ user: name }) : session.clearCookie());
    }
    if (path === '/logout' && req.method === 'GET') return redirect(req.headers.referer, session.clearCookie());

    if (path === '/productpage' && req.method === 'GET') {
      await work(ctx, 5, req.signal);
      const details = await getDetails(ctx, String(PRODUCT.id), outbound, req.signal);
      const reviews = await getReviews(ctx, String(PRODUCT.id), outbound, req.signal);
      const model: PageModel = {
        user,
        details: details.status === 200 && details.body ? { ok: true, data: details.body } : { ok: false },
        reviews:
          reviews.status === 200 && Array.isArray(reviews.body?.reviews)
            ? { ok: true, reviews: reviews.body.reviews as Review[], podname: reviews.body.podname }
            : { ok: false },
      };
      return htmlResponse(200, renderProductPage(model));
    }

    if (path === '/api/v1/products' && req.method === 'GET') return jsonResponse(200, [PRODUCT]);
    const api = /^\/api\/v1\/products\/([^/]+)(?:\/(reviews|ratings))?$/.exec(path);
    if (api && req.method === 'GET') {
      const [, id, what] = api;
      const r = what === 'reviews' ? await getReviews(ctx, id, outbound, req.signal) : what === 'ratings' ? await getRatings(ctx, id, outbound, req.signal) : await getDetails(ctx, id, outbound, req.signal);
      return jsonResponse(r.status, r.body);
    }
    if (path.startsWith('/static/')) return notFound();
    return notFound();
  };
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function htmlResponse(status: number, html: string): MeshResponse {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html };
}

function notFound(): MeshResponse {
  return htmlResponse(
    404,
    '<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n',
  );
}

/** Flask's `redirect(request.referrer)`. */
function redirect(referer: string | undefined, setCookie: string): MeshResponse {
  const target = referer && referer.length < 2048 ? referer : '/productpage';
  const safe = target.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  return {
    status: 302,
    headers: { 'content-type': 'text/html; charset=utf-8', location: target, 'set-cookie': setCookie },
    body: `<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n<p>You should be redirected automatically to the target URL: <a href="${safe}">${safe}</a>. If not, click the link.\n`,
  };
}
