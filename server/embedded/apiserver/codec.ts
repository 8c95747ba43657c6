/**
 * The embedded API's answers on the wire: JSON objects and lists, Tables for kubectl's
 * printing, and Status bodies for errors. (Request bodies are decoded in body.ts.)
 */
import type { ServerResponse } from 'node:http';
import { JSON_TYPE } from './body.ts';
import { ApiError } from './errors.ts';
import { endWithBody, writeFlushed } from './response-body.ts';
import { TABLE_CONTENT_TYPE, toTable } from './tables.ts';
import type { KubeObject, ResourceType } from './types.ts';

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = JSON_TYPE): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const text = JSON.stringify(body);
  const bytes = Buffer.from(text);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': bytes.length, 'Cache-Control': 'no-cache, private' });
  endWithBody(res, bytes);
}

/** Items serialised per turn of the event loop: a list of thousands of pods is written in slices. */
export const LIST_SLICE = 250;

/** Lets other requests run between the phases of a big one (parse, merge, store, reply). */
export const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A List body, its items written a slice at a time so a big list never holds the loop. */
export async function sendList(res: ServerResponse, head: Record<string, unknown>, items: unknown[]): Promise<void> {
  if (items.length <= LIST_SLICE) return sendJson(res, 200, { ...head, items });
  res.writeHead(200, { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-cache, private' });
  res.write(JSON.stringify(head).slice(0, -1) + ',"items":[');
  for (let i = 0; i < items.length; i += LIST_SLICE) {
    if (res.destroyed) return;
    const slice = items.slice(i, i + LIST_SLICE).map((o) => JSON.stringify(o)).join(',');
    // Each slice leaves the socket before the next: other requests run meanwhile, and the small end finds an empty buffer.
    await writeFlushed(res, (i ? ',' : '') + slice);
  }
  if (!res.destroyed) res.end(']}');
}

/** A Status body: an ApiError as it is, anything else as a 500 InternalError. */
export function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof ApiError) return sendJson(res, err.code, err.toStatus());
  console.error('embedded apiserver: internal error', err);
  const internal = new ApiError(500, 'InternalError', `Internal error occurred: ${(err as Error)?.message ?? String(err)}`);
  sendJson(res, 500, internal.toStatus());
}

export function wantsTable(accept: string): boolean {
  return /as=Table/.test(accept);
}

/** One object, as a Table row when the client asked for one (kubectl get), else as JSON. */
export function sendObject(res: ServerResponse, code: number, type: ResourceType, obj: KubeObject, nowMs: number, accept?: string): void {
  if (accept && wantsTable(accept)) {
    return sendJson(res, code, toTable(type, [obj], String(obj.metadata.resourceVersion ?? ''), nowMs), TABLE_CONTENT_TYPE);
  }
  sendJson(res, code, obj);
}
