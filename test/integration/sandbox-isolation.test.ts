import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../server/deck.ts';
import { startTestDeck, TestSocket, wsUrl } from '../helpers/deck.ts';
import { createSandbox, deckPost, HOSTILE_CASES, prepareSandbox, probeHealthWhile, sandboxHeaders, type SandboxAccess } from '../helpers/hostile-sandbox.ts';

/** The figure: the presenter's deck answers within this while a sandbox is busy. */
const HEALTH_MS = 200;

describe("an attendee's sandbox cannot stall the presenter's deck", () => {
  let deck: Awaited<ReturnType<typeof startTestDeck>>;
  let shared: SandboxAccess;

  beforeAll(async () => {
    deck = await startTestDeck({ maxSandboxes: 3, sandboxCpuEvictSeconds: 600 });
    shared = await createSandbox(deck.base, deck.sandboxes);
    await prepareSandbox(shared, readFileSync(join(PROJECT_ROOT, 'manifests/sleep/sleep.yaml'), 'utf8'));
  }, 90_000);
  afterAll(async () => {
    await deck?.stop();
  });

  for (const c of HOSTILE_CASES) {
    it(`answers /api/health within ${HEALTH_MS} ms while a sandbox runs ${c.name}`, async () => {
      const s = c.ownSandbox ? await createSandbox(deck.base, deck.sandboxes) : shared;
      const result = await probeHealthWhile(deck.base, (signal) => c.run(s, signal), { minMs: c.ownSandbox ? 5000 : 2000 });
      expect(result.probes.length, 'health probes made').toBeGreaterThanOrEqual(5);
      expect(result.worstMs, `worst of ${result.probes.length} probes; the case's own request: ${result.outcome}`).toBeLessThan(HEALTH_MS);
      if (c.ownSandbox) await fetch(`${deck.base}/api/sandbox/${s.id}`, { method: 'DELETE', headers: sandboxHeaders(s) });
    }, 60_000);
  }

  it('holds a sandbox to 100 pods a namespace, refusing more as a ResourceQuota does', async () => {
    const s = shared;
    const podCount = async () => JSON.parse((await s.kube('GET', '/api/v1/namespaces/default/pods')).text).items.length as number;
    const res = await deckPost(s, '/api/apply', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: over-quota}\nspec:\n  replicas: 150\n  selector: {matchLabels: {app: over-quota}}\n  template:\n    metadata: {labels: {app: over-quota}}\n    spec: {containers: [{name: main, image: docker.io/curlimages/curl:8.16.0}]}\n');
    expect(res.status, res.text).toBe(200);
    await expect.poll(podCount, { timeout: 20_000, interval: 300 }).toBe(100);
    const pod = await s.kube('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'one-more' }, spec: { containers: [{ name: 'main', image: 'busybox' }] } });
    expect(pod.status).toBe(403);
    expect(JSON.parse(pod.text).message).toBe('pods "one-more" is forbidden: exceeded quota: sandbox-pods, requested: pods=1, used: pods=100, limited: pods=100');
    expect(await podCount()).toBe(100);
  }, 60_000);
});

describe('sandbox budgets', () => {
  it('evicts a sandbox that outgrows its memory budget, and tells its attendee why', async () => {
    const deck = await startTestDeck({ maxSandboxes: 1, sandboxMemoryMb: 96 });
    try {
      const s = await createSandbox(deck.base, deck.sandboxes);
      const sock = new TestSocket(wsUrl(deck.base, `?sandbox=${s.id}&token=${s.token}`));
      await sock.opened;
      const closed = new Promise<{ code: number; reason: string }>((resolve) => sock.ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
      // ConfigMaps of 900 KB each, as valid as any: the store holds them until the heap is full.
      const big = 'x'.repeat(900_000);
      let last = '';
      for (let i = 0; i < 200 && deck.sandboxes.kubeconfigOf(s.id); i++) {
        const res = await s.kube('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `big-${i}` }, data: { v: big } }).catch((err) => ({ status: 0, text: String(err) }));
        last = `${res.status}`;
      }
      const end = await closed;
      expect(end, `last write: ${last}`).toEqual({ code: 1001, reason: 'this sandbox was evicted: over its memory budget (96 MB)' });
      const next = await fetch(`${deck.base}/api/health`, { headers: sandboxHeaders(s) });
      expect(next.status).toBe(404);
      expect((await next.json()).error).toBe('no such sandbox: it was evicted, over its memory budget (96 MB)');
      // The presenter's own cluster is untouched, and the slot is free again.
      expect((await fetch(`${deck.base}/api/health`)).status).toBe(200);
      const again = await fetch(`${deck.base}/api/sandbox`, { method: 'POST' });
      expect(again.status).toBe(201);
    } finally {
      await deck.stop();
    }
  }, 120_000);

  it('says a sandbox is over its CPU budget while it is, and evicts it when it stays over', async () => {
    const deck = await startTestDeck({ maxSandboxes: 1, sandboxCpuPercent: 30, sandboxCpuEvictSeconds: 3 });
    try {
      const s = await createSandbox(deck.base, deck.sandboxes);
      const sock = new TestSocket(wsUrl(deck.base, `?sandbox=${s.id}&token=${s.token}`));
      await sock.opened;
      sock.send({ type: 'subscribe', topic: 'health' });
      await sock.waitFor((m) => m.type === 'snapshot' && m.topic === 'health', 10_000);
      // An idle sandbox is within its budget.
      await new Promise((r) => setTimeout(r, 1500));
      expect(sock.messages.some((m) => m.type === 'change' && (m.data as { overBudget?: string }).overBudget)).toBe(false);
      const closed = new Promise<{ code: number; reason: string }>((resolve) => sock.ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));

      // Sixteen clients listing every pod, back to back, keep its event loop busy.
      let stop = false;
      const load = Array.from({ length: 16 }, async () => {
        while (!stop) await s.kube('GET', '/api/v1/pods').catch(() => (stop = true));
      });
      const warned = await sock.waitFor((m) => m.type === 'change' && m.topic === 'health' && Boolean((m.data as { overBudget?: string }).overBudget), 15_000);
      expect(((warned as { data: unknown }).data as { overBudget: string }).overBudget).toMatch(/^Your sandbox is over its CPU budget: busy \d+% of the last 0\.5 s \(budget 30% of one core\); it is stopped if it stays over for 3 s\.$/);
      const end = await closed;
      stop = true;
      await Promise.all(load);
      expect(end.code).toBe(1001);
      expect(end.reason).toMatch(/^this sandbox was evicted: over its CPU budget for \d+ s \(budget 30% of one core\)$/);
      const next = await fetch(`${deck.base}/api/health`, { headers: sandboxHeaders(s) });
      expect((await next.json()).error).toMatch(/^no such sandbox: it was evicted, over its CPU budget/);
    } finally {
      await deck.stop();
    }
  }, 120_000);
});

describe('the presenter is served first when every sandbox is busy', () => {
  const SANDBOXES = 3;
  /** Generous: a shared 2-core machine runs other tests meanwhile; a stalled deck takes seconds. */
  const BUSY_HEALTH_MS = 500;
  const BUSY_TOPIC_MS = 1000;
  let deck: Awaited<ReturnType<typeof startTestDeck>>;
  const sandboxes: SandboxAccess[] = [];
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    deck = await startTestDeck({ maxSandboxes: SANDBOXES, sandboxCpuEvictSeconds: 600 });
    for (let i = 0; i < SANDBOXES; i++) {
      const s = await createSandbox(deck.base, deck.sandboxes);
      const scene = await deckPost(s, '/api/scene/gateway', JSON.stringify({ mode: 'reset' }), 'application/json');
      if (scene.status !== 200) throw new Error(`scene gateway: ${scene.status} ${scene.text.slice(0, 200)}`);
      sandboxes.push(s);
    }
  }, 120_000);
  afterAll(async () => {
    for (const s of sockets) s.close();
    await deck?.stop();
  });

  it('runs every sandbox\'s cluster at a lower OS priority than the presenter\'s', () => {
    if (process.platform !== 'linux') return;
    for (const s of sandboxes) {
      const tid = deck.sandboxes.threadOf(s.id);
      expect(tid, `sandbox ${s.id}'s thread`).toBeGreaterThan(0);
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Field 19 of stat is the nice value; the fields after the command name start at field 3.
      expect(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])).toBe(10);
    }
    const main = readFileSync('/proc/thread-self/stat', 'utf8');
    expect(Number(main.slice(main.lastIndexOf(')') + 2).split(' ')[16])).toBe(0);
  });

  it(`answers /api/health within ${BUSY_HEALTH_MS} ms and moves the audience within ${BUSY_TOPIC_MS} ms while every sandbox runs demo traffic and load`, async () => {
    // Each sandbox watched as a live-panel page watches it, its demo traffic running.
    for (const s of sandboxes) {
      const sock = new TestSocket(wsUrl(deck.base, `?sandbox=${s.id}&token=${s.token}`));
      await sock.opened;
      for (const topic of ['health', 'traffic', 'graph', 'resources/Pod/default']) sock.send({ type: 'subscribe', topic });
      sockets.push(sock);
    }
    await Promise.all(sockets.map((sock) => sock.waitFor((m) => m.type === 'change' && m.topic === 'traffic', 20_000)));
    const audience = new TestSocket(wsUrl(deck.base));
    const presenter = new TestSocket(wsUrl(deck.base, `?token=${deck.token}`));
    sockets.push(audience, presenter);
    await Promise.all([audience.opened, presenter.opened]);
    audience.send({ type: 'subscribe', topic: 'presenter' });
    await audience.waitFor((m) => m.type === 'snapshot' && m.topic === 'presenter');

    const moves: number[] = [];
    const result = await probeHealthWhile(deck.base, async (signal) => {
      // Every sandbox also kept busy by four clients listing its pods back to back.
      const load = sandboxes.flatMap((s) => Array.from({ length: 4 }, async () => {
        while (!signal.aborted) await s.kube('GET', '/api/v1/pods').catch(() => {});
      }));
      for (let h = 20; h < 28 && !signal.aborted; h++) {
        const t = performance.now();
        presenter.send({ type: 'presenter-position', position: { h, v: 0 } });
        await audience.waitFor((m) => m.type === 'change' && m.topic === 'presenter' && (m.data as { h?: number }).h === h, 10_000);
        moves.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 300));
      }
      return `${moves.length} slide moves, then ${load.length} load clients stopped`;
    }, { minMs: 4000 });
    expect(result.probes.length, 'health probes made').toBeGreaterThanOrEqual(5);
    expect(result.worstMs, `worst of ${result.probes.length} health probes (${result.outcome})`).toBeLessThan(BUSY_HEALTH_MS);
    expect(moves.length).toBe(8);
    expect(Math.max(...moves), `slide moves seen by the audience: ${moves.map((m) => m.toFixed(0)).join(', ')} ms`).toBeLessThan(BUSY_TOPIC_MS);
  }, 90_000);
});
