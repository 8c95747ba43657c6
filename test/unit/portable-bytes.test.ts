import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { base64Decode, base64DecodedLength, base64Encode, base64UrlEncode, concatBytes, utf8ByteLength, utf8Bytes, utf8Text } from '../../server/embedded/portable/bytes.ts';

/** A seeded generator, so a failing case is the same on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomText(next: () => number, alphabet: string[], maxLength: number): string {
  const length = Math.floor(next() * maxLength);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)];
  return out;
}

// ASCII, two- and three-byte characters, an astral pair, and lone surrogates of both halves.
const TEXT_UNITS = ['a', 'Z', '\n', '\u0000', '\u007f', '\u0080', '\u00e9', '\u07ff', '\u0800', '\u20ac', '\uffff', '\ud83d\ude00', '\ud83d', '\ude00', '\ufeff'];
// Both base64 alphabets, padding, whitespace, characters the decoder skips, and non-Latin-1
// units whose low byte is a base64 character or '=' (U+0141, U+013D).
const BASE64_UNITS = [...'AZaz09+/-_', '=', ' ', '\n', '\t', '!', '.', '\u00ff', '\u00c1', '\u0141', '\u013d', '\u20ac'];

describe('portable bytes, compared with Buffer', () => {
  it('counts UTF-8 bytes as Buffer.byteLength does, lone surrogates included', () => {
    const next = random(1);
    for (let i = 0; i < 2000; i++) {
      const text = randomText(next, TEXT_UNITS, 40);
      expect(utf8ByteLength(text), JSON.stringify(text)).toBe(Buffer.byteLength(text));
    }
    expect(utf8ByteLength('\ud83d')).toBe(3);
    expect(utf8ByteLength('\ud83d\ude00')).toBe(4);
  });

  it('encodes and decodes UTF-8 as Buffer does, keeping a leading byte-order mark', () => {
    const next = random(2);
    for (let i = 0; i < 500; i++) {
      const text = randomText(next, TEXT_UNITS, 40);
      expect([...utf8Bytes(text)]).toEqual([...Buffer.from(text, 'utf8')]);
      const bytes = Uint8Array.from({ length: Math.floor(next() * 30) }, () => Math.floor(next() * 256));
      expect(utf8Text(bytes)).toBe(Buffer.from(bytes).toString('utf8'));
    }
    expect(utf8Text(utf8Bytes('\ufeffx'))).toBe('\ufeffx');
  });

  it('gives the length Buffer.from(text, "base64") decodes to, for text of any shape', () => {
    const next = random(3);
    for (let i = 0; i < 5000; i++) {
      const text = randomText(next, BASE64_UNITS, 24);
      expect(base64DecodedLength(text), JSON.stringify(text)).toBe(Buffer.from(text, 'base64').length);
    }
    // Long text takes Buffer's other allocation path.
    for (const text of ['QUJD'.repeat(5000), `${'QUJD'.repeat(5000)}QQ==`, `${'QUJD '.repeat(4000)}=QUJD`]) {
      expect(base64DecodedLength(text)).toBe(Buffer.from(text, 'base64').length);
    }
  });

  it('writes base64 and base64url as Buffer does, and reads base64 back', () => {
    const next = random(4);
    for (const length of [0, 1, 2, 3, 4, 5, 100, 0x8000 - 1, 0x8000, 0x8000 + 1, 100_000]) {
      const bytes = Uint8Array.from({ length }, () => Math.floor(next() * 256));
      expect(base64Encode(bytes)).toBe(Buffer.from(bytes).toString('base64'));
      expect(base64UrlEncode(bytes)).toBe(Buffer.from(bytes).toString('base64url'));
      expect([...base64Decode(base64Encode(bytes))]).toEqual([...bytes]);
      expect([...base64Decode(base64UrlEncode(bytes))]).toEqual([...bytes]);
    }
    expect(base64Encode('[redacted] \u00e9')).toBe(Buffer.from('[redacted] \u00e9').toString('base64'));
  });

  it('joins chunks in order', () => {
    const joined = concatBytes([Uint8Array.of(1, 2), new Uint8Array(0), Uint8Array.of(3)]);
    expect([...joined]).toEqual([1, 2, 3]);
    const only = Uint8Array.of(9);
    expect(concatBytes([only])).toBe(only);
  });
});
