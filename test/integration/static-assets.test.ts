/**
 * The built client on the wire: the build step's brotli and gzip copies, chosen by
 * Accept-Encoding, cached for a year when hashed, revalidated otherwise; HEAD, conditional
 * and Range requests. Served by the deck server itself (embedded cluster) from a small
 * build-like directory precompressed by the real build step.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { precompressDir } from '../../scripts/precompress.ts';
import { startTestDeck } from '../helpers/deck.ts';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A request with exactly these headers (fetch would add and decode Accept-Encoding itself). */
function get(base: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const APP_JS = `export const deck = ${JSON.stringify(Array.from({ length: 400 }, (_, i) => ({ slide: i, title: `slide number ${i}` })))};\n`;
const INDEX = `<!doctype html><html><head><script type="module" src="/assets/index-AbCd1234.js"></script></head><body>${'<div id="root"></div>'.repeat(40)}</body></html>`;

let dir: string;
let deck: Awaited<ReturnType<typeof startTestDeck>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'deck-client-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets/index-AbCd1234.js'), APP_JS);
  writeFileSync(join(dir, 'assets/tiny-Zz99Yy88.js'), 'export {};\n');
  await precompressDir(dir);
  deck = await startTestDeck({ clientDir: dir });
});

afterAll(async () => {
  await deck?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the built client on the wire', () => {
  it('sends brotli when the browser takes it, as a browser sends Accept-Encoding', async () => {
    const r = await get(deck.base, '/assets/index-AbCd1234.js', { 'Accept-Encoding': 'gzip, deflate, br, zstd' });
    expect(r.status).toBe(200);
    expect(r.headers['content-encoding']).toBe('br');
    expect(r.headers.vary).toMatch(/accept-encoding/i);
    expect(r.headers['content-type']).toMatch(/javascript/);
    expect(Number(r.headers['content-length'])).toBe(r.body.length);
    expect(r.body.length).toBeLessThan(Buffer.byteLength(APP_JS) / 4);
    expect(brotliDecompressSync(r.body).toString()).toBe(APP_JS);
  });

  it('falls back to gzip, then to the file as it is, as Accept-Encoding allows', async () => {
    const gz = await get(deck.base, '/assets/index-AbCd1234.js', { 'Accept-Encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(APP_JS);
    expect(Number(gz.headers['content-length'])).toBe(gz.body.length);

    const refused = await get(deck.base, '/assets/index-AbCd1234.js', { 'Accept-Encoding': 'br;q=0, gzip;q=0.5' });
    expect(refused.headers['content-encoding']).toBe('gzip');

    for (const headers of [{}, { 'Accept-Encoding': 'identity' }, { 'Accept-Encoding': 'br;q=0, gzip;q=0' }] as Record<string, string>[]) {
      const plain = await get(deck.base, '/assets/index-AbCd1234.js', headers);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.body.toString()).toBe(APP_JS);
      expect(Number(plain.headers['content-length'])).toBe(Buffer.byteLength(APP_JS));
      expect(plain.headers.vary).toMatch(/accept-encoding/i);
    }
  });

  it('gives each encoding its own ETag, and answers 304 to the one the browser holds', async () => {
    const br = await get(deck.base, '/assets/index-AbCd1234.js', { 'Accept-Encoding': 'br' });
    const gz = await get(deck.base, '/assets/index-AbCd1234.js', { 'Accept-Encoding': 'gzip' });
    const plain = await get(deck.base, '/assets/index-AbCd1234.js');
    const tags = [br, gz, plain].map((r) => r.headers.etag);
    expect(new Set(tags).size).toBe(3);
    const again = await get(deck.base, '/assets/index-AbCd1234.js', { 'Accept-Encoding': 'br', 'If-None-Match': br.headers.etag! });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    // The gzip tag does not validate the brotli bytes.
    const other = await get(deck.base, '/assets/index-AbCd1234.js', { 'Accept-Encoding': 'br', 'If-None-Match': gz.headers.etag! });
    expect(other.status).toBe(200);
  });

  it('caches hashed assets for a year as immutable, and revalidates index.html on every load', async () => {
    const asset = await get(deck.base, '/assets/index-AbCd1234.js', { 'Accept-Encoding': 'br' });
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    for (const path of ['/', '/index.html']) {
      const page = await get(deck.base, path, { 'Accept-Encoding': 'br, gzip' });
      expect(page.status).toBe(200);
      expect(page.headers['cache-control']).toBe('no-cache');
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['content-encoding']).toBe('br');
      expect(brotliDecompressSync(page.body).toString()).toBe(INDEX);
    }
  });

  it('sends a file too small to gain from compression as it is', async () => {
    const r = await get(deck.base, '/assets/tiny-Zz99Yy88.js', { 'Accept-Encoding': 'br, gzip' });
    expect(r.status).toBe(200);
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.body.toString()).toBe('export {};\n');
  });

  it('answers HEAD with the headers of the GET and no body', async () => {
    const get1 = await get(deck.base, '/assets/index-AbCd1234.js', { 'Accept-Encoding': 'br' });
    const head = await get(deck.base, '/assets/index-AbCd1234.js', { 'Accept-Encoding': 'br' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    for (const h of ['content-encoding', 'content-length', 'etag', 'cache-control', 'vary', 'content-type']) expect(head.headers[h]).toBe(get1.headers[h]);
  });

  it('serves a byte range of the representation it picked, and refuses a range past the end', async () => {
    const plain = await get(deck.base, '/assets/index-AbCd1234.js', { Range: 'bytes=7-16' });
    expect(plain.status).toBe(206);
    expect(plain.headers['content-range']).toBe(`bytes 7-16/${Buffer.byteLength(APP_JS)}`);
    expect(plain.body.toString()).toBe(APP_JS.slice(7, 17));

    const full = await get(deck.base, '/assets/index-AbCd1234.js', { 'Accept-Encoding': 'br' });
    const tail = await get(deck.base, '/assets/index-AbCd1234.js', { 'Accept-Encoding': 'br', Range: 'bytes=-5' });
    expect(tail.status).toBe(206);
    expect(tail.headers['content-encoding']).toBe('br');
    expect(tail.body).toEqual(full.body.subarray(full.body.length - 5));

    const past = await get(deck.base, '/assets/index-AbCd1234.js', { Range: 'bytes=999999-' });
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${Buffer.byteLength(APP_JS)}`);

    // A range for an older version (If-Range no longer matching) gets the whole file.
    const stale = await get(deck.base, '/assets/index-AbCd1234.js', { Range: 'bytes=0-3', 'If-Range': '"not-this-one"' });
    expect(stale.status).toBe(200);
    expect(stale.body.toString()).toBe(APP_JS);
  });

  it('never serves the compressed copies by name, dot files, or paths outside the build', async () => {
    writeFileSync(join(dir, '.secret'), 'no');
    for (const path of ['/assets/index-AbCd1234.js.br', '/assets/index-AbCd1234.js.gz', '/.secret', '/assets/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2fetc%2fpasswd']) {
      const r = await get(deck.base, path);
      expect(r.status, path).toBe(404);
    }
  });

  it('sends the file itself when a compressed copy is older than it (a half-finished rebuild)', async () => {
    const file = join(dir, 'assets/index-AbCd1234.js');
    const changed = APP_JS.replace('slide number 1"', 'slide number one"');
    writeFileSync(file, changed);
    const later = new Date(Date.now() + 60_000);
    utimesSync(file, later, later);
    const r = await get(deck.base, '/assets/index-AbCd1234.js', { 'Accept-Encoding': 'br, gzip' });
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.body.toString()).toBe(changed);
  });
});
