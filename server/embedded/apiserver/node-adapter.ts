/**
 * Serves a fetch-style handler (Request in, Response out) on Node's HTTP server: the
 * incoming message becomes a Request whose body is read only when the handler reads it,
 * and the Response goes out whole when its length is known, else piped chunk by chunk with
 * the socket's backpressure; a client that hangs up cancels the body (a watch unregisters,
 * a followed log stops).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorResponse, wholeBodyOf } from './codec.ts';
import { badRequest } from './errors.ts';
import { methodNotAllowed } from './request.ts';
import { endWithBody } from './response-body.ts';

export type FetchHandler = (request: Request) => Promise<Response>;

const UNREPRESENTABLE_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

/** Answers one request with `handler`; a failure of the adapter itself is a 500 Status, or a dropped connection once the answer has begun. */
export async function serveOverNode(handler: FetchHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    // fetch has no Request for these methods; the API serves none of them anyway.
    if (UNREPRESENTABLE_METHODS.has(req.method ?? '')) throw methodNotAllowed();
    let request: Request;
    try {
      request = toRequest(req);
    } catch (err) {
      throw badRequest(`the request cannot be read: ${(err as Error).message}`);
    }
    await writeResponse(await handler(request), res);
  } catch (err) {
    if (res.headersSent) res.destroy();
    else await writeResponse(errorResponse(err), res);
  }
}

/** The incoming message as a Request (same URL resolution as before: against https://localhost). */
export function toRequest(req: IncomingMessage): Request {
  const method = req.method ?? 'GET';
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  const url = new URL(req.url ?? '/', 'https://localhost');
  const body = method === 'GET' || method === 'HEAD' ? undefined : bodyOf(req);
  // duplex is how Node's fetch takes a streamed request body.
  return new Request(url, { method, headers, body, duplex: 'half' } as RequestInit);
}

/**
 * The message's body as a stream that reads the socket only when asked; cancelling it
 * destroys the message (and so the connection), as leaving a half-read body must.
 */
function bodyOf(req: IncomingMessage): ReadableStream<Uint8Array> {
  let chunks: AsyncIterator<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        chunks ??= req[Symbol.asyncIterator]();
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await chunks?.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

/** Writes a Response on a ServerResponse. */
export async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  // A network error: the connection is dropped without an answer.
  if (response.type === 'error') return void res.destroy();
  res.writeHead(response.status, nodeHeaders(response.headers));
  const whole = wholeBodyOf(response);
  if (whole) return endWithBody(res, Buffer.from(whole.buffer, whole.byteOffset, whole.byteLength));
  const body = response.body;
  if (!body) return void res.end();
  if (response.headers.has('content-length')) return endWithBody(res, Buffer.from(await response.arrayBuffer()));
  await pipeBody(body, res);
}

/** Headers as Node writes them: one `Warning` line per warning, as the apiserver sends them. */
function nodeHeaders(headers: Headers): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of headers) out[name] = name === 'warning' ? splitWarnings(value) : value;
  return out;
}

/** Splits a combined Warning value at the commas between warnings (not those inside a quoted text). */
export function splitWarnings(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out.filter(Boolean);
}

/**
 * A streamed body, chunked: each chunk is written as it comes; past the socket's high-water
 * mark the next is read only after 'drain'; the end goes out once everything before it has
 * left the socket's buffer (see response-body.ts for why).
 */
async function pipeBody(body: ReadableStream<Uint8Array>, res: ServerResponse): Promise<void> {
  res.flushHeaders();
  const reader = body.getReader();
  const hangUp = () => void reader.cancel().catch(() => {});
  res.once('close', hangUp);
  let unflushed = 0;
  let flushed: (() => void) | undefined;
  const onFlushed = () => {
    if (--unflushed === 0) flushed?.();
  };
  let ended = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) ended = true;
      if (done || res.destroyed) break;
      unflushed++;
      res.write(value, onFlushed);
      if (res.writableNeedDrain) await whenDrained(res);
    }
  } catch {
    // The body failed midway: the client must not take what it got for the whole.
    return void res.destroy();
  } finally {
    res.off('close', hangUp);
    if (!ended) void reader.cancel().catch(() => {});
  }
  if (res.destroyed) return;
  if (unflushed) {
    await new Promise<void>((resolve) => {
      flushed = () => {
        res.off('close', flushed!);
        resolve();
      };
      res.once('close', flushed);
    });
  }
  if (!res.destroyed) res.end();
}

/** Resolves once the response's buffer has drained, or it has closed. */
function whenDrained(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
