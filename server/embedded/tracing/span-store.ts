import type { KeyValue, SpanRecord, SpanSink } from './types.ts';

export interface SpanStoreOptions {
  /** Spans kept at most; whole oldest traces are evicted beyond it. */
  maxSpans?: number;
}

/** A trace search, in the store's own units (µs). Undefined bounds are open. */
export interface SpanQuery {
  service?: string;
  operation?: string;
  /** Every pair must match one tag of the same span (values compared as strings). */
  tags?: Record<string, string>;
  startMinUs?: number;
  startMaxUs?: number;
  durationMinUs?: number;
  durationMaxUs?: number;
  /** Traces returned at most, newest first. */
  limit?: number;
}

export interface OperationInfo {
  name: string;
  /** From the span's `span.kind` tag; '' when it has none. */
  spanKind: string;
}

type TagValue = KeyValue['value'];

/** Tag keys and types in order; spans from one proxy share one, so a span stores only values. */
interface TagSchema {
  keys: string[];
  types: KeyValue['type'][];
  spanKind: number; // index of `span.kind`, or -1
}

/** A span as stored: tag values only, against a shared schema. */
export interface StoredSpan {
  traceID: string;
  spanID: string;
  parentSpanID?: string;
  operationName: string;
  serviceName: string;
  startTime: number;
  duration: number;
  schema: TagSchema;
  values: TagValue[];
  logs?: { timestamp: number; fields: KeyValue[] }[];
}

interface TraceEntry {
  spans: StoredSpan[];
}

/**
 * A stored span costs about half a kilobyte, so this is some 13 MB: a few thousand Bookinfo
 * requests, several minutes of the deck's demo traffic, far more than the graph's minute and
 * the traces list read. 100,000 held some 50 MB more, for searches few make in a talk.
 */
export const DEFAULT_MAX_SPANS = 25_000;
// Repeated tag values (node ids, clusters, service names) are shared through this pool
// so a full store costs one copy of each; the pool is cleared when it grows past this.
const INTERN_POOL_MAX = 20_000;
const SCHEMA_POOL_MAX = 1_000;

/**
 * In-memory span storage for the Jaeger query API: bounded, indexed by trace id,
 * service and service+operation. Traces are kept in arrival order so eviction drops
 * whole oldest traces first.
 */
export class SpanStore implements SpanSink {
  readonly maxSpans: number;
  private readonly traces = new Map<string, TraceEntry>();
  private readonly byService = new Map<string, Set<string>>();
  private readonly byOperation = new Map<string, Set<string>>();
  /** service → operation key → span count, so operation lists forget evicted operations. */
  private readonly operations = new Map<string, Map<string, { info: OperationInfo; count: number }>>();
  private readonly internPool = new Map<string, string>();
  private readonly schemas = new Map<string, TagSchema>();
  private spanCount = 0;
  private recordedTotal = 0;
  private newestUs = 0;

  constructor(opts: SpanStoreOptions = {}) {
    const max = opts.maxSpans ?? DEFAULT_MAX_SPANS;
    if (!Number.isInteger(max) || max < 1) throw new Error(`SpanStore maxSpans must be a positive integer, got ${max}`);
    this.maxSpans = max;
  }

  /** Spans held now. */
  get size(): number {
    return this.spanCount;
  }

  get traceCount(): number {
    return this.traces.size;
  }

  /** Spans ever recorded, evicted ones included. */
  get recorded(): number {
    return this.recordedTotal;
  }

  /** Latest span start seen, µs (0 when empty); stands in for "now" when no clock is given. */
  get newestStartUs(): number {
    return this.newestUs;
  }

  record(input: SpanRecord): void {
    const span = this.compact(input);
    let trace = this.traces.get(span.traceID);
    if (!trace) {
      trace = { spans: [] };
      this.traces.set(span.traceID, trace);
    }
    trace.spans.push(span);
    this.spanCount++;
    this.recordedTotal++;
    if (span.startTime > this.newestUs) this.newestUs = span.startTime;
    this.index(span);
    while (this.spanCount > this.maxSpans) this.evictOldest();
  }

  getTrace(traceID: string): SpanRecord[] | undefined {
    return this.traces.get(traceKey(traceID))?.spans.map(toRecord);
  }

  services(): string[] {
    return [...this.byService.keys()].sort();
  }

  operationsOf(service: string, spanKind?: string): OperationInfo[] {
    const ops = this.operations.get(service);
    if (!ops) return [];
    const out: OperationInfo[] = [];
    for (const { info } of ops.values()) if (!spanKind || info.spanKind === spanKind) out.push(info);
    return out.sort((a, b) => a.name.localeCompare(b.name) || a.spanKind.localeCompare(b.spanKind));
  }

  /** Traces with at least one span matching every condition, newest first. */
  findTraces(q: SpanQuery): SpanRecord[][] {
    return this.findTraceIDs(q).map((id) => this.traces.get(id)!.spans.map(toRecord));
  }

  /** The ids of what findTraces would answer, without building the spans. */
  findTraceIDs(q: SpanQuery): string[] {
    const limit = q.limit && q.limit > 0 ? q.limit : 100;
    let candidates: Set<string> | undefined;
    if (q.service !== undefined && q.operation) candidates = this.byOperation.get(opKey(q.service, q.operation));
    else if (q.service !== undefined) candidates = this.byService.get(q.service);
    else candidates = new Set(this.traces.keys());
    if (!candidates) return [];
    const ids = [...candidates];
    const out: string[] = [];
    for (let i = ids.length - 1; i >= 0 && out.length < limit; i--) {
      const trace = this.traces.get(ids[i]);
      if (trace && trace.spans.some((s) => spanMatches(s, q))) out.push(ids[i]);
    }
    return out;
  }

  /** Spans held for a trace (0 when it is not held): a trace changes only by gaining spans. */
  spanCountOf(traceID: string): number {
    return this.traces.get(traceKey(traceID))?.spans.length ?? 0;
  }

  /** Every trace as stored (tags not expanded), oldest first; for dependency computation. */
  *allTraces(): IterableIterator<readonly StoredSpan[]> {
    for (const t of this.traces.values()) yield t.spans;
  }

  clear(): void {
    this.traces.clear();
    this.byService.clear();
    this.byOperation.clear();
    this.operations.clear();
    this.internPool.clear();
    this.schemas.clear();
    this.spanCount = 0;
  }

  private index(span: StoredSpan): void {
    addTo(this.byService, span.serviceName, span.traceID);
    addTo(this.byOperation, opKey(span.serviceName, span.operationName), span.traceID);
    const kind = spanKindOf(span);
    let ops = this.operations.get(span.serviceName);
    if (!ops) this.operations.set(span.serviceName, (ops = new Map()));
    const key = `${kind}\u0000${span.operationName}`;
    const entry = ops.get(key);
    if (entry) entry.count++;
    else ops.set(key, { info: { name: span.operationName, spanKind: kind }, count: 1 });
  }

  private evictOldest(): void {
    const first = this.traces.entries().next();
    if (first.done) return;
    const [traceID, trace] = first.value;
    this.traces.delete(traceID);
    this.spanCount -= trace.spans.length;
    for (const span of trace.spans) {
      removeFrom(this.byService, span.serviceName, traceID);
      removeFrom(this.byOperation, opKey(span.serviceName, span.operationName), traceID);
      const ops = this.operations.get(span.serviceName);
      const key = `${spanKindOf(span)}\u0000${span.operationName}`;
      const entry = ops?.get(key);
      if (ops && entry && --entry.count === 0) {
        ops.delete(key);
        if (ops.size === 0) this.operations.delete(span.serviceName);
      }
    }
  }

  /** A copy that owns nothing of the caller's and shares repeated strings and tag schemas. */
  private compact(s: SpanRecord): StoredSpan {
    const out: StoredSpan = {
      traceID: this.intern(traceKey(s.traceID)),
      spanID: s.spanID,
      operationName: this.intern(s.operationName),
      serviceName: this.intern(s.serviceName),
      startTime: s.startTime,
      duration: s.duration,
      schema: this.schemaOf(s.tags),
      values: s.tags.map((t) => (typeof t.value === 'string' ? this.intern(t.value) : t.value)),
    };
    if (s.parentSpanID) out.parentSpanID = s.parentSpanID;
    if (s.logs?.length) out.logs = s.logs.map((l) => ({ timestamp: l.timestamp, fields: l.fields.map((f) => this.internTag(f)) }));
    return out;
  }

  private schemaOf(tags: KeyValue[]): TagSchema {
    let id = '';
    for (const t of tags) id += `${t.key}\u0000${t.type}\u0001`;
    let schema = this.schemas.get(id);
    if (!schema) {
      if (this.schemas.size >= SCHEMA_POOL_MAX) this.schemas.clear();
      const keys = tags.map((t) => this.intern(t.key));
      schema = { keys, types: tags.map((t) => t.type), spanKind: keys.indexOf('span.kind') };
      this.schemas.set(id, schema);
    }
    return schema;
  }

  private internTag(t: KeyValue): KeyValue {
    return { key: this.intern(t.key), type: t.type, value: typeof t.value === 'string' ? this.intern(t.value) : t.value };
  }

  private intern(s: string): string {
    if (s.length > 200) return s;
    const hit = this.internPool.get(s);
    if (hit !== undefined) return hit;
    if (this.internPool.size >= INTERN_POOL_MAX) this.internPool.clear();
    this.internPool.set(s, s);
    return s;
  }
}

/** Trace ids compare as 128-bit numbers: a 64-bit id is the same trace as its zero-padded form. */
export function traceKey(traceID: string): string {
  return traceID.toLowerCase().padStart(32, '0');
}

function spanKindOf(span: StoredSpan): string {
  const i = span.schema.spanKind;
  return i < 0 ? '' : String(span.values[i]);
}

function toRecord(s: StoredSpan): SpanRecord {
  const { keys, types } = s.schema;
  const out: SpanRecord = {
    traceID: s.traceID,
    spanID: s.spanID,
    operationName: s.operationName,
    serviceName: s.serviceName,
    startTime: s.startTime,
    duration: s.duration,
    tags: s.values.map((value, i) => ({ key: keys[i], type: types[i], value })),
  };
  if (s.parentSpanID) out.parentSpanID = s.parentSpanID;
  if (s.logs) out.logs = s.logs.map((l) => ({ timestamp: l.timestamp, fields: l.fields.map((f) => ({ ...f })) }));
  return out;
}

function spanMatches(s: StoredSpan, q: SpanQuery): boolean {
  if (q.service !== undefined && s.serviceName !== q.service) return false;
  if (q.operation && s.operationName !== q.operation) return false;
  if (q.startMinUs !== undefined && s.startTime < q.startMinUs) return false;
  if (q.startMaxUs !== undefined && s.startTime > q.startMaxUs) return false;
  if (q.durationMinUs !== undefined && s.duration < q.durationMinUs) return false;
  if (q.durationMaxUs !== undefined && s.duration > q.durationMaxUs) return false;
  if (q.tags) {
    for (const [key, want] of Object.entries(q.tags)) if (!hasTag(s, key, want)) return false;
  }
  return true;
}

// As Jaeger's memory store: a tag matches on the span's tags or its log fields.
function hasTag(s: StoredSpan, key: string, want: string): boolean {
  const keys = s.schema.keys;
  for (let i = 0; i < keys.length; i++) if (keys[i] === key && String(s.values[i]) === want) return true;
  return !!s.logs?.some((l) => l.fields.some((f) => f.key === key && String(f.value) === want));
}

function opKey(service: string, operation: string): string {
  return `${service}\u0000${operation}`;
}

function addTo(index: Map<string, Set<string>>, key: string, traceID: string): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(traceID);
}

function removeFrom(index: Map<string, Set<string>>, key: string, traceID: string): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(traceID);
  if (set.size === 0) index.delete(key);
}
