// @vitest-environment jsdom
import { act, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LiveClient } from '../../client/live/client.ts';
import { LiveClientContext } from '../../client/live/index.ts';
import { reduceTopic, type TopicData } from '../../client/live/reducer.ts';
import { PodsPanel } from '../../client/panels/PodsPanel.tsx';
import { TracesPanel } from '../../client/panels/TracesPanel.tsx';
import { Topic, type TopicSubscriber } from '../../server/hub/topic.ts';
import { MAX_TRACES, TRACES_TOPIC, TRAFFIC_TOPIC, type PodSummary, type ServerMessage, type TopicPayloads, type TraceSummary } from '../../server/protocol.ts';
import { FakeSocket } from '../helpers/fake-socket.ts';

const POD_TOPIC = 'resources/Pod/default';
const pod = (name: string, resourceVersion = '1'): PodSummary => ({ name, namespace: 'default', ready: '2/2', status: 'Running', restarts: 0, creationTimestamp: new Date().toISOString(), hasSidecar: true, resourceVersion });
const trace = (id: string, error = false): TraceSummary => ({ traceID: id, rootService: 'istio-ingressgateway.istio-system', rootOperation: `GET /productpage?${id}`, startTime: 1, durationUs: 1000, spanCount: 8, error });

function mount(ui: React.ReactNode) {
  const client = new LiveClient({ url: 'ws://deck/ws', WebSocketImpl: FakeSocket as any });
  const view = render(<LiveClientContext.Provider value={client}>{ui}</LiveClientContext.Provider>);
  const ws = FakeSocket.last;
  act(() => ws.open());
  return { client, ws, ...view, receive: (m: ServerMessage) => act(() => ws.receive(m)) };
}

describe('a panel before its feed has synced', () => {
  beforeEach(() => (FakeSocket.all = []));
  afterEach(() => FakeSocket.all.forEach((s) => s.close()));

  it("says connecting, not \"No resources found\", until the informer's first list, then lists what it found", () => {
    const { receive, container } = mount(<PodsPanel namespace="default" />);
    receive({ type: 'snapshot', topic: POD_TOPIC, seq: 0, data: { items: [] }, synced: false });
    expect(screen.getByText('Connecting…')).toBeTruthy();
    expect(screen.queryByText(/No resources found/)).toBeNull();
    // The list's objects arrive as changes before the informer says it has synced.
    receive({ type: 'change', topic: POD_TOPIC, seq: 1, data: { op: 'upsert', item: pod('productpage-v1-1') } });
    expect(container.querySelector('[data-pod="productpage-v1-1"]')).toBeTruthy();
    expect(container.querySelector('.panel-badge')!.textContent).toBe('connecting…');
    receive({ type: 'snapshot', topic: POD_TOPIC, seq: 1, data: { items: [pod('productpage-v1-1')] } });
    expect(container.querySelector('.panel-badge')!.textContent).toBe('live');
  });

  it('says "No resources found" once a synced list is empty', () => {
    const { receive } = mount(<PodsPanel namespace="default" />);
    receive({ type: 'snapshot', topic: POD_TOPIC, seq: 0, data: { items: [] }, synced: false });
    receive({ type: 'snapshot', topic: POD_TOPIC, seq: 0, data: { items: [] } });
    expect(screen.getByText('No resources found in default namespace.')).toBeTruthy();
  });
});

describe('the traces panel during a Jaeger outage', () => {
  beforeEach(() => (FakeSocket.all = []));
  afterEach(() => FakeSocket.all.forEach((s) => s.close()));

  it('shows the topic error as a resource panel shows an informer error, keeps the traces it had, and clears on the fresh snapshot', () => {
    const { receive, container, client } = mount(<TracesPanel />);
    receive({ type: 'snapshot', topic: TRACES_TOPIC, seq: 1, data: { traces: [trace('a1')] } });
    expect(container.querySelector('[data-trace="a1"]')).toBeTruthy();
    receive({ type: 'error', topic: TRACES_TOPIC, reason: 'jaeger-unreachable', message: 'Jaeger query at http://127.0.0.1:16686 is unreachable: fetch failed' });
    expect(screen.getByRole('alert').textContent).toMatch(/^Error: Jaeger unreachable: retrying \(Jaeger query at .* is unreachable: fetch failed\)$/);
    expect(client.get(TRACES_TOPIC).reason).toBe('jaeger-unreachable');
    expect(container.querySelector('[data-trace="a1"]')).toBeTruthy();
    receive({ type: 'snapshot', topic: TRACES_TOPIC, seq: 2, data: { traces: [trace('b2'), trace('a1')] } });
    expect(screen.queryByRole('alert')).toBeNull();
    expect(container.querySelector('[data-trace="b2"]')).toBeTruthy();
  });
});

describe('one fold per topic', () => {
  /** Feeds the same changes to a server Topic and to the client's reducer (live, from its snapshot). */
  function both(name: string, changes: TopicPayloads['change'][]) {
    const topic = new Topic(name);
    const sent: ServerMessage[] = [];
    const subscriber: TopicSubscriber = { deliver: (_t, m) => sent.push(m) };
    topic.subscribe(subscriber);
    let client: TopicData | undefined = reduceTopic(undefined, topic.snapshot() as Extract<ServerMessage, { type: 'snapshot' }>);
    for (const c of changes) topic.publish(c);
    for (const m of sent) if (m.type === 'change') client = reduceTopic(client, m);
    return { server: (topic.snapshot() as Extract<ServerMessage, { type: 'snapshot' }>).data, client: client!.data };
  }

  it('keeps the same traces on the server and the client, newest first, no more than the one bound', () => {
    const changes = Array.from({ length: MAX_TRACES + 15 }, (_, i) => ({ op: 'add' as const, trace: trace(`t${i}`, i % 7 === 0) }));
    changes.push({ op: 'add', trace: trace('t3') }); // seen again: moves to the top once
    const { server, client } = both(TRACES_TOPIC, changes);
    expect(client).toEqual(server);
    const ids = (server as { traces: TraceSummary[] }).traces.map((t) => t.traceID);
    expect(ids).toHaveLength(MAX_TRACES);
    expect(ids.slice(0, 2)).toEqual(['t3', `t${MAX_TRACES + 14}`]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('agrees on resource tables and on the traffic window', () => {
    const resources = both(POD_TOPIC, [
      { op: 'upsert', item: pod('reviews-v2') },
      { op: 'upsert', item: pod('details-v1') },
      { op: 'upsert', item: pod('reviews-v2', '2') },
      { op: 'delete', name: 'details-v1' },
      { op: 'upsert', item: pod('ratings-v1') },
    ]);
    expect(resources.client).toEqual(resources.server);
    expect((resources.server as { items: PodSummary[] }).items.map((p) => [p.name, p.resourceVersion])).toEqual([['ratings-v1', '1'], ['reviews-v2', '2']]);

    const seconds: TopicPayloads['change'][] = [{ op: 'state', running: true, users: ['anonymous', 'jason'] }];
    for (let t = 0; t < 300; t++) for (const user of ['anonymous', 'jason']) seconds.push({ op: 'second', second: { t, user, counts: { v1: 1 }, latencyMs: { p50: 1, p99: 2, max: 3 } } });
    const traffic = both(TRAFFIC_TOPIC, seconds);
    expect(traffic.client).toEqual(traffic.server);
    const kept = (traffic.server as { seconds: { t: number }[] }).seconds;
    expect(kept[0].t).toBe(299 - 120);
    expect(kept.at(-1)!.t).toBe(299);
  });
});
