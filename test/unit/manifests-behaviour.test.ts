/**
 * Each scene of manifests/scenes.yaml, loaded into the simulated mesh, shows what its slide
 * promises the audience: the stars, the errors, the timings, the refused connections.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ScaledClock } from '../../server/clock.ts';
import { createMesh, type Mesh } from '../../server/embedded/mesh/index.ts';
import { curl } from '../../server/embedded/workloads/index.ts';
import { SpanCollector, apply, bookinfoStore, ensureNamespace, manifest, podsFor, readPage } from '../helpers/mesh-fixtures.ts';

const ROOT = join(import.meta.dirname, '../..');
type Scene = { name: string; namespaces: string[]; platform: string[]; routing: string[] };
const scenes = (parse(readFileSync(join(ROOT, 'manifests/scenes.yaml'), 'utf8')).scenes as Scene[]);
const rel = (file: string) => file.replace(/^manifests\//, '');

let mesh: Mesh | undefined;
afterEach(async () => {
  await mesh?.stop();
  mesh = undefined;
});

/**
 * A mesh in the state the scene describes. The clock runs 20x faster than real time, or
 * 10x for the timing checks, where scheduling jitter would otherwise be magnified.
 */
function meshFor(name: string, scale = 0.05) {
  const scene = scenes.find((s) => s.name === name);
  if (!scene) throw new Error(`no scene ${name}`);
  const clock = new ScaledClock(scale);
  const store = bookinfoStore(clock, { bookinfo: false, gateway: false });
  for (const ns of scene.namespaces) ensureNamespace(store, ns);
  for (const file of scene.platform) {
    const objects = manifest(rel(file));
    apply(store, objects.filter((o) => o.kind !== 'Deployment' && o.kind !== 'Namespace'));
    podsFor(store, objects);
  }
  for (const file of scene.routing) apply(store, manifest(rel(file)));
  mesh = createMesh({ store, clock, spans: new SpanCollector() });
  return { mesh, clock, store };
}

async function login(m: Mesh, user: string): Promise<string> {
  const res = await m.request('ingress', { method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `username=${user}&passwd=x` });
  return res.headers['set-cookie'].split(';')[0];
}

async function visit(m: Mesh, cookie?: string) {
  const res = await m.request('ingress', { url: '/productpage', headers: cookie ? { cookie } : {} });
  return { status: res.status, body: res.body, ...readPage(res.body) };
}

async function versions(m: Mesh, n: number, cookie?: string): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add((await visit(m, cookie)).reviews);
  return seen;
}

describe('scenes in the simulated mesh', () => {
  it('gateway: no routing rules, refreshing shows all three reviews versions', async () => {
    const { mesh } = meshFor('gateway');
    expect(await versions(mesh, 30)).toEqual(new Set(['v1', 'v2', 'v3']));
  });

  it('jason-v2: jason always sees black stars, anonymous never any', async () => {
    const { mesh } = meshFor('jason-v2');
    expect(await versions(mesh, 8, await login(mesh, 'jason'))).toEqual(new Set(['v2']));
    expect(await versions(mesh, 8)).toEqual(new Set(['v1']));
  });

  it('ratings-delay: jason waits about 6 s, then gets the reviews error', async () => {
    const { mesh, clock } = meshFor('ratings-delay', 0.1);
    const jason = await login(mesh, 'jason');
    const t0 = clock.now();
    const page = await visit(mesh, jason);
    const seconds = (clock.now() - t0) / 1000;
    expect(page.reviews).toBe('error');
    expect(seconds).toBeGreaterThan(5.5);
    expect(seconds).toBeLessThan(7);
  });

  it('ratings-abort: jason sees "Ratings service is currently unavailable" at once; others see v1', async () => {
    const { mesh, clock } = meshFor('ratings-abort', 0.1);
    const t0 = clock.now();
    expect((await visit(mesh, await login(mesh, 'jason'))).reviews).toBe('ratings-unavailable');
    expect(clock.now() - t0).toBeLessThan(1000);
    expect((await visit(mesh)).reviews).toBe('v1');
  });

  it('reviews-50-v3 mixes v1 and v3; reviews-v3 is all red stars', async () => {
    const half = meshFor('reviews-50-v3').mesh;
    expect(await versions(half, 30)).toEqual(new Set(['v1', 'v3']));
    await half.stop();
    mesh = meshFor('reviews-v3').mesh;
    expect(await versions(mesh, 10)).toEqual(new Set(['v3']));
  });

  it('timeout-fix: with ratings 2 s slow, the 0.5 s route timeout fails the reviews fast (~1 s, two attempts)', async () => {
    const { mesh, clock } = meshFor('timeout-fix', 0.1);
    const t0 = clock.now();
    const page = await visit(mesh);
    const seconds = (clock.now() - t0) / 1000;
    expect(page.reviews).toBe('error');
    expect(page.details).toBe(true);
    expect(seconds).toBeGreaterThan(0.9);
    expect(seconds).toBeLessThan(1.8);
  });

  it('mtls-strict: the sleep with a sidecar gets the page, the legacy sleep without one is reset', async () => {
    const { mesh } = meshFor('mtls-strict');
    const inMesh = await curl(mesh, { workload: 'sleep' }, 'http://productpage:9080/productpage');
    expect(inMesh.status).toBe(200);
    const legacy = await curl(mesh, { workload: 'sleep-legacy' }, 'http://productpage:9080/productpage');
    expect(legacy.exitCode).toBe(56);
    expect(legacy.status).toBe(0);
    expect((await visit(mesh)).status).toBe(200);
  });

  it('authz: productpage renders but may not read details or reviews; the viewers policies open the rest', async () => {
    const { mesh, store } = meshFor('authz');
    const denied = await visit(mesh);
    expect(denied.status).toBe(200);
    expect(denied.details).toBe(false);
    expect(denied.reviews).toBe('error');
    const legacy = await curl(mesh, { workload: 'sleep-legacy' }, 'http://productpage:9080/productpage');
    expect(legacy.exitCode).toBe(56);

    apply(store, manifest('security/authorization-policy-bookinfo-viewers.yaml'));
    const open = await visit(mesh);
    expect(open.details).toBe(true);
    expect(['v1', 'v2', 'v3']).toContain(open.reviews);
  });

  it('lb-policies: RANDOM spreads over the versions; consistent hashing on end-user keeps jason on one', async () => {
    const { mesh, store } = meshFor('lb-policies');
    expect((await versions(mesh, 30)).size).toBe(3);
    apply(store, manifest('networking/destination-rule-reviews-consistent-hash.yaml'));
    expect((await versions(mesh, 12, await login(mesh, 'jason'))).size).toBe(1);
  });
});
