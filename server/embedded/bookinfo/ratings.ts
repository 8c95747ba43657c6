import { type AppHandler, type Workload, jsonResponse } from '../app-runtime/types.ts';
import { work } from '../app-runtime/work.ts';

const MAX_BODY = 64 * 1024;

/**
 * ratings (Node.js): GET/POST `/ratings/<id>`, `/health`; POSTed ratings live in the pod's
 * memory (v2* images are database backed and refuse POST). The "buggy" images from the samples:
 * v-faulty fails half its GETs, v-delayed delays half by 7 s, v-unavailable is down every other
 * minute, v-unhealthy every other 15 minutes (and says so on /health).
 */
export function ratingsApp(pod: Workload, startedAt?: number): AppHandler {
  const stored = new Map<number, Record<string, number>>();
  const down = (now: number, periodMs: number) => Math.floor((now - (startedAt ?? now)) / periodMs) % 2 === 1;
  return async (req, ctx) => {
    startedAt ??= ctx.clock.now();
    const path = req.path.split('?')[0];
    const unhealthy = pod.version === 'v-unhealthy' && down(ctx.clock.now(), 15 * 60_000);
    if (path === '/health') return unhealthy ? jsonResponse(500, { status: 'Ratings is not healthy' }) : jsonResponse(200, { status: 'Ratings is healthy' });
    const m = /^\/ratings\/([^/]*)$/.exec(path);
    if (!m) return jsonResponse(404, { error: 'Not Found' });
    await work(ctx, 1, req.signal);
    if (!/^\d+$/.test(m[1])) return jsonResponse(400, { error: 'please provide numeric product ID' });
    const id = Number(m[1]);
    if (req.method === 'POST') {
      if (pod.version.startsWith('v2')) return jsonResponse(501, { error: 'Post not implemented for database backed ratings' });
      if (req.body.length > MAX_BODY) return jsonResponse(413, { error: 'request body too large' });
      let ratings: unknown;
      try {
        ratings = JSON.parse(req.body);
      } catch {
        return jsonResponse(400, { error: 'please provide valid ratings JSON' });
      }
      if (!ratings || typeof ratings !== 'object' || Array.isArray(ratings)) return jsonResponse(400, { error: 'please provide valid ratings JSON' });
      stored.set(id, ratings as Record<string, number>);
      return jsonResponse(200, { id, ratings });
    }
    if (req.method !== 'GET') return jsonResponse(405, { error: 'Method not allowed' });
    const unavailable = { error: 'Service unavailable' };
    if (pod.version === 'v-faulty' && Math.random() < 0.5) return jsonResponse(503, unavailable);
    if (pod.version === 'v-unavailable' && down(ctx.clock.now(), 60_000)) return jsonResponse(503, unavailable);
    if (unhealthy) return jsonResponse(503, unavailable);
    if (pod.version === 'v-delayed' && Math.random() < 0.5) await ctx.clock.sleep(7000, req.signal);
    return jsonResponse(200, { id, ratings: stored.get(id) ?? { Reviewer1: 5, Reviewer2: 4 } });
  };
}
