/**
 * SPDY/3.1 framing (draft-mbelshe-httpbis-spdy-00 plus 3.1's session window): the frames
 * kubectl's port-forward (moby/spdystream) sends and expects. Header blocks travel here
 * still compressed; headers.ts owns their zlib contexts, which span the whole connection.
 */

export const SPDY_VERSION = 3;

export const FrameType = {
  SynStream: 1,
  SynReply: 2,
  RstStream: 3,
  Settings: 4,
  Ping: 6,
  GoAway: 7,
  Headers: 8,
  WindowUpdate: 9,
} as const;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

export const RstStatus = {
  ProtocolError: 1,
  InvalidStream: 2,
  RefusedStream: 3,
  UnsupportedVersion: 4,
  Cancel: 5,
  InternalError: 6,
  FlowControlError: 7,
  StreamInUse: 8,
  StreamAlreadyClosed: 9,
  FrameTooLarge: 11,
} as const;

export const GoAwayStatus = { Ok: 0, ProtocolError: 1, InternalError: 2 } as const;

export const Setting = { MaxConcurrentStreams: 4, InitialWindowSize: 7 } as const;

/** The window every stream and the session start with (SPDY/3.1). */
export const INITIAL_WINDOW = 64 * 1024;

export interface SettingEntry {
  flags: number;
  id: number;
  value: number;
}

export type Frame =
  | { type: 'data'; streamId: number; flags: number; data: Buffer }
  | { type: 'syn_stream'; streamId: number; associatedId: number; priority: number; flags: number; headerBlock: Buffer }
  | { type: 'syn_reply'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'headers'; streamId: number; flags: number; headerBlock: Buffer }
  | { type: 'rst_stream'; streamId: number; status: number }
  | { type: 'settings'; flags: number; settings: SettingEntry[] }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastGoodStreamId: number; status: number }
  | { type: 'window_update'; streamId: number; delta: number }
  /** A control frame type SPDY/3 tells receivers to ignore (e.g. CREDENTIAL). */
  | { type: 'unknown'; frameType: number };

/** The peer broke the protocol; the session answers with GOAWAY and closes. */
export class SpdyProtocolError extends Error {}

const ID_MASK = 0x7fffffff;
const HEADER_BYTES = 8;

function control(type: number, flags: number, payload: Buffer): Buffer {
  if (payload.length > 0xffffff) throw new RangeError(`SPDY frame payload of ${payload.length} bytes exceeds 16 MiB`);
  const head = Buffer.alloc(HEADER_BYTES);
  head.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
  return Buffer.concat([head, payload]);
}

function words(...values: number[]): Buffer {
  const out = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => out.writeUInt32BE(v >>> 0, i * 4));
  return out;
}

/** The bytes of one frame. */
export function encodeFrame(frame: Frame): Buffer {
  switch (frame.type) {
    case 'data': {
      if (frame.data.length > 0xffffff) throw new RangeError(`SPDY DATA frame of ${frame.data.length} bytes exceeds 16 MiB`);
      const head = Buffer.alloc(HEADER_BYTES);
      head.writeUInt32BE(frame.streamId & ID_MASK, 0);
      head.writeUInt32BE((((frame.flags & 0xff) << 24) | frame.data.length) >>> 0, 4);
      return Buffer.concat([head, frame.data]);
    }
    case 'syn_stream': {
      const fixed = Buffer.alloc(10);
      fixed.writeUInt32BE(frame.streamId & ID_MASK, 0);
      fixed.writeUInt32BE(frame.associatedId & ID_MASK, 4);
      fixed[8] = (frame.priority & 0x7) << 5;
      return control(FrameType.SynStream, frame.flags, Buffer.concat([fixed, frame.headerBlock]));
    }
    case 'syn_reply':
      return control(FrameType.SynReply, frame.flags, Buffer.concat([words(frame.streamId & ID_MASK), frame.headerBlock]));
    case 'headers':
      return control(FrameType.Headers, frame.flags, Buffer.concat([words(frame.streamId & ID_MASK), frame.headerBlock]));
    case 'rst_stream':
      return control(FrameType.RstStream, 0, words(frame.streamId & ID_MASK, frame.status));
    case 'settings':
      return control(
        FrameType.Settings,
        frame.flags,
        words(frame.settings.length, ...frame.settings.flatMap((s) => [((s.flags & 0xff) << 24) | (s.id & 0xffffff), s.value])),
      );
    case 'ping':
      return control(FrameType.Ping, 0, words(frame.id));
    case 'goaway':
      return control(FrameType.GoAway, 0, words(frame.lastGoodStreamId & ID_MASK, frame.status));
    case 'window_update':
      return control(FrameType.WindowUpdate, 0, words(frame.streamId & ID_MASK, frame.delta & ID_MASK));
    case 'unknown':
      throw new Error(`cannot encode an unknown SPDY frame type ${frame.frameType}`);
  }
}

function need(payload: Buffer, bytes: number, what: string): void {
  if (payload.length < bytes) throw new SpdyProtocolError(`${what} frame of ${payload.length} bytes is shorter than its ${bytes}-byte fixed part`);
}

function decodeControl(type: number, flags: number, p: Buffer): Frame {
  switch (type) {
    case FrameType.SynStream:
      need(p, 10, 'SYN_STREAM');
      return { type: 'syn_stream', streamId: p.readUInt32BE(0) & ID_MASK, associatedId: p.readUInt32BE(4) & ID_MASK, priority: p[8] >> 5, flags, headerBlock: p.subarray(10) };
    case FrameType.SynReply:
      need(p, 4, 'SYN_REPLY');
      return { type: 'syn_reply', streamId: p.readUInt32BE(0) & ID_MASK, flags, headerBlock: p.subarray(4) };
    case FrameType.Headers:
      need(p, 4, 'HEADERS');
      return { type: 'headers', streamId: p.readUInt32BE(0) & ID_MASK, flags, headerBlock: p.subarray(4) };
    case FrameType.RstStream:
      need(p, 8, 'RST_STREAM');
      return { type: 'rst_stream', streamId: p.readUInt32BE(0) & ID_MASK, status: p.readUInt32BE(4) };
    case FrameType.Settings: {
      need(p, 4, 'SETTINGS');
      const count = p.readUInt32BE(0);
      if (p.length !== 4 + count * 8) throw new SpdyProtocolError(`SETTINGS frame says ${count} entries but carries ${p.length - 4} bytes of them`);
      const settings: SettingEntry[] = [];
      for (let i = 0; i < count; i++) {
        const head = p.readUInt32BE(4 + i * 8);
        settings.push({ flags: head >>> 24, id: head & 0xffffff, value: p.readUInt32BE(8 + i * 8) });
      }
      return { type: 'settings', flags, settings };
    }
    case FrameType.Ping:
      need(p, 4, 'PING');
      return { type: 'ping', id: p.readUInt32BE(0) };
    case FrameType.GoAway:
      need(p, 8, 'GOAWAY');
      return { type: 'goaway', lastGoodStreamId: p.readUInt32BE(0) & ID_MASK, status: p.readUInt32BE(4) };
    case FrameType.WindowUpdate:
      need(p, 8, 'WINDOW_UPDATE');
      return { type: 'window_update', streamId: p.readUInt32BE(0) & ID_MASK, delta: p.readUInt32BE(4) & ID_MASK };
    default:
      return { type: 'unknown', frameType: type };
  }
}

/**
 * Cuts a byte stream into frames. Bytes arrive in arbitrary pieces (TCP reads, WebSocket
 * messages); a frame is decoded once all of it is here. Frames over `maxFrameBytes` are
 * refused before they are buffered.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** Adds bytes; returns every frame now complete, in order. */
  push(chunk: Buffer): Frame[] {
    if (chunk.length) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Frame[] = [];
    while (this.buffered >= HEADER_BYTES) {
      const head = this.peek(HEADER_BYTES);
      const length = head.readUInt32BE(4) & 0xffffff;
      if (length > this.maxFrameBytes) throw new SpdyProtocolError(`SPDY frame of ${length} bytes exceeds the limit of ${this.maxFrameBytes}`);
      if (this.buffered < HEADER_BYTES + length) break;
      const bytes = this.take(HEADER_BYTES + length);
      const payload = bytes.subarray(HEADER_BYTES);
      const flags = bytes[4];
      if (bytes[0] & 0x80) {
        const version = bytes.readUInt16BE(0) & 0x7fff;
        if (version !== SPDY_VERSION) throw new SpdyProtocolError(`SPDY version ${version} is not supported; this server speaks SPDY/3.1`);
        frames.push(decodeControl(bytes.readUInt16BE(2), flags, payload));
      } else {
        frames.push({ type: 'data', streamId: bytes.readUInt32BE(0) & ID_MASK, flags, data: payload });
      }
    }
    return frames;
  }

  private peek(bytes: number): Buffer {
    if (this.chunks[0].length < bytes) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0].subarray(0, bytes);
  }

  private take(bytes: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const rest = all.subarray(bytes);
    this.chunks = rest.length ? [rest] : [];
    this.buffered -= bytes;
    return all.subarray(0, bytes);
  }
}
