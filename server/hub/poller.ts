import { EventEmitter } from 'node:events';

/**
 * A feed that polls an HTTP source (Jaeger) while started: one poll at a time, so a slow
 * source is skipped rather than piled up, and stop() aborts the one in flight. Emits
 * 'status' with { ok, message? } when the source becomes reachable or unreachable.
 */
export abstract class Poller extends EventEmitter {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: AbortController | undefined;
  private ok: boolean | undefined;
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
      this.setStatus(true);
      return result;
    } catch (err) {
      if (!controller.signal.aborted) this.setStatus(false, (err as Error).message);
      return undefined;
    } finally {
      this.inFlight = undefined;
    }
  }

  private setStatus(ok: boolean, message?: string): void {
    this.lastError = message;
    if (this.ok === ok) return;
    this.ok = ok;
    this.emit('status', { ok, message });
  }
}
