import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { startEmbeddedCluster, type EmbeddedCluster, type EmbeddedClusterOptions } from '../../server/embedded/cluster.ts';
import { makeKubectl } from './kubectl.ts';

export interface ClusterWithKubectl {
  cluster: EmbeddedCluster;
  kubectl: ReturnType<typeof makeKubectl>;
}

/**
 * An embedded cluster (its clock at `timeScale`) and the real kubectl pointed at it through a
 * kubeconfig file, started before the suite's tests and stopped after them, with the file.
 * Read `fixture.cluster` and `fixture.kubectl` inside tests and in later `beforeAll`s.
 */
export function clusterWithKubectl(timeScale: number, opts: Omit<EmbeddedClusterOptions, 'clock'> = {}): ClusterWithKubectl {
  const fixture = {} as ClusterWithKubectl;
  let dir: string | undefined;
  beforeAll(async () => {
    fixture.cluster = await startEmbeddedCluster({ ...opts, clock: new ScaledClock(timeScale) });
    dir = mkdtempSync(join(tmpdir(), 'cluster-kubectl-'));
    writeFileSync(join(dir, 'kubeconfig'), fixture.cluster.kubeconfig, { mode: 0o600 });
    fixture.kubectl = makeKubectl(join(dir, 'kubeconfig'));
  });
  afterAll(async () => {
    fixture.kubectl?.cleanup();
    await fixture.cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return fixture;
}
