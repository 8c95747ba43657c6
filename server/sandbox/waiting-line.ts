/**
 * Attendees waiting for a sandbox, first come first served. A place is kept only while its
 * page keeps asking (every few seconds): a page closed in line drops out after `staleMs`.
 */
export class WaitingLine {
  /** Client id → when it last asked; a Map keeps the order they joined in. */
  private readonly waiting = new Map<string, number>();

  constructor(
    private readonly staleMs: number,
    private readonly maxLength: number,
  ) {}

  /** How many still wait (those who stopped asking not counted). */
  get length(): number {
    this.dropStale(Date.now());
    return this.waiting.size;
  }

  /** Joins (or stays in) the line; the 1-based place, or undefined when the line is full. */
  ask(client: string, now = Date.now()): number | undefined {
    this.dropStale(now);
    if (!this.waiting.has(client) && this.waiting.size >= this.maxLength) return undefined;
    this.waiting.set(client, now);
    return this.placeOf(client);
  }

  has(client: string): boolean {
    return this.waiting.has(client);
  }

  /** The first in line who still asks, taken out of the line. */
  next(now = Date.now()): string | undefined {
    this.dropStale(now);
    const first = this.waiting.keys().next();
    if (first.done) return undefined;
    this.waiting.delete(first.value);
    return first.value;
  }

  leave(client: string): void {
    this.waiting.delete(client);
  }

  private placeOf(client: string): number {
    let place = 1;
    for (const c of this.waiting.keys()) {
      if (c === client) return place;
      place++;
    }
    return place;
  }

  private dropStale(now: number): void {
    for (const [c, seen] of this.waiting) if (now - seen > this.staleMs) this.waiting.delete(c);
  }
}
