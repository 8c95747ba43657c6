/**
 * Ends a response so that its socket is never left waiting for 'drain' once the client has
 * it all. Node pauses a connection whose next request arrives while the socket still needs
 * to drain, and over TLS the rest of that request's body then reaches the paused parser:
 * "Parse Error: Paused", the connection is dropped, and the client (kubectl's managed-fields
 * migration PATCH after a server-side apply of a 15 KB object in non-ASCII text, whose reply
 * passes the socket's 16 KiB high-water mark) sees EOF. So a large body is written all but
 * its last slice, and the last slice, smaller than the high-water mark, only once the rest
 * has left the socket's buffer.
 */
import type { ServerResponse } from 'node:http';

/** Well under a socket's default 16 KiB high-water mark. */
export const LAST_SLICE_BYTES = 4 * 1024;

/** Resolves once `chunk` has left the socket's buffer, or the response is gone. */
export function writeFlushed(res: ServerResponse, chunk: string | Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) return resolve();
    res.once('close', resolve);
    res.write(chunk, () => {
      res.off('close', resolve);
      resolve();
    });
  });
}

/** Writes `body` and ends the response (its headers already set, Content-Length in bytes). */
export function endWithBody(res: ServerResponse, body: string | Buffer): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  if (bytes.length <= LAST_SLICE_BYTES) return void res.end(bytes);
  const split = bytes.length - LAST_SLICE_BYTES;
  void writeFlushed(res, bytes.subarray(0, split)).then(() => {
    if (!res.destroyed) res.end(bytes.subarray(split));
  });
}
