import { type AppHandler, type MeshResponse, jsonResponse, textResponse } from '../app-runtime/types.ts';
import { work } from '../app-runtime/work.ts';

/** Which methods each echo route takes, as go-httpbin registers them. */
const METHODS: Record<string, string[]> = {
  '/get': ['GET', 'HEAD'],
  '/post': ['POST'],
  '/put': ['PUT'],
  '/patch': ['PATCH'],
  '/delete': ['DELETE'],
};

/**
 * httpbin (go-httpbin): `/get`, `/post` (and put, patch, delete), `/anything`, `/headers`, `/ip`,
 * `/status/{code}`, `/delay/{s}` (at most 10 s), with its JSON shapes and its answers to a
 * wrong method or a bad code. Each request takes a few simulated ms, like the real pod behind
 * two sidecars, which is what lets concurrent load trip a small connection pool.
 */
export const httpbinApp: AppHandler = async (req, ctx) => {
  const url = new URL(`http://httpbin:8000${req.path}`);
  const path = url.pathname;
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [canonical(k), [v]]));
  const origin = '127.0.0.6';
  const echo = () => ({ args: Object.fromEntries([...url.searchParams].map(([k, v]) => [k, [v]])), headers, method: req.method, origin, url: `http://${req.headers.host ?? 'httpbin:8000'}${req.path}` });
  await work(ctx, 2, req.signal);
  const allowed = METHODS[path];
  if (allowed) {
    if (!allowed.includes(req.method)) return textResponse(405, 'Method Not Allowed\n', { allow: allowed.join(', ') });
    return pretty(req.method === 'GET' || req.method === 'HEAD' ? echo() : { ...echo(), ...bodyFields(req.headers['content-type'], req.body) });
  }
  if (path === '/anything' || path.startsWith('/anything/')) return pretty({ ...echo(), ...bodyFields(req.headers['content-type'], req.body) });
  if (path === '/headers') return pretty({ headers });
  if (path === '/ip') return pretty({ origin });
  const status = /^\/status\/([^/]+)$/.exec(path);
  if (status) {
    const code = Number(status[1]);
    if (!/^\d{3}$/.test(status[1]) || code < 100 || code > 599) return textResponse(400, 'Invalid status\n');
    // The teapot is the one code go-httpbin answers with a body.
    if (code === 418) return textResponse(418, "I'm a teapot!", { 'x-more-info': 'http://tools.ietf.org/html/rfc2324' });
    return textResponse(code, '');
  }
  const delay = /^\/delay\/(\d+(?:\.\d+)?)$/.exec(path);
  if (delay) {
    const seconds = Math.min(10, Number(delay[1]));
    await ctx.clock.sleep(seconds * 1000, req.signal);
    return pretty(echo());
  }
  return textResponse(404, '404 page not found\n');
};

const pretty = (value: unknown): MeshResponse => jsonResponse(200, JSON.stringify(value, null, 2) + '\n', { 'content-type': 'application/json; charset=utf-8' });

/** What go-httpbin reports of a request body: the raw data, and the form or JSON it parses as. */
function bodyFields(contentType: string | undefined, body: string): { data: string; files: object; form: object; json: unknown } {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  let form: Record<string, string[]> = {};
  let json: unknown = null;
  if (type === 'application/x-www-form-urlencoded') {
    form = {};
    for (const [k, v] of new URLSearchParams(body)) (form[k] ??= []).push(v);
    return { data: '', files: {}, form, json };
  }
  if (type === 'application/json') {
    try {
      json = JSON.parse(body);
    } catch {
      json = null;
    }
  }
  return { data: body, files: {}, form, json };
}

/** `x-b3-traceid` → `X-B3-Traceid`, as Go's net/http prints header names. */
function canonical(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}
