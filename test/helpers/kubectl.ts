import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A running `kubectl port-forward`. */
export interface KubectlPortForward {
  /** The local port kubectl printed ("Forwarding from 127.0.0.1:PORT"). */
  localPort: number;
  /** What kubectl printed on stderr so far. */
  stderr(): string;
  /** Ends kubectl and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Runs the real kubectl against a kubeconfig, with a private discovery cache so one
 * test's cluster never answers from another's cached discovery.
 */
export function makeKubectl(kubeconfigPath: string) {
  const cacheDir = mkdtempSync(join(tmpdir(), 'kubectl-cache-'));
  const env = { ...process.env, KUBECONFIG: kubeconfigPath, KUBECACHEDIR: cacheDir, HOME: cacheDir };
  const run = (args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<KubectlResult> =>
    new Promise((resolve) => {
      const child = execFile(
        'kubectl',
        args,
        {
          env,
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
  /** Starts a long-lived `kubectl port-forward` and resolves once it listens; the caller must stop() it. */
  const portForward = (args: string[], opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<KubectlPortForward> =>
    new Promise((resolve, reject) => {
      const child = spawn('kubectl', ['port-forward', ...args], { env: { ...env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      const stop = async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
      };
      const timer = setTimeout(() => {
        void stop();
        reject(new Error(`kubectl port-forward ${args.join(' ')} printed no local port in ${opts.timeoutMs ?? 30_000} ms:\n${stderr}${stdout}`));
      }, opts.timeoutMs ?? 30_000);
      child.stderr.on('data', (d) => (stderr += d));
      child.stdout.on('data', (d) => {
        stdout += d;
        const m = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(stdout);
        if (!m) return;
        clearTimeout(timer);
        resolve({ localPort: Number(m[1]), stderr: () => stderr, stop });
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`kubectl port-forward ${args.join(' ')} exited (${code}) before forwarding:\n${stderr}${stdout}`));
      });
    });
  return {
    run,
    portForward,
    /** Runs and throws with kubectl's own output when it fails. */
    async ok(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
      const r = await run(args, opts);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
      return r.stdout;
    },
    cleanup: () => rmSync(cacheDir, { recursive: true, force: true }),
  };
}
