// Span records as the simulated data plane emits them; the store and the
// Jaeger query API are built on these.

export interface KeyValue { key: string; type: 'string' | 'bool' | 'int64' | 'float64'; value: string | number | boolean }

export interface SpanRecord {
  traceID: string; // 32 hex
  spanID: string; // 16 hex
  parentSpanID?: string;
  operationName: string;
  serviceName: string; // e.g. 'productpage.default'
  startTime: number; // µs since epoch, simulated clock
  duration: number; // µs
  tags: KeyValue[];
  logs?: { timestamp: number; fields: KeyValue[] }[];
}

export interface SpanSink { record(span: SpanRecord): void }
