import { Worker } from 'node:worker_threads';
import { ScaledClock } from '../clock.ts';
import type { FromSandboxWorker, SandboxWorkerData, ToSandboxWorker } from './worker-messages.ts';

const BOOTSTRAP = new URL('./worker-bootstrap.mjs', import.meta.url);
const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 2000;

/** Why a sandbox's worker ended without being asked to. */
export type WorkerEnd = { reason: 'memory' | 'crashed'; message: string };

export interface SandboxWorker {
  readonly kubeconfig: string;
  readonly apiServerUrl: string;
  readonly gatewayUrl: string;
  readonly jaegerUrl: string;
  /** The deck's copy of the worker's clock (same epoch and scale), for pod ages. */
  readonly clock: ScaledClock;
  readonly worker: Worker;
  /** The worker's OS thread id, when it runs at a lower priority than the presenter's (Linux). */
  readonly threadId?: number;
  /** Called once if the worker ends on its own: out of its heap, or crashed. */
  onEnd(listener: (end: WorkerEnd) => void): void;
  /** Stops the cluster and ends the thread (forcibly if it does not stop in time). */
  stop(): Promise<void>;
}

/**
 * Starts one embedded cluster in a worker thread. `memoryMb` caps its V8 heap
 * (`resourceLimits`): a sandbox that outgrows it dies alone, with ERR_WORKER_OUT_OF_MEMORY.
 */
export async function startSandboxWorker(opts: { name: string; scale: number; memoryMb: number; podsPerNamespace: number }): Promise<SandboxWorker> {
  const clock = new ScaledClock(opts.scale);
  const workerData: SandboxWorkerData = { name: opts.name, scale: opts.scale, origin: clock.origin, podsPerNamespace: opts.podsPerNamespace };
  const worker = new Worker(BOOTSTRAP, {
    workerData,
    // The bootstrap loads TypeScript itself: no inherited loader flags, under tsx or vitest alike.
    execArgv: [],
    resourceLimits: { maxOldGenerationSizeMb: opts.memoryMb, maxYoungGenerationSizeMb: Math.max(4, Math.round(opts.memoryMb / 8)) },
    // Its output passes through here, capped: a sandbox logging in a loop must not keep the
    // presenter's thread writing.
    stdout: true,
    stderr: true,
  });
  forwardCapped(worker.stdout, process.stdout, opts.name);
  forwardCapped(worker.stderr, process.stderr, opts.name);
  let stopping = false;
  let lastError: unknown;
  const endListeners: Array<(end: WorkerEnd) => void> = [];
  worker.on('error', (err) => (lastError = err));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.once('exit', (code) => {
    if (stopping) return;
    const oom = (lastError as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
    const end: WorkerEnd = oom
      ? { reason: 'memory', message: `over its memory budget (${opts.memoryMb} MB)` }
      : { reason: 'crashed', message: `its cluster stopped (${lastError instanceof Error ? lastError.message : `exit code ${code}`})` };
    for (const l of endListeners) l(end);
  });

  const stop = async () => {
    if (stopping) return exited;
    stopping = true;
    worker.postMessage({ type: 'stop' } satisfies ToSandboxWorker);
    const grace = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
    await exited;
    clearTimeout(grace);
  };

  const ready = await new Promise<Extract<FromSandboxWorker, { type: 'ready' }>>((resolve, reject) => {
    const done = (settle: () => void) => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      settle();
    };
    const timer = setTimeout(() => done(() => reject(new Error(`the sandbox's cluster did not start within ${START_TIMEOUT_MS / 1000} s`))), START_TIMEOUT_MS);
    const onMessage = (m: FromSandboxWorker) => {
      if (m.type === 'ready') done(() => resolve(m));
      else if (m.type === 'failed') done(() => reject(new Error(`the sandbox's cluster did not start: ${m.message}`)));
    };
    const onExit = (code: number) => done(() => reject(new Error(`the sandbox's cluster did not start: ${lastError instanceof Error ? lastError.message : `exit code ${code}`}`)));
    worker.on('message', onMessage);
    worker.on('exit', onExit);
  }).catch(async (err) => {
    await stop();
    throw err;
  });

  return {
    kubeconfig: ready.kubeconfig,
    apiServerUrl: ready.apiServerUrl,
    gatewayUrl: ready.gatewayUrl,
    jaegerUrl: ready.jaegerUrl,
    clock,
    worker,
    threadId: ready.threadId,
    onEnd: (l) => void endListeners.push(l),
    stop,
  };
}

const LOG_BYTES_PER_MINUTE = 16 * 1024;

/** Copies a worker's output, at most LOG_BYTES_PER_MINUTE a minute; the rest is counted and dropped. */
function forwardCapped(from: NodeJS.ReadableStream, to: NodeJS.WritableStream, name: string): void {
  let windowStart = Date.now();
  let written = 0;
  let dropped = 0;
  from.on('data', (chunk: Buffer) => {
    const now = Date.now();
    if (now - windowStart >= 60_000) {
      if (dropped) to.write(`[${name}] ${dropped} bytes of output dropped\n`);
      windowStart = now;
      written = 0;
      dropped = 0;
    }
    if (written + chunk.length <= LOG_BYTES_PER_MINUTE) {
      written += chunk.length;
      to.write(chunk);
    } else dropped += chunk.length;
  });
}

