/**
 * A later turn of the event loop, wherever the cluster runs. Node's setImmediate runs after
 * pending I/O, so a long job cut into turns lets requests in between. A browser has no
 * setImmediate, and it clamps nested zero timeouts to 4 ms, so there a MessageChannel post
 * (a macrotask with no clamp) gives the turn instead.
 */

/** Cancels a scheduled run that has not happened yet. */
export type CancelTurn = () => void;

export interface TurnScheduler {
  /** Runs `run` on a later turn (in the order scheduled); returns a function that cancels it. */
  schedule(run: () => void): CancelTurn;
}

/** Turns made by MessageChannel posts: one post per run, runs in the order posted. */
export function messageChannelTurns(): TurnScheduler & { close(): void } {
  const channel = new MessageChannel();
  const queue: Array<(() => void) | undefined> = [];
  channel.port1.onmessage = () => queue.shift()?.();
  // Node keeps a process alive while a port listens; a browser's MessagePort has no unref.
  (channel.port1 as { unref?: () => void }).unref?.();
  return {
    schedule(run) {
      const entry = () => run();
      queue.push(entry);
      channel.port2.postMessage(null);
      return () => {
        const at = queue.indexOf(entry);
        // Left in place as a hole, so each later post still runs the entry it was posted for.
        if (at >= 0) queue[at] = undefined;
      };
    },
    close() {
      queue.length = 0;
      channel.port1.close();
    },
  };
}

// Read off globalThis, so where they are missing this is undefined rather than a ReferenceError.
const { setImmediate: immediate, clearImmediate: clearImmediateOf } = globalThis as Partial<Pick<typeof globalThis, 'setImmediate' | 'clearImmediate'>>;

let channelTurns: TurnScheduler | undefined;

/** setImmediate where it exists (Node), else a MessageChannel post (a browser or its workers). */
export function onNextTurn(run: () => void): CancelTurn {
  if (immediate && clearImmediateOf) {
    const handle = immediate(run);
    return () => clearImmediateOf(handle);
  }
  channelTurns ??= messageChannelTurns();
  return channelTurns.schedule(run);
}
