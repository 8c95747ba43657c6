import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { ClusterWithKubectl } from './cluster.ts';

export interface BashResult {
  code: number;
  /** stdout then stderr, as a terminal shows both. */
  out: string;
}

/**
 * Runs scripts in bash as a user types them, with the real kubectl pointed at the fixture's
 * cluster (its own kubeconfig file and discovery cache, made before the suite and removed
 * after it). Each script runs with `set -o pipefail` (and `set -e` when `errexit`).
 */
export function bashWithKubectl(fixture: ClusterWithKubectl, opts: { cwd?: string; errexit?: boolean } = {}): (script: string) => Promise<BashResult> {
  let dir: string | undefined;
  let env: NodeJS.ProcessEnv = {};
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bash-kubectl-'));
    writeFileSync(join(dir, 'kubeconfig'), fixture.cluster.kubeconfig, { mode: 0o600 });
    env = { ...process.env, KUBECONFIG: join(dir, 'kubeconfig'), KUBECACHEDIR: join(dir, 'cache'), HOME: dir };
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const preamble = opts.errexit ? 'set -e -o pipefail' : 'set -o pipefail';
  return (script) =>
    new Promise((done) => {
      execFile('bash', ['-c', `${preamble}\n${script}`], { env, timeout: 60_000, cwd: opts.cwd }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0;
        done({ code, out: String(stdout) + String(stderr) });
      });
    });
}
