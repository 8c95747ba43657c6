import { timingSafeEqual } from 'node:crypto';
import type { Request, Response, NextFunction } from 'express';

/** Constant-time, so the token cannot be guessed a byte at a time. */
export function tokenMatches(given: string | undefined | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function bearerToken(req: Request): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
}

/** Every change to a cluster needs the presenter's token: 401 without one, 403 with a wrong one. */
export function requireToken(expected: () => string) {
  return (req: Request, res: Response, next: NextFunction) => {
    const token = bearerToken(req);
    if (!token) return res.status(401).json({ error: 'the presenter token is required for changes (Authorization: Bearer <token>)' });
    if (!tokenMatches(token, expected())) return res.status(403).json({ error: 'the presenter token is wrong' });
    next();
  };
}
