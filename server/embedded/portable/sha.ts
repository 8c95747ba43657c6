/**
 * SHA-1, SHA-256 and SHA-512 in plain JavaScript, synchronous. The cluster names things by
 * hash on hot paths that cannot await (pod-name suffixes, consistent-hash picks, OpenAPI
 * document versions), WebCrypto's digest is async only, and node:crypto is not in a browser:
 * these give node:crypto's exact digests in both. Text is hashed as its UTF-8 bytes, as
 * createHash().update(text) does.
 */
import { bytesToHex, utf8Bytes } from './bytes.ts';

type Input = Uint8Array | string;

const bytesOf = (data: Input) => (typeof data === 'string' ? utf8Bytes(data) : data);

export const sha1Hex = (data: Input): string => bytesToHex(sha1(bytesOf(data)));
export const sha256Hex = (data: Input): string => bytesToHex(sha256(bytesOf(data)));
export const sha512Hex = (data: Input): string => bytesToHex(sha512(bytesOf(data)));

// The round constants and initial values are the leading bits of the fractional parts of
// the square and cube roots of the first primes (FIPS 180-4), worked out here with BigInt
// rather than copied in as 250 literals.

function firstPrimes(count: number): bigint[] {
  const primes: bigint[] = [];
  for (let n = 2n; primes.length < count; n++) if (primes.every((p) => n % p !== 0n)) primes.push(n);
  return primes;
}

/** ⌊n^(1/k)⌋, by Newton's method from above. */
function integerRoot(n: bigint, k: bigint): bigint {
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / Number(k)));
  for (;;) {
    const next = ((k - 1n) * x + n / x ** (k - 1n)) / k;
    if (next >= x) return x;
    x = next;
  }
}

/** The first `bits` bits after the point of each prime's k-th root, as 32-bit words (high word first). */
function rootFractions(count: number, k: number, bits: 32 | 64): Uint32Array {
  const words = new Uint32Array((count * bits) / 32);
  firstPrimes(count).forEach((p, i) => {
    const fraction = integerRoot(p << BigInt(k * bits), BigInt(k)) & ((1n << BigInt(bits)) - 1n);
    if (bits === 64) {
      words[2 * i] = Number(fraction >> 32n);
      words[2 * i + 1] = Number(fraction & 0xffffffffn);
    } else words[i] = Number(fraction);
  });
  return words;
}

const SHA256_INIT = rootFractions(8, 2, 32);
const SHA256_K = rootFractions(64, 3, 32);
const SHA512_INIT = rootFractions(8, 2, 64);
const SHA512_K = new Int32Array(rootFractions(80, 3, 64).buffer);

/** The message, a 1 bit, zeros, and its length in bits (big-endian) ending a whole number of blocks. */
function padded(bytes: Uint8Array, blockBytes: 64 | 128): DataView {
  const lengthBytes = blockBytes / 8;
  const total = Math.ceil((bytes.length + 1 + lengthBytes) / blockBytes) * blockBytes;
  const out = new Uint8Array(total);
  out.set(bytes);
  out[bytes.length] = 0x80;
  const view = new DataView(out.buffer);
  const bits = bytes.length * 8;
  view.setUint32(total - 8, Math.floor(bits / 2 ** 32));
  view.setUint32(total - 4, bits >>> 0);
  return view;
}

function bigEndian(words: Uint32Array): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => view.setUint32(i * 4, w));
  return out;
}

const rotl = (x: number, n: number) => (x << n) | (x >>> (32 - n));
const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));

// Message schedules, reused: hashing is synchronous, so no two calls share one at a time.
const SHA1_W = new Uint32Array(80);
const SHA256_W = new Uint32Array(64);
const SHA512_W = new Int32Array(160);

export function sha1(bytes: Uint8Array): Uint8Array {
  const h = Uint32Array.of(0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0);
  const w = SHA1_W;
  const m = padded(bytes, 64);
  for (let at = 0; at < m.byteLength; at += 64) {
    for (let i = 0; i < 16; i++) w[i] = m.getUint32(at + i * 4);
    for (let i = 16; i < 80; i++) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    let [a, b, c, d, e] = h;
    for (let i = 0; i < 80; i++) {
      const f = i < 20 ? (b & c) | (~b & d) : i < 40 || i >= 60 ? b ^ c ^ d : (b & c) | (b & d) | (c & d);
      const k = i < 20 ? 0x5a827999 : i < 40 ? 0x6ed9eba1 : i < 60 ? 0x8f1bbcdc : 0xca62c1d6;
      const t = (rotl(a, 5) + f + e + k + w[i]) | 0;
      e = d;
      d = c;
      c = rotl(b, 30);
      b = a;
      a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
  }
  return bigEndian(h);
}

export function sha256(bytes: Uint8Array): Uint8Array {
  const h = Uint32Array.from(SHA256_INIT);
  const w = SHA256_W;
  const m = padded(bytes, 64);
  for (let at = 0; at < m.byteLength; at += 64) {
    for (let i = 0; i < 16; i++) w[i] = m.getUint32(at + i * 4);
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15];
      const y = w[i - 2];
      w[i] = w[i - 16] + (rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3)) + w[i - 7] + (rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10));
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + SHA256_K[i] + w[i]) | 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }
  return bigEndian(h);
}

// SHA-512 works on 64-bit words, kept as pairs of 32-bit halves (high, low) in int32
// arithmetic, which JavaScript engines run far faster than sums past 2^32. Each Σ/σ below
// is one half of a 64-bit rotation mix; a rotation by 32 + m swaps the halves first.
const bigSigma0Hi = (h: number, l: number) => ((h >>> 28) | (l << 4)) ^ ((l >>> 2) | (h << 30)) ^ ((l >>> 7) | (h << 25));
const bigSigma0Lo = (h: number, l: number) => ((l >>> 28) | (h << 4)) ^ ((h >>> 2) | (l << 30)) ^ ((h >>> 7) | (l << 25));
const bigSigma1Hi = (h: number, l: number) => ((h >>> 14) | (l << 18)) ^ ((h >>> 18) | (l << 14)) ^ ((l >>> 9) | (h << 23));
const bigSigma1Lo = (h: number, l: number) => ((l >>> 14) | (h << 18)) ^ ((l >>> 18) | (h << 14)) ^ ((h >>> 9) | (l << 23));
const smallSigma0Hi = (h: number, l: number) => ((h >>> 1) | (l << 31)) ^ ((h >>> 8) | (l << 24)) ^ (h >>> 7);
const smallSigma0Lo = (h: number, l: number) => ((l >>> 1) | (h << 31)) ^ ((l >>> 8) | (h << 24)) ^ ((l >>> 7) | (h << 25));
const smallSigma1Hi = (h: number, l: number) => ((h >>> 19) | (l << 13)) ^ ((l >>> 29) | (h << 3)) ^ (h >>> 6);
const smallSigma1Lo = (h: number, l: number) => ((l >>> 19) | (h << 13)) ^ ((h >>> 29) | (l << 3)) ^ ((l >>> 6) | (h << 26));
/** 1 when adding `addend` to a low half wrapped it to `sum`, i.e. carried into the high half. */
const carried = (sum: number, addend: number) => ((sum >>> 0) < (addend >>> 0) ? 1 : 0);

export function sha512(bytes: Uint8Array): Uint8Array {
  const h = Int32Array.from(SHA512_INIT);
  const w = SHA512_W;
  const m = padded(bytes, 128);
  for (let at = 0; at < m.byteLength; at += 128) {
    for (let i = 0; i < 32; i++) w[i] = m.getInt32(at + i * 4);
    for (let i = 32; i < 160; i += 2) {
      const xh = w[i - 30];
      const xl = w[i - 29];
      const yh = w[i - 4];
      const yl = w[i - 3];
      const s0l = smallSigma0Lo(xh, xl);
      const s1l = smallSigma1Lo(yh, yl);
      // w[i] = σ1(w[i-2]) + w[i-7] + σ0(w[i-15]) + w[i-16], in 64 bits.
      let lo = (s0l + w[i - 13]) | 0;
      let hi = (smallSigma0Hi(xh, xl) + w[i - 14] + carried(lo, s0l)) | 0;
      lo = (lo + s1l) | 0;
      hi = (hi + smallSigma1Hi(yh, yl) + carried(lo, s1l)) | 0;
      lo = (lo + w[i - 31]) | 0;
      hi = (hi + w[i - 32] + carried(lo, w[i - 31])) | 0;
      w[i] = hi;
      w[i + 1] = lo;
    }
    let ah = h[0], al = h[1], bh = h[2], bl = h[3], ch = h[4], cl = h[5], dh = h[6], dl = h[7];
    let eh = h[8], el = h[9], fh = h[10], fl = h[11], gh = h[12], gl = h[13], hh = h[14], hl = h[15];
    for (let j = 0; j < 160; j += 2) {
      // t1 = h + Σ1(e) + Ch(e, f, g) + K[j] + w[j]
      const choiceL = (el & fl) ^ (~el & gl);
      const sum1l = bigSigma1Lo(eh, el);
      let t1l = (hl + sum1l) | 0;
      let t1h = (hh + bigSigma1Hi(eh, el) + carried(t1l, sum1l)) | 0;
      t1l = (t1l + choiceL) | 0;
      t1h = (t1h + ((eh & fh) ^ (~eh & gh)) + carried(t1l, choiceL)) | 0;
      t1l = (t1l + SHA512_K[j + 1]) | 0;
      t1h = (t1h + SHA512_K[j] + carried(t1l, SHA512_K[j + 1])) | 0;
      t1l = (t1l + w[j + 1]) | 0;
      t1h = (t1h + w[j] + carried(t1l, w[j + 1])) | 0;
      // t2 = Σ0(a) + Maj(a, b, c)
      const majorityL = (al & bl) ^ (al & cl) ^ (bl & cl);
      const t2l = (bigSigma0Lo(ah, al) + majorityL) | 0;
      const t2h = (bigSigma0Hi(ah, al) + ((ah & bh) ^ (ah & ch) ^ (bh & ch)) + carried(t2l, majorityL)) | 0;
      hh = gh;
      hl = gl;
      gh = fh;
      gl = fl;
      fh = eh;
      fl = el;
      el = (dl + t1l) | 0;
      eh = (dh + t1h + carried(el, t1l)) | 0;
      dh = ch;
      dl = cl;
      ch = bh;
      cl = bl;
      bh = ah;
      bl = al;
      al = (t1l + t2l) | 0;
      ah = (t1h + t2h + carried(al, t2l)) | 0;
    }
    const state = [ah, al, bh, bl, ch, cl, dh, dl, eh, el, fh, fl, gh, gl, hh, hl];
    for (let i = 0; i < 16; i += 2) {
      const lo = (h[i + 1] + state[i + 1]) | 0;
      h[i] = h[i] + state[i] + carried(lo, state[i + 1]);
      h[i + 1] = lo;
    }
  }
  return bigEndian(new Uint32Array(h.buffer));
}

/** HMAC-SHA256 (RFC 2104), synchronous like createHmac('sha256', key).update(message).digest(). */
export function hmacSha256(key: Uint8Array, message: Input): Uint8Array {
  const BLOCK = 64;
  const padded = new Uint8Array(BLOCK);
  padded.set(key.length > BLOCK ? sha256(key) : key);
  const text = bytesOf(message);
  const inner = new Uint8Array(BLOCK + text.length);
  for (let i = 0; i < BLOCK; i++) inner[i] = padded[i] ^ 0x36;
  inner.set(text, BLOCK);
  const outer = new Uint8Array(BLOCK + 32);
  for (let i = 0; i < BLOCK; i++) outer[i] = padded[i] ^ 0x5c;
  outer.set(sha256(inner), BLOCK);
  return sha256(outer);
}
