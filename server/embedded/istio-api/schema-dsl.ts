/**
 * A compact description of an Istio spec's shape, from which both the structural
 * validator and the editor's JSON Schemas are derived, so the two never disagree.
 * No Node imports: the browser bundle loads this through schemas.ts.
 */

export type Shape =
  | { type: 'string'; description?: string; enum?: string[]; format?: 'duration' }
  | { type: 'integer'; description?: string; minimum?: number; maximum?: number }
  | { type: 'number'; description?: string; minimum?: number; maximum?: number }
  | { type: 'boolean'; description?: string }
  | { type: 'object'; description?: string; properties: Record<string, Shape>; required?: string[]; oneOf?: string[][] }
  | { type: 'map'; description?: string; values: Shape }
  | { type: 'array'; description?: string; items: Shape }
  | { type: 'any'; description?: string };

type Described<T> = T & { description?: string };

export const str = (description?: string): Shape => ({ type: 'string', description });
export const duration = (description?: string): Shape => ({ type: 'string', format: 'duration', description });
export const enumOf = (values: string[], description?: string): Shape => ({ type: 'string', enum: values, description });
export const int = (description?: string, range: { minimum?: number; maximum?: number } = {}): Shape => ({ type: 'integer', description, ...range });
export const uint32 = (description?: string): Shape => int(description, { minimum: 0, maximum: 4294967295 });
export const num = (description?: string): Shape => ({ type: 'number', description });
export const bool = (description?: string): Shape => ({ type: 'boolean', description });
export const arr = (items: Shape, description?: string): Shape => ({ type: 'array', items, description });
export const strings = (description?: string): Shape => arr(str(), description);
export const map = (values: Shape, description?: string): Shape => ({ type: 'map', values, description });
export const labels = (description?: string): Shape => map(str(), description);
export const any = (description?: string): Shape => ({ type: 'any', description });

/** An object; `oneOf` lists groups of fields of which at most one may be set (protobuf oneofs). */
export function obj(
  properties: Record<string, Shape>,
  opts: Described<{ required?: string[]; oneOf?: string[][] }> = {},
): Shape {
  return { type: 'object', properties, ...opts };
}

/**
 * Go duration syntax, as the CRDs' CEL `duration(self)` accepts it: `7s`, `0.5s`, `100ms`,
 * `1m30s`. Negative and all-zero durations are excluded, as `>= duration('1ms')` rejects them.
 */
export const GO_DURATION_PATTERN = '^(?!(?:0*\\.?0*(?:ns|us|µs|μs|ms|s|m|h))+$)\\+?(?:(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+$';
