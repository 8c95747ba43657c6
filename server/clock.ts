/**
 * The one clock every simulated duration goes through.
 *
 * `scale` is real milliseconds per simulated millisecond: 1 runs in real time,
 * 0.01 plays a 7 s fault delay in 70 ms. `now()` reports simulated epoch time, so
 * traces and ages still show the durations the talk talks about.
 */
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

export class ScaledClock implements Clock {
  private readonly realStart = Date.now();
  private readonly perfStart = performance.now();

  constructor(readonly scale = 1) {
    if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`clock scale must be a positive number, got ${scale}`);
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
      let turn: NodeJS.Immediate | undefined;
      const onAbort = () => {
        clearTimeout(timer);
        if (turn) clearImmediate(turn);
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
        } else if (leftMs < 1) turn = setImmediate(wait);
        else timer = setTimeout(wait, Math.floor(leftMs));
      };
      turn = setImmediate(wait);
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
