// @vitest-environment jsdom
import { act, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveClient } from '../../client/live/client.ts';
import { LiveClientContext, useTopic } from '../../client/live/index.ts';
import { reduceTopic } from '../../client/live/reducer.ts';
import type { PodSummary, ServerMessage } from '../../server/protocol.ts';
import { FakeSocket } from '../helpers/fake-socket.ts';

const pod = (name: string, status = 'Running'): PodSummary => ({
  name,
  namespace: 'istio-system',
  ready: '1/1',
  status,
  restarts: 0,
  creationTimestamp: new Date().toISOString(),
  hasSidecar: false,
  resourceVersion: '1',
});
const TOPIC = 'resources/Pod/istio-system';

describe('reduceTopic', () => {
  it('builds the pod list from a snapshot and its changes, skipping replays', () => {
    let s = reduceTopic(undefined, { type: 'snapshot', topic: TOPIC, seq: 3, data: { items: [pod('istiod-1'), pod('gw-1')] } });
    s = reduceTopic(s, { type: 'change', topic: TOPIC, seq: 4, data: { op: 'upsert', item: pod('jaeger-1', 'Pending') } });
    s = reduceTopic(s, { type: 'change', topic: TOPIC, seq: 5, data: { op: 'delete', name: 'gw-1' } });
    const replayed = reduceTopic(s, { type: 'change', topic: TOPIC, seq: 4, data: { op: 'upsert', item: pod('ghost') } });
    expect(replayed).toBe(s);
    expect((s!.data as any).items.map((p: PodSummary) => `${p.name}:${p.status}`)).toEqual(['istiod-1:Running', 'jaeger-1:Pending']);
    expect(s!.seq).toBe(5);
  });

  it('keeps the newest traces first and traffic seconds in order', () => {
    let t = reduceTopic(undefined, { type: 'snapshot', topic: 'traces', seq: 1, data: { traces: [] } });
    for (const id of ['a', 'b']) {
      t = reduceTopic(t, { type: 'change', topic: 'traces', seq: t!.seq + 1, data: { op: 'add', trace: { traceID: id, rootService: 'productpage', rootOperation: '/', startTime: 0, durationUs: 1, spanCount: 1, error: false } } });
    }
    expect((t!.data as any).traces.map((x: any) => x.traceID)).toEqual(['b', 'a']);
  });
});

describe('LiveClient', () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  const client = () => new LiveClient({ url: 'ws://deck/ws', WebSocketImpl: FakeSocket as any, initialBackoffMs: 100, maxBackoffMs: 400 });

  it('subscribes once per topic however many panels listen, and unsubscribes after the last', () => {
    const c = client();
    const ws = FakeSocket.all[0];
    ws.open();
    const off1 = c.subscribe(TOPIC, () => {});
    const off2 = c.subscribe(TOPIC, () => {});
    expect(ws.sent.filter((m) => m.type === 'subscribe')).toEqual([{ type: 'subscribe', topic: TOPIC }]);
    off1();
    expect(ws.sent.some((m) => m.type === 'unsubscribe')).toBe(false);
    off2();
    expect(ws.sent.at(-1)).toEqual({ type: 'unsubscribe', topic: TOPIC });
    c.close();
  });

  it('reconnects with growing delays and resumes each topic from the last seq it saw', () => {
    const c = client();
    FakeSocket.all[0].open();
    c.subscribe(TOPIC, () => {});
    FakeSocket.all[0].receive({ type: 'snapshot', topic: TOPIC, seq: 7, data: { items: [pod('istiod-1')] } });
    FakeSocket.all[0].receive({ type: 'change', topic: TOPIC, seq: 8, data: { op: 'upsert', item: pod('gw-1') } });
    expect(c.get(TOPIC).state).toBe('live');

    FakeSocket.all[0].drop();
    expect(c.get(TOPIC).state).toBe('disconnected');
    expect((c.get(TOPIC).data as any).items).toHaveLength(2); // the last state stays on screen

    vi.advanceTimersByTime(100);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1].drop(); // server still down
    vi.advanceTimersByTime(199);
    expect(FakeSocket.all).toHaveLength(2); // backoff doubled to 200 ms
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(3);

    const ws = FakeSocket.all[2];
    ws.open();
    expect(ws.sent).toContainEqual({ type: 'subscribe', topic: TOPIC, since: 8 });
    ws.receive({ type: 'change', topic: TOPIC, seq: 9, data: { op: 'delete', name: 'istiod-1' } });
    expect(c.get(TOPIC).state).toBe('live');
    expect((c.get(TOPIC).data as any).items.map((p: PodSummary) => p.name)).toEqual(['gw-1']);
    c.close();
  });

  it('marks a topic in error when the server refuses it', () => {
    const c = client();
    FakeSocket.all[0].open();
    c.subscribe('resources/Pod/nope', () => {});
    FakeSocket.all[0].receive({ type: 'error', topic: 'resources/Pod/nope', message: 'forbidden namespace' });
    expect(c.get('resources/Pod/nope')).toMatchObject({ state: 'error', error: 'forbidden namespace' });
    c.close();
  });

  it('learns its role from hello and only a presenter sends positions', () => {
    const c = client();
    const ws = FakeSocket.all[0];
    ws.open();
    ws.receive({ type: 'hello', role: 'audience', serverVersion: 't' });
    c.sendPresenterPosition({ h: 3, v: 0 });
    expect(ws.sent).toEqual([]);
    ws.receive({ type: 'hello', role: 'presenter', serverVersion: 't' });
    c.sendPresenterPosition({ h: 3, v: 0 });
    expect(ws.sent).toEqual([{ type: 'presenter-position', position: { h: 3, v: 0 } }]);
    c.close();
  });
});

describe('useTopic', () => {
  beforeEach(() => (FakeSocket.all = []));

  function PodNames() {
    const t = useTopic<{ items: PodSummary[] }>(TOPIC);
    return (
      <p>
        {t.state}: {(t.data?.items ?? []).map((p) => p.name).join(',')}
      </p>
    );
  }

  it('re-renders a component on snapshot, change and disconnect', () => {
    const c = new LiveClient({ url: 'ws://deck/ws', WebSocketImpl: FakeSocket as any });
    render(
      <LiveClientContext.Provider value={c}>
        <PodNames />
      </LiveClientContext.Provider>,
    );
    expect(screen.getByText(/connecting/)).toBeTruthy();
    const ws = FakeSocket.all[0];
    act(() => ws.open());
    act(() => ws.receive({ type: 'snapshot', topic: TOPIC, seq: 1, data: { items: [pod('istiod-1')] } }));
    expect(screen.getByText('live: istiod-1')).toBeTruthy();
    act(() => ws.receive({ type: 'change', topic: TOPIC, seq: 2, data: { op: 'upsert', item: pod('gw-1') } }));
    expect(screen.getByText('live: gw-1,istiod-1')).toBeTruthy();
    act(() => ws.drop());
    expect(screen.getByText('disconnected: gw-1,istiod-1')).toBeTruthy();
    c.close();
  });
});
