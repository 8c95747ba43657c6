import { afterAll, beforeAll, expect } from 'vitest';
import type { ClusterWithKubectl } from './cluster.ts';
import { type ShellResult, makeIstioctl } from './istioctl.ts';
import { until } from './until.ts';

/**
 * Bash with the project's istioctl and the real kubectl against a test's cluster, as a user
 * types commands: `run` gives the exit code and output, `sh` fails the test on a non-zero exit,
 * `eventually` waits for a command to print what a controller writes a moment after a change.
 */
export function istioShell(fixture: ClusterWithKubectl) {
  let t: ReturnType<typeof makeIstioctl>;
  beforeAll(() => {
    t = makeIstioctl(fixture.cluster.kubeconfig);
  });
  afterAll(() => t?.cleanup());
  const run = (script: string, timeoutMs = 90_000): Promise<ShellResult> => t.bash(`set -o pipefail\n${script}`, { timeoutMs });
  const sh = async (script: string, timeoutMs = 90_000) => {
    const r = await run(script, timeoutMs);
    if (r.code !== 0) throw new Error(`${script}\nexit ${r.code}\n${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  const eventually = async (script: string, expected: string, ms = 20_000) => {
    let last = '';
    try {
      await until(async () => (last = (await run(script)).stdout) === expected, `${script} to print ${expected}`, ms, 200);
    } catch {
      expect(last).toBe(expected);
    }
  };
  /** `kubectl apply` of a YAML document given inline (a quoted heredoc, so nothing in it expands). */
  const apply = (yaml: string, namespace?: string) => sh(`kubectl apply${namespace ? ` -n ${namespace}` : ''} -f - <<'EOF'\n${yaml}\nEOF`);
  return { run, sh, eventually, apply };
}
