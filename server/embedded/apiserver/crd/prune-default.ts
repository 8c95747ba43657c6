/**
 * What the apiserver does to a custom object before validating it: drops the fields its
 * structural schema does not declare (unless `x-kubernetes-preserve-unknown-fields`) and
 * nulls where the field is not nullable, then fills in `default`s. Both work in place on a
 * copy the caller owns, and both run again on read-back so a default added to a CRD later
 * shows on objects stored before.
 */
import type { JSONSchemaProps } from '../openapi/json-schema.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/** The top-level fields every object keeps whatever its schema says. */
const OBJECT_ROOT = ['apiVersion', 'kind', 'metadata'];

/** Removes undeclared fields; returns the field paths it removed (for `--validate=strict` warnings). */
export function prune(value: unknown, schema: JSONSchemaProps, root = true, path = '', removed: string[] = []): string[] {
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((item, i) => prune(item, schema.items!, false, `${path}[${i}]`, removed));
    return removed;
  }
  if (!isObject(value)) return removed;
  const embedded = root || schema['x-kubernetes-embedded-resource'];
  const additional = schema.additionalProperties;
  for (const key of Object.keys(value)) {
    const child = path ? `${path}.${key}` : key;
    if (embedded && OBJECT_ROOT.includes(key)) continue;
    const prop = schema.properties?.[key] ?? (isObject(additional) ? additional : undefined);
    if (value[key] === null && prop && !prop.nullable) {
      delete value[key];
      continue;
    }
    if (prop) prune(value[key], prop, false, child, removed);
    else if (!schema['x-kubernetes-preserve-unknown-fields'] && additional !== true) {
      delete value[key];
      removed.push(child);
    }
  }
  return removed;
}

/** Fills in missing fields that declare a `default`, through objects, arrays and maps. */
export function applyDefaults(value: unknown, schema: JSONSchemaProps): void {
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) applyDefaults(item, schema.items);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (value[key] === undefined && prop.default !== undefined) value[key] = structuredClone(prop.default);
    if (value[key] !== undefined) applyDefaults(value[key], prop);
  }
  const additional = schema.additionalProperties;
  if (isObject(additional)) {
    for (const key of Object.keys(value)) if (!schema.properties?.[key]) applyDefaults(value[key], additional as JSONSchemaProps);
  }
}

const defaulting = new WeakMap<JSONSchemaProps, boolean>();

/** Does this schema (anywhere below) declare a default? Remembered per schema: reads of kinds without defaults skip the walk. */
export function hasDefaults(schema: JSONSchemaProps | undefined): boolean {
  if (!schema) return false;
  let known = defaulting.get(schema);
  if (known === undefined) {
    known =
      schema.default !== undefined ||
      Object.values(schema.properties ?? {}).some(hasDefaults) ||
      (schema.items !== undefined && hasDefaults(schema.items)) ||
      (isObject(schema.additionalProperties) && hasDefaults(schema.additionalProperties as JSONSchemaProps));
    defaulting.set(schema, known);
  }
  return known;
}
