import { describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';

describe('ScaledClock', () => {
  it('plays simulated time faster: a 7 s delay takes 70 real ms at scale 0.01, and never ends early', async () => {
    const clock = new ScaledClock(0.01);
    const t0 = clock.now();
    const real0 = performance.now();
    await clock.sleep(7000);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(7000);
    expect(performance.now() - real0).toBeGreaterThanOrEqual(69);
  });

  it('ends waits shorter than a real millisecond once their simulated time has passed, not before', async () => {
    const clock = new ScaledClock(0.01);
    for (const simMs of [1, 5, 30, 90]) {
      const t0 = clock.now();
      await clock.sleep(simMs);
      expect(clock.now() - t0, `${simMs} ms`).toBeGreaterThanOrEqual(simMs);
    }
  });

  it('stops a short or a long wait when its signal fires', async () => {
    const clock = new ScaledClock(0.01);
    for (const simMs of [20, 60_000]) {
      const controller = new AbortController();
      const waiting = clock.sleep(simMs, controller.signal);
      controller.abort();
      await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    }
  });

  it('refuses a scale that is not a positive number', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => new ScaledClock(bad)).toThrow(/positive number/);
  });
});
