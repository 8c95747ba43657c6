import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real kubectl against a kubeconfig, with a private discovery cache so one
 * test's cluster never answers from another's cached discovery.
 */
export function makeKubectl(kubeconfigPath: string) {
  const cacheDir = mkdtempSync(join(tmpdir(), 'kubectl-cache-'));
  const run = (args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<KubectlResult> =>
    new Promise((resolve) => {
      const child = execFile(
        'kubectl',
        args,
        {
          env: { ...process.env, KUBECONFIG: kubeconfigPath, KUBECACHEDIR: cacheDir, HOME: cacheDir },
          timeout: opts.timeoutMs ?? 30_000,
          maxBuffer: 16 * 1024 * 1024,
        },
        (err, stdout, stderr) => {
          const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        },
      );
      if (opts.input !== undefined) child.stdin!.end(opts.input);
    });
  return {
    run,
    /** Runs and throws with kubectl's own output when it fails. */
    async ok(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
      const r = await run(args, opts);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
      return r.stdout;
    },
    cleanup: () => rmSync(cacheDir, { recursive: true, force: true }),
  };
}
