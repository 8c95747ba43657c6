/**
 * The embedded API's answers as fetch Responses: JSON objects and lists, Tables for
 * kubectl's printing, and Status bodies for errors. (Request bodies are decoded in body.ts.)
 */
import { JSON_TYPE } from './body.ts';
import { ApiError } from './errors.ts';
import { TABLE_CONTENT_TYPE, toTable } from './tables.ts';
import type { KubeObject, ResourceType } from './types.ts';
import { onNextTurn } from '../../next-turn.ts';

const encoder = new TextEncoder();
const NO_CACHE = 'no-cache, private';

/** The bytes each whole-body Response was made from. */
const wholeBodies = new WeakMap<Response, Uint8Array>();

/**
 * The bytes a Response made here carries, when it was made whole: an adapter writes them as
 * they are instead of reading the body stream back (which costs more than the rest of a small request).
 */
export const wholeBodyOf = (response: Response): Uint8Array | undefined => wholeBodies.get(response);

/** A body known up front, with its Content-Length. */
export function bytesResponse(code: number, bytes: Uint8Array<ArrayBuffer>, headers: Record<string, string>): Response {
  const response = new Response(bytes, { status: code, headers: { ...headers, 'Content-Length': String(bytes.byteLength) } });
  wholeBodies.set(response, bytes);
  return response;
}

/** A whole JSON body. */
export function jsonResponse(code: number, body: unknown, contentType = JSON_TYPE): Response {
  return bytesResponse(code, encoder.encode(JSON.stringify(body)), { 'Content-Type': contentType, 'Cache-Control': NO_CACHE });
}

/** Items serialised per turn of the event loop: a list of thousands of pods is written in slices. */
export const LIST_SLICE = 250;

/** Lets other requests run between the phases of a big one (parse, merge, store, reply). */
export const yieldToLoop = () =>
  new Promise<void>((resolve) => {
    onNextTurn(resolve);
  });

/**
 * A List body. A big one streams a slice of items per read, with a turn of the loop
 * between slices, so it never holds the loop and is made no faster than the client reads.
 */
export function listResponse(head: Record<string, unknown>, items: unknown[]): Response {
  if (items.length <= LIST_SLICE) return jsonResponse(200, { ...head, items });
  let next = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (next) await yieldToLoop();
        const slice = items.slice(next, next + LIST_SLICE).map((o) => JSON.stringify(o)).join(',');
        const opening = next ? ',' : JSON.stringify(head).slice(0, -1) + ',"items":[';
        next += LIST_SLICE;
        const last = next >= items.length;
        controller.enqueue(encoder.encode(opening + slice + (last ? ']}' : '')));
        if (last) controller.close();
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, { status: 200, headers: { 'Content-Type': JSON_TYPE, 'Cache-Control': NO_CACHE } });
}

/** A Status body: an ApiError as it is, anything else as a 500 InternalError. */
export function errorResponse(err: unknown): Response {
  if (err instanceof ApiError) return jsonResponse(err.code, err.toStatus());
  console.error('embedded apiserver: internal error', err);
  const internal = new ApiError(500, 'InternalError', `Internal error occurred: ${(err as Error)?.message ?? String(err)}`);
  return jsonResponse(500, internal.toStatus());
}

export function wantsTable(accept: string): boolean {
  return /as=Table/.test(accept);
}

/** One object, as a Table row when the client asked for one (kubectl get), else as JSON. */
export function objectResponse(code: number, type: ResourceType, obj: KubeObject, nowMs: number, accept?: string): Response {
  if (accept && wantsTable(accept)) {
    return jsonResponse(code, toTable(type, [obj], String(obj.metadata.resourceVersion ?? ''), nowMs), TABLE_CONTENT_TYPE);
  }
  return jsonResponse(code, obj);
}

/** A plain-text body (health checks). */
export function textResponse(text: string): Response {
  return bytesResponse(200, encoder.encode(text), { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
}
