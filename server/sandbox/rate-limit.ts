/**
 * At most `limit` events per key (a client address) in any `windowMs`: the times of the last
 * events are kept per key, and keys with none left in the window are forgotten, so the map
 * stays as small as the set of recent clients.
 */
export class RateLimit {
  private readonly events = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one event for `key` when within the limit; otherwise how long until one is allowed. */
  take(key: string, now = Date.now()): { ok: true } | { ok: false; retryAfterMs: number } {
    this.forgetOld(now);
    const times = this.events.get(key) ?? [];
    if (times.length >= this.limit) return { ok: false, retryAfterMs: Math.max(1, times[0] + this.windowMs - now) };
    times.push(now);
    this.events.set(key, times);
    return { ok: true };
  }

  private forgetOld(now: number): void {
    for (const [key, times] of this.events) {
      while (times.length && now - times[0] >= this.windowMs) times.shift();
      if (!times.length) this.events.delete(key);
    }
  }
}
