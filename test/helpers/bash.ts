import { afterAll, beforeAll } from 'vitest';
import type { ClusterWithKubectl } from './cluster.ts';
import { makeIstioctl } from './istioctl.ts';

export interface BashResult {
  code: number;
  /** stdout then stderr, as a terminal shows both. */
  out: string;
}

/**
 * Runs scripts in bash as a user types them, in the repository, with the real kubectl (and the
 * project's istioctl, first on PATH) pointed at the fixture's cluster: its own kubeconfig file
 * and discovery cache, made before the suite and removed after it. Each script runs with
 * `set -o pipefail` (and `set -e` when `errexit`).
 */
export function bashWithKubectl(fixture: ClusterWithKubectl, opts: { errexit?: boolean } = {}): (script: string) => Promise<BashResult> {
  let shell: ReturnType<typeof makeIstioctl> | undefined;
  beforeAll(() => {
    shell = makeIstioctl(fixture.cluster.kubeconfig);
  });
  afterAll(() => shell?.cleanup());
  const preamble = opts.errexit ? 'set -e -o pipefail' : 'set -o pipefail';
  return async (script) => {
    const r = await shell!.bash(`${preamble}\n${script}`);
    return { code: r.code, out: r.stdout + r.stderr };
  };
}

/** A runner that returns a script's output and throws, with the script and what it printed, when it exits non-zero. */
export function succeeding(bash: (script: string) => Promise<BashResult>): (script: string) => Promise<string> {
  return async (script) => {
    const r = await bash(script);
    if (r.code !== 0) throw new Error(`${script}\nexit ${r.code}\n${r.out}`);
    return r.out;
  };
}
