/**
 * Validates a custom object against its version's structural `openAPIV3Schema`, the checks
 * and wording the apiserver uses: type, required, enum, pattern, lengths, item and property
 * counts, ranges, a few formats, list-type uniqueness, oneOf/anyOf/allOf/not. CEL rules
 * (`x-kubernetes-validations`) are evaluated after these (validation-rules.ts).
 */
import type { JSONSchemaProps } from '../openapi/json-schema.ts';
import {
  type FieldError,
  childPath,
  duplicateValue,
  indexPath,
  invalidValue,
  jsonType,
  requiredValue,
  tooLong,
  tooMany,
  typeInvalid,
  unsupportedValue,
} from './field-errors.ts';

const patterns = new Map<string, RegExp | null>();

function compiled(pattern: string): RegExp | null {
  if (!patterns.has(pattern)) {
    try {
      patterns.set(pattern, new RegExp(pattern, 'u'));
    } catch {
      patterns.set(pattern, null);
    }
  }
  return patterns.get(pattern)!;
}

/** The formats cheap to check; any other format passes, as an unknown format does in the apiserver. */
const FORMATS: Record<string, RegExp> = {
  'date-time': /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  ipv4: /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)$/,
  uuid: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
};

function typeMatches(schema: JSONSchemaProps, value: unknown): boolean {
  if (schema['x-kubernetes-int-or-string']) return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
  if (!schema.type) return true;
  const actual = jsonType(value);
  return actual === schema.type || (schema.type === 'number' && actual === 'integer');
}

/** Every field error of `value` at `path`, in the order the schema's keywords are checked. */
export function validateValue(schema: JSONSchemaProps, value: unknown, path: string, out: FieldError[] = []): FieldError[] {
  if (value === null) {
    if (!schema.nullable && schema.type) out.push(typeInvalid(path, value, schema.type));
    return out;
  }
  if (!typeMatches(schema, value)) {
    out.push(typeInvalid(path, value, schema['x-kubernetes-int-or-string'] ? 'integer or string' : schema.type!));
    return out;
  }
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) out.push(unsupportedValue(path, value, schema.enum));
  if (typeof value === 'string') checkString(schema, value, path, out);
  else if (typeof value === 'number') checkNumber(schema, value, path, out);
  else if (Array.isArray(value)) checkArray(schema, value, path, out);
  else if (typeof value === 'object') checkObject(schema, value as Record<string, unknown>, path, out);
  checkComposition(schema, value, path, out);
  return out;
}

function checkString(schema: JSONSchemaProps, value: string, path: string, out: FieldError[]): void {
  if (schema.maxLength !== undefined && [...value].length > schema.maxLength) out.push(tooLong(path, schema.maxLength));
  if (schema.minLength !== undefined && [...value].length < schema.minLength) out.push(invalidValue(path, value, `${path} in body should be at least ${schema.minLength} chars long`));
  if (schema.pattern !== undefined) {
    const re = compiled(schema.pattern);
    if (re && !re.test(value)) out.push(invalidValue(path, value, `${path} in body should match '${schema.pattern}'`));
  }
  const format = schema.format ? FORMATS[schema.format] : undefined;
  if (format && !format.test(value)) out.push(invalidValue(path, value, `${path} in body must be of type ${schema.format}: ${JSON.stringify(value)}`));
}

function checkNumber(schema: JSONSchemaProps, value: number, path: string, out: FieldError[]): void {
  if (schema.minimum !== undefined) {
    const bad = schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum;
    if (bad) out.push(invalidValue(path, value, `${path} in body should be greater than ${schema.exclusiveMinimum ? '' : 'or equal to '}${schema.minimum}`));
  }
  if (schema.maximum !== undefined) {
    const bad = schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum;
    if (bad) out.push(invalidValue(path, value, `${path} in body should be less than ${schema.exclusiveMaximum ? '' : 'or equal to '}${schema.maximum}`));
  }
}

function checkArray(schema: JSONSchemaProps, value: unknown[], path: string, out: FieldError[]): void {
  if (schema.maxItems !== undefined && value.length > schema.maxItems) out.push(tooMany(path, value.length, schema.maxItems));
  if (schema.minItems !== undefined && value.length < schema.minItems) out.push(invalidValue(path, value.length, `${path} in body should have at least ${schema.minItems} items`));
  if (schema.items) value.forEach((item, i) => validateValue(schema.items!, item, indexPath(path, i), out));
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'set' || listType === 'map') {
    const keys = schema['x-kubernetes-list-map-keys'] ?? [];
    const identity = (item: unknown) =>
      listType === 'set' || !item || typeof item !== 'object' ? JSON.stringify(item) : JSON.stringify(keys.map((k) => (item as Record<string, unknown>)[k]));
    const seen = new Set<string>();
    value.forEach((item, i) => {
      const id = identity(item);
      if (seen.has(id)) out.push(duplicateValue(indexPath(path, i), listType === 'set' ? item : Object.fromEntries(keys.map((k) => [k, (item as any)?.[k]]))));
      seen.add(id);
    });
  }
}

function checkObject(schema: JSONSchemaProps, value: Record<string, unknown>, path: string, out: FieldError[]): void {
  const count = Object.keys(value).length;
  if (schema.maxProperties !== undefined && count > schema.maxProperties) out.push(tooMany(path, count, schema.maxProperties));
  if (schema.minProperties !== undefined && count < schema.minProperties) out.push(invalidValue(path, count, `${path} in body should have at least ${schema.minProperties} properties`));
  for (const name of schema.required ?? []) if (value[name] === undefined) out.push(requiredValue(childPath(path, name)));
  for (const [name, v] of Object.entries(value)) {
    const prop = schema.properties?.[name];
    if (prop) validateValue(prop, v, childPath(path, name), out);
    else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') validateValue(schema.additionalProperties, v, indexPath(path, name), out);
  }
}

/** oneOf/anyOf/allOf/not in a structural schema only restrict values (they declare no new fields). */
function checkComposition(schema: JSONSchemaProps, value: unknown, path: string, out: FieldError[]): void {
  const passes = (s: JSONSchemaProps) => validateValue(s, value, path).length === 0;
  for (const s of schema.allOf ?? []) validateValue(s, value, path, out);
  if (schema.oneOf && schema.oneOf.filter(passes).length !== 1) out.push(invalidValue(path, value, `${path} in body must validate one and only one schema (oneOf)`));
  if (schema.anyOf && !schema.anyOf.some(passes)) out.push(invalidValue(path, value, `${path} in body must validate at least one schema (anyOf)`));
  if (schema.not && passes(schema.not)) out.push(invalidValue(path, value, `${path} in body should not validate the schema (not)`));
}

/**
 * A whole custom object: the schema's root checks, with metadata left to the apiserver's own
 * checks (only its name may be constrained by the schema).
 */
export function validateCustomObject(schema: JSONSchemaProps, obj: Record<string, unknown>): FieldError[] {
  const { metadata: _metadata, ...rest } = obj;
  const rootSchema: JSONSchemaProps = { ...schema, properties: { ...(schema.properties ?? {}) } };
  delete rootSchema.properties!.metadata;
  rootSchema.required = (schema.required ?? []).filter((r) => r !== 'metadata' && r !== 'apiVersion' && r !== 'kind');
  return validateValue(rootSchema, rest, '');
}
