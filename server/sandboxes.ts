import { randomBytes } from 'node:crypto';
import { ClusterConnection } from './cluster/connection.ts';
import type { ApiTarget } from './api/routes.ts';
import { connectTarget } from './cluster-target.ts';
import { tokenMatches } from './api/auth.ts';
import { CpuBudget } from './sandbox/cpu-budget.ts';
import { startSandboxWorker, type SandboxWorker } from './sandbox/sandbox-worker.ts';
import { RateLimit } from './sandbox/rate-limit.ts';
import { WaitingLine } from './sandbox/waiting-line.ts';
import { queuePlaceText } from './sandbox/queue-place.ts';
import { SANDBOX_CLIENT_HEADER } from './protocol.ts';
import type { SandboxAnswer, SandboxRequester } from './sandbox/request.ts';

interface Sandbox {
  id: string;
  /** The page that asked for it, when it named itself. */
  client?: string;
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

/** A page in line asks again every few seconds; one that stops asking this long has left. */
const LINE_STALE_MS = 20_000;
/** Bounds the line's memory: a room, not the internet. */
const LINE_MAX = 500;

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
  private stopped = false;
  private readonly sweeper: NodeJS.Timeout;
  /** Page id → its sandbox's id. */
  private readonly byClient = new Map<string, string>();
  /** Pages whose sandbox is being started for them (asked with room free, or came first in line). */
  private readonly startingFor = new Set<string>();
  /** Why the sandbox started for a page in line failed, told on its next request. */
  private readonly failedFor = new Map<string, string>();
  private readonly line: WaitingLine;
  private readonly rate: RateLimit;

  constructor(
    private readonly opts: {
      max: number;
      idleMs: number;
      /** New sandboxes (or places in line) one client address may ask for a minute. */
      createsPerMinute: number;
      namespaces: string[];
      timeScale: number;
      budget: SandboxBudget;
      /** Told when a sandbox goes (left, evicted, shut down) and why, so its open streams can end. */
      onStopped?: (session: ApiTarget['session'], reason: string) => void;
    },
  ) {
    this.line = new WaitingLine(LINE_STALE_MS, LINE_MAX);
    this.rate = new RateLimit(opts.createsPerMinute, 60_000);
    this.sweeper = setInterval(() => void this.evictIdle(), Math.min(60_000, Math.max(1000, opts.idleMs / 4)));
    this.sweeper.unref();
  }

  get size(): number {
    return this.sandboxes.size;
  }

  /**
   * An attendee asks for a sandbox. A page that names itself (`client`) gets the same one
   * each time it asks, and waits in line while all are in use; new requests from one address
   * are rate limited.
   */
  async request(from: SandboxRequester): Promise<SandboxAnswer> {
    const { client } = from;
    if (this.opts.max === 0) return { status: 503, error: 'this deck offers no sandboxes (its presenter started it with --max-sandboxes 0)' };
    if (client) {
      const own = this.byClient.get(client);
      const s = own && this.sandboxes.get(own);
      if (s) {
        s.lastUsed = Date.now();
        return { status: 200, id: s.id, token: s.target.token };
      }
      const failed = this.failedFor.get(client);
      if (failed) {
        this.failedFor.delete(client);
        return { status: 503, error: failed };
      }
      if (this.startingFor.has(client)) return this.queued(1);
      if (this.line.has(client)) return this.queued(this.line.ask(client)!);
    }
    const allowed = this.rate.take(from.address);
    if (!allowed.ok) {
      const seconds = Math.ceil(allowed.retryAfterMs / 1000);
      return { status: 429, retryAfterSeconds: seconds, error: `too many new sandboxes asked for from ${from.address}: at most ${this.opts.createsPerMinute} a minute; try again in ${seconds} s` };
    }
    if (this.line.length === 0 && this.used >= this.opts.max) await this.evictIdle();
    // Whoever waits in line is served before a newcomer.
    if (this.line.length === 0 && this.used < this.opts.max) {
      // A second tab asking meanwhile waits for this one rather than starting another.
      if (client) this.startingFor.add(client);
      try {
        const { id, token } = await this.start(client);
        return { status: 201, id, token };
      } catch (err) {
        return { status: 503, error: `could not start a sandbox: ${err instanceof Error ? err.message : String(err)}` };
      } finally {
        if (client) this.startingFor.delete(client);
      }
    }
    const place = client ? this.line.ask(client) : undefined;
    if (place === undefined) {
      const why = client ? `and ${this.line.length} people are already waiting` : `ask with the ${SANDBOX_CLIENT_HEADER} header to wait in line`;
      return { status: 429, retryAfterSeconds: 30, error: `all ${this.opts.max} sandboxes are in use, ${why}; try again later` };
    }
    return this.queued(place);
  }

  private get used(): number {
    return this.sandboxes.size + this.creating;
  }

  private queued(position: number): SandboxAnswer {
    return { status: 202, queued: { position, max: this.opts.max }, message: queuePlaceText(position, this.opts.max) };
  }

  private async start(client: string | undefined): Promise<{ id: string; token: string }> {
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
      const sandbox: Sandbox = { id, client, worker, cpu, target, lastUsed: Date.now() };
      worker.onEnd((end) => void this.evict(id, end.message));
      this.sandboxes.set(id, sandbox);
      if (client) this.byClient.set(client, id);
      return { id, token };
    } finally {
      this.creating--;
    }
  }

  /** Starts sandboxes for those waiting in line, first come first served, while there is room. */
  private fillFromLine(): void {
    if (this.stopped) return;
    while (this.used < this.opts.max) {
      const client = this.line.next();
      if (!client) return;
      this.startingFor.add(client);
      void this.start(client)
        .catch((err) => {
          this.failedFor.set(client, `could not start a sandbox: ${err instanceof Error ? err.message : String(err)}`);
          trimOldest(this.failedFor, ENDED_KEPT);
        })
        .finally(() => {
          this.startingFor.delete(client);
          this.fillFromLine();
        });
    }
  }

  /** A page stops waiting: its place in line goes at once (a sandbox already started for it stays). */
  leaveLine(client: string): void {
    this.line.leave(client);
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

  /** The OS thread of sandbox `id`'s cluster, when it runs below the presenter's priority. */
  threadOf(id: string): number | undefined {
    return this.sandboxes.get(id)?.worker.threadId;
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
    this.stopped = true;
    clearInterval(this.sweeper);
    await Promise.all([...this.sandboxes.values()].map((s) => this.stop(s, 'the deck server is shutting down')));
  }

  private async evict(id: string, why: string): Promise<void> {
    const s = this.sandboxes.get(id);
    if (!s) return;
    this.ended.set(id, why);
    trimOldest(this.ended, ENDED_KEPT);
    await this.stop(s, `this sandbox was evicted: ${why}`);
  }

  private async stop(s: Sandbox, reason: string): Promise<void> {
    if (this.sandboxes.get(s.id) !== s) return;
    this.sandboxes.delete(s.id);
    if (s.client && this.byClient.get(s.client) === s.id) this.byClient.delete(s.client);
    s.cpu.stop();
    this.opts.onStopped?.(s.target.session, reason);
    await s.target.close().catch(() => {});
    await s.worker.stop().catch(() => {});
    // Its memory is free only now: the next in line starts after it.
    this.fillFromLine();
  }
}

/** Keeps a Map to `max` entries, forgetting the oldest first (a Map keeps insertion order). */
function trimOldest(map: Map<string, unknown>, max: number): void {
  for (const old of map.keys()) {
    if (map.size <= max) break;
    map.delete(old);
  }
}
