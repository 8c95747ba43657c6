import { type AppHandler, jsonResponse, textResponse } from '../app-runtime/types.ts';
import { work } from '../app-runtime/work.ts';

const STATUS_TEXT: Record<number, string> = { 200: 'OK', 418: "I'm a teapot" };

/**
 * httpbin (go-httpbin): `/get`, `/headers`, `/ip`, `/status/{code}`, `/delay/{s}` (at most 10 s).
 * Each request takes a few simulated ms, like the real pod behind two sidecars, which is what
 * lets concurrent load trip a small connection pool.
 */
export const httpbinApp: AppHandler = async (req, ctx) => {
  const url = new URL(`http://httpbin:8000${req.path}`);
  const path = url.pathname;
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [canonical(k), [v]]));
  await work(ctx, 2, req.signal);
  if (path === '/get') {
    return jsonResponse(200, JSON.stringify({ args: Object.fromEntries([...url.searchParams].map(([k, v]) => [k, [v]])), headers, method: req.method, origin: '127.0.0.6', url: `http://${req.headers.host ?? 'httpbin:8000'}${req.path}` }, null, 2) + '\n');
  }
  if (path === '/headers') return jsonResponse(200, JSON.stringify({ headers }, null, 2) + '\n');
  if (path === '/ip') return jsonResponse(200, JSON.stringify({ origin: '127.0.0.6' }, null, 2) + '\n');
  const status = /^\/status\/(\d{3})$/.exec(path);
  if (status) {
    const code = Number(status[1]);
    if (code < 100 || code > 599) return textResponse(400, 'invalid status code');
    return textResponse(code, STATUS_TEXT[code] === "I'm a teapot" ? "I'm a teapot!" : '');
  }
  const delay = /^\/delay\/(\d+(?:\.\d+)?)$/.exec(path);
  if (delay) {
    const seconds = Math.min(10, Number(delay[1]));
    await ctx.clock.sleep(seconds * 1000, req.signal);
    return jsonResponse(200, JSON.stringify({ args: {}, headers, method: req.method, origin: '127.0.0.6', url: `http://${req.headers.host ?? 'httpbin:8000'}${req.path}` }, null, 2) + '\n');
  }
  return textResponse(404, '404 page not found\n');
};

/** `x-b3-traceid` → `X-B3-Traceid`, as Go's net/http prints header names. */
function canonical(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}
