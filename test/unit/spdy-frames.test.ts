import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SPDY3_DICTIONARY } from '../../server/embedded/apiserver/spdy/dictionary.ts';
import { FLAG_FIN, FrameReader, SpdyProtocolError, encodeFrame, type Frame } from '../../server/embedded/apiserver/spdy/frames.ts';
import { HeaderCompressor, HeaderDecompressor, decodeHeaderBlock, encodeHeaderBlock } from '../../server/embedded/apiserver/spdy/headers.ts';

const roundTrip = (frame: Frame): Frame[] => new FrameReader(1 << 20).push(encodeFrame(frame));

describe('SPDY/3.1 frames', () => {
  const block = Buffer.from('compressed header bytes');
  const frames: Frame[] = [
    { type: 'data', streamId: 5, flags: FLAG_FIN, data: Buffer.from('hello') },
    { type: 'data', streamId: 0x7fffffff, flags: 0, data: Buffer.alloc(0) },
    { type: 'syn_stream', streamId: 3, associatedId: 0, priority: 7, flags: FLAG_FIN, headerBlock: block },
    { type: 'syn_reply', streamId: 3, flags: 0, headerBlock: block },
    { type: 'headers', streamId: 3, flags: FLAG_FIN, headerBlock: block },
    { type: 'rst_stream', streamId: 9, status: 5 },
    { type: 'settings', flags: 0, settings: [{ flags: 1, id: 7, value: 1 << 20 }, { flags: 0, id: 4, value: 100 }] },
    { type: 'ping', id: 0xfffffffe },
    { type: 'goaway', lastGoodStreamId: 11, status: 1 },
    { type: 'window_update', streamId: 0, delta: 32768 },
  ];

  it.each(frames.map((f) => [f.type, f] as const))('%s encodes and decodes to the same frame', (_type, frame) => {
    expect(roundTrip(frame)).toEqual([frame]);
  });

  it('lays out control and data frames as the spec draws them', () => {
    // Control bit, version 3, type 6 (PING), no flags, length 4, id.
    expect(encodeFrame({ type: 'ping', id: 1 }).toString('hex')).toBe('80030006' + '00000004' + '00000001');
    // No control bit, stream id, FIN flag, length 2, payload.
    expect(encodeFrame({ type: 'data', streamId: 3, flags: FLAG_FIN, data: Buffer.from('hi') }).toString('hex')).toBe('00000003' + '01000002' + '6869');
    // SYN_REPLY: stream id then the header block, with no SPDY/2 padding.
    expect(encodeFrame({ type: 'syn_reply', streamId: 1, flags: 0, headerBlock: Buffer.from([0xaa]) }).toString('hex')).toBe('80030002' + '00000005' + '00000001aa');
  });

  it('reassembles frames from arbitrary pieces (TCP reads, WebSocket messages)', () => {
    const bytes = Buffer.concat(frames.map(encodeFrame));
    for (const size of [1, 3, 7, 64]) {
      const reader = new FrameReader(1 << 20);
      const out: Frame[] = [];
      for (let at = 0; at < bytes.length; at += size) out.push(...reader.push(bytes.subarray(at, at + size)));
      expect(out).toEqual(frames);
    }
  });

  it('refuses an oversized frame from its header, before buffering it', () => {
    const reader = new FrameReader(1024);
    const head = encodeFrame({ type: 'data', streamId: 1, flags: 0, data: Buffer.alloc(2048) }).subarray(0, 8);
    expect(() => reader.push(head)).toThrow(new SpdyProtocolError('SPDY frame of 2048 bytes exceeds the limit of 1024'));
  });

  it('refuses other SPDY versions and truncated control frames; skips unknown control types', () => {
    const v2 = encodeFrame({ type: 'ping', id: 1 });
    v2.writeUInt16BE(0x8002, 0);
    expect(() => new FrameReader(1024).push(v2)).toThrow(/SPDY version 2 is not supported/);
    const short = Buffer.from('8003000300000004' + '00000001', 'hex');
    expect(() => new FrameReader(1024).push(short)).toThrow(/RST_STREAM frame of 4 bytes is shorter than its 8-byte fixed part/);
    const credential = Buffer.from('8003000a00000002abcd', 'hex');
    expect(new FrameReader(1024).push(credential)).toEqual([{ type: 'unknown', frameType: 10 }]);
  });
});

describe('SPDY/3 header blocks', () => {
  it('encodes names in lower case and several values joined by NUL, and reads them back', () => {
    const raw = encodeHeaderBlock({ StreamType: 'data', port: '8080', accept: ['a', 'b'] });
    expect(raw.readUInt32BE(0)).toBe(3);
    expect(decodeHeaderBlock(raw)).toEqual({ streamtype: ['data'], port: ['8080'], accept: ['a', 'b'] });
  });

  it('names what is wrong with a bad block', () => {
    const pair = (name: string, value: string) => {
      const n = Buffer.from(name);
      const v = Buffer.from(value);
      const out = Buffer.alloc(8 + n.length + v.length);
      out.writeUInt32BE(n.length, 0);
      n.copy(out, 4);
      out.writeUInt32BE(v.length, 4 + n.length);
      v.copy(out, 8 + n.length);
      return out;
    };
    const block = (count: number, ...pairs: Buffer[]) => {
      const head = Buffer.alloc(4);
      head.writeUInt32BE(count);
      return Buffer.concat([head, ...pairs]);
    };
    expect(() => decodeHeaderBlock(block(1, pair('Port', '1')))).toThrow('header name "Port" is not lower case');
    expect(() => decodeHeaderBlock(block(2, pair('port', '1'), pair('port', '2')))).toThrow('header "port" appears twice');
    expect(() => decodeHeaderBlock(block(1, pair('', '1')))).toThrow('header 1 has an empty name');
    expect(() => decodeHeaderBlock(block(1000, pair('port', '1')))).toThrow('header block announces 1000 pairs but has room for at most 1');
    expect(() => decodeHeaderBlock(block(1, pair('port', '1')).subarray(0, 16))).toThrow(/header block ends inside the value of header "port"/);
    expect(() => decodeHeaderBlock(Buffer.concat([block(1, pair('port', '1')), Buffer.from('x')]))).toThrow('header block has 1 bytes after its last pair');
  });

  it('compresses with the SPDY/3 dictionary, one zlib context for the whole connection', async () => {
    const compressor = new HeaderCompressor();
    const decompressor = new HeaderDecompressor(64 * 1024);
    const headers = { streamtype: 'error', port: '8080', requestid: '0' };
    const first = await compressor.compress(headers);
    const second = await compressor.compress({ ...headers, streamtype: 'data' });
    // The second block leans on the first one's text, so it is smaller.
    expect(second.length).toBeLessThan(first.length);
    expect(await decompressor.decompress(first)).toEqual({ streamtype: ['error'], port: ['8080'], requestid: ['0'] });
    expect(await decompressor.decompress(second)).toEqual({ streamtype: ['data'], port: ['8080'], requestid: ['0'] });
    // The first block is a zlib stream with the dictionary's id, sync-flushed (ends 00 00 ff ff).
    expect(first.subarray(-4).toString('hex')).toBe('0000ffff');
    const inflated = zlib.inflateSync(first, { dictionary: SPDY3_DICTIONARY, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    expect(decodeHeaderBlock(inflated)).toEqual({ streamtype: ['error'], port: ['8080'], requestid: ['0'] });
    compressor.close();
    decompressor.close();
  });

  it('reads blocks another zlib wrote with the dictionary', async () => {
    const raw = encodeHeaderBlock({ streamtype: 'data', port: '16686' });
    const compressed = zlib.deflateSync(raw, { dictionary: SPDY3_DICTIONARY, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const decompressor = new HeaderDecompressor(64 * 1024);
    expect(await decompressor.decompress(compressed)).toEqual({ streamtype: ['data'], port: ['16686'] });
    decompressor.close();
  });

  it('refuses a block that inflates past the limit, and every block after it', async () => {
    const compressor = new HeaderCompressor();
    const decompressor = new HeaderDecompressor(1024);
    await expect(decompressor.decompress(await compressor.compress({ big: 'x'.repeat(4096) }))).rejects.toThrow(/header block of more than 1024 bytes/);
    await expect(decompressor.decompress(await compressor.compress({ port: '1' }))).rejects.toThrow(/failed earlier/);
    compressor.close();
    decompressor.close();
  });

  it('refuses bytes that are not a zlib stream with the dictionary', async () => {
    const decompressor = new HeaderDecompressor(1024);
    await expect(decompressor.decompress(Buffer.from('not zlib at all'))).rejects.toThrow(/header decompression failed/);
    decompressor.close();
  });
});
