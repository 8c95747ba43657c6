/** A custom object as its CRD's schema makes it on every write: unknown fields pruned, defaults filled in, then validated. */
import type { JSONSchemaProps } from '../openapi/json-schema.ts';
import { type FieldError, invalidValue } from './field-errors.ts';
import { applyDefaults, hasDefaults, prune } from './prune-default.ts';
import { type RuleTree, validateRules } from './validation-rules.ts';
import { validateCustomObject } from './validate-object.ts';

/** Schema errors after which the CEL rules are not run: the values are not of the types the rules were written for. */
const BLOCKING = new Set<FieldError['reason']>(['FieldValueTypeInvalid', 'FieldValueNotSupported']);

/**
 * Works in place on `obj` (a copy the caller owns); returns what is wrong with the result:
 * the schema's checks, then its CEL rules (`old` is the stored object on update).
 */
export function conformCustomObject(obj: Record<string, unknown>, schema: JSONSchemaProps | undefined, rules?: RuleTree, old?: Record<string, unknown>): FieldError[] {
  if (!schema) return [];
  prune(obj, schema);
  applyDefaults(obj, schema);
  const errors = validateCustomObject(schema, obj);
  if (!rules) return errors;
  if (errors.some((e) => BLOCKING.has(e.reason))) {
    return [...errors, invalidValue('<nil>', null, 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation')];
  }
  return [...errors, ...validateRules(rules, obj, old)];
}

/** A stored object as a version with these schemas shows it: with the defaults of that version filled in. */
export function readBackCustomObject<T extends object>(obj: T, schema: JSONSchemaProps | undefined): T {
  if (!hasDefaults(schema)) return obj;
  const copy = structuredClone(obj);
  applyDefaults(copy, schema!);
  return copy;
}
