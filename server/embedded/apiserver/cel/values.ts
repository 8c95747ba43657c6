/**
 * A JSON value as CEL rules see it, typed by its schema: integers as CEL ints, numbers as
 * doubles, objects with declared properties as maps of their (escaped) field names, maps and
 * lists as such. Property names that are CEL keywords or hold characters an identifier cannot
 * are escaped as the apiserver escapes them (`namespace` → `__namespace__`, `a-b` → `a__dash__b`).
 */
import type { CelInput } from '@bufbuild/cel';
import type { JSONSchemaProps } from '../openapi/json-schema.ts';

const RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

/** The name a rule uses for a property, or undefined when no CEL identifier can name it. */
export function escapedPropertyName(name: string): string | undefined {
  if (RESERVED.has(name)) return `__${name}__`;
  const escaped = name.replace(/__/g, '__underscores__').replace(/\./g, '__dot__').replace(/-/g, '__dash__').replace(/\//g, '__slash__');
  return /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(escaped) ? escaped : undefined;
}

function scalar(schema: JSONSchemaProps, value: unknown): CelInput {
  if (typeof value === 'number') {
    const integer = schema.type === 'integer' || (schema['x-kubernetes-int-or-string'] && Number.isInteger(value)) || (!schema.type && Number.isInteger(value));
    return integer && Number.isSafeInteger(value) ? BigInt(value) : value;
  }
  return value as CelInput;
}

export function toCel(schema: JSONSchemaProps | undefined, value: unknown): CelInput {
  const s = schema ?? {};
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((v) => toCel(s.items, v));
  if (typeof value === 'object') {
    const out = new Map<string, CelInput>();
    const additional = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
    for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
      const prop = s.properties?.[name];
      if (prop) {
        const key = escapedPropertyName(name);
        if (key !== undefined) out.set(key, toCel(prop, v));
      } else out.set(name, toCel(additional, v));
    }
    return out;
  }
  return scalar(s, value);
}
