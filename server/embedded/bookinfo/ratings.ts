import { type AppHandler, type Workload, jsonResponse } from '../mesh/types.ts';
import { work } from '../mesh/work.ts';

const MAX_BODY = 64 * 1024;

/** ratings (Node.js) v1 (and v-faulty): GET/POST `/ratings/<id>`, `/health`; POSTed ratings live in the pod's memory. */
export function ratingsApp(pod: Workload): AppHandler {
  const stored = new Map<number, Record<string, number>>();
  return async (req, ctx) => {
    const path = req.path.split('?')[0];
    if (path === '/health') return jsonResponse(200, { status: 'Ratings is healthy' });
    const m = /^\/ratings\/([^/]*)$/.exec(path);
    if (!m) return jsonResponse(404, { error: 'Not Found' });
    await work(ctx, 1, req.signal);
    if (!/^\d+$/.test(m[1])) return jsonResponse(400, { error: 'please provide numeric product ID' });
    const id = Number(m[1]);
    if (req.method === 'POST') {
      if (pod.version !== 'v1') return jsonResponse(501, { error: 'Post not implemented for database backed ratings' });
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
    // The "buggy" v-faulty image fails half of its GETs.
    if (pod.version === 'v-faulty' && Math.random() < 0.5) return jsonResponse(503, { error: 'Service unavailable' });
    return jsonResponse(200, { id, ratings: stored.get(id) ?? { Reviewer1: 5, Reviewer2: 4 } });
  };
}
