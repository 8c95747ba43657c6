import { describe, expect, it } from 'vitest';
import { SpanStore } from '../../server/embedded/tracing/span-store.ts';
import { RenderedTraces } from '../../server/embedded/tracing/rendered-traces.ts';
import { sampleBookinfoTrace } from '../helpers/sample-spans.ts';

describe('RenderedTraces: the trace API renders each trace once and keeps a bounded amount', () => {
  const filled = (n: number) => {
    const store = new SpanStore({ maxSpans: 10_000 });
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const trace = sampleBookinfoTrace({ startUs: 1_700_000_000_000_000 + i * 1000, reviewsVersion: 'v1' });
      for (const s of trace) store.record(s);
      ids.push(trace[0].traceID);
    }
    return { store, ids };
  };

  it('answers the same text for a trace asked again, and a new text once it gains a span', () => {
    const { store, ids } = filled(2);
    const rendered = new RenderedTraces(store);
    const first = rendered.json(ids[0])!;
    expect(JSON.parse(first).traceID).toBe(ids[0]);
    expect(rendered.json(ids[0])).toBe(first);
    const extra = { ...store.getTrace(ids[0])![0], spanID: 'f'.repeat(16), operationName: 'late-span' };
    store.record(extra);
    expect(rendered.json(ids[0])).toContain('late-span');
  });

  it('keeps its cache under its size bound however many traces are asked, and still answers every one', () => {
    const { store, ids } = filled(200);
    const one = JSON.stringify(JSON.parse(new RenderedTraces(store).json(ids[0])!)).length;
    const rendered = new RenderedTraces(store, 1000, one * 10);
    for (const id of ids) expect(JSON.parse(rendered.json(id)!).traceID).toBe(id);
    const kept = (rendered as unknown as { cache: Map<string, { json: string }> }).cache;
    const chars = [...kept.values()].reduce((n, e) => n + e.json.length, 0);
    expect(chars).toBeLessThanOrEqual(one * 10 + one);
    expect(kept.size).toBeLessThan(20);
    // The most recently asked stay.
    expect(kept.has(ids[199])).toBe(true);
    expect(kept.has(ids[0])).toBe(false);
  });
});
