import type { StatusCause } from '../types.ts';

/** A field path as a real API server names it in a 422's causes, which kubectl prints: `spec.http[0].match[1].headers[end-user]`. */
export class FieldPath {
  constructor(readonly text: string) {}
  child(name: string): FieldPath {
    return new FieldPath(this.text ? `${this.text}.${name}` : name);
  }
  index(i: number): FieldPath {
    return new FieldPath(`${this.text}[${i}]`);
  }
  key(k: string): FieldPath {
    return new FieldPath(`${this.text}[${k}]`);
  }
  toString(): string {
    return this.text;
  }
}

/** A value as field.Invalid prints it: strings quoted, numbers bare. */
export function showValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return '"null"';
  return JSON.stringify(Array.isArray(v) ? 'array' : 'object');
}

/** Collects causes worded as a real API server words its field errors, so the deck's refusals read as a cluster's would. */
export class Causes {
  readonly list: StatusCause[] = [];

  /** `Invalid value: "7x": <detail>` */
  invalid(path: FieldPath, value: unknown, detail: string): void {
    this.list.push({ reason: 'FieldValueInvalid', field: path.text, message: `Invalid value: ${showValue(value)}: ${detail}` });
  }

  /** `Required value` or `Required value: <detail>` */
  required(path: FieldPath, detail?: string): void {
    this.list.push({ reason: 'FieldValueRequired', field: path.text, message: detail ? `Required value: ${detail}` : 'Required value' });
  }

  /** `Unsupported value: "FOO": supported values: "A", "B"` */
  notSupported(path: FieldPath, value: unknown, supported: string[]): void {
    this.list.push({
      reason: 'FieldValueNotSupported',
      field: path.text,
      message: `Unsupported value: ${showValue(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
    });
  }

  /** `Invalid value: "integer": spec.hosts in body must be of type array: "integer"` */
  typeInvalid(path: FieldPath, actual: string, expected: string): void {
    this.list.push({ reason: 'FieldValueTypeInvalid', field: path.text, message: `Invalid value: "${actual}": ${path.text} in body must be of type ${expected}: "${actual}"` });
  }

  /** A field the schema does not declare, worded like the apiserver's structured-merge errors. */
  unknown(path: FieldPath): void {
    this.list.push({ reason: 'FieldValueInvalid', field: path.text, message: 'field not declared in schema' });
  }

  /** A rule about a whole object, the way CRD validation rules report it: `Invalid value: "object": <message>`. */
  objectRule(path: FieldPath, message: string): void {
    this.list.push({ reason: 'FieldValueInvalid', field: path.text, message: `Invalid value: "object": ${message}` });
  }
}

/** What JSON type a value has, in OpenAPI's words. */
export function jsonType(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

