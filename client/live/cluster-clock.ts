import type { ClusterClock } from '../../server/protocol.ts';

/**
 * "Now" in the cluster's time. The embedded cluster may run a sped-up clock, so its
 * timestamps run ahead of this browser's: count from its last reading (received at
 * `receivedAt`, local ms) at its speed. Without a reading it is this browser's clock.
 */
export function clusterNow(clock: ClusterClock | undefined, receivedAt: number, localNow = Date.now()): number {
  return clock ? clock.nowMs + (localNow - receivedAt) / clock.scale : localNow;
}
