/**
 * The soak: many viewers on the deck while the presenter resets scenes back to back and
 * applies routing, for minutes. Prints the deck server's memory at the start, its peak and
 * at the end, scene-reset latency, and whether every viewer stayed in step.
 *
 * The deck runs in a child process so its memory is its own, not the viewers'.
 * `npm run bench -- soak` runs 10 minutes (ISTIO_DECK_SOAK_MINUTES, ISTIO_DECK_SOAK_VIEWERS
 * change that); the default bench runs a short variant. ISTIO_DECK_SOAK_CPU_PROF=DIR writes
 * the deck's CPU profile there; ISTIO_DECK_SOAK_TRACE=1 prints its memory every 5 s;
 * ISTIO_DECK_SOAK_HEAP_SNAPSHOTS=DIR writes heap snapshots at the start and the end.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import WebSocket from 'ws';
import type { ServerMessage } from '../server/protocol.ts';
import { ms, percentile } from './stats.ts';

/** What a viewer on a Bookinfo slide subscribes to. */
const VIEWER_TOPICS = ['presenter', 'health', 'traffic', 'graph', 'traces', 'resources/Pod/default', 'resources/VirtualService/default', 'resources/DestinationRule/default'];
const RESOURCE_TOPICS = VIEWER_TOPICS.filter((t) => t.startsWith('resources/'));

interface Memory {
  rssMB: number;
  /** V8's heap spaces, used/committed MB (with ISTIO_DECK_SOAK_TRACE). */
  spaces?: string;
  heapMB: number;
  /** Buffers and other memory outside the JavaScript heap that the heap's objects hold. */
  externalMB: number;
  /** Worst event-loop delay since the last sample, in ms. */
  loopDelayMaxMs: number;
}

type FromServer = { type: 'ready'; url: string; token: string } | ({ type: 'memory' } & Memory) | { type: 'snapshot' };

export interface SoakOptions {
  minutes: number;
  viewers: number;
}

export async function benchSoak({ minutes, viewers }: SoakOptions): Promise<Array<[string, string]>> {
  const server = await startServer();
  const base = server.url.replace(/\/$/, '');
  const auth = { authorization: `Bearer ${server.token}` };
  const out: Array<[string, string]> = [];
  const audience = await openViewers(base, viewers);
  try {
    const scenes = ((await (await fetch(`${base}/api/scenes`)).json()) as Array<{ name: string }>).map((s) => s.name).filter((n) => n !== 'sandbox');
    const reset = async (name: string) => {
      const t = performance.now();
      const res = await fetch(`${base}/api/scene/${name}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"mode":"reset"}' });
      if (res.status !== 200) throw new Error(`reset of ${name}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
      return performance.now() - t;
    };
    let applies = 0;
    const apply = async () => {
      const name = `soak-${applies++ % 20}`;
      const res = await fetch(`${base}/api/apply`, { method: 'POST', headers: auth, body: `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: ${name}}\nspec: {hosts: [${name}], http: [{route: [{destination: {host: ${name}}}]}]}\n` });
      if (res.status !== 200) throw new Error(`apply of ${name}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
    };

    const mb = (m: Memory) => `${m.rssMB.toFixed(0)} MB RSS, ${m.heapMB.toFixed(0)} MB heap, ${m.externalMB.toFixed(0)} MB external`;
    const resetMs: number[] = [];
    const before = await server.memory();
    for (const s of scenes) await reset(s); // warm-up: every scene once, so Bookinfo's pods exist
    const start = await server.memory();
    await server.snapshot('start');
    let peak = start;
    const begun = performance.now();
    let worstLoopMs = 0;
    const sampler = setInterval(async () => {
      const m = await server.memory();
      if (m.rssMB > peak.rssMB) peak = m;
      if (process.env.ISTIO_DECK_SOAK_TRACE) console.log(`  ${((performance.now() - begun) / 1000).toFixed(0)} s: ${mb(m)}, ${resetMs.length} resets; ${m.spaces}`);
      worstLoopMs = Math.max(worstLoopMs, m.loopDelayMaxMs);
    }, 5000);

    const until = performance.now() + minutes * 60_000;
    for (let i = 0; performance.now() < until; i++) {
      resetMs.push(await reset(scenes[i % scenes.length]));
      await apply();
    }
    clearInterval(sampler);
    await new Promise((r) => setTimeout(r, 3000)); // let the last changes reach everyone
    const end = await server.memory();
    await server.snapshot('end');
    const step = await inStep(base, audience);

    out.push(
      [`deck server before warm-up (${viewers} viewers connected)`, mb(before)],
      ['deck server at start (after one reset of every scene)', mb(start)],
      ['deck server at peak', mb(peak)],
      [`deck server at end (${minutes} min)`, `${mb(end)} (${(((end.rssMB - start.rssMB) / start.rssMB) * 100).toFixed(0)} % RSS from start)`],
      [`scene resets (${resetMs.length}) p50 / p99`, `${ms(percentile(resetMs, 50))} / ${ms(percentile(resetMs, 99))}`],
      ['applies', String(applies)],
      ['worst event-loop delay in the deck server', ms(worstLoopMs)],
      ['viewers in step / stale / gaps / disconnects', `${step.inStep} / ${step.stale} / ${step.gaps} / ${step.disconnects} (compared for ${ms(step.settledMs)})`],
    );
  } finally {
    for (const v of audience) v.ws.terminate();
    await server.stop();
  }
  return out;
}

/** One viewer: the state it rebuilt from snapshots and changes, and what went wrong on the way. */
interface Viewer {
  ws: WebSocket;
  seq: Map<string, number>;
  items: Map<string, Map<string, string>>;
  gaps: number;
  disconnected: boolean;
}

async function openViewers(base: string, n: number): Promise<Viewer[]> {
  const viewers: Viewer[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = Array.from({ length: Math.min(50, n - i) }, () => watch(new WebSocket(`${base.replace(/^http/, 'ws')}/ws`)));
    await Promise.all(batch.map((v) => new Promise((r, j) => (v.ws.once('open', r), v.ws.once('error', j)))));
    for (const v of batch) for (const topic of VIEWER_TOPICS) v.ws.send(JSON.stringify({ type: 'subscribe', topic }));
    viewers.push(...batch);
    await new Promise((r) => setTimeout(r, 100));
  }
  return viewers;
}

function watch(ws: WebSocket): Viewer {
  const v: Viewer = { ws, seq: new Map(), items: new Map(), gaps: 0, disconnected: false };
  ws.on('close', () => (v.disconnected = true));
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as ServerMessage;
    if (m.type === 'snapshot') {
      v.seq.set(m.topic, m.seq);
      if (m.topic.startsWith('resources/')) v.items.set(m.topic, new Map((m.data as { items: Array<{ name: string; resourceVersion: string }> }).items.map((i) => [i.name, i.resourceVersion])));
    } else if (m.type === 'change') {
      const last = v.seq.get(m.topic);
      if (last !== undefined && m.seq !== last + 1) v.gaps++;
      v.seq.set(m.topic, m.seq);
      const items = v.items.get(m.topic);
      const change = m.data as { op: string; item?: { name: string; resourceVersion: string }; name?: string };
      if (items && change.op === 'upsert' && change.item) items.set(change.item.name, change.item.resourceVersion);
      if (items && change.op === 'delete' && change.name) items.delete(change.name);
    }
  });
  return v;
}

/**
 * Compares every viewer's tables with what a fresh viewer is sent now. Pods still settle for a
 * few seconds after the last reset, and 300 sockets' queued changes reach this process after the
 * fresh viewer's snapshot, so one look can catch a viewer mid-change: look again, once a second,
 * for up to STEP_SETTLE_MS. A viewer that missed a change stays stale however long we wait.
 */
async function inStep(base: string, viewers: Viewer[]) {
  const live = viewers.filter((v) => !v.disconnected);
  const t0 = Date.now();
  let stale = live;
  for (;;) {
    const truth = await freshTables(base);
    stale = stale.filter((v) => !RESOURCE_TOPICS.every((t) => v.seq.get(t) === truth.seq.get(t) && JSON.stringify([...(v.items.get(t) ?? [])].sort()) === JSON.stringify([...(truth.items.get(t) ?? [])].sort())));
    if (!stale.length || Date.now() - t0 > STEP_SETTLE_MS) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return { inStep: live.length - stale.length, stale: stale.length, settledMs: Date.now() - t0, gaps: viewers.reduce((s, v) => s + v.gaps, 0), disconnects: viewers.length - live.length };
}

const STEP_SETTLE_MS = 15_000;

async function freshTables(base: string): Promise<Viewer> {
  const truth = watch(new WebSocket(`${base.replace(/^http/, 'ws')}/ws`));
  await new Promise((r, j) => (truth.ws.once('open', r), truth.ws.once('error', j)));
  for (const topic of RESOURCE_TOPICS) truth.ws.send(JSON.stringify({ type: 'subscribe', topic }));
  const t0 = Date.now();
  while (RESOURCE_TOPICS.some((t) => !truth.items.has(t)) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
  truth.ws.terminate();
  return truth;
}

/** The deck in a child process, answering for its memory over IPC. */
async function startServer(): Promise<{ url: string; token: string; memory(): Promise<Memory>; snapshot(label: string): Promise<void>; stop(): Promise<void> }> {
  const prof = process.env.ISTIO_DECK_SOAK_CPU_PROF;
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx', ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [])],
    env: { ...process.env, ISTIO_DECK_SOAK_ROLE: 'server' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = (type: FromServer['type']) =>
    new Promise<FromServer>((resolve, reject) => {
      const on = (m: FromServer) => m.type === type && (child.off('message', on), child.off('exit', gone), resolve(m));
      const gone = (code: number) => reject(new Error(`the deck server exited (${code})`));
      child.on('message', on);
      child.once('exit', gone);
    });
  const ready = (await next('ready')) as Extract<FromServer, { type: 'ready' }>;
  return {
    url: ready.url,
    token: ready.token,
    memory: async () => {
      const answer = next('memory');
      child.send('memory');
      return (await answer) as Memory;
    },
    snapshot: async (label: string) => {
      if (!process.env.ISTIO_DECK_SOAK_HEAP_SNAPSHOTS) return;
      const answer = next('snapshot');
      child.send(`snapshot:${label}`);
      await answer;
    },
    stop: () => new Promise<void>((r) => (child.once('exit', () => r()), child.send('stop'))),
  };
}

async function serveDeck(): Promise<void> {
  const { parseDeckConfig } = await import('../server/config.ts');
  const { startDeck } = await import('../server/deck.ts');
  (await import('../server/heap-policy.ts')).keepHeapTight(); // as `npm start` does
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-soak-'));
  const deck = await startDeck(parseDeckConfig(['--port', '0', '--state-dir', stateDir], {}));
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const heapProfile = process.env.ISTIO_DECK_SOAK_HEAP_PROF ? await sampleHeap() : undefined;
  process.on('message', async (m) => {
    if (m === 'memory') {
      const u = process.memoryUsage();
      const spaces = process.env.ISTIO_DECK_SOAK_TRACE
        ? v8.getHeapSpaceStatistics().filter((s) => s.space_size > 2 ** 20).map((s) => `${s.space_name} ${(s.space_used_size / 2 ** 20).toFixed(0)}/${(s.space_size / 2 ** 20).toFixed(0)}`).join(', ')
        : '';
      process.send!({ type: 'memory', rssMB: u.rss / 2 ** 20, heapMB: u.heapUsed / 2 ** 20, externalMB: u.external / 2 ** 20, loopDelayMaxMs: loop.max / 1e6, spaces });
      loop.reset();
    } else if (typeof m === 'string' && m.startsWith('snapshot:')) {
      // ISTIO_DECK_SOAK_HEAP_SNAPSHOTS=DIR: what the deck holds at the start and at the end, to compare.
      v8.writeHeapSnapshot(join(process.env.ISTIO_DECK_SOAK_HEAP_SNAPSHOTS!, `${m.slice(9)}.heapsnapshot`));
      process.send!({ type: 'snapshot' });
    } else if (m === 'stop') {
      if (heapProfile) writeFileSync(process.env.ISTIO_DECK_SOAK_HEAP_PROF!, JSON.stringify(await heapProfile()));
      await deck.stop();
      rmSync(stateDir, { recursive: true, force: true });
      process.exit(0);
    }
  });
  process.send!({ type: 'ready', url: deck.url, token: deck.token });
}

/** Samples what stays allocated, by call stack: where the deck's memory goes (Chrome DevTools opens the file). */
async function sampleHeap(): Promise<() => Promise<unknown>> {
  const { Session } = await import('node:inspector');
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) => new Promise<any>((r, j) => session.post(method, params, (err, res) => (err ? j(err) : r(res))));
  // ISTIO_DECK_SOAK_HEAP_ALLOC=1 keeps what the collector already freed: where the garbage comes from.
  const freed = Boolean(process.env.ISTIO_DECK_SOAK_HEAP_ALLOC);
  await post('HeapProfiler.startSampling', { samplingInterval: 32768, includeObjectsCollectedByMajorGC: freed, includeObjectsCollectedByMinorGC: freed });
  return async () => (await post('HeapProfiler.getSamplingProfile')).profile;
}

if (process.env.ISTIO_DECK_SOAK_ROLE === 'server') await serveDeck();
else if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await benchSoak({ minutes: Number(process.env.ISTIO_DECK_SOAK_MINUTES ?? 10), viewers: Number(process.env.ISTIO_DECK_SOAK_VIEWERS ?? 300) });
  for (const [k, v] of figures) console.log(`  ${k.padEnd(56)} ${v}`);
  process.exit(0);
}
