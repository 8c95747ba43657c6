import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');

export interface ShellResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The project's bin/istioctl and a bash with `bin/` first on PATH (as the talk's
 * `export PATH=$PWD/bin:$PATH`), both pointed at a cluster's kubeconfig, with a private
 * kubectl discovery cache.
 */
export function makeIstioctl(kubeconfig: string) {
  const dir = mkdtempSync(join(tmpdir(), 'istioctl-test-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });
  const env = { ...process.env, KUBECONFIG: kubeconfigPath, KUBECACHEDIR: join(dir, 'cache'), HOME: dir, PATH: `${join(REPO, 'bin')}:${process.env.PATH}` };
  const exec = (file: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<ShellResult> =>
    new Promise((done) => {
      const child = execFile(file, args, { env, cwd: REPO, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0;
        done({ code, stdout: String(stdout), stderr: String(stderr) });
      });
      if (opts.input !== undefined) child.stdin!.end(opts.input);
      else child.stdin!.end();
    });
  return {
    env,
    kubeconfigPath,
    istioctl: (args: string[], opts?: { input?: string; timeoutMs?: number }) => exec(join(REPO, 'bin', 'istioctl'), args, opts),
    /** A bash script as a user types it (process substitution, pipes). */
    bash: (script: string, opts?: { timeoutMs?: number }) => exec('bash', ['-c', script], opts),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
