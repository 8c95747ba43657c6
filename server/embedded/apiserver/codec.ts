/**
 * The embedded API's answers as fetch Responses: JSON objects and lists, Tables for
 * kubectl's printing, and Status bodies for errors. (Request bodies are decoded in body.ts.)
 */
import { JSON_TYPE } from './body.ts';
import { ApiError } from './errors.ts';
import { TABLE_CONTENT_TYPE, toTable } from './tables.ts';
import type { KubeObject, ResourceType } from './types.ts';

const encoder = new TextEncoder();
const NO_CACHE = 'no-cache, private';

/** A whole JSON body, its length known up front. */
export function jsonResponse(code: number, body: unknown, contentType = JSON_TYPE): Response {
  const bytes = encoder.encode(JSON.stringify(body));
  return new Response(bytes, {
    status: code,
    headers: { 'Content-Type': contentType, 'Content-Length': String(bytes.byteLength), 'Cache-Control': NO_CACHE },
  });
}

/** Items serialised per turn of the event loop: a list of thousands of pods is written in slices. */
export const LIST_SLICE = 250;

// Node runs a setImmediate after pending I/O; elsewhere (a worker) a zero timeout is the nearest.
const nextTurn: (run: () => void) => unknown = typeof setImmediate === 'function' ? setImmediate : (run) => setTimeout(run, 0);

/** Lets other requests run between the phases of a big one (parse, merge, store, reply). */
export const yieldToLoop = () => new Promise<void>((resolve) => nextTurn(resolve));

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
  const bytes = encoder.encode(text);
  return new Response(bytes, {
    status: 200,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Content-Length': String(bytes.byteLength) },
  });
}
