import type { SpanStore } from './span-store.ts';
import { toJaegerTrace } from './jaeger-json.ts';

/**
 * Traces as Jaeger JSON text, each rendered once until it gains a span. The panels poll the
 * same recent traces every second or two (the graph hundreds at a time), and rendering them
 * anew each time was most of what the trace API cost. Only the most recently asked are kept,
 * up to a count and a size: a Bookinfo trace is about 12 KB of JSON, and a thousand of them
 * were most of what a long-running deck's heap gained.
 */
export class RenderedTraces {
  private readonly cache = new Map<string, { spans: number; json: string }>();
  private chars = 0;

  constructor(
    private readonly store: SpanStore,
    private readonly max = 1000,
    private readonly maxChars = 4_000_000,
  ) {}

  /** The trace's JSON, or undefined when the store does not hold it. */
  json(traceID: string): string | undefined {
    const spans = this.store.spanCountOf(traceID);
    if (!spans) return undefined;
    const hit = this.cache.get(traceID);
    this.cache.delete(traceID); // re-inserted below: the Map's order is the order of use
    if (hit && hit.spans === spans) {
      this.cache.set(traceID, hit);
      return hit.json;
    }
    if (hit) this.chars -= hit.json.length;
    const json = JSON.stringify(toJaegerTrace(this.store.getTrace(traceID)!));
    this.cache.set(traceID, { spans, json });
    this.chars += json.length;
    while (this.cache.size > 1 && (this.cache.size > this.max || this.chars > this.maxChars)) {
      const [oldest, entry] = this.cache.entries().next().value!;
      this.cache.delete(oldest);
      this.chars -= entry.json.length;
    }
    return json;
  }
}
