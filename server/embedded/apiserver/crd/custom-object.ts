/** A custom object as its CRD's schema makes it on every write: unknown fields pruned, defaults filled in, then validated. */
import type { JSONSchemaProps } from '../openapi/json-schema.ts';
import type { FieldError } from './field-errors.ts';
import { applyDefaults, hasDefaults, prune } from './prune-default.ts';
import { validateCustomObject } from './validate-object.ts';

/** Works in place on `obj` (a copy the caller owns); returns what is wrong with the result. */
export function conformCustomObject(obj: Record<string, unknown>, schema: JSONSchemaProps | undefined): FieldError[] {
  if (!schema) return [];
  prune(obj, schema);
  applyDefaults(obj, schema);
  return validateCustomObject(schema, obj);
}

/** A stored object as a version with these schemas shows it: with the defaults of that version filled in. */
export function readBackCustomObject<T extends object>(obj: T, schema: JSONSchemaProps | undefined): T {
  if (!hasDefaults(schema)) return obj;
  const copy = structuredClone(obj);
  applyDefaults(copy, schema!);
  return copy;
}
