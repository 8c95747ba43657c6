import type { NextFunction, Request, Response } from 'express';
import { errorMessage, errorStatus } from '../cluster/connection.ts';
import { isNetworkError } from '../cluster/failure.ts';
import { jsonNestingDepth } from '../http-body.ts';
import { DocumentError } from './yaml-documents.ts';

/** Bad input the caller can fix: answered with `status` and the message, never as a server fault. */
export class InputError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** JSON bodies nest at most this deep: the deck's own requests nest two or three levels. */
export const MAX_JSON_NESTING = 32;

const kib = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(0)} MiB` : `${Math.round(bytes / 1024)} KiB`);

/** For express.json's `verify`: refuses a body nested too deeply before it is parsed. */
export function refuseDeepJson(_req: Request, _res: Response, buf: Buffer): void {
  if (jsonNestingDepth(buf, MAX_JSON_NESTING) > MAX_JSON_NESTING) throw new InputError(400, `request body nests more than ${MAX_JSON_NESTING} levels deep`);
}

/**
 * Only origin-form request targets (`/path?query`): an absolute-form one (`GET http://host/…`)
 * is for proxies, and the deck is not one; Express would otherwise route it by its path.
 */
export function requireOriginForm(req: Request, res: Response, next: NextFunction): void {
  if (!req.url.startsWith('/') || req.url.startsWith('//')) {
    res.status(400).type('text/plain').send('the request target must be a path starting with a single "/" (absolute-form targets are for proxies)');
    return;
  }
  next();
}

/** Status and message for an error; input errors are 4xx with what is wrong and where. */
export function classifyError(err: unknown, req: Request): { status: number; body: { error: string; [k: string]: unknown } } {
  if (err instanceof DocumentError) return { status: 422, body: { ...err.body } };
  if (err instanceof InputError) return { status: err.status, body: { error: err.message } };
  const e = (err ?? {}) as { type?: string; limit?: number; status?: number; statusCode?: number; message?: string; cause?: unknown };
  // Errors of Express's body parsers, named by their `type`.
  if (e.type === 'entity.too.large') return { status: 413, body: { error: `request body too large: ${req.method} ${req.baseUrl}${req.path} takes at most ${kib(e.limit ?? 0)}` } };
  if (e.type === 'entity.parse.failed') return { status: 400, body: { error: `request body is not valid JSON: ${e.message}` } };
  if (e.type === 'entity.verify.failed') return classifyError(e.cause ?? new InputError(400, String(e.message)), req);
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return { status: 415, body: { error: String(e.message) } };
  if (e.type === 'request.aborted' || e.type === 'request.size.invalid') return { status: 400, body: { error: String(e.message) } };
  if (err instanceof URIError) return { status: 400, body: { error: `malformed percent-encoding in the path ${JSON.stringify(req.originalUrl.slice(0, 120))}: ${err.message}` } };
  const own = e.status ?? e.statusCode;
  if (typeof own === 'number' && own >= 400 && own < 500 && !('response' in e) && !('body' in e)) return { status: own, body: { error: String(e.message) } };
  // From the cluster: its 4xx are the caller's, its 5xx and an unreachable cluster are not.
  const status = errorStatus(err);
  const message = errorMessage(err);
  if (status !== undefined && status >= 400 && status < 500) return { status, body: { error: message } };
  return { status: isNetworkError(err) ? 503 : 500, body: { error: message } };
}

/** The one error handler: every route's failure goes through it. */
export function inputErrorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { status, body } = classifyError(err, req);
  if (status >= 500) console.error(`${req.method} ${req.originalUrl.slice(0, 200)}: ${body.error}`);
  res.status(status).json(body);
}
