import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { parseDeckConfig } from '../server/config.ts';
import { startDeck } from '../server/deck.ts';
import { GRAPH_TOPIC, HEALTH_TOPIC, PRESENTER_TOPIC, TRACES_TOPIC, TRAFFIC_TOPIC } from '../server/protocol.ts';
import { DEFAULT_MAX_SANDBOXES, LAPTOP, PRESENTER_HEADROOM, sandboxesThatFit } from '../server/sandbox/capacity.ts';

/** Sandboxes measured together, so one sandbox's figure is an average over several. */
const SANDBOXES = 4;
const SAMPLE_MS = 5000;

/** What a live-panel slide subscribes to, as the attendee's page does over its sandbox's socket. */
const PANEL_TOPICS = [HEALTH_TOPIC, PRESENTER_TOPIC, TRAFFIC_TOPIC, GRAPH_TOPIC, TRACES_TOPIC, 'resources/Pod/default', 'resources/VirtualService/default', 'resources/DestinationRule/default'];

/**
 * One sandbox's cost, in the deck's process (its worker thread and the deck's informers and
 * streams for it): memory (RSS) and CPU, idle, at a Bookinfo scene, and watched with live
 * panels and demo traffic. Then how many fit a 2-core, 8 GB laptop beside the presenter.
 */
export async function benchSandboxCost(): Promise<Array<[string, string]>> {
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-sandbox-cost-'));
  const deck = await startDeck(parseDeckConfig(['--port', '0', '--state-dir', stateDir, '--time-scale', '0.01', '--max-sandboxes', String(SANDBOXES)], { ISTIO_DECK_SANDBOX_CREATES_PER_MINUTE: '100' }));
  const base = deck.url.replace(/\/$/, '');
  const sockets: WebSocket[] = [];
  const out: Array<[string, string]> = [];
  try {
    const deckOnly = await sample();
    out.push(['the deck alone (and the presenter’s cluster): RSS, CPU', `${deckOnly.rssMb.toFixed(0)} MB, ${pct(deckOnly.cores)} of one core`]);
    const grants: Array<{ id: string; token: string }> = [];
    for (let i = 0; i < SANDBOXES; i++) {
      const res = await fetch(`${base}/api/sandbox`, { method: 'POST' });
      if (res.status !== 201) throw new Error(`sandbox ${i + 1}: ${res.status} ${await res.text()}`);
      grants.push(await res.json());
    }
    const per = (s: Sample) => ({ memoryMb: (s.rssMb - deckOnly.rssMb) / SANDBOXES, cpuCores: Math.max(0, s.cores - deckOnly.cores) / SANDBOXES });
    const row = (label: string, s: Sample) => {
      const p = per(s);
      out.push([`one sandbox, ${label}: RSS, CPU`, `${p.memoryMb.toFixed(0)} MB, ${pct(p.cpuCores)} of one core`]);
      return p;
    };
    const idle = row('idle', await sample());
    for (const g of grants) {
      const res = await fetch(`${base}/api/scene/gateway`, { method: 'POST', headers: { 'x-deck-sandbox': g.id, authorization: `Bearer ${g.token}`, 'content-type': 'application/json' }, body: '{"mode":"reset"}' });
      if (res.status !== 200) throw new Error(`scene gateway in a sandbox: ${res.status} ${(await res.text()).slice(0, 200)}`);
    }
    const atScene = row('at the Bookinfo scene', await sample());
    for (const g of grants) sockets.push(await watch(base, g));
    await new Promise((r) => setTimeout(r, 2000));
    const watched = row('watched (live panels, demo traffic)', await sample());
    // Memory a worker took is not always given back: the largest of the three counts.
    const cost = { memoryMb: Math.max(idle.memoryMb, atScene.memoryMb, watched.memoryMb), cpuCores: watched.cpuCores };
    const { byMemory, byCpu, fit } = sandboxesThatFit(cost, deckOnly.rssMb);
    out.push([`fit on a ${LAPTOP.cores}-core, ${LAPTOP.memoryMb / 1024} GB laptop, by memory / by CPU`, `${byMemory} / ${byCpu}`]);
    out.push(['the presenter keeps (memory, CPU)', `${PRESENTER_HEADROOM.memoryMb / 1024} GB + twice the deck’s own RSS, ${PRESENTER_HEADROOM.cores} core`]);
    out.push(['sandboxes that fit, all watched with demo traffic', String(fit)]);
    out.push(['default cap (capacity.ts; --max-sandboxes overrides)', String(DEFAULT_MAX_SANDBOXES)]);
  } finally {
    for (const s of sockets) s.terminate();
    await deck.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
  return out;
}

interface Sample {
  rssMb: number;
  /** CPU of the whole process (every thread), in cores. */
  cores: number;
}

async function sample(): Promise<Sample> {
  global.gc?.();
  await new Promise((r) => setTimeout(r, 1000));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const rss: number[] = [];
  while (performance.now() - t0 < SAMPLE_MS) {
    await new Promise((r) => setTimeout(r, 250));
    rss.push(process.memoryUsage().rss);
  }
  const cpu = process.cpuUsage(cpu0);
  return { rssMb: rss.reduce((a, b) => a + b, 0) / rss.length / 2 ** 20, cores: (cpu.user + cpu.system) / 1000 / (performance.now() - t0) };
}

async function watch(base: string, g: { id: string; token: string }): Promise<WebSocket> {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws?sandbox=${g.id}&token=${encodeURIComponent(g.token)}`);
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  // Subscribing to the traffic topic starts the sandbox's demo traffic, as the panel does.
  for (const topic of PANEL_TOPICS) ws.send(JSON.stringify({ type: 'subscribe', topic }));
  return ws;
}

const pct = (cores: number) => `${(cores * 100).toFixed(1)} %`;
