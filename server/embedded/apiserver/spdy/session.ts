import { FLAG_FIN, FLAG_UNIDIRECTIONAL, FrameReader, GoAwayStatus, INITIAL_WINDOW, RstStatus, Setting, SpdyProtocolError, encodeFrame, type Frame } from './frames.ts';
import { HeaderCompressor, HeaderDecompressor } from './headers.ts';
import { SpdyStream, type StreamOwner } from './stream.ts';
import type { SpdyTransport } from './transport.ts';

export interface SpdySessionOptions {
  /** A stream the peer opened; the callee replies to it or resets it. */
  onStream(stream: SpdyStream): void;
  /** Streams open at once; more are refused (RST_STREAM REFUSED_STREAM). */
  maxConcurrentStreams?: number;
  /** Largest header block, compressed or inflated. */
  maxHeaderBytes?: number;
  /** Largest frame of any kind. */
  maxFrameBytes?: number;
}

/** Largest DATA frame this side sends. */
const MAX_DATA_FRAME = 16 * 1024;
/** Frames waiting to be handled above which reading from the peer pauses. */
const MAX_PENDING_FRAMES = 256;
const MAX_WINDOW = 0x7fffffff;
/** How long a connection ended for a protocol error may take to close by itself. */
const CLOSE_GRACE_MS = 1000;

/**
 * The server side of one SPDY/3.1 connection, as moby/spdystream's peer: the client opens
 * (odd-numbered) streams, this side replies, answers PINGs and keeps the peer's windows
 * open. Frames are handled one at a time, in order, because header blocks share one zlib
 * context per direction.
 */
export class SpdySession implements StreamOwner {
  private readonly reader: FrameReader;
  private readonly decompressor: HeaderDecompressor;
  private readonly compressor = new HeaderCompressor();
  private readonly streams = new Map<number, SpdyStream>();
  private readonly maxStreams: number;
  private readonly maxHeaderBytes: number;
  private inbox: Promise<void> = Promise.resolve();
  private pendingFrames = 0;
  private readonly holding = new Set<SpdyStream>();
  private readingPaused = false;
  private lastStreamId = 0;
  private goingAway = false;
  private peerGoneAway = false;
  private closed = false;
  private readonly closeListeners: Array<() => void> = [];
  /** The peer's session window and the window it gives each new stream. */
  private sendWindow = INITIAL_WINDOW;
  private streamInitialWindow = INITIAL_WINDOW;
  /**
   * spdystream (kubectl) never sends WINDOW_UPDATE and does not limit what it receives, so
   * windows are only enforced on a peer that has shown it keeps them by updating one.
   */
  private peerUsesFlowControl = false;
  private sessionUnacknowledged = 0;
  private readonly scheduled = new Set<SpdyStream>();
  private waitingForDrain = false;

  constructor(
    private readonly transport: SpdyTransport,
    private readonly opts: SpdySessionOptions,
  ) {
    this.maxStreams = opts.maxConcurrentStreams ?? 100;
    this.maxHeaderBytes = opts.maxHeaderBytes ?? 64 * 1024;
    this.reader = new FrameReader(opts.maxFrameBytes ?? 1024 * 1024);
    this.decompressor = new HeaderDecompressor(this.maxHeaderBytes);
    transport.start({ data: (bytes) => this.receive(bytes), closed: () => this.destroy('the connection closed') });
  }

  /** Called once the session is over, whatever ended it. */
  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  /** Ends everything now. */
  destroy(reason = 'the session was closed'): void {
    this.shutdown(reason);
    this.transport.destroy();
  }

  private shutdown(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const stream of [...this.streams.values()]) stream.finish(reason);
    this.decompressor.close();
    this.compressor.close();
    for (const listener of this.closeListeners.splice(0)) listener();
  }

  private receive(bytes: Buffer): void {
    if (this.closed) return;
    let frames: Frame[];
    try {
      frames = this.reader.push(bytes);
    } catch (err) {
      return this.fail(err);
    }
    for (const frame of frames) {
      this.pendingFrames++;
      this.inbox = this.inbox
        .then(() => (this.closed ? undefined : this.handle(frame)))
        .catch((err) => this.fail(err))
        .finally(() => {
          this.pendingFrames--;
          this.updateReading();
        });
    }
    this.updateReading();
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    const protocol = err instanceof SpdyProtocolError;
    if (!this.goingAway) {
      this.goingAway = true;
      this.writeFrame({ type: 'goaway', lastGoodStreamId: this.lastStreamId, status: protocol ? GoAwayStatus.ProtocolError : GoAwayStatus.InternalError });
    }
    // Ending (not destroying) the transport lets the GOAWAY reach the client first.
    this.endTransport();
    this.shutdown(`SPDY ${protocol ? 'protocol' : 'internal'} error: ${(err as Error)?.message ?? err}`);
    setTimeout(() => this.transport.destroy(), CLOSE_GRACE_MS).unref();
  }

  private async handle(frame: Frame): Promise<void> {
    switch (frame.type) {
      case 'syn_stream':
        return this.openStream(frame);
      case 'data':
        return this.data(frame.streamId, frame.flags, frame.data);
      case 'headers': {
        // Decompressed even though unused: the zlib context must see every block.
        await this.headerBlock(frame.headerBlock);
        const stream = this.streams.get(frame.streamId);
        if (stream && frame.flags & FLAG_FIN) stream.receiveFin();
        return;
      }
      case 'syn_reply':
        await this.headerBlock(frame.headerBlock);
        // This side opens no streams, so there is nothing to reply to.
        return this.resetStream(frame.streamId, RstStatus.InvalidStream);
      case 'rst_stream':
        this.streams.get(frame.streamId)?.finish(`reset by the client (status ${frame.status})`);
        return;
      case 'settings':
        for (const s of frame.settings) if (s.id === Setting.InitialWindowSize) this.setStreamWindow(s.value);
        return;
      case 'ping':
        // Odd ids are the client's pings, to be echoed; even ones would answer ours, and we send none.
        if (frame.id % 2 === 1) this.writeFrame(frame);
        return;
      case 'goaway':
        this.peerGoneAway = true;
        if (!this.streams.size) this.endTransport();
        return;
      case 'window_update':
        return this.windowUpdate(frame.streamId, frame.delta);
      case 'unknown':
        return;
    }
  }

  private headerBlock(block: Buffer) {
    if (block.length > this.maxHeaderBytes) throw new SpdyProtocolError(`a compressed header block of ${block.length} bytes exceeds ${this.maxHeaderBytes}`);
    return this.decompressor.decompress(block);
  }

  private async openStream(frame: Extract<Frame, { type: 'syn_stream' }>): Promise<void> {
    const headers = await this.headerBlock(frame.headerBlock);
    const id = frame.streamId;
    if (id === 0 || id % 2 === 0 || id <= this.lastStreamId) {
      return this.resetStream(id, RstStatus.ProtocolError);
    }
    this.lastStreamId = id;
    if (this.goingAway || this.peerGoneAway || this.streams.size >= this.maxStreams) {
      return this.resetStream(id, RstStatus.RefusedStream);
    }
    const stream = new SpdyStream(
      id,
      headers,
      { remoteFinished: (frame.flags & FLAG_FIN) !== 0, unidirectional: (frame.flags & FLAG_UNIDIRECTIONAL) !== 0, sendWindow: this.streamInitialWindow },
      this,
    );
    this.streams.set(id, stream);
    this.opts.onStream(stream);
  }

  private data(streamId: number, flags: number, data: Buffer): void {
    const stream = this.streams.get(streamId);
    this.acknowledge(undefined, data.length);
    if (!stream) {
      // Data racing our RST_STREAM is expected; data for a stream never opened is not.
      if (streamId > this.lastStreamId) this.resetStream(streamId, RstStatus.InvalidStream);
      return;
    }
    if (stream.remoteFinished) {
      stream.reset(RstStatus.StreamAlreadyClosed);
      return;
    }
    stream.receive(data);
    // A stream the client has finished needs no more window.
    if (flags & FLAG_FIN) stream.receiveFin();
    else this.acknowledge(stream, data.length);
  }

  /** Reopens the peer's windows for data handed on (SPDY/3.1: per stream and per session). */
  private acknowledge(stream: SpdyStream | undefined, bytes: number): void {
    if (!bytes) return;
    if (!stream) {
      this.sessionUnacknowledged += bytes;
      if (this.sessionUnacknowledged >= INITIAL_WINDOW / 2) {
        this.writeFrame({ type: 'window_update', streamId: 0, delta: this.sessionUnacknowledged });
        this.sessionUnacknowledged = 0;
      }
      return;
    }
    stream.unacknowledged += bytes;
    if (stream.unacknowledged >= INITIAL_WINDOW / 2) {
      this.writeFrame({ type: 'window_update', streamId: stream.id, delta: stream.unacknowledged });
      stream.unacknowledged = 0;
    }
  }

  private setStreamWindow(value: number): void {
    if (value > MAX_WINDOW) throw new SpdyProtocolError(`SETTINGS_INITIAL_WINDOW_SIZE ${value} exceeds 2^31-1`);
    const delta = value - this.streamInitialWindow;
    this.streamInitialWindow = value;
    for (const stream of this.streams.values()) stream.sendWindow += delta;
    this.pump();
  }

  private windowUpdate(streamId: number, delta: number): void {
    this.peerUsesFlowControl = true;
    if (streamId === 0) {
      this.sendWindow += delta;
      if (this.sendWindow > MAX_WINDOW) throw new SpdyProtocolError(`the session window grew past 2^31-1`);
    } else {
      const stream = this.streams.get(streamId);
      if (!stream) return;
      stream.sendWindow += delta;
      if (stream.sendWindow > MAX_WINDOW) return stream.reset(RstStatus.FlowControlError);
    }
    this.pump();
  }

  // StreamOwner: what streams ask of the session.

  sendReply(stream: SpdyStream): void {
    this.compressor.compress({}).then(
      (headerBlock) => {
        if (this.closed || stream.closed || stream.replied) return;
        this.writeFrame({ type: 'syn_reply', streamId: stream.id, flags: 0, headerBlock });
        stream.replied = true;
        this.schedule(stream);
      },
      (err) => this.fail(err),
    );
  }

  sendReset(stream: SpdyStream, status: number): void {
    this.resetStream(stream.id, status);
  }

  schedule(stream: SpdyStream): void {
    this.scheduled.add(stream);
    this.pump();
  }

  holdReading(stream: SpdyStream, hold: boolean): void {
    if (hold) this.holding.add(stream);
    else this.holding.delete(stream);
    this.updateReading();
  }

  removed(stream: SpdyStream): void {
    this.streams.delete(stream.id);
    this.scheduled.delete(stream);
    this.holding.delete(stream);
    this.updateReading();
    if (!this.streams.size && (this.goingAway || this.peerGoneAway)) this.endTransport();
  }

  /** Sends queued data, round-robin over streams, as far as windows and the transport allow. */
  private pump(): void {
    if (this.closed || this.waitingForDrain) return;
    while (this.scheduled.size) {
      let progressed = false;
      for (const stream of [...this.scheduled]) {
        if (stream.closed || !stream.replied) {
          if (stream.closed) this.scheduled.delete(stream);
          continue;
        }
        if (stream.outgoingBytes) {
          const allowed = this.peerUsesFlowControl ? Math.min(stream.sendWindow, this.sendWindow, MAX_DATA_FRAME) : MAX_DATA_FRAME;
          if (allowed <= 0) continue;
          const chunk = stream.takeOutgoing(allowed);
          stream.sendWindow -= chunk.length;
          this.sendWindow -= chunk.length;
          const last = !stream.outgoingBytes && stream.finQueued && !stream.finSent;
          progressed = true;
          const flowing = this.writeFrame({ type: 'data', streamId: stream.id, flags: last ? FLAG_FIN : 0, data: chunk });
          if (last) this.finished(stream);
          if (!flowing) return this.awaitDrain();
        } else {
          if (stream.finQueued && !stream.finSent) {
            this.writeFrame({ type: 'data', streamId: stream.id, flags: FLAG_FIN, data: Buffer.alloc(0) });
            this.finished(stream);
          }
          this.scheduled.delete(stream);
          progressed = true;
        }
      }
      if (!progressed) return;
    }
  }

  private finished(stream: SpdyStream): void {
    this.scheduled.delete(stream);
    stream.markFinSent();
  }

  private awaitDrain(): void {
    this.waitingForDrain = true;
    this.transport.onDrain(() => {
      this.waitingForDrain = false;
      this.pump();
    });
  }

  private updateReading(): void {
    if (this.closed) return;
    const pause = this.holding.size > 0 || this.pendingFrames > MAX_PENDING_FRAMES;
    if (pause === this.readingPaused) return;
    this.readingPaused = pause;
    if (pause) this.transport.pauseReading();
    else this.transport.resumeReading();
  }

  private resetStream(streamId: number, status: number): void {
    this.writeFrame({ type: 'rst_stream', streamId, status });
  }

  private writeFrame(frame: Frame): boolean {
    if (this.closed) return false;
    return this.transport.write(encodeFrame(frame));
  }

  private endTransport(): void {
    this.transport.close();
  }
}
