import { type AppHandler, jsonResponse } from '../app-runtime/types.ts';
import { bookDetails } from './data.ts';
import { work } from '../app-runtime/work.ts';

/** details (Ruby/WEBrick): `/details/<id>` and `/health`. */
export const detailsApp: AppHandler = async (req, ctx) => {
  const path = req.path.split('?')[0];
  if (path === '/health') return jsonResponse(200, { status: 'Details is healthy' });
  const m = /^\/details\/([^/]*)$/.exec(path);
  if (!m || req.method !== 'GET') return jsonResponse(404, { error: 'Not Found' });
  await work(ctx, 1, req.signal);
  if (!/^-?\d+$/.test(m[1])) return jsonResponse(400, { error: 'please provide numeric product id' });
  return jsonResponse(200, bookDetails(Number(m[1])));
};
