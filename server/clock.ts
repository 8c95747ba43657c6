/**
 * The one clock every simulated duration goes through.
 *
 * `scale` is real milliseconds per simulated millisecond: 1 runs in real time,
 * 0.01 plays a 7 s fault delay in 70 ms. `now()` reports simulated epoch time, so
 * traces and ages still show the durations the talk talks about.
 */
import { type CancelTurn, onNextTurn } from './next-turn.ts';

export interface Clock {
  readonly scale: number;
  /** Simulated epoch milliseconds. */
  now(): number;
  /** Resolves after `simMs` simulated milliseconds; rejects with an AbortError if `signal` fires. */
  sleep(simMs: number, signal?: AbortSignal): Promise<void>;
  setTimeout(fn: () => void, simMs: number): NodeJS.Timeout;
  setInterval(fn: () => void, simMs: number): NodeJS.Timeout;
  /** Converts a simulated duration to the real one it takes. */
  toRealMs(simMs: number): number;
}

/** Where a clock's simulated time starts: epoch ms `epochMs` at wall-clock ms `atMs` (timeOrigin + now). */
export interface ClockOrigin {
  epochMs: number;
  atMs: number;
}

export class ScaledClock implements Clock {
  private readonly realStart: number;
  private readonly perfStart: number;

  /** `origin` makes a copy of another clock (say, in a worker thread) that reads the same time. */
  constructor(readonly scale = 1, origin?: ClockOrigin) {
    if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`clock scale must be a positive number, got ${scale}`);
    this.realStart = origin?.epochMs ?? Date.now();
    // performance.now() counts from each thread's own start; timeOrigin + now is shared.
    this.perfStart = origin ? origin.atMs - performance.timeOrigin : performance.now();
  }

  get origin(): ClockOrigin {
    return { epochMs: this.realStart, atMs: performance.timeOrigin + this.perfStart };
  }

  now(): number {
    return this.realStart + (performance.now() - this.perfStart) / this.scale;
  }

  toRealMs(simMs: number): number {
    return Math.max(0, simMs * this.scale);
  }

  sleep(simMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError());
      const deadline = this.now() + simMs;
      let timer: NodeJS.Timeout | undefined;
      let cancelTurn: CancelTurn | undefined;
      const onAbort = () => {
        clearTimeout(timer);
        cancelTurn?.();
        reject(abortError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      // Node's timers count whole milliseconds (at least 1): on a sped-up clock that would
      // stretch short simulated waits (a 2 ms hop at scale 0.05 would take 20 simulated ms)
      // and cut others short. So the wait checks the clock when its timer fires, and spends
      // its last real millisecond on turns of the event loop: it ends once its simulated
      // time has passed, never before.
      const wait = () => {
        const leftMs = this.toRealMs(deadline - this.now());
        if (leftMs <= 0) {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        } else if (leftMs < 1) cancelTurn = onNextTurn(wait);
        else timer = setTimeout(wait, Math.floor(leftMs));
      };
      cancelTurn = onNextTurn(wait);
    });
  }

  setTimeout(fn: () => void, simMs: number): NodeJS.Timeout {
    return setTimeout(fn, this.toRealMs(simMs));
  }

  setInterval(fn: () => void, simMs: number): NodeJS.Timeout {
    return setInterval(fn, Math.max(1, this.toRealMs(simMs)));
  }
}

function abortError(): Error {
  const err = new Error('The operation was aborted');
  err.name = 'AbortError';
  return err;
}
