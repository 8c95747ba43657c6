/** How long bin/istioctl takes to start: wall time of `--help` and of `version` against an embedded cluster. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ScaledClock } from '../server/clock.ts';
import { startEmbeddedCluster } from '../server/embedded/cluster.ts';
import { percentile } from './stats.ts';

const run = promisify(execFile);

const ISTIOCTL = resolve(import.meta.dirname, '..', 'bin', 'istioctl');

/** Wall times of sequential runs; asynchronous, as the embedded cluster answering them runs in this process. */
async function timeRuns(args: string[], env: NodeJS.ProcessEnv, runs: number): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await run(ISTIOCTL, args, { env });
    ms.push(performance.now() - start);
  }
  return ms;
}

export async function benchIstioctl(): Promise<{ helpMs: number; versionMs: number }> {
  // The first run may rebuild the cached bundle; it is not what a user waits for each time.
  await timeRuns(['--help'], process.env, 1);
  const helpMs = percentile(await timeRuns(['--help'], process.env, 5), 50);
  const cluster = await startEmbeddedCluster({ clock: new ScaledClock(0.01) });
  const dir = mkdtempSync(join(tmpdir(), 'bench-istioctl-'));
  try {
    writeFileSync(join(dir, 'kubeconfig'), cluster.kubeconfig, { mode: 0o600 });
    const versionMs = percentile(await timeRuns(['version'], { ...process.env, KUBECONFIG: join(dir, 'kubeconfig') }, 5), 50);
    return { helpMs, versionMs };
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
