/**
 * Memory after one million spans: the store must stay at its cap, not grow with
 * traffic. `npm run bench` prints these figures.
 */
import { SpanStore } from '../server/embedded/tracing/span-store.ts';
import { sampleBookinfoTrace } from '../test/helpers/sample-spans.ts';

export function benchSpans(total = 1_000_000): { spansRecorded: number; storedSpans: number; heapMB: number } {
  const store = new SpanStore();
  const versions = ['v1', 'v2', 'v3'] as const;
  let startUs = Date.now() * 1000;
  let i = 0;
  while (store.recorded < total) {
    const trace = sampleBookinfoTrace({
      startUs,
      reviewsVersion: versions[i % 3],
      user: i % 2 ? 'jason' : undefined,
      ratingsStatus: i % 10 === 0 ? 500 : 200,
    });
    for (const span of trace) {
      if (store.recorded >= total) break;
      store.record(span);
    }
    startUs += 5_000;
    i++;
  }
  globalThis.gc?.();
  return {
    spansRecorded: store.recorded,
    storedSpans: store.size,
    heapMB: Math.round((process.memoryUsage().heapUsed / 1024 / 1024) * 10) / 10,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const t0 = performance.now();
  const r = benchSpans();
  console.log(`spans: ${r.spansRecorded} recorded, ${r.storedSpans} stored, heap ${r.heapMB} MB, ${Math.round(performance.now() - t0)} ms`);
}
