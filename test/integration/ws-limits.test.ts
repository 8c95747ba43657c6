import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Topic } from '../../server/hub/topic.ts';
import { WebSocketHub, type TopicSource } from '../../server/hub/ws-server.ts';
import type { ObjectSummary, ResourcesChange, ResourcesSnapshot, ServerMessage } from '../../server/protocol.ts';
import { startTestDeck, TestSocket, wsUrl } from '../helpers/deck.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a connection that floods the deck with messages', () => {
  let deck: Awaited<ReturnType<typeof startTestDeck>>;
  beforeAll(async () => {
    deck = await startTestDeck();
  });
  afterAll(async () => {
    await deck?.stop();
  });

  it('is slowed, then cut off with a clear reason, while a well-behaved one keeps working', async () => {
    const flood = new TestSocket(wsUrl(deck.base));
    const good = new TestSocket(wsUrl(deck.base));
    await Promise.all([flood.opened, good.opened]);
    const closed = new Promise<{ code: number; reason: string }>((resolve) => flood.ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));

    // About 500 messages a second, kept up: 25 times the rate.
    let sent = 0;
    const flooding = setInterval(() => {
      if (flood.ws.readyState !== flood.ws.OPEN) return;
      for (let i = 0; i < 10; i++) flood.send({ type: 'ping', id: ++sent });
    }, 20);
    // The well-behaved viewer pings a few times a second throughout, and is answered every time.
    let goodPongs = 0;
    let stopGood = false;
    const goodLoop = (async () => {
      for (let id = 1; !stopGood; id++) {
        good.send({ type: 'ping', id });
        await good.waitFor((m) => m.type === 'pong' && m.id === id, 10_000);
        goodPongs++;
        await sleep(200);
      }
    })();

    const { code, reason } = await Promise.race([closed, sleep(20_000).then(() => ({ code: 0, reason: `still open after ${sent} messages` }))]);
    clearInterval(flooding);
    stopGood = true;
    await goodLoop;

    expect(code).toBe(1008);
    expect(reason).toMatch(/too many messages: more than \d+ a second/);
    const errors = flood.messages.filter((m): m is Extract<ServerMessage, { type: 'error' }> => m.type === 'error');
    expect(errors[0]?.message).toMatch(/rate limit: at most \d+ messages per second/);
    // Slowed: most of the flood was dropped, not answered.
    expect(flood.messages.filter((m) => m.type === 'pong').length).toBeLessThan(sent / 2);

    expect(goodPongs).toBeGreaterThan(0);
    good.send({ type: 'subscribe', topic: 'presenter' });
    await good.waitFor((m) => m.type === 'snapshot' && m.topic === 'presenter');
    good.close();
  });

  it('is not cut off for going a little over the rate now and then: those messages are only dropped', async () => {
    const eager = new TestSocket(wsUrl(deck.base));
    await eager.opened;
    // Over three times the rate for two seconds, in bursts.
    for (let burst = 0; burst < 10; burst++) {
      for (let i = 0; i < 15; i++) eager.send({ type: 'ping', id: burst * 100 + i });
      await sleep(200);
    }
    await sleep(500);
    eager.send({ type: 'ping', id: 9999 });
    await eager.waitFor((m) => m.type === 'pong' && m.id === 9999, 10_000);
    expect(eager.ws.readyState).toBe(eager.ws.OPEN);
    expect(eager.messages.some((m) => m.type === 'error' && /rate limit/.test(m.message))).toBe(true);
    expect(eager.messages.filter((m) => m.type === 'pong').length).toBeLessThan(151);
    eager.close();
  });
});

describe('a client that does not read', () => {
  const SLOW_BYTES = 64 * 1024;
  const FILLER = 'x'.repeat(32 * 1024);
  let server: http.Server;
  let hub: WebSocketHub;
  let base: string;
  const items = new Map<string, ObjectSummary>();
  const topic = new Topic('resources/ConfigMap/default');
  const source: TopicSource = {
    topic: (name) => (name === topic.name ? topic : { error: `unknown topic ${name}` }),
    setPresenterPosition: () => {},
  };
  const change = (i: number) => {
    const item: ObjectSummary = { kind: 'ConfigMap', name: `cm-${i % 10}`, namespace: 'default', creationTimestamp: '', resourceVersion: String(i), labels: { filler: FILLER } };
    items.set(item.name, item);
    topic.publish({ op: 'upsert', item });
  };

  beforeAll(async () => {
    server = http.createServer();
    // A generous message rate, so re-subscribing fast is not cut off by the rate limit first.
    hub = new WebSocketHub(server, { authorize: () => ({ role: 'audience', source }), slowClientBytes: SLOW_BYTES, messagesPerSecond: 500 });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    hub?.close();
    await new Promise((r) => server?.close(r));
  });

  it('costs the server a bounded buffer, and once it drains gets the latest state, not every change', async () => {
    const slow = new TestSocket(wsUrl(base));
    const reader = new TestSocket(wsUrl(base));
    await Promise.all([slow.opened, reader.opened]);
    for (const s of [slow, reader]) s.send({ type: 'subscribe', topic: topic.name });
    await Promise.all([slow, reader].map((s) => s.waitFor((m) => m.type === 'snapshot')));
    slow.ws.pause();

    // About 32 MB of changes: far more than the sockets' kernel buffers hold.
    const published = 1000;
    let maxBuffered = 0;
    for (let i = 1; i <= published; i++) {
      change(i);
      if (i % 10 === 0) {
        await sleep(1);
        maxBuffered = Math.max(maxBuffered, ...hub.bufferedBytes());
      }
    }
    // One message may go out on top of the limit; nothing queues behind it.
    expect(maxBuffered).toBeLessThan(SLOW_BYTES + 2 * FILLER.length + 4096);

    // The client that reads is not held back by the one that does not.
    await reader.waitFor((m) => (m.type === 'change' || m.type === 'snapshot') && m.seq === topic.seq, 20_000);

    slow.ws.resume();
    const fresh = (await slow.waitFor((m) => m.type === 'snapshot' && m.seq === topic.seq, 20_000)) as Extract<ServerMessage, { type: 'snapshot' }>;
    const changes = slow.messages.filter((m) => m.type === 'change');
    expect(changes.length).toBeLessThan(published / 2);
    expect(changes.length).toBeLessThan(reader.messages.filter((m) => m.type === 'change').length);
    const latest = (fresh.data as ResourcesSnapshot).items.map((i) => [i.name, i.resourceVersion]).sort();
    expect(latest).toEqual([...items.values()].map((i) => [i.name, i.resourceVersion]).sort());

    // Caught up, it gets changes again as they come.
    change(published + 1);
    const next = (await slow.waitFor((m) => m.type === 'change' && m.seq === topic.seq, 10_000)) as Extract<ServerMessage, { type: 'change' }>;
    expect((next.data as ResourcesChange & { op: 'upsert' }).item.resourceVersion).toBe(String(published + 1));
    slow.close();
    reader.close();
  });

  it('keeps that bound when the client re-subscribes again and again: one snapshot once it drains, not one per subscribe', async () => {
    for (let i = 1; i <= 10; i++) change(10_000 + i); // ten items of 32 KB: a snapshot of about 330 KB
    const snapshotBytes = JSON.stringify(topic.snapshot()).length;
    const slow = new TestSocket(wsUrl(base));
    await slow.opened;
    slow.ws.pause();

    // 300 subscribes (every other one after an unsubscribe): about 100 MB if each sent a snapshot.
    const resubscribes = 300;
    let maxBuffered = 0;
    for (let i = 0; i < resubscribes; i++) {
      if (i % 2) slow.send({ type: 'unsubscribe', topic: topic.name });
      slow.send({ type: 'subscribe', topic: topic.name });
      if (i % 10 === 9) {
        await sleep(5);
        maxBuffered = Math.max(maxBuffered, ...hub.bufferedBytes());
      }
    }
    await sleep(300);
    maxBuffered = Math.max(maxBuffered, ...hub.bufferedBytes());
    // Above the limit at most the one snapshot that crossed it.
    expect(maxBuffered).toBeLessThan(SLOW_BYTES + snapshotBytes + 4096);

    // Reading again, it gets the current state, and far fewer snapshots than it asked for
    // (those already in the kernel's socket buffers, then one when the server's queue drained).
    change(10_011);
    slow.ws.resume();
    await slow.waitFor((m) => m.type === 'snapshot' && m.seq === topic.seq, 20_000);
    await sleep(300);
    const snapshots = slow.messages.filter((m) => m.type === 'snapshot').length;
    expect(snapshots).toBeLessThan(resubscribes / 3);
    slow.close();
  });
});
