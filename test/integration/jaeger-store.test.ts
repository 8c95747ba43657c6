import { describe, expect, it } from 'vitest';
import { SpanStore } from '../../server/embedded/tracing/span-store.ts';
import { sampleBookinfoTrace } from '../helpers/sample-spans.ts';
import type { SpanRecord } from '../../server/embedded/tracing/types.ts';

describe('SpanStore', () => {
  it('stays at its cap by evicting whole oldest traces', () => {
    const store = new SpanStore({ maxSpans: 400 });
    const recorded: SpanRecord[][] = [];
    let startUs = 1_700_000_000_000_000;
    while (store.recorded < 1200) {
      const trace = sampleBookinfoTrace({ startUs, reviewsVersion: recorded.length % 2 ? 'v2' : 'v1' });
      recorded.push(trace);
      for (const s of trace) store.record(s);
      startUs += 1000;
      expect(store.size).toBeLessThanOrEqual(400);
    }
    expect(store.size).toBeGreaterThan(400 - 8);
    // The first traces are gone entirely; the newest one is whole.
    expect(store.getTrace(recorded[0][0].traceID)).toBeUndefined();
    expect(store.getTrace(recorded[10][0].traceID)).toBeUndefined();
    const newest = recorded[recorded.length - 1];
    expect(store.getTrace(newest[0].traceID)).toHaveLength(newest.length);
    // Every kept trace is complete: eviction never splits a trace.
    const kept = store.findTraces({ service: 'istio-ingressgateway.istio-system', limit: 1000 });
    expect(kept.reduce((n, t) => n + t.length, 0)).toBe(store.size);
    for (const t of kept) expect([6, 8]).toContain(t.length);
    // Indexes forget evicted traces too: every service search finds only kept traces.
    for (const service of store.services()) {
      for (const t of store.findTraces({ service, limit: 1000 })) expect(store.getTrace(t[0].traceID)).toBeDefined();
    }
  });

  it('forgets the operations of evicted traces', () => {
    const store = new SpanStore({ maxSpans: 2 });
    const span = (traceID: string, op: string): SpanRecord => ({
      traceID, spanID: traceID.slice(0, 16), operationName: op, serviceName: 'a.default', startTime: 1, duration: 1,
      tags: [{ key: 'span.kind', type: 'string', value: 'server' }],
    });
    store.record(span('1'.repeat(32), 'old-op'));
    store.record(span('2'.repeat(32), 'new-op'));
    store.record(span('3'.repeat(32), 'new-op'));
    expect(store.operationsOf('a.default')).toEqual([{ name: 'new-op', spanKind: 'server' }]);
  });

  it('keeps its own copy of recorded spans', () => {
    const store = new SpanStore();
    const [span] = sampleBookinfoTrace({ startUs: 1 });
    store.record(span);
    span.tags[0].value = 'changed by the caller';
    expect(store.getTrace(span.traceID)![0].tags[0].value).toBe('proxy');
  });

  it('refuses a nonsensical cap', () => {
    expect(() => new SpanStore({ maxSpans: 0 })).toThrow(/maxSpans must be a positive integer/);
  });
});
