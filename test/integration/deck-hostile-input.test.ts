import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDeck } from '../helpers/deck.ts';
import { rawRequest } from '../helpers/raw-http.ts';

const raw = (base: string, request: string) => rawRequest(Number(new URL(base).port), request);

const cm = (name: string, data = '') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${data}`;
const deepJson = (n: number) => `{"mode":${'['.repeat(n)}${']'.repeat(n)}}`;

describe('the deck API answers hostile input with 4xx and a reason, never 500', () => {
  let deck: Awaited<ReturnType<typeof startTestDeck>>;
  beforeAll(async () => {
    deck = await startTestDeck({ maxSandboxes: 0 });
  }, 60_000);
  afterAll(async () => {
    await deck?.stop();
  });

  it('malformed paths, prototype-named kinds and absolute-form targets on every route', async () => {
    const targets = [
      'GET /api/object/Pod/default/%ZZ',
      'GET /api/object/%ZZ/default/x',
      'GET /api/object/constructor/default/x',
      'GET /api/object/__proto__/default/x',
      'GET /api/object/toString/default/x',
      'GET /api/object/hasOwnProperty/default/x',
      'GET /api/object/Pod/default/..',
      'GET /api/object/Pod/%E0%A4%A/x',
      'POST /api/scene/%ZZ',
      'POST /api/scene/__proto__',
      'DELETE /api/sandbox/%ZZ',
      'GET /api/traces/%ZZ',
      'GET /api/traces/constructor',
      'GET /api/manifest?path=%ZZ',
      'GET /api/manifest?path=manifests/%00.yaml',
      'GET /api/manifest?path=manifests/../package.json',
      'GET /gateway/as/%ZZ/productpage',
      'GET /sandbox-gateway/%ZZ/x',
      'GET http://127.0.0.1/api/health',
      'GET https://127.0.0.1/gateway/productpage',
      'GET /api/%ZZ',
    ];
    for (const line of targets) {
      for (const auth of ['', `Authorization: Bearer ${deck.token}\r\n`]) {
        const [method, target] = line.split(' ');
        const res = await raw(deck.base, `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}Content-Length: 0\r\nConnection: close\r\n\r\n`);
        expect(res.status, `${line} ${auth ? 'with' : 'without'} token`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${line}: ${res.body}`).toBeLessThan(500);
        expect(res.body.length, line).toBeGreaterThan(10);
      }
    }
  });

  it('hostile bodies to every route that reads one', async () => {
    const auth = { authorization: `Bearer ${deck.token}` };
    const cases: Array<[string, string, RequestInit, RegExp]> = [
      ['/api/scene/baseline', 'deep JSON', { body: deepJson(5000), headers: { ...auth, 'content-type': 'application/json' } }, /nests more than \d+ levels/],
      ['/api/scene/baseline', 'broken JSON', { body: '{"mode":', headers: { ...auth, 'content-type': 'application/json' } }, /not valid JSON/],
      ['/api/scene/baseline', 'JSON too large', { body: JSON.stringify({ mode: 'x'.repeat(40_000) }), headers: { ...auth, 'content-type': 'application/json' } }, /too large.*at most 16 KiB/],
      ['/api/run', 'deep JSON', { body: deepJson(5000), headers: { ...auth, 'content-type': 'application/json' } }, /nests more than/],
      ['/api/run', 'not a command', { body: '{"command": {"a": 1}}', headers: { ...auth, 'content-type': 'application/json' } }, /command/],
      ['/api/dry-run', 'missing anchor', { body: cm('a', 'data: *nope\n'), headers: auth }, /Unresolved alias/],
      ['/api/dry-run', 'alias bomb', { body: cm('a', 'a: &a [x,x,x,x,x,x,x,x,x,x]\n' + Array.from({ length: 7 }, (_, i) => `b${i}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${i === 0 ? 'a' : String.fromCharCode(97 + i)}`).join(',')}]\n`).join('')), headers: auth }, /alias/],
      ['/api/dry-run', 'wrong group for a known kind', { body: 'apiVersion: v1\nkind: VirtualService\nmetadata: {name: a}\nspec: {hosts: [a]}\n', headers: auth }, /no matches for kind "VirtualService" in version "v1"/],
      ['/api/apply', 'deep YAML', { body: cm('a', `data: ${'['.repeat(5000)}${']'.repeat(5000)}\n`), headers: auth }, /nests more than/],
      ['/api/apply', 'YAML too large', { body: cm('a', `data: {x: "${'x'.repeat(1_100_000)}"}\n`), headers: auth }, /too large.*at most 1 MiB/],
      ['/api/delete', 'NUL byte', { body: cm('a\u0000b'), headers: auth }, /NUL/],
      ['/api/delete', 'not a mapping', { body: '- a\n', headers: auth }, /document 1 is not a mapping/],
      ['/api/dry-run', 'too many documents', { body: Array.from({ length: 10_000 }, (_, i) => cm(`c${i}`)).join('---\n'), headers: auth }, /more than 500 documents.*line 2500/],
    ];
    for (const [path, what, init, message] of cases) {
      const res = await fetch(`${deck.base}${path}`, { method: 'POST', ...init });
      const body = await res.text();
      expect(res.status, `${path} ${what}: ${body.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${path} ${what}: ${body.slice(0, 300)}`).toBeLessThan(500);
      expect(body.replace(/\\"/g, '"'), `${path} ${what}`).toMatch(message);
    }
  });

  it('a trailing --- and an empty document are ignored, as kubectl ignores them', async () => {
    const res = await fetch(`${deck.base}/api/dry-run`, { method: 'POST', headers: { authorization: `Bearer ${deck.token}` }, body: `${cm('trail-a')}---\n---\n${cm('trail-b')}---\n` });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as { results: Array<{ name: string; result: string }> }).results.map((r) => `${r.name} ${r.result}`)).toEqual(['trail-a created', 'trail-b created']);
  });

  // A large valid dry run end to end: the deck parses and checks it, the embedded API merges it.
  it('large bodies leave the event loop free: health answers while the deck parses them', async () => {
    const auth = { authorization: `Bearer ${deck.token}` };
    const wideConfigMap = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: wide\n  namespace: default\ndata:\n` + Array.from({ length: 20_000 }, (_, i) => `  k${i}: "v${i}"\n`).join('');
    const manyDocuments = Array.from({ length: 10_000 }, (_, i) => cm(`c${i}`)).join('---\n');
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const runs = [wideConfigMap, manyDocuments].map((body) => fetch(`${deck.base}/api/dry-run`, { method: 'POST', headers: auth, body }).then((r) => r.status));
    const health: number[] = [];
    let done = false;
    void Promise.all(runs).finally(() => (done = true));
    while (!done) {
      const t = performance.now();
      expect((await fetch(`${deck.base}/api/health`)).status).toBe(200);
      health.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 50));
    }
    delay.disable();
    const statuses = await Promise.all(runs);
    expect(statuses[1]).toBe(422); // too many documents
    expect(statuses[0], 'the wide ConfigMap dry-runs').toBe(200);
    // Generous bounds for a shared machine: a stalled loop would show seconds.
    expect(delay.max / 1e6, `worst event-loop delay; health took ${health.map((h) => h.toFixed(0)).join(', ')} ms`).toBeLessThan(1000);
    expect(Math.max(...health)).toBeLessThan(1000);
  }, 60_000);
});
