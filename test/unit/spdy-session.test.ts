import { afterEach, describe, expect, it } from 'vitest';
import { FLAG_FIN, FrameReader, GoAwayStatus, RstStatus, Setting, encodeFrame, type Frame } from '../../server/embedded/apiserver/spdy/frames.ts';
import { HeaderCompressor, HeaderDecompressor } from '../../server/embedded/apiserver/spdy/headers.ts';
import { SpdySession } from '../../server/embedded/apiserver/spdy/session.ts';
import type { SpdyStream } from '../../server/embedded/apiserver/spdy/stream.ts';
import type { SpdyTransport } from '../../server/embedded/apiserver/spdy/transport.ts';
import { until } from '../helpers/until.ts';

/**
 * A SPDY client (what kubectl's spdystream does) on an in-memory transport: it opens streams
 * with compressed headers and reads back every frame the session sends.
 */
function connect(opts: { maxConcurrentStreams?: number; maxHeaderBytes?: number } = {}) {
  let events: { data(bytes: Buffer): void; closed(): void } | undefined;
  const state = { paused: false, closed: false, congested: false };
  const drainListeners: Array<() => void> = [];
  const reader = new FrameReader(1 << 24);
  const received: Frame[] = [];
  const transport: SpdyTransport = {
    start: (e) => void (events = e),
    write: (bytes) => (received.push(...reader.push(bytes)), !state.congested),
    onDrain: (listener) => void drainListeners.push(listener),
    pauseReading: () => void (state.paused = true),
    resumeReading: () => void (state.paused = false),
    close: () => void (state.closed = true),
    destroy: () => void (state.closed = true),
  };
  const streams: SpdyStream[] = [];
  const session = new SpdySession(transport, { onStream: (s) => streams.push(s), ...opts });
  const compressor = new HeaderCompressor();
  const decompressor = new HeaderDecompressor(64 * 1024);
  const send = (frame: Frame) => events!.data(encodeFrame(frame));
  return {
    session,
    state,
    streams,
    received,
    send,
    async open(streamId: number, headers: Record<string, string>, flags = 0) {
      send({ type: 'syn_stream', streamId, associatedId: 0, priority: 0, flags, headerBlock: await compressor.compress(headers) });
    },
    /** Frames of one type the session sent. */
    sent<T extends Frame['type']>(type: T): Array<Extract<Frame, { type: T }>> {
      return received.filter((f): f is Extract<Frame, { type: T }> => f.type === type);
    },
    dataFor: (streamId: number) => Buffer.concat(received.filter((f) => f.type === 'data' && f.streamId === streamId).map((f) => (f as Extract<Frame, { type: 'data' }>).data)),
    decompress: (block: Buffer) => decompressor.decompress(block),
    drain: () => {
      state.congested = false;
      for (const l of drainListeners.splice(0)) l();
    },
    close() {
      session.destroy();
      compressor.close();
      decompressor.close();
    },
  };
}

describe('SPDY session (server side)', () => {
  const open: Array<ReturnType<typeof connect>> = [];
  const client = (opts?: Parameters<typeof connect>[0]) => {
    const c = connect(opts);
    open.push(c);
    return c;
  };
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });

  it('hands over a stream with its headers, then replies with an empty SYN_REPLY the client can read', async () => {
    const c = client();
    await c.open(1, { streamtype: 'data', port: '8080', requestid: '0' });
    const stream = await until(() => c.streams[0], 'the stream');
    expect(stream.id).toBe(1);
    expect(stream.header('port')).toBe('8080');
    stream.reply();
    const reply = await until(() => c.sent('syn_reply')[0], 'the SYN_REPLY');
    expect(reply.streamId).toBe(1);
    expect(await c.decompress(reply.headerBlock)).toEqual({});
  });

  it('sends data written before the reply only after it, and FIN last', async () => {
    const c = client();
    await c.open(1, { streamtype: 'data' });
    const stream = await until(() => c.streams[0], 'the stream');
    stream.write('early');
    stream.end();
    stream.reply();
    await until(() => c.sent('data').some((f) => f.flags & FLAG_FIN), 'the FIN');
    expect(c.received.map((f) => f.type)).toEqual(['syn_reply', 'data']);
    expect(c.sent('data')[0]).toMatchObject({ streamId: 1, flags: FLAG_FIN, data: Buffer.from('early') });
  });

  it('delivers the client\'s data and FIN, and reopens the stream and session windows as data arrives', async () => {
    const c = client();
    await c.open(1, { streamtype: 'data' });
    const stream = await until(() => c.streams[0], 'the stream');
    stream.reply();
    const got: Buffer[] = [];
    let ended = false;
    stream.on('data', (d) => got.push(d));
    stream.on('end', () => (ended = true));
    const chunk = Buffer.alloc(16 * 1024, 1);
    for (let i = 0; i < 4; i++) c.send({ type: 'data', streamId: 1, flags: i === 3 ? FLAG_FIN : 0, data: chunk });
    await until(() => ended, 'the end of the stream');
    expect(Buffer.concat(got).length).toBe(64 * 1024);
    const updates = c.sent('window_update');
    // Half of the 64 KiB window consumed is worth an update, per stream and for the session (stream 0).
    expect(updates.filter((u) => u.streamId === 1).map((u) => u.delta)).toEqual([32 * 1024]);
    expect(updates.filter((u) => u.streamId === 0).map((u) => u.delta)).toEqual([32 * 1024, 32 * 1024]);
  });

  it('echoes the client\'s PINGs (odd ids) and ignores even ones', async () => {
    const c = client();
    c.send({ type: 'ping', id: 1 });
    c.send({ type: 'ping', id: 2 });
    c.send({ type: 'ping', id: 3 });
    await until(() => c.sent('ping').length === 2, 'two PING replies');
    expect(c.sent('ping').map((p) => p.id)).toEqual([1, 3]);
  });

  it('streams a megabyte to a client that never sends WINDOW_UPDATE (spdystream does not)', async () => {
    const c = client();
    await c.open(1, { streamtype: 'data' });
    const stream = await until(() => c.streams[0], 'the stream');
    stream.reply();
    const payload = Buffer.alloc(1024 * 1024, 7);
    stream.write(payload);
    stream.end();
    await until(() => c.sent('data').some((f) => f.flags & FLAG_FIN), 'the whole megabyte');
    expect(c.dataFor(1).equals(payload)).toBe(true);
  });

  it('keeps within the windows of a client that does flow control, and goes on when it opens them', async () => {
    const c = client();
    await c.open(1, { streamtype: 'data' });
    const stream = await until(() => c.streams[0], 'the stream');
    c.send({ type: 'window_update', streamId: 0, delta: 1 });
    c.send({ type: 'settings', flags: 0, settings: [{ flags: 0, id: Setting.InitialWindowSize, value: 1000 }] });
    // Frames are handled in order, so the PING's echo means the settings are in force.
    c.send({ type: 'ping', id: 1 });
    await until(() => c.sent('ping').length, 'the PING echo');
    stream.reply();
    stream.write(Buffer.alloc(5000, 2));
    await until(() => c.dataFor(1).length === 1000, 'the first 1000 bytes');
    await new Promise((r) => setTimeout(r, 50));
    expect(c.dataFor(1).length).toBe(1000);
    c.send({ type: 'window_update', streamId: 1, delta: 4000 });
    await until(() => c.dataFor(1).length === 5000, 'the rest once the window opened');
  });

  it('waits for a congested transport to drain before sending more', async () => {
    const c = client();
    await c.open(1, { streamtype: 'data' });
    const stream = await until(() => c.streams[0], 'the stream');
    stream.reply();
    await until(() => c.sent('syn_reply').length, 'the reply');
    c.state.congested = true;
    stream.write(Buffer.alloc(64 * 1024, 3));
    await new Promise((r) => setTimeout(r, 20));
    expect(c.dataFor(1).length).toBe(16 * 1024);
    c.drain();
    await until(() => c.dataFor(1).length === 64 * 1024, 'the rest after the drain');
  });

  it('refuses streams past the limit, and streams with ids that do not increase', async () => {
    const c = client({ maxConcurrentStreams: 1 });
    await c.open(1, { streamtype: 'data' });
    await c.open(3, { streamtype: 'data' });
    await c.open(3, { streamtype: 'data' });
    await until(() => c.sent('rst_stream').length === 2, 'two resets');
    expect(c.sent('rst_stream')).toEqual([
      { type: 'rst_stream', streamId: 3, status: RstStatus.RefusedStream },
      { type: 'rst_stream', streamId: 3, status: RstStatus.ProtocolError },
    ]);
    expect(c.streams.map((s) => s.id)).toEqual([1]);
  });

  it('tells the stream when the client resets it', async () => {
    const c = client();
    await c.open(1, { streamtype: 'data' });
    const stream = await until(() => c.streams[0], 'the stream');
    let reason: string | undefined;
    stream.on('close', (r) => (reason = r));
    c.send({ type: 'rst_stream', streamId: 1, status: RstStatus.Cancel });
    await until(() => reason, 'the close');
    expect(reason).toBe('reset by the client (status 5)');
  });

  it('answers an oversized header block with GOAWAY (protocol error) and closes', async () => {
    const c = client({ maxHeaderBytes: 1024 });
    await c.open(1, { big: 'x'.repeat(8192) });
    await until(() => c.state.closed, 'the connection to close');
    expect(c.sent('goaway')).toEqual([{ type: 'goaway', lastGoodStreamId: 0, status: GoAwayStatus.ProtocolError }]);
    expect(c.streams).toEqual([]);
  });

  it('closes once the client has said GOAWAY and its streams are done', async () => {
    const c = client();
    await c.open(1, { streamtype: 'data' }, FLAG_FIN);
    const stream = await until(() => c.streams[0], 'the stream');
    stream.reply();
    c.send({ type: 'goaway', lastGoodStreamId: 0, status: GoAwayStatus.Ok });
    await new Promise((r) => setTimeout(r, 20));
    expect(c.state.closed).toBe(false);
    stream.end();
    await until(() => c.state.closed, 'the connection to close');
  });
});
