import type { LogEntry } from '../apiserver/pod-runtime.ts';

/** What one container may keep (in characters, about bytes): the kubelet rotates a log at a size, so old lines go; small, as every sandbox has its own. */
export const MAX_LOG_BYTES_PER_CONTAINER = 128 * 1024;
/** Containers kept at once; past it the oldest log goes (pods are capped by quota, this only bounds a leak). */
const MAX_CONTAINERS = 5000;

interface Follower {
  onLine(e: LogEntry): void;
  onEnd(): void;
}

/** One container's log: a ring of lines under a byte cap, and whoever follows it. */
class ContainerLog {
  private lines: LogEntry[] = [];
  private head = 0;
  private bytes = 0;
  readonly followers = new Set<Follower>();

  constructor(private readonly maxBytes: number) {}

  append(e: LogEntry): void {
    this.lines.push(e);
    this.bytes += e.line.length + 1;
    while (this.bytes > this.maxBytes && this.head < this.lines.length - 1) {
      this.bytes -= this.lines[this.head].line.length + 1;
      this.head++;
    }
    // Drop the rotated-out prefix now and then rather than shifting on every line.
    if (this.head > 1024 && this.head * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.head);
      this.head = 0;
    }
    for (const f of this.followers) f.onLine(e);
  }

  entries(): LogEntry[] {
    return this.lines.slice(this.head);
  }

  get size(): number {
    return this.bytes;
  }
}

/**
 * Every container's output in one cluster, keyed by pod uid and container name (a pod
 * recreated under the same name starts a new log, as a new container does).
 */
export class LogStore {
  private readonly logs = new Map<string, ContainerLog>();

  constructor(private readonly maxBytesPerContainer = MAX_LOG_BYTES_PER_CONTAINER) {}

  /** Appends one line (a trailing newline is dropped; several lines are split). */
  write(podUid: string, container: string, text: string, timeMs: number): void {
    const log = this.logOf(podUid, container);
    for (const line of text.replace(/\n$/, '').split('\n')) log.append({ timeMs, line });
  }

  has(podUid: string, container: string): boolean {
    return this.logs.has(key(podUid, container));
  }

  read(podUid: string, container: string): LogEntry[] {
    return this.logs.get(key(podUid, container))?.entries() ?? [];
  }

  /** The characters (about bytes) one container's log holds now. */
  bytesOf(podUid: string, container: string): number {
    return this.logs.get(key(podUid, container))?.size ?? 0;
  }

  follow(podUid: string, container: string, onLine: (e: LogEntry) => void, onEnd: () => void): () => void {
    const log = this.logOf(podUid, container);
    const f: Follower = { onLine, onEnd };
    log.followers.add(f);
    return () => log.followers.delete(f);
  }

  /** The pod is gone: its logs go, and whoever follows them reaches the end. */
  removePod(podUid: string): void {
    for (const [k, log] of this.logs) {
      if (!k.startsWith(`${podUid}/`)) continue;
      this.logs.delete(k);
      for (const f of log.followers) f.onEnd();
    }
  }

  private logOf(podUid: string, container: string): ContainerLog {
    const k = key(podUid, container);
    let log = this.logs.get(k);
    if (!log) {
      if (this.logs.size >= MAX_CONTAINERS) {
        const oldest = this.logs.keys().next().value!;
        this.logs.delete(oldest);
      }
      log = new ContainerLog(this.maxBytesPerContainer);
      this.logs.set(k, log);
    }
    return log;
  }
}

const key = (podUid: string, container: string) => `${podUid}/${container}`;
