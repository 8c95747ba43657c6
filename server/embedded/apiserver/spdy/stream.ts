import { EventEmitter } from 'node:events';
import { RstStatus } from './frames.ts';
import type { SpdyHeaders } from './headers.ts';

/** Queued outgoing bytes above which write() asks its caller to wait for 'drain'. */
const HIGH_WATER_BYTES = 256 * 1024;

/** What a stream needs from its session: frames go out only through it. */
export interface StreamOwner {
  sendReply(stream: SpdyStream): void;
  sendReset(stream: SpdyStream, status: number): void;
  /** The stream has data or a FIN waiting to go out. */
  schedule(stream: SpdyStream): void;
  /** The stream's consumer wants the peer's bytes held back (or no longer). */
  holdReading(stream: SpdyStream, hold: boolean): void;
  /** The stream is done in both directions, or reset. */
  removed(stream: SpdyStream): void;
}

export interface SpdyStreamEvents {
  data: [Buffer];
  /** The peer sent FIN: no more data will come. */
  end: [];
  /** The stream is finished both ways or was reset; `reason` says why if it did not end cleanly. */
  close: [reason?: string];
  /** Queued outgoing data fell below the high-water mark again. */
  drain: [];
}

/**
 * One SPDY stream the peer opened. Data written before the SYN_REPLY, or beyond what the
 * peer's window allows, waits in a queue that the session drains.
 */
export class SpdyStream extends EventEmitter<SpdyStreamEvents> {
  replied = false;
  remoteFinished: boolean;
  /** FIN is queued (after any queued data); no more writes. */
  finQueued: boolean;
  finSent: boolean;
  closed = false;
  sendWindow: number;
  readonly outgoing: Buffer[] = [];
  outgoingBytes = 0;
  /** Bytes delivered since the last WINDOW_UPDATE for this stream. */
  unacknowledged = 0;
  private held = false;
  private wantsDrain = false;

  constructor(
    readonly id: number,
    readonly headers: SpdyHeaders,
    opts: { remoteFinished: boolean; unidirectional: boolean; sendWindow: number },
    private readonly owner: StreamOwner,
  ) {
    super();
    this.remoteFinished = opts.remoteFinished;
    // A unidirectional stream is one the peer will never read from.
    this.finQueued = opts.unidirectional;
    this.finSent = opts.unidirectional;
    this.sendWindow = opts.sendWindow;
  }

  /** The first value of a header, or undefined. */
  header(name: string): string | undefined {
    return this.headers[name]?.[0];
  }

  /** Accepts the stream (an empty SYN_REPLY, as the kubelet sends). */
  reply(): void {
    if (!this.replied && !this.closed) this.owner.sendReply(this);
  }

  /** Queues data; false once the queue is long enough that the caller should wait for 'drain'. */
  write(data: Buffer | string): boolean {
    if (this.finQueued || this.closed) return false;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (bytes.length) {
      this.outgoing.push(bytes);
      this.outgoingBytes += bytes.length;
      this.owner.schedule(this);
    }
    if (this.outgoingBytes < HIGH_WATER_BYTES) return true;
    this.wantsDrain = true;
    return false;
  }

  /** Half-closes this side: FIN once queued data is out. */
  end(): void {
    if (this.finQueued || this.closed) return;
    this.finQueued = true;
    this.owner.schedule(this);
  }

  /** Abandons the stream both ways (RST_STREAM). */
  reset(status: number = RstStatus.Cancel): void {
    if (this.closed) return;
    this.owner.sendReset(this, status);
    this.finish(`reset by this server (status ${status})`);
  }

  /** Holds back the peer's data until resume(). */
  pause(): void {
    if (this.held) return;
    this.held = true;
    this.owner.holdReading(this, true);
  }

  resume(): void {
    if (!this.held) return;
    this.held = false;
    this.owner.holdReading(this, false);
  }

  /** Takes up to `max` queued bytes to send. */
  takeOutgoing(max: number): Buffer {
    const parts: Buffer[] = [];
    let taken = 0;
    while (this.outgoing.length && taken < max) {
      const head = this.outgoing[0];
      const part = head.subarray(0, max - taken);
      parts.push(part);
      taken += part.length;
      if (part.length === head.length) this.outgoing.shift();
      else this.outgoing[0] = head.subarray(part.length);
    }
    this.outgoingBytes -= taken;
    if (this.wantsDrain && this.outgoingBytes < HIGH_WATER_BYTES / 2) {
      this.wantsDrain = false;
      queueMicrotask(() => this.emit('drain'));
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  /** Session side: the FIN went out. */
  markFinSent(): void {
    this.finSent = true;
    this.closeIfDone();
  }

  /** Session side: data from the peer. */
  receive(data: Buffer): void {
    if (data.length) this.emit('data', data);
  }

  /** Session side: the peer's FIN. */
  receiveFin(): void {
    if (this.remoteFinished || this.closed) return;
    this.remoteFinished = true;
    this.emit('end');
    this.closeIfDone();
  }

  /** Session side: the peer reset the stream, or the connection is gone. */
  finish(reason?: string): void {
    if (this.closed) return;
    this.closed = true;
    this.outgoing.length = 0;
    this.outgoingBytes = 0;
    if (this.held) this.owner.holdReading(this, false);
    this.owner.removed(this);
    this.emit('close', reason);
  }

  private closeIfDone(): void {
    if (this.remoteFinished && this.finSent) this.finish();
  }
}
