/**
 * Figures for `npm run bench` (printed, never asserted):
 *   benchMesh()        productpage requests/s through the gateway with tracing on, and the
 *                      real time the mesh adds per hop (client sidecar + server sidecar);
 *   benchDelayStory()  the fault-injection story at scale 1: jason, a 7 s ratings delay,
 *                      and the page giving up on reviews after two 3 s attempts.
 * Bookinfo runs on the mesh tests' fixture store: Running, Ready pods with sidecars, no controllers.
 */
import { ScaledClock } from '../server/clock.ts';
import { detailsApp } from '../server/embedded/bookinfo/details.ts';
import { createMesh } from '../server/embedded/mesh/index.ts';
import type { AppContext } from '../server/embedded/app-runtime/types.ts';
import { SpanStore } from '../server/embedded/tracing/span-store.ts';
import { apply, bookinfoStore, manifest } from '../test/helpers/mesh-fixtures.ts';
import { productpagesPerSecond } from './gateway-load.ts';
import { percentile } from './stats.ts';

export async function benchMesh(): Promise<{ rps: number; p50AddedMsPerHop: number; p99AddedMsPerHop: number }> {
  const clock = new ScaledClock(1);
  const store = bookinfoStore(clock);
  const spans = new SpanStore();
  const mesh = createMesh({ store, clock, spans, realisticLatency: false });
  const gw = await mesh.startGateway();
  try {
    // Throughput: 8 concurrent keep-alive clients for about three seconds.
    const rps = await productpagesPerSecond(gw.url, { warmup: 200, seconds: 3 });

    // Added latency per hop: one sidecar-to-sidecar call minus calling the app itself.
    const ctx: AppContext = { pod: {} as any, clock, realisticLatency: false, call: () => Promise.reject(new Error('no calls')) };
    const direct: number[] = [];
    const viaMesh: number[] = [];
    const from = { workload: 'productpage' };
    for (let i = 0; i < 6000; i++) {
      let t = performance.now();
      await detailsApp({ method: 'GET', path: '/details/0', headers: {}, body: '', signal: new AbortController().signal }, ctx);
      direct.push(performance.now() - t);
      t = performance.now();
      await mesh.request(from, { url: 'http://details:9080/details/0' });
      viaMesh.push(performance.now() - t);
    }
    const skip = 1000; // warm-up
    const d = direct.slice(skip);
    const m = viaMesh.slice(skip);
    const base = percentile(d, 50);
    return { rps, p50AddedMsPerHop: percentile(m, 50) - base, p99AddedMsPerHop: percentile(m, 99) - base };
  } finally {
    await gw.close();
    await mesh.stop();
  }
}

export async function benchDelayStory(): Promise<{ seconds: number }> {
  const clock = new ScaledClock(1);
  const store = bookinfoStore(clock);
  const mesh = createMesh({ store, clock, spans: new SpanStore() });
  try {
    for (const f of ['destination-rule-all.yaml', 'virtual-service-all-v1.yaml', 'virtual-service-reviews-test-v2.yaml', 'virtual-service-ratings-test-delay.yaml']) apply(store, manifest(`networking/${f}`));
    const login = await mesh.request('ingress', { method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=jason&passwd=jason' });
    const cookie = login.headers['set-cookie'].split(';')[0];
    const t0 = clock.now();
    const page = await mesh.request('ingress', { url: '/productpage', headers: { cookie } });
    const seconds = (clock.now() - t0) / 1000;
    if (!page.body.includes('Error fetching product reviews')) throw new Error('the delay story did not end in the reviews error');
    return { seconds };
  } finally {
    await mesh.stop();
  }
}
