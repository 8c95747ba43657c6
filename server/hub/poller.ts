import { EventEmitter } from 'node:events';
import type { FeedStatus } from '../protocol.ts';
import { FEED_CONNECTING, FEED_LIVE } from './feed.ts';

/**
 * A live feed that polls Jaeger while started: one poll at a time, so a slow source is
 * skipped rather than piled up, and stop() aborts the one in flight. Emits 'change' from
 * the subclass and 'status' (FeedStatus) when Jaeger becomes usable or unusable; synced
 * after the first poll that worked.
 */
export abstract class Poller extends EventEmitter {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: AbortController | undefined;
  status: FeedStatus = FEED_CONNECTING;
  lastError: string | undefined;

  constructor(private readonly intervalMs: number) {
    super();
    if (!(intervalMs >= 50)) throw new Error(`intervalMs must be at least 50, got ${intervalMs}`);
  }

  /** One poll now. */
  abstract poll(): Promise<unknown>;

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    void this.poll();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.inFlight?.abort();
  }

  /** Runs one fetch unless one is running; undefined when skipped, aborted or failed (failures go to 'status'). */
  protected async runPoll<T>(fetchOnce: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
    if (this.inFlight) return undefined;
    const controller = (this.inFlight = new AbortController());
    try {
      const result = await fetchOnce(controller.signal);
      this.setStatus(FEED_LIVE);
      return result;
    } catch (err) {
      if (!controller.signal.aborted) this.setStatus({ state: 'error', synced: this.status.synced, reason: 'jaeger-unreachable', message: (err as Error).message });
      return undefined;
    } finally {
      this.inFlight = undefined;
    }
  }

  private setStatus(status: FeedStatus): void {
    this.lastError = status.state === 'error' ? status.message : undefined;
    // A failure that goes on is one event: its message (a time, a port) may vary per poll.
    if (status.state === this.status.state) return;
    this.status = status;
    this.emit('status', status);
  }
}
