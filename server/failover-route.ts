/** POST /api/failover: the presenter's one click that moves the deck between the real and the embedded cluster. */
import express from 'express';
import { FailoverRefused, type Failover } from './failover.ts';
import { FAILOVER_CLUSTERS, type FailoverCluster, type FailoverRequest } from './protocol.ts';
import { bearerToken, tokenMatches } from './api/auth.ts';
import { refuseDeepJson } from './api/input-errors.ts';
import { JSON_BODY_LIMIT } from './api/routes.ts';
import type { Scene } from './api/scenes.ts';

export function failoverRouter(opts: { failover: Failover; token: string; scenes: Scene[] }): express.Router {
  const r = express.Router();
  const json = express.json({ limit: JSON_BODY_LIMIT, verify: refuseDeepJson });
  r.post('/failover', json, async (req, res, next) => {
    const token = bearerToken(req);
    if (!token) return res.status(401).json({ error: 'the presenter token is required to switch clusters (Authorization: Bearer <token>)' });
    if (!tokenMatches(token, opts.token)) return res.status(403).json({ error: 'the presenter token is wrong' });
    const body = (req.body ?? {}) as Partial<Record<keyof FailoverRequest, unknown>>;
    if (!(FAILOVER_CLUSTERS as readonly unknown[]).includes(body.to)) {
      return res.status(400).json({ error: `to must be one of ${FAILOVER_CLUSTERS.map((c) => `"${c}"`).join(', ')} (body {"to": "embedded"}); got ${JSON.stringify(body.to ?? null).slice(0, 40)}`, field: 'to' });
    }
    if (body.scene !== undefined && !opts.scenes.some((s) => s.name === body.scene)) {
      return res.status(400).json({ error: `no scene named ${JSON.stringify(body.scene).slice(0, 60)} (scenes: ${opts.scenes.map((s) => s.name).join(', ')})`, field: 'scene' });
    }
    try {
      res.json(await opts.failover.switchTo(body.to as FailoverCluster, body.scene as string | undefined));
    } catch (err) {
      if (err instanceof FailoverRefused) return res.status(err.status).json({ error: err.message });
      next(err);
    }
  });
  return r;
}
