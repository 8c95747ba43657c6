import { randomBytes } from 'node:crypto';
import { ScaledClock } from './clock.ts';
import { ClusterConnection } from './cluster/connection.ts';
import { startEmbeddedCluster, type EmbeddedCluster } from './embedded/cluster.ts';
import type { ApiTarget } from './api/routes.ts';
import { connectTarget } from './cluster-target.ts';
import { tokenMatches } from './api/auth.ts';

interface Sandbox {
  id: string;
  cluster: EmbeddedCluster;
  target: ApiTarget & { close(): Promise<void> };
  lastUsed: number;
}

/**
 * Private embedded clusters for attendees: each its own store, API server and mesh, so
 * nothing an attendee does reaches the presenter's cluster. Capped, and evicted when idle.
 */
export class SandboxPool {
  private readonly sandboxes = new Map<string, Sandbox>();
  private creating = 0;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly opts: {
      max: number;
      idleMs: number;
      namespaces: string[];
      timeScale: number;
      /** Told when a sandbox goes (left, evicted, shut down), so its open streams can end. */
      onStopped?: (session: ApiTarget['session']) => void;
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
      const cluster = await startEmbeddedCluster({ name: `sandbox-${id}`, clock: new ScaledClock(this.opts.timeScale) });
      const connection = new ClusterConnection({ mode: 'embedded', kubeconfigText: cluster.kubeconfig });
      const target = connectTarget(connection, 'embedded', this.opts.namespaces, token, undefined, cluster.clock);
      this.sandboxes.set(id, { id, cluster, target, lastUsed: Date.now() });
      return { id, token };
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

  remove(id: string, token: string | undefined): boolean {
    const s = this.sandboxes.get(id);
    if (!s || !tokenMatches(token, s.target.token)) return false;
    void this.stop(s);
    return true;
  }

  async evictIdle(now = Date.now()): Promise<void> {
    for (const s of [...this.sandboxes.values()]) {
      const watched = s.target.session.presenterTopic.subscribers.size > 0 || s.target.session.healthTopic.subscribers.size > 0;
      if (!watched && now - s.lastUsed > this.opts.idleMs) await this.stop(s);
    }
  }

  async stopAll(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.sandboxes.values()].map((s) => this.stop(s)));
  }

  private async stop(s: Sandbox): Promise<void> {
    this.sandboxes.delete(s.id);
    this.opts.onStopped?.(s.target.session);
    await s.target.close().catch(() => {});
    await s.cluster.stop().catch(() => {});
  }
}
