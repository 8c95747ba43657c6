import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../helpers/until.ts';
import { startTestDeck, TestSocket, wsUrl } from '../helpers/deck.ts';

const ROOT = resolve(import.meta.dirname, '../..');


describe('real-cluster mode against `npm run cluster` in another process', () => {
  let child: ChildProcess;
  let stateDir: string;
  let deck: Awaited<ReturnType<typeof startTestDeck>>;
  let output = '';

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'cluster-proc-'));
    child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server/cluster-main.ts'), '--state-dir', stateDir, '--time-scale', '0.01'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    await until(() => existsSync(join(stateDir, 'endpoints.json')), `endpoints.json (output: ${output})`, 30_000, 150);
    deck = await startTestDeck({ kubeconfig: join(stateDir, 'kubeconfig') });
  });
  afterAll(async () => {
    await deck?.stop();
    child?.kill('SIGTERM');
    await new Promise((r) => (child?.exitCode !== null ? r(null) : child.once('exit', r)));
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('prints how to point kubectl at it and writes the endpoints', () => {
    expect(output).toContain('export KUBECONFIG=');
    const endpoints = JSON.parse(readFileSync(join(stateDir, 'endpoints.json'), 'utf8'));
    expect(endpoints.apiServer).toMatch(/^https:\/\/127\.0\.0\.1:/);
  });

  it('treats it like any external cluster: health, streams and the gateway found from the Service', async () => {
    expect(deck.mode).toBe('real');
    const health = await until(async () => {
      const h = await (await fetch(`${deck.base}/api/health`)).json();
      return h.connected ? h : undefined;
    }, 'deck connected', 30_000, 150);
    expect(health.mode).toBe('real');
    expect(health.clock).toBeUndefined(); // a real cluster's timestamps are wall-clock time
    expect(health.gatewayUrl).toBe(JSON.parse(readFileSync(join(stateDir, 'endpoints.json'), 'utf8')).gateway);
    const sock = new TestSocket(wsUrl(deck.base));
    await sock.opened;
    sock.send({ type: 'subscribe', topic: 'resources/Pod/istio-system' });
    const snap = (await sock.waitFor((m) => m.type === 'snapshot' && (m.data as any).items.length > 0, 10_000)) as any;
    expect(snap.data.items.map((p: any) => p.name).join(' ')).toContain('istiod-');
    sock.close();
  });
});

describe('an unreachable cluster', () => {
  it('still serves the deck and says plainly that the cluster is unreachable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dead-kc-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, `apiVersion: v1
kind: Config
clusters: [{name: gone, cluster: {server: "https://127.0.0.1:9", insecure-skip-tls-verify: true}}]
users: [{name: gone, user: {token: x}}]
contexts: [{name: gone, context: {cluster: gone, user: gone}}]
current-context: gone
`);
    const deck = await startTestDeck({ kubeconfig });
    try {
      const health = await until(async () => {
        const h = await (await fetch(`${deck.base}/api/health`)).json();
        return h.message && h.message !== 'connecting' ? h : undefined;
      }, 'health message', 10_000, 150);
      expect(health.connected).toBe(false);
      expect(health.message).toMatch(/unreachable/);
      const page = await fetch(deck.base + '/');
      expect([200, 503]).toContain(page.status);
    } finally {
      await deck.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
