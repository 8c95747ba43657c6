import { randomBytes } from 'node:crypto';
import { ClusterConnection } from './cluster/connection.ts';
import type { ApiTarget } from './api/routes.ts';
import { connectTarget } from './cluster-target.ts';
import { tokenMatches } from './api/auth.ts';
import { CpuBudget } from './sandbox/cpu-budget.ts';
import { startSandboxWorker, type SandboxWorker } from './sandbox/sandbox-worker.ts';

interface Sandbox {
  id: string;
  worker: SandboxWorker;
  cpu: CpuBudget;
  target: ApiTarget & { close(): Promise<void> };
  lastUsed: number;
}

export interface SandboxBudget {
  /** V8 heap of one sandbox's thread, MB. */
  memoryMb: number;
  /** Share of one core its event loop may keep busy (0–1), averaged over `cpuWindowMs`. */
  cpuLimit: number;
  cpuWindowMs: number;
  /** Over its CPU budget this long without a break: evicted. */
  cpuEvictAfterMs: number;
}

/** Bookinfo, sleep, httpbin and fortio with a few scaled-up replicas fit well within this. */
const PODS_PER_NAMESPACE = 100;

/** Why recently ended sandboxes ended, kept for their attendees' next request; bounded. */
const ENDED_KEPT = 64;

/**
 * Private embedded clusters for attendees: each its own store, API server and mesh, so
 * nothing an attendee does reaches the presenter's cluster. Each runs in its own worker
 * thread with a memory and a CPU budget, so nothing it does stalls the presenter's event
 * loop either. Capped, and evicted when idle or over budget.
 */
export class SandboxPool {
  private readonly sandboxes = new Map<string, Sandbox>();
  private readonly ended = new Map<string, string>();
  private creating = 0;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly opts: {
      max: number;
      idleMs: number;
      namespaces: string[];
      timeScale: number;
      budget: SandboxBudget;
      /** Told when a sandbox goes (left, evicted, shut down) and why, so its open streams can end. */
      onStopped?: (session: ApiTarget['session'], reason: string) => void;
    },
  ) {
    this.sweeper = setInterval(() => void this.evictIdle(), Math.min(60_000, Math.max(1000, opts.idleMs / 4)));
    this.sweeper.unref();
  }

  get size(): number {
    return this.sandboxes.size;
  }

  async create(): Promise<{ id: string; token: string } | { error: string; status: number }> {
    if (this.sandboxes.size + this.creating >= this.opts.max) {
      await this.evictIdle();
      if (this.sandboxes.size + this.creating >= this.opts.max) return { error: `all ${this.opts.max} sandboxes are in use; try again later`, status: 429 };
    }
    this.creating++;
    try {
      const id = randomBytes(6).toString('hex');
      const token = randomBytes(18).toString('base64url');
      const { budget } = this.opts;
      const worker = await startSandboxWorker({ name: `sandbox-${id}`, scale: this.opts.timeScale, memoryMb: budget.memoryMb, podsPerNamespace: PODS_PER_NAMESPACE });
      const connection = new ClusterConnection({ mode: 'embedded', kubeconfigText: worker.kubeconfig });
      const target = connectTarget(connection, 'embedded', this.opts.namespaces, token, undefined, worker.clock);
      const cpu = new CpuBudget(worker.worker, {
        limit: budget.cpuLimit,
        windowMs: budget.cpuWindowMs,
        evictAfterMs: budget.cpuEvictAfterMs,
        onOverBudget: (reason) => target.session.setOverBudget(reason && `Your sandbox is ${reason}.`),
        onEvict: (reason) => void this.evict(id, reason),
      });
      const sandbox: Sandbox = { id, worker, cpu, target, lastUsed: Date.now() };
      worker.onEnd((end) => void this.evict(id, end.message));
      this.sandboxes.set(id, sandbox);
      return { id, token };
    } catch (err) {
      return { error: `could not start a sandbox: ${err instanceof Error ? err.message : String(err)}`, status: 503 };
    } finally {
      this.creating--;
    }
  }

  /** The sandbox's target, marking it used; undefined when it does not exist. */
  touch(id: string): (ApiTarget & { close(): Promise<void> }) | undefined {
    const s = this.sandboxes.get(id);
    if (!s) return undefined;
    s.lastUsed = Date.now();
    return s.target;
  }

  /** The sandbox cluster's own kubeconfig, as kubectl would use it (tests and the bench). */
  kubeconfigOf(id: string): string | undefined {
    return this.sandboxes.get(id)?.worker.kubeconfig;
  }

  /** Why sandbox `id` was evicted, if it was lately (over budget, idle); undefined otherwise. */
  endedReason(id: string): string | undefined {
    return this.ended.get(id);
  }

  remove(id: string, token: string | undefined): boolean {
    const s = this.sandboxes.get(id);
    if (!s || !tokenMatches(token, s.target.token)) return false;
    void this.stop(s, 'this sandbox was removed');
    return true;
  }

  async evictIdle(now = Date.now()): Promise<void> {
    for (const s of [...this.sandboxes.values()]) {
      const watched = s.target.session.presenterTopic.subscribers.size > 0 || s.target.session.healthTopic.subscribers.size > 0;
      if (!watched && now - s.lastUsed > this.opts.idleMs) await this.evict(s.id, 'idle too long');
    }
  }

  async stopAll(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.sandboxes.values()].map((s) => this.stop(s, 'the deck server is shutting down')));
  }

  private async evict(id: string, why: string): Promise<void> {
    const s = this.sandboxes.get(id);
    if (!s) return;
    this.ended.set(id, why);
    // Forget the oldest first (a Map keeps insertion order).
    for (const old of this.ended.keys()) {
      if (this.ended.size <= ENDED_KEPT) break;
      this.ended.delete(old);
    }
    await this.stop(s, `this sandbox was evicted: ${why}`);
  }

  private async stop(s: Sandbox, reason: string): Promise<void> {
    if (this.sandboxes.get(s.id) !== s) return;
    this.sandboxes.delete(s.id);
    s.cpu.stop();
    this.opts.onStopped?.(s.target.session, reason);
    await s.target.close().catch(() => {});
    await s.worker.stop().catch(() => {});
  }
}
