import { describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { type MeteredEnv, ProxyCostMeter, SAMPLE_EVERY, proxyCostsReport } from '../../server/embedded/mesh/proxy-costs.ts';
import type { Workload } from '../../server/embedded/app-runtime/types.ts';

/** Keeps the CPU busy for `ms` of wall time: the proxy's own work in these tests. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}
const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function fakeEnv(childMs: number): MeteredEnv & { costs: ProxyCostMeter } {
  const costs = new ProxyCostMeter();
  return {
    costs,
    clock: new ScaledClock(1),
    inbound: () => wait(childMs),
    runApp: () => wait(childMs),
  };
}

describe('what a proxy costs of its own', () => {
  it('times one request in SAMPLE_EVERY and counts every one', async () => {
    const env = fakeEnv(0);
    for (let i = 0; i < 4 * SAMPLE_EVERY; i++) await env.costs.measure('sidecar', env, async () => {});
    expect(env.costs.figures().find((f) => f.kind === 'sidecar')).toMatchObject({ requests: 4 * SAMPLE_EVERY, samples: 4 });
  });

  it('leaves out the next hop, the app and simulated sleeps', async () => {
    const env = fakeEnv(100);
    for (let i = 0; i < SAMPLE_EVERY; i++) {
      await env.costs.measure('sidecar', env, async (e) => {
        busy(20);
        await e.inbound();
        await e.runApp();
        await e.clock.sleep(100);
        busy(20);
      });
    }
    const own = env.costs.figures().find((f) => f.kind === 'sidecar')!.medianMs!;
    // 40 ms of its own work against 300 ms spent waiting on others: far less than the elapsed time.
    expect(own).toBeGreaterThanOrEqual(38);
    expect(own).toBeLessThan(200);
  });

  it("a waypoint's time inside a ztunnel's connection is the waypoint's, not the ztunnel's", async () => {
    const env = fakeEnv(0);
    for (let i = 0; i < SAMPLE_EVERY; i++) {
      await env.costs.measure('ztunnel', env, async (e) => {
        // The waypoint's work starts synchronously, inside the call.
        await e.costs.measure('waypoint', e, async () => {
          busy(60);
          await wait(100);
        });
      });
    }
    const [, ztunnel, waypoint] = env.costs.figures();
    expect(ztunnel.medianMs!).toBeLessThan(40);
    expect(waypoint.samples).toBe(1);
  });

  it('reports per 1,000 requests and as vCPU per 1,000 requests/s, with memory per instance', async () => {
    const env = fakeEnv(0);
    for (let i = 0; i < SAMPLE_EVERY; i++) await env.costs.measure('ztunnel', env, async () => busy(2));
    const pod = (name: string) => ({ pod: name, uid: name }) as Workload;
    const report = proxyCostsReport(env.costs, { sidecar: [], ztunnel: [pod('ztunnel-a'), pod('ztunnel-b')], waypoint: [] }, (p) => (p.uid === 'ztunnel-a' ? 4096 : 2048));
    expect(report.measuredOn).toBe('simulated on this laptop');
    const z = report.proxies.find((p) => p.kind === 'ztunnel')!;
    expect(z.instances).toBe(2);
    expect(z.memoryKiBPerInstance).toBe(3);
    expect(z.cpuMsPer1000Requests!).toBeGreaterThanOrEqual(1900);
    expect(z.vcpuPer1000Rps!).toBeCloseTo(z.cpuMsPer1000Requests! / 1000, 2);
    expect(report.proxies.find((p) => p.kind === 'sidecar')).toEqual({ kind: 'sidecar', instances: 0, requests: 0, samples: 0 });
  });
});
