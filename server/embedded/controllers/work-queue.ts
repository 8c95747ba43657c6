import { type CancelTurn, onNextTurn } from '../../next-turn.ts';

/**
 * Collects keys from synchronous store events and reconciles them on the next turn
 * of the event loop, so a burst of changes is handled once and controllers never
 * write from inside another write's event fan-out.
 */
export class WorkQueue {
  private readonly pending = new Set<string>();
  private cancelScheduled: CancelTurn | undefined;
  private stopped = false;

  constructor(
    private readonly name: string,
    private readonly reconcile: (key: string) => void,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    this.pending.add(key);
    this.cancelScheduled ??= onNextTurn(() => this.drain());
  }

  private drain(): void {
    this.cancelScheduled = undefined;
    const keys = [...this.pending];
    this.pending.clear();
    for (const key of keys) {
      if (this.stopped) return;
      try {
        this.reconcile(key);
      } catch (err) {
        console.error(`${this.name}: reconciling ${key} failed:`, err);
      }
    }
  }

  stop(): void {
    this.stopped = true;
    this.cancelScheduled?.();
    this.pending.clear();
  }
}

export const nsKey = (ns: string | undefined, name: string) => `${ns ?? ''}/${name}`;
export const splitKey = (key: string): [string, string] => {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
};
