import type { AppContext } from './types.ts';

/**
 * Simulated time an app spends on a request (±30 %), unless the mesh runs without app latency.
 * A wait shorter than a real millisecond is skipped: timers cannot do it, and at a small clock
 * scale rounding it up would inflate simulated time a hundredfold.
 */
export function work(ctx: AppContext, ms: number, signal?: AbortSignal): Promise<void> {
  const simMs = ms * (0.7 + Math.random() * 0.6);
  if (!ctx.realisticLatency || ctx.clock.toRealMs(simMs) < 1) return Promise.resolve();
  return ctx.clock.sleep(simMs, signal);
}
