import type { Worker } from 'node:worker_threads';

export interface CpuBudgetOptions {
  /** Share of one core the sandbox's thread may keep busy, 0–1, averaged over a window. */
  limit: number;
  windowMs: number;
  /** Over budget this long without a break: evicted. */
  evictAfterMs: number;
  /** Told on every change: the reason while over budget, undefined once back within it. */
  onOverBudget(reason: string | undefined): void;
  onEvict(reason: string): void;
}

/**
 * Watches one sandbox thread's event-loop utilisation (the share of time it spent running
 * rather than waiting), window by window: over the limit it is flagged; kept over it for
 * `evictAfterMs`, it is evicted. Utilisation, not CPU time, because the loop is what one
 * busy request holds, and it is what Node measures per worker.
 */
export class CpuBudget {
  private last: ReturnType<Worker['performance']['eventLoopUtilization']>;
  private overSince?: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly worker: Worker,
    private readonly opts: CpuBudgetOptions,
  ) {
    this.last = worker.performance.eventLoopUtilization();
    this.timer = setInterval(() => this.sample(), opts.windowMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(now = Date.now()): void {
    const current = this.worker.performance.eventLoopUtilization();
    const busy = this.worker.performance.eventLoopUtilization(current, this.last).utilization;
    this.last = current;
    const percent = (x: number) => `${Math.round(x * 100)}%`;
    if (busy <= this.opts.limit) {
      if (this.overSince !== undefined) this.opts.onOverBudget(undefined);
      this.overSince = undefined;
      return;
    }
    // This window was over budget from its start.
    this.overSince ??= now - this.opts.windowMs;
    const reason = `over its CPU budget: busy ${percent(busy)} of the last ${(this.opts.windowMs / 1000).toFixed(1)} s (budget ${percent(this.opts.limit)} of one core)`;
    if (now - this.overSince >= this.opts.evictAfterMs) {
      this.stop();
      this.opts.onEvict(`over its CPU budget for ${Math.round((now - this.overSince) / 1000)} s (budget ${percent(this.opts.limit)} of one core)`);
    } else {
      this.opts.onOverBudget(`${reason}; it is stopped if it stays over for ${Math.round(this.opts.evictAfterMs / 1000)} s`);
    }
  }
}
