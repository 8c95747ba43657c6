import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { type Mesh, createMesh } from '../../server/embedded/mesh/index.ts';
import type { GatewayServer } from '../../server/embedded/mesh/gateway.ts';
import { SpanStore } from '../../server/embedded/tracing/span-store.ts';
import { startJaegerQuery, type JaegerQueryServer } from '../../server/embedded/tracing/jaeger-api.ts';
import { TrafficGenerator } from '../../server/hub/traffic.ts';
import { GraphPoller } from '../../server/hub/graph.ts';
import { TracesFeed } from '../../server/hub/traces-feed.ts';
import type { GraphSnapshot, TraceSummary, TracesChange, TrafficChange, TrafficSecond } from '../../server/protocol.ts';
import { apply, bookinfoStore, manifest, podsFor } from '../helpers/mesh-fixtures.ts';
import { curl } from '../../server/embedded/workloads/curl.ts';

// The deck's streams against the embedded mesh, over HTTP only: the gateway URL and
// the Jaeger query URL, exactly as against a real cluster.
const clock = new ScaledClock(0.05);
const store = bookinfoStore(clock);
const spans = new SpanStore();
let mesh: Mesh;
let gw: GatewayServer;
let jaeger: JaegerQueryServer;

beforeAll(async () => {
  mesh = createMesh({ store, clock, spans });
  gw = await mesh.startGateway();
  jaeger = await startJaegerQuery({ spans, now: () => clock.now() });
  apply(store, manifest('networking/destination-rule-all.yaml'));
  apply(store, manifest('networking/virtual-service-all-v1.yaml'));
  apply(store, manifest('networking/virtual-service-reviews-test-v2.yaml'));
});
afterAll(async () => {
  await jaeger.close();
  await gw.close();
  await mesh.stop();
});

async function runTraffic(ms: number): Promise<TrafficSecond[]> {
  const gen = new TrafficGenerator({ gatewayUrl: gw.url, ratePerUser: 15, now: () => clock.now() });
  const seconds: TrafficSecond[] = [];
  gen.on('change', (c: TrafficChange) => c.op === 'second' && seconds.push(c.second));
  gen.start();
  await new Promise((r) => setTimeout(r, ms));
  gen.stop();
  return seconds;
}

function totals(seconds: TrafficSecond[], user: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of seconds) if (s.user === user) for (const [k, n] of Object.entries(s.counts)) out[k] = (out[k] ?? 0) + n;
  return out;
}

describe('traffic, graph and traces against the embedded mesh', () => {
  it('jason sees v2 (black stars) while anonymous stays on v1', async () => {
    const seconds = await runTraffic(1200);
    const anon = totals(seconds, 'anonymous');
    const jason = totals(seconds, 'jason');
    expect(Object.keys(anon)).toEqual(['v1']);
    expect(Object.keys(jason)).toEqual(['v2']);
    expect(anon.v1).toBeGreaterThan(5);
    expect(jason.v2).toBeGreaterThan(5);
  });

  it('draws the graph from the mesh’s traces', async () => {
    const poller = new GraphPoller({ jaegerUrl: jaeger.url, intervalMs: 1000, windowSeconds: 60, now: () => clock.now() });
    const graph = (await poller.poll()) as GraphSnapshot;
    const edges = new Map(graph.edges.map((e) => [`${e.source}>${e.target}`, e]));
    for (const id of ['istio-ingressgateway', 'productpage-v1', 'details-v1', 'reviews-v1', 'reviews-v2', 'ratings-v1']) {
      expect(graph.nodes.map((n) => n.id)).toContain(id);
    }
    expect(graph.nodes.map((n) => n.id)).not.toContain('reviews-v3');
    for (const key of ['istio-ingressgateway>productpage-v1', 'productpage-v1>details-v1', 'productpage-v1>reviews-v1', 'productpage-v1>reviews-v2', 'reviews-v2>ratings-v1']) {
      expect(edges.get(key)?.rps, key).toBeGreaterThan(0);
      expect(edges.get(key)?.errorPct, key).toBe(0);
    }
    expect(edges.has('reviews-v1>ratings-v1')).toBe(false);
  });

  it('draws calls that start inside the mesh too: fortio → httpbin, with its errors', async () => {
    const objects = [...manifest('httpbin/httpbin.yaml'), ...manifest('httpbin/fortio.yaml')];
    apply(store, objects);
    podsFor(store, objects);
    const fortio = { workload: 'fortio-deploy', namespace: 'default' };
    let answered = 0;
    await expect.poll(async () => {
      const r = await curl(mesh, fortio, 'http://httpbin:8000/get');
      if (r.status === 200) answered++;
      return answered;
    }, { timeout: 10_000, interval: 20 }).toBeGreaterThanOrEqual(5);
    await curl(mesh, fortio, 'http://httpbin:8000/status/503');

    const poller = new GraphPoller({ jaegerUrl: jaeger.url, intervalMs: 1000, windowSeconds: 60, now: () => clock.now() });
    const graph = (await poller.poll())!;
    const edge = graph.edges.find((e) => e.source.startsWith('fortio') && e.target.startsWith('httpbin'));
    expect(edge, JSON.stringify(graph.edges.map((e) => `${e.source}>${e.target}`))).toBeDefined();
    expect(edge!.rps).toBeGreaterThan(0);
    expect(edge!.errorPct).toBeGreaterThan(0);
    expect(graph.edges.some((e) => e.source === 'istio-ingressgateway')).toBe(true); // the gateway's traffic is still there
  });

  it('shows the ratings abort to jason, in the page counts and as errors on the graph', async () => {
    apply(store, manifest('networking/virtual-service-ratings-test-abort.yaml'));
    const seconds = await runTraffic(1200);
    const jason = totals(seconds, 'jason');
    expect(jason['ratings-error-v2']).toBeGreaterThan(5);
    expect(jason.v2 ?? 0).toBe(0);
    expect(Object.keys(totals(seconds, 'anonymous'))).toEqual(['v1']);

    const poller = new GraphPoller({ jaegerUrl: jaeger.url, intervalMs: 1000, windowSeconds: 30, now: () => clock.now() });
    const graph = (await poller.poll())!;
    const toRatings = graph.edges.filter((e) => e.source === 'reviews-v2' && e.target.startsWith('ratings'));
    expect(toRatings.length).toBeGreaterThan(0);
    expect(Math.max(...toRatings.map((e) => e.errorPct))).toBeGreaterThan(50);
  });

  it('lists recent traces rooted at the ingress gateway and fetches one whole', async () => {
    const feed = new TracesFeed({ jaegerUrl: jaeger.url, limit: 20 });
    const got: TraceSummary[] = [];
    feed.on('change', (c: TracesChange) => got.push(c.trace));
    await feed.poll();
    expect(got.length).toBe(20);
    for (const t of got) {
      expect(t.rootService).toBe('istio-ingressgateway.istio-system');
      expect(t.rootOperation).toMatch(/productpage/);
    }
    expect(got.some((t) => t.error)).toBe(true); // jason's aborted ratings calls
    // The demo traffic's traces say whose request they were; jason's are the ones with errors.
    expect(new Set(got.map((t) => t.user))).toEqual(new Set(['anonymous', 'jason']));
    expect(got.filter((t) => t.error).every((t) => t.user === 'jason')).toBe(true);
    const full = (await feed.getTrace(got.at(-1)!.traceID))!;
    expect(full.spans.length).toBe(got.at(-1)!.spanCount);
    expect(full.spans.filter((s) => s.references.length === 0)).toHaveLength(1);
  });
});
