import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hmacSha256, sha1Hex, sha256Hex, sha512Hex } from '../../server/embedded/portable/sha.ts';

const HASHES = [
  ['sha1', sha1Hex],
  ['sha256', sha256Hex],
  ['sha512', sha512Hex],
] as const;

/** A seeded generator, so a failing case is the same on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const randomBytes = (next: () => number, length: number) => Uint8Array.from({ length }, () => Math.floor(next() * 256));

// Where padding spills into another block: 55/56 and 64 bytes for the 64-byte blocks of
// SHA-1 and SHA-256, 111/112 and 128 for SHA-512's 128-byte blocks.
const BOUNDARY_LENGTHS = [0, 1, 2, 3, 4, 31, 32, 33, 55, 56, 57, 63, 64, 65, 111, 112, 113, 119, 120, 127, 128, 129, 191, 192, 255, 256, 1000, 1024];

describe('the portable SHA-1, SHA-256 and SHA-512, compared with node:crypto', () => {
  it.each(HASHES)('%s: gives the same digest at every block boundary', (name, hash) => {
    const next = random(7);
    for (const length of BOUNDARY_LENGTHS) {
      const bytes = randomBytes(next, length);
      expect(hash(bytes), `${length} bytes`).toBe(createHash(name).update(bytes).digest('hex'));
      // All-ones bytes set every bit the carries and rotations touch.
      const ones = new Uint8Array(length).fill(0xff);
      expect(hash(ones), `${length} bytes of 0xff`).toBe(createHash(name).update(ones).digest('hex'));
    }
  });

  it.each(HASHES)('%s: gives the same digest for random lengths up to 10 KB', (name, hash) => {
    const next = random(11);
    for (let i = 0; i < 60; i++) {
      const bytes = randomBytes(next, Math.floor(next() * 10 * 1024));
      expect(hash(bytes), `${bytes.length} bytes`).toBe(createHash(name).update(bytes).digest('hex'));
    }
  });

  it.each(HASHES)('%s: hashes text as its UTF-8 bytes, as createHash().update(text) does', (name, hash) => {
    for (const text of ['', 'abc', 'reviews-v1-545db77b95|reviews-v2-7d9b8c6f4-x2x9z', 'µs ünïcödé 漢字 🙂', '\ud83d lone surrogate', 'x'.repeat(5000)]) {
      expect(hash(text), JSON.stringify(text.slice(0, 40))).toBe(createHash(name).update(text).digest('hex'));
    }
  });

  it('signs as createHmac("sha256") does, for keys shorter than, as long as, and longer than a block', () => {
    const next = random(13);
    for (const keyLength of [0, 1, 32, 63, 64, 65, 200]) {
      for (const length of [0, 1, 55, 64, 100, 1000]) {
        const key = randomBytes(next, keyLength);
        const message = randomBytes(next, length);
        expect(Buffer.from(hmacSha256(key, message)).toString('hex'), `key ${keyLength}, message ${length}`).toBe(createHmac('sha256', key).update(message).digest('hex'));
      }
    }
    const key = randomBytes(next, 32);
    expect(Buffer.from(hmacSha256(key, 'eyJ1c2VyIjoiamFzb24ifQ')).toString('base64url')).toBe(createHmac('sha256', key).update('eyJ1c2VyIjoiamFzb24ifQ').digest('base64url'));
  });

  it('matches the published test vectors', () => {
    expect(sha1Hex('abc')).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha512Hex('abc')).toBe('ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f');
  });
});
