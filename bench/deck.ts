import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import { parseDeckConfig } from '../server/config.ts';
import { startDeck } from '../server/deck.ts';
import { ms, percentile } from './stats.ts';

/** Start-up time; apply → change visible for 100 and 1,000 viewers; memory at 1,000 viewers; idle CPU. */
export async function benchDeck(): Promise<Array<[string, string]>> {
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-deck-'));
  const t0 = performance.now();
  const deck = await startDeck(parseDeckConfig(['--port', '0', '--state-dir', stateDir], {}));
  const startMs = performance.now() - t0;
  const base = deck.url.replace(/\/$/, '');
  const out: Array<[string, string]> = [['start to deck and embedded cluster ready', ms(startMs)]];
  try {
    for (const viewers of [100, 1000]) {
      const sockets = await openViewers(base, viewers);
      const lat: number[] = [];
      for (let i = 0; i < 10; i++) {
        const name = `bench-${viewers}-${i}`;
        const seen = Promise.all(sockets.map((s) => waitForName(s, name)));
        const t = performance.now();
        const res = await fetch(`${base}/api/apply`, { method: 'POST', headers: { authorization: `Bearer ${deck.token}` }, body: `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: ${name}}\nspec: {hosts: [${name}], http: [{route: [{destination: {host: ${name}}}]}]}\n` });
        if (res.status !== 200) throw new Error(`apply failed: ${await res.text()}`);
        await seen;
        lat.push(performance.now() - t);
      }
      out.push([`apply → change visible to all ${viewers} viewers, p50 / p99`, `${ms(percentile(lat, 50))} / ${ms(percentile(lat, 99))}`]);
      if (viewers === 1000) {
        global.gc?.();
        out.push(['server memory (RSS, deck + embedded cluster) at 1,000 viewers', `${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`]);
      }
      for (const s of sockets) s.terminate();
    }
    out.push(['worst event-loop delay while the deck parses hostile bodies', await worstDelayOnHostileBodies(base, deck.token)]);
    await new Promise((r) => setTimeout(r, 500));
    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    await new Promise((r) => setTimeout(r, 3000));
    const cpu = process.cpuUsage(cpu0);
    out.push(['CPU while idle (no viewers)', `${(((cpu.user + cpu.system) / 1000 / (performance.now() - w0)) * 100).toFixed(1)} % of one core`]);
  } finally {
    await deck.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
  return out;
}

async function openViewers(base: string, n: number): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = Array.from({ length: Math.min(50, n - i) }, () => new WebSocket(`${base.replace(/^http/, 'ws')}/ws`));
    await Promise.all(batch.map((s) => new Promise((r, j) => (s.once('open', r), s.once('error', j)))));
    for (const s of batch) {
      s.send(JSON.stringify({ type: 'subscribe', topic: 'resources/VirtualService/default' }));
      sockets.push(s);
    }
  }
  return sockets;
}

function waitForName(s: WebSocket, name: string): Promise<void> {
  return new Promise((resolve) => {
    const on = (data: WebSocket.RawData) => {
      if (String(data).includes(`"name":"${name}"`)) {
        s.off('message', on);
        resolve();
      }
    };
    s.on('message', on);
  });
}

/** 10,000 small documents and a 20,000-key ConfigMap (refused for its namespace once parsed): the deck's own share of a large dry run. */
async function worstDelayOnHostileBodies(base: string, token: string): Promise<string> {
  const cm = (name: string, namespace = 'default') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n`;
  const bodies = [Array.from({ length: 10_000 }, (_, i) => cm(`c${i}`)).join('---\n'), cm('wide', 'kube-system') + 'data:\n' + Array.from({ length: 20_000 }, (_, i) => `  k${i}: "v${i}"\n`).join('')];
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const t = performance.now();
  await Promise.all(bodies.map((body) => fetch(`${base}/api/dry-run`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body }).then((r) => r.text())));
  delay.disable();
  return `${ms(delay.max / 1e6)} (both answered in ${ms(performance.now() - t)})`;
}
