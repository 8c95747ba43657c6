import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.ts';
import { SpdyProtocolError } from './frames.ts';

/** Header names (lower case, as SPDY/3 requires) to their values. */
export type SpdyHeaders = Record<string, string[]>;

/** SPDY joins a header's several values with NUL. */
const VALUE_SEPARATOR = '\0';

/** The uncompressed name/value block: a 32-bit count, then length-prefixed names and values. */
export function encodeHeaderBlock(headers: Record<string, string | string[]>): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [u32(entries.length)];
  for (const [name, value] of entries) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(Array.isArray(value) ? value.join(VALUE_SEPARATOR) : value, 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

/** Reads a name/value block, refusing what SPDY/3 forbids (empty or upper-case names, repeats). */
export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  let at = 0;
  const read = (what: string): Buffer => {
    if (at + 4 > block.length) throw new SpdyProtocolError(`header block ends inside the length of ${what}`);
    const length = block.readUInt32BE(at);
    at += 4;
    if (at + length > block.length) throw new SpdyProtocolError(`header block ends inside ${what} (${length} bytes announced)`);
    const bytes = block.subarray(at, at + length);
    at += length;
    return bytes;
  };
  if (block.length < 4) throw new SpdyProtocolError('header block is shorter than its 4-byte pair count');
  const count = block.readUInt32BE(0);
  at = 4;
  // Each pair takes at least 8 bytes, so a count beyond that is a lie, not a reason to loop.
  if (count > (block.length - 4) / 8) throw new SpdyProtocolError(`header block announces ${count} pairs but has room for at most ${Math.floor((block.length - 4) / 8)}`);
  const headers: SpdyHeaders = Object.create(null);
  for (let i = 0; i < count; i++) {
    const name = read(`header name ${i + 1}`).toString('utf8');
    if (!name) throw new SpdyProtocolError(`header ${i + 1} has an empty name`);
    if (name !== name.toLowerCase()) throw new SpdyProtocolError(`header name "${name}" is not lower case`);
    if (name in headers) throw new SpdyProtocolError(`header "${name}" appears twice`);
    headers[name] = read(`the value of header "${name}"`).toString('utf8').split(VALUE_SEPARATOR);
  }
  if (at !== block.length) throw new SpdyProtocolError(`header block has ${block.length - at} bytes after its last pair`);
  return headers;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/**
 * One zlib stream (deflate or inflate) shared by every header block in one direction of a
 * connection, flushed with Z_SYNC_FLUSH after each block, the way SPDY/3 wants. Calls are
 * queued so one block's output never mixes with the next's.
 */
class ZlibContext {
  private queue: Promise<unknown> = Promise.resolve();
  private output: Buffer[] = [];
  private outputBytes = 0;
  private broken: Error | undefined;
  private failPending?: (err: Error) => void;

  constructor(
    private readonly engine: zlib.Deflate | zlib.Inflate,
    private readonly maxOutputBytes: number,
    private readonly what: string,
  ) {
    engine.on('data', (chunk: Buffer) => {
      this.outputBytes += chunk.length;
      if (this.outputBytes <= this.maxOutputBytes) return void this.output.push(chunk);
      // A zlib bomb: stop inflating now rather than spend seconds on output we drop.
      if (this.broken) return;
      this.broken = new Error(`a header block of more than ${this.maxOutputBytes} bytes`);
      engine.close();
      this.failPending?.(this.broken);
    });
    engine.on('error', (err) => {
      this.broken = err;
    });
  }

  run(input: Buffer): Promise<Buffer> {
    const result = this.queue.then(() => this.process(input));
    this.queue = result.catch(() => undefined);
    return result;
  }

  close(): void {
    this.engine.close();
  }

  private process(input: Buffer): Promise<Buffer> {
    if (this.broken) return Promise.reject(new SpdyProtocolError(`${this.what} failed earlier: ${this.broken.message}`));
    return new Promise((resolve, reject) => {
      const fail = (err: Error) => reject(new SpdyProtocolError(`${this.what} failed: ${err.message}`));
      this.failPending = fail;
      this.engine.once('error', fail);
      this.engine.write(input);
      this.engine.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        this.engine.off('error', fail);
        if (this.broken) return;
        const bytes = this.outputBytes;
        const out = Buffer.concat(this.output);
        this.output = [];
        this.outputBytes = 0;
        // The context is shared by the whole connection, so an oversized block ends it.
        if (bytes > this.maxOutputBytes) {
          this.broken = new Error(`a header block of ${bytes} bytes exceeds ${this.maxOutputBytes}`);
          return reject(new SpdyProtocolError(`${this.what}: ${this.broken.message}`));
        }
        resolve(out);
      });
    });
  }
}

/** Compresses this side's header blocks. */
export class HeaderCompressor {
  private readonly zlib = new ZlibContext(zlib.createDeflate({ dictionary: SPDY3_DICTIONARY }), Number.MAX_SAFE_INTEGER, 'header compression');

  compress(headers: Record<string, string | string[]>): Promise<Buffer> {
    return this.zlib.run(encodeHeaderBlock(headers));
  }

  close(): void {
    this.zlib.close();
  }
}

/** Decompresses the peer's header blocks, each at most `maxBytes` once inflated. */
export class HeaderDecompressor {
  private readonly zlib: ZlibContext;

  constructor(maxBytes: number) {
    this.zlib = new ZlibContext(zlib.createInflate({ dictionary: SPDY3_DICTIONARY }), maxBytes, 'header decompression');
  }

  async decompress(compressed: Buffer): Promise<SpdyHeaders> {
    return decodeHeaderBlock(await this.zlib.run(compressed));
  }

  close(): void {
    this.zlib.close();
  }
}
