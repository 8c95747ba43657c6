import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * How much lower a sandbox's thread runs than the presenter's (a nice value: 0 is normal, 19
 * the lowest). When every sandbox is busy, the OS scheduler then runs the presenter's event
 * loop first, so their panels stay smooth on a 2-core laptop.
 */
export const SANDBOX_NICE = 10;

/**
 * Lowers the priority of the calling thread alone (on Linux a thread has its own id, and
 * setpriority on it affects only that thread). Returns the thread id, or undefined where
 * that is not possible (another OS): the sandbox then runs at normal priority.
 */
export function lowerThisThreadPriority(nice = SANDBOX_NICE): number | undefined {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return undefined;
    setPriority(tid, nice);
    return tid;
  } catch {
    return undefined;
  }
}
