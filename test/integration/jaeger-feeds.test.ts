import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanStore } from '../../server/embedded/tracing/span-store.ts';
import { startJaegerQuery, type JaegerQueryServer } from '../../server/embedded/tracing/jaeger-api.ts';
import { sampleBookinfoTrace } from '../helpers/sample-spans.ts';
import { GraphPoller } from '../../server/hub/graph.ts';
import { TracesFeed } from '../../server/hub/traces-feed.ts';
import { TRACES_TOPIC, type FeedStatus, type GraphSnapshot, type TraceSummary, type TracesChange, type TracesSnapshot } from '../../server/protocol.ts';
import type { ClusterConnection } from '../../server/cluster/connection.ts';
import { ClusterSession } from '../../server/hub/cluster-session.ts';
import type { Topic, TopicSubscriber } from '../../server/hub/topic.ts';
import { LiveClient } from '../../client/live/client.ts';
import { FakeSocket } from '../helpers/fake-socket.ts';
import { until } from '../helpers/until.ts';

const T0 = 1_750_000_000_000_000;
const store = new SpanStore();
let jaeger: JaegerQueryServer;
let broken: http.Server;
let brokenUrl: string;

function record(i: number, opts: Partial<Parameters<typeof sampleBookinfoTrace>[0]> = {}) {
  const spans = sampleBookinfoTrace({ startUs: T0 + 1 + i * 250_000, ...opts });
  for (const s of spans) store.record(s);
  return spans[0].traceID;
}

beforeAll(async () => {
  jaeger = await startJaegerQuery({ spans: store, now: () => T0 / 1000 + 60_000 });
  // A "Jaeger" that answers with something that is not Jaeger JSON.
  broken = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>'));
  await new Promise<void>((r) => broken.listen(0, '127.0.0.1', r));
  brokenUrl = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await jaeger.close();
  broken.closeAllConnections();
  await new Promise((r) => broken.close(r));
});

describe('GraphPoller over the Jaeger API', () => {
  it('emits the graph, then only when it changes meaningfully', async () => {
    for (let i = 0; i < 20; i++) record(i, { reviewsVersion: 'v1' });
    const poller = new GraphPoller({ jaegerUrl: jaeger.url, intervalMs: 1000, windowSeconds: 10, now: () => T0 / 1000 + 10_000 });
    const graphs: GraphSnapshot[] = [];
    poller.on('change', (g: GraphSnapshot) => graphs.push(g));

    await poller.poll();
    expect(graphs).toHaveLength(1);
    expect(graphs[0].edges.map((e) => `${e.source}>${e.target}:${e.rps}`)).toEqual([
      'istio-ingressgateway>productpage-v1:2',
      'productpage-v1>details-v1:2',
      'productpage-v1>reviews-v1:2',
    ]);

    await poller.poll();
    expect(graphs).toHaveLength(1); // nothing new: no event

    for (let i = 20; i < 30; i++) record(i, { reviewsVersion: 'v3', ratingsStatus: 500 });
    await poller.poll();
    expect(graphs).toHaveLength(2);
    const ratings = graphs[1].edges.find((e) => e.source === 'reviews-v3' && e.target === 'ratings-v1');
    expect(ratings).toMatchObject({ rps: 1, errorPct: 100 });
    expect(poller.latest).toBe(graphs[1]);
  });

  it('reports an unusable Jaeger through status events and recovers', async () => {
    const poller = new GraphPoller({ jaegerUrl: brokenUrl, intervalMs: 1000, windowSeconds: 10 });
    const statuses: FeedStatus[] = [];
    poller.on('status', (s: FeedStatus) => statuses.push(s));
    expect(await poller.poll()).toBeUndefined();
    expect(statuses[0]).toMatchObject({ state: 'error', reason: 'jaeger-unreachable' });
    expect(statuses[0].state === 'error' && statuses[0].message).toMatch(/is not JSON/);

    const unreachable = new GraphPoller({ jaegerUrl: 'http://127.0.0.1:9', intervalMs: 1000, windowSeconds: 10 });
    await unreachable.poll();
    expect(unreachable.lastError).toMatch(/unreachable/);
  });
});

describe('TracesFeed over the Jaeger API', () => {
  it('emits each new trace once, with user, error and root', async () => {
    const feed = new TracesFeed({ jaegerUrl: jaeger.url });
    const seen: TraceSummary[] = [];
    feed.on('change', (c: TracesChange) => seen.push(c.trace));
    await feed.poll();
    const first = seen.length;
    expect(first).toBeGreaterThan(0);
    expect(seen.map((t) => t.startTime)).toEqual([...seen.map((t) => t.startTime)].sort((a, b) => a - b));

    await feed.poll();
    expect(seen).toHaveLength(first); // nothing emitted twice

    const jasonId = record(40, { reviewsVersion: 'v2', user: 'jason' });
    const failedId = record(41, { reviewsVersion: 'v3', ratingsStatus: 503 });
    await feed.poll();
    expect(seen).toHaveLength(first + 2);
    const jason = seen.find((t) => t.traceID === jasonId)!;
    expect(jason).toMatchObject({
      rootService: 'istio-ingressgateway.istio-system',
      rootOperation: 'productpage.default.svc.cluster.local:9080/productpage',
      spanCount: 8,
      error: false,
      user: 'jason',
    });
    expect(jason.durationUs).toBeGreaterThan(10_000);
    const failed = seen.find((t) => t.traceID === failedId)!;
    expect(failed.error).toBe(true);
    expect(failed.user).toBeUndefined();
    expect(seen.at(-1)!.traceID).toBe(failedId); // oldest first: the later trace last
  });

  it('fetches one trace in Jaeger JSON for the gantt view', async () => {
    const id = record(50, { reviewsVersion: 'v2' });
    const feed = new TracesFeed({ jaegerUrl: jaeger.url });
    const trace = (await feed.getTrace(id))!;
    expect(trace.traceID).toBe(id);
    expect(trace.spans).toHaveLength(8);
    expect(Object.values(trace.processes).map((p) => p.serviceName)).toContain('ratings.default');
    expect(await feed.getTrace('0'.repeat(31) + '1')).toBeUndefined();
    await expect(feed.getTrace('../etc')).rejects.toThrow(/not 1-32 hex digits/);
  });
});

describe('a Jaeger outage on the traces topic', () => {
  let relay: http.Server;
  let jaegerUp = true;
  const session = () =>
    new ClusterSession({ connection: { name: 'test' } as ClusterConnection, mode: 'embedded', namespaces: ['default'], gatewayUrl: async () => 'http://127.0.0.1:9', jaegerUrl: async () => relayUrl, lingerMs: 50 });
  let relayUrl: string;

  beforeAll(async () => {
    // Stands in for Jaeger: passes requests on while up, drops the connection while down.
    relay = http.createServer(async (req, res) => {
      if (!jaegerUp) return req.socket.destroy();
      const answer = await fetch(jaeger.url + req.url);
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    relay.closeAllConnections();
    await new Promise((r) => relay.close(r));
  });

  it('reaches the client as a topic error with its reason, as an informer error does, and clears when Jaeger returns', async () => {
    const s = session();
    const topic = s.topic(TRACES_TOPIC) as Topic;
    // The panel's own client, fed what the server sends it.
    FakeSocket.all = [];
    const client = new LiveClient({ url: 'ws://deck/ws', WebSocketImpl: FakeSocket as any });
    const socket = FakeSocket.all[0];
    socket.open();
    client.subscribe(TRACES_TOPIC, () => {});
    const subscriber: TopicSubscriber = { deliver: (_t, m) => socket.receive(m) };
    topic.subscribe(subscriber);
    socket.receive(topic.snapshot());
    try {
      await until(() => client.get(TRACES_TOPIC).state === 'live', 'the traces topic is live');
      const id = record(60, { reviewsVersion: 'v2' });
      await until(() => (client.get(TRACES_TOPIC).data as TracesSnapshot | undefined)?.traces.some((t) => t.traceID === id), 'a trace is listed');

      jaegerUp = false;
      const down = await until(() => client.get(TRACES_TOPIC).state === 'error' && client.get(TRACES_TOPIC), 'the outage reaches the client');
      expect(down.reason).toBe('jaeger-unreachable');
      expect(down.error).toMatch(/Jaeger query at .* is unreachable/);
      // The traces already listed stay on screen under the error.
      expect((down.data as TracesSnapshot).traces.some((t) => t.traceID === id)).toBe(true);

      jaegerUp = true;
      const back = await until(() => client.get(TRACES_TOPIC).state === 'live' && client.get(TRACES_TOPIC), 'the error clears once Jaeger answers');
      expect(back.error).toBeUndefined();
      expect((back.data as TracesSnapshot).traces.some((t) => t.traceID === id)).toBe(true);
    } finally {
      topic.unsubscribe(subscriber);
      client.close();
      await s.stop();
    }
  });
});
