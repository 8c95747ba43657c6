import { type AppHandler, type Workload, jsonResponse } from '../app-runtime/types.ts';
import { RATINGS_UNAVAILABLE, REVIEW_TEXTS, propagate } from './data.ts';
import { work } from '../app-runtime/work.ts';

/**
 * reviews (Java/Liberty). v1 never calls ratings; v2 shows black stars, v3 red ones. The
 * ratings client's connect+receive timeout is 10 s for black stars, 2.5 s otherwise; any
 * failure turns both ratings into "Ratings service is currently unavailable" and still answers 200.
 */
export function reviewsApp(pod: Workload): AppHandler {
  const ratingsEnabled = pod.version !== 'v1';
  const starColor = pod.version === 'v3' ? 'red' : 'black';
  const ratingsTimeoutMs = starColor === 'black' ? 10_000 : 2_500;
  return async (req, ctx) => {
    const path = req.path.split('?')[0];
    if (path === '/health') return jsonResponse(200, '{"status": "Reviews is healthy"}');
    const m = /^\/reviews\/([^/]*)$/.exec(path);
    if (!m || req.method !== 'GET') return jsonResponse(404, { error: 'Not Found' });
    const productId = m[1];
    await work(ctx, 2, req.signal);
    let stars1 = -1;
    let stars2 = -1;
    if (ratingsEnabled) {
      try {
        const res = await ctx.call(`http://ratings:9080/ratings/${productId}`, { headers: propagate(req.headers), timeoutMs: ratingsTimeoutMs });
        if (res.status === 200) {
          const ratings = JSON.parse(res.body)?.ratings ?? {};
          if (typeof ratings.Reviewer1 === 'number') stars1 = ratings.Reviewer1;
          if (typeof ratings.Reviewer2 === 'number') stars2 = ratings.Reviewer2;
        }
      } catch (err) {
        // The client hung up on us: nothing left to answer.
        if (req.signal.aborted) throw err;
      }
    }
    return jsonResponse(200, reviewsJson(productId, pod.pod, ratingsEnabled, starColor, stars1, stars2));
  };
}

/** The JSON exactly as LibertyRestEndpoint.getJsonResponse concatenates it. */
function reviewsJson(productId: string, podName: string, ratingsEnabled: boolean, color: string, stars1: number, stars2: number): string {
  const rating = (stars: number) => {
    if (!ratingsEnabled) return '';
    return stars !== -1 ? `, "rating": {"stars": ${stars}, "color": "${color}"}` : `, "rating": {"error": "${RATINGS_UNAVAILABLE}"}`;
  };
  let result = '{';
  result += `"id": "${productId}",`;
  result += `"podname": "${podName}",`;
  result += '"clustername": "null",';
  result += '"reviews": [';
  result += '{';
  result += '  "reviewer": "Reviewer1",';
  result += `  "text": "${REVIEW_TEXTS.Reviewer1}"`;
  result += rating(stars1);
  result += '},';
  result += '{';
  result += '  "reviewer": "Reviewer2",';
  result += `  "text": "${REVIEW_TEXTS.Reviewer2}"`;
  result += rating(stars2);
  result += '}';
  result += ']';
  result += '}';
  return result;
}
