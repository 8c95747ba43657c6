/**
 * What the simulated data plane itself spends per proxy kind, measured while it runs: the
 * time each proxy's own code takes per request (the calls it hands on to the next hop or the
 * app, and simulated waits, are not its own), so the costs slide can show the embedded
 * cluster's figures beside istio.io's. Only every SAMPLE_EVERY-th request per kind is timed,
 * and only a bounded window of samples is kept, so measuring costs close to nothing.
 */
import type { Clock } from '../../clock.ts';
import type { ProxyCostFigures, ProxyCostsReport } from '../../protocol.ts';
import type { Workload } from '../app-runtime/types.ts';

export type MeteredProxy = 'sidecar' | 'ztunnel' | 'waypoint';
export const METERED_PROXIES: readonly MeteredProxy[] = ['sidecar', 'ztunnel', 'waypoint'];

export const SAMPLE_EVERY = 8;
const SAMPLES_KEPT = 512;

/** The calls of an env that leave the proxy: their time is not the proxy's own. */
export interface MeteredEnv {
  clock: Clock;
  inbound(...args: any[]): Promise<unknown>;
  runApp(...args: any[]): Promise<unknown>;
}

const SLICE = Symbol('proxy cost slice');
const BASE = Symbol('unmetered env');

/** One sampled request through one proxy: its elapsed time less the time spent outside it. */
class Slice {
  private readonly started = performance.now();
  private outsideMs = 0;

  /** Runs `call` and counts its time, from the call (its synchronous part too) until it settles, as outside the proxy. */
  outside<T>(call: () => Promise<T>): Promise<T> {
    const t = performance.now();
    let p: Promise<T>;
    try {
      p = call();
    } catch (err) {
      this.outsideMs += performance.now() - t;
      throw err;
    }
    const done = () => {
      this.outsideMs += performance.now() - t;
    };
    p.then(done, done);
    return p;
  }

  ownMs(): number {
    return Math.max(0, performance.now() - this.started - this.outsideMs);
  }
}

class SampleWindow {
  private readonly values: number[] = [];
  private next = 0;
  requests = 0;

  add(v: number): void {
    if (this.values.length < SAMPLES_KEPT) this.values.push(v);
    else this.values[this.next] = v;
    this.next = (this.next + 1) % SAMPLES_KEPT;
  }

  get samples(): number {
    return this.values.length;
  }

  /** The typical request: a first request after a config change (which compiles it) or a GC pause does not move it. */
  median(): number | undefined {
    if (!this.values.length) return undefined;
    const sorted = [...this.values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }
}

export interface ProxyCpuFigure {
  kind: MeteredProxy;
  /** Requests that passed this kind of proxy since the mesh started. */
  requests: number;
  /** Of the latest, how many were timed. */
  samples: number;
  /** Own time of the typical (median) timed request, ms; undefined before any sample. */
  medianMs?: number;
}

export class ProxyCostMeter {
  private readonly windows = new Map<MeteredProxy, SampleWindow>(METERED_PROXIES.map((k) => [k, new SampleWindow()]));

  /**
   * Runs one proxy's handling of a request. `run` gets the env to use: on a sampled request
   * one whose calls out of the proxy (next hop, app, simulated sleeps, a nested proxy) are
   * timed as outside it; else the env itself.
   */
  measure<E extends MeteredEnv, T>(kind: MeteredProxy, env: E, run: (env: E) => Promise<T>): Promise<T> {
    const parent = (env as { [SLICE]?: Slice })[SLICE];
    const base = ((env as { [BASE]?: E })[BASE] ?? env) as E;
    const w = this.windows.get(kind)!;
    w.requests++;
    const sampled = w.requests % SAMPLE_EVERY === 0;
    const inner = () => (sampled ? this.sampledRun(w, base, run) : run(base));
    return parent ? parent.outside(inner) : inner();
  }

  figures(): ProxyCpuFigure[] {
    return METERED_PROXIES.map((kind) => {
      const w = this.windows.get(kind)!;
      return { kind, requests: w.requests, samples: w.samples, medianMs: w.median() };
    });
  }

  private async sampledRun<E extends MeteredEnv, T>(w: SampleWindow, base: E, run: (env: E) => Promise<T>): Promise<T> {
    const slice = new Slice();
    try {
      return await run(meteredEnv(base, slice));
    } finally {
      w.add(slice.ownMs());
    }
  }
}

/** `base` with its calls out of the proxy timed as outside `slice`; everything else is `base`'s own. */
function meteredEnv<E extends MeteredEnv>(base: E, slice: Slice): E {
  const clock: Clock = new Proxy(base.clock, {
    get(target, prop) {
      if (prop === 'sleep') return (ms: number, signal?: AbortSignal) => slice.outside(() => target.sleep(ms, signal));
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const overrides: Record<PropertyKey, unknown> = {
    [SLICE]: slice,
    [BASE]: base,
    clock,
    inbound: (...args: unknown[]) => slice.outside(() => base.inbound(...args)),
    runApp: (...args: unknown[]) => slice.outside(() => base.runApp(...args)),
  };
  return new Proxy(base, {
    get(target, prop) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop];
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

const round = (n: number, digits: number) => Number(n.toFixed(digits));

/**
 * The report the costs slide shows: per kind, the typical sampled own time scaled to 1,000 requests
 * (and, as istio.io puts it, the vCPU that 1,000 requests/s would take), and what each running
 * instance holds (`memoryOf`, bytes).
 */
export function proxyCostsReport(meter: ProxyCostMeter, instances: Record<MeteredProxy, Workload[]>, memoryOf: (pod: Workload) => number): ProxyCostsReport {
  const proxies = meter.figures().map((f): ProxyCostFigures => {
    const pods = instances[f.kind];
    const out: ProxyCostFigures = { kind: f.kind, instances: pods.length, requests: f.requests, samples: f.samples };
    if (f.medianMs !== undefined) {
      out.cpuMsPer1000Requests = round(f.medianMs * 1000, 1);
      // 1,000 requests a second at medianMs each keep medianMs seconds of CPU busy per second.
      out.vcpuPer1000Rps = round(f.medianMs, 3);
    }
    if (pods.length) out.memoryKiBPerInstance = round(pods.reduce((n, p) => n + memoryOf(p), 0) / pods.length / 1024, 1);
    return out;
  });
  return { measuredOn: 'simulated on this laptop', sampleEvery: SAMPLE_EVERY, proxies };
}
