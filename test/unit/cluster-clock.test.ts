import { describe, expect, it } from 'vitest';
import { clusterNow } from '../../client/live/cluster-clock.ts';

describe('clusterNow', () => {
  it('goes on from the cluster clock\'s last reading at its speed', () => {
    expect(clusterNow({ nowMs: 1_000_000, scale: 0.1 }, 5_000, 5_010)).toBe(1_000_100);
    expect(clusterNow({ nowMs: 1_000_000, scale: 1 }, 5_000, 5_010)).toBe(1_000_010);
  });
  it('is this browser\'s clock when the cluster sends none (a real cluster)', () => {
    expect(clusterNow(undefined, 5_000, 7_000)).toBe(7_000);
  });
});
