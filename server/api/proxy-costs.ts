import type express from 'express';
import type { ProxyCostsReport } from '../protocol.ts';

/**
 * GET: the embedded cluster's own cost per proxy kind (read-only, the same for every viewer).
 * A deck on a real cluster has no such figures: the slide then shows the published ones only.
 */
export function proxyCostsHandler(report: (() => ProxyCostsReport) | undefined, clusterName: string): express.RequestHandler {
  return (_req, res) => {
    if (!report) {
      res.status(404).json({ error: `only the embedded cluster measures what its simulated proxies cost; this deck runs on ${clusterName}` });
      return;
    }
    res.setHeader('Cache-Control', 'no-store');
    res.json(report());
  };
}
