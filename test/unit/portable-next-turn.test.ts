import { afterEach, describe, expect, it, vi } from 'vitest';
import { messageChannelTurns } from '../../server/next-turn.ts';

const turns = (n = 1) => new Promise<void>((resolve) => {
  let left = n;
  const step = () => (--left <= 0 ? resolve() : setTimeout(step, 0));
  setTimeout(step, 0);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('a later turn of the event loop, without setImmediate', () => {
  it('runs MessageChannel turns in the order scheduled, after pending microtasks, skipping a cancelled one', async () => {
    const scheduler = messageChannelTurns();
    const ran: string[] = [];
    scheduler.schedule(() => ran.push('first'));
    const cancel = scheduler.schedule(() => ran.push('cancelled'));
    scheduler.schedule(() => ran.push('third'));
    void Promise.resolve().then(() => ran.push('microtask'));
    cancel();
    expect(ran).toEqual([]);
    await turns(3);
    expect(ran).toEqual(['microtask', 'first', 'third']);
    scheduler.close();
  });

  it('is what onNextTurn and the work queue use where setImmediate is missing (a browser worker)', async () => {
    vi.stubGlobal('setImmediate', undefined);
    vi.stubGlobal('clearImmediate', undefined);
    // Loaded afresh, so the module reads the globals as stubbed.
    vi.resetModules();
    const { onNextTurn } = await import('../../server/next-turn.ts');
    const { WorkQueue } = await import('../../server/embedded/controllers/work-queue.ts');
    const reconciled: string[] = [];
    const queue = new WorkQueue('test', (key) => reconciled.push(key));
    queue.add('a');
    queue.add('b');
    queue.add('a');
    let ran = false;
    onNextTurn(() => (ran = true));
    expect([reconciled, ran]).toEqual([[], false]);
    await turns(3);
    expect([reconciled, ran]).toEqual([['a', 'b'], true]);
    queue.add('c');
    queue.stop();
    await turns(3);
    expect(reconciled).toEqual(['a', 'b']);
  });
});
