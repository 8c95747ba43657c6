/**
 * Field errors worded as the apiserver words a custom resource's schema failures, with the
 * field path it names them by (`spec.rules[0].matches[1].path.type`, `spec.labels[app]`).
 * This folder stays free of the apiserver's other modules so the registry can build on it.
 */
export interface FieldError {
  reason: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueNotSupported' | 'FieldValueTypeInvalid' | 'FieldValueTooLong' | 'FieldValueTooMany' | 'FieldValueDuplicate' | 'FieldValueForbidden';
  field: string;
  message: string;
}

export const childPath = (path: string, name: string) => (path ? `${path}.${name}` : name);
export const indexPath = (path: string, i: number | string) => `${path}[${i}]`;

/** A value as the apiserver prints it after `Invalid value:`: strings quoted, numbers bare, null as null. */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(Array.isArray(v) ? 'array' : 'object');
}

/** The JSON type name the schema validator reports for a value. */
export function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

export const invalidValue = (field: string, value: unknown, detail: string): FieldError => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${goValue(value)}: ${detail}` });
export const requiredValue = (field: string, detail?: string): FieldError => ({ reason: 'FieldValueRequired', field, message: detail ? `Required value: ${detail}` : 'Required value' });
export const unsupportedValue = (field: string, value: unknown, supported: unknown[]): FieldError => ({
  reason: 'FieldValueNotSupported',
  field,
  message: `Unsupported value: ${goValue(value)}: supported values: ${supported.map((s) => (typeof s === 'string' ? JSON.stringify(s) : goValue(s))).join(', ')}`,
});
export const typeInvalid = (field: string, value: unknown, expected: string): FieldError => {
  const actual = jsonType(value);
  return { reason: 'FieldValueTypeInvalid', field, message: `Invalid value: "${actual}": ${field || '<root>'} in body must be of type ${expected}: "${actual}"` };
};
export const tooLong = (field: string, max: number): FieldError => ({ reason: 'FieldValueTooLong', field, message: `Too long: may not be more than ${max} ${max === 1 ? 'byte' : 'bytes'}` });
export const tooMany = (field: string, actual: number, max: number): FieldError => ({ reason: 'FieldValueTooMany', field, message: `Too many: ${actual}: must have at most ${max} items` });
export const duplicateValue = (field: string, value: unknown): FieldError => ({ reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${goValue(value)}` });
export const forbiddenField = (field: string, detail: string): FieldError => ({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` });
