import { Causes, type FieldPath, jsonType } from './causes.ts';
import { goDurationMs } from '../../../go-duration.ts';
import type { Shape } from '../../istio-api/schema-dsl.ts';

const isPlainObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * What a structural CRD schema rejects: wrong types, unknown fields, values outside an
 * enum or range, missing required fields, set-more-than-one oneofs and durations that
 * fail the CRDs' `duration(self) >= duration('1ms')` rule.
 */
export function checkShape(shape: Shape, value: unknown, path: FieldPath, causes: Causes): void {
  switch (shape.type) {
    case 'any':
      return;
    case 'string':
      if (typeof value !== 'string') return causes.typeInvalid(path, jsonType(value), 'string');
      if (shape.enum && !shape.enum.includes(value)) return causes.notSupported(path, value, shape.enum);
      if (shape.format === 'duration') {
        const ms = goDurationMs(value);
        if (ms === undefined || ms < 1) causes.invalid(path, 'string', 'must be a valid duration greater than 1ms');
      }
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return causes.typeInvalid(path, jsonType(value), 'integer');
      return checkRange(shape, value, path, causes);
    case 'number':
      if (typeof value !== 'number') return causes.typeInvalid(path, jsonType(value), 'number');
      return checkRange(shape, value, path, causes);
    case 'boolean':
      if (typeof value !== 'boolean') return causes.typeInvalid(path, jsonType(value), 'boolean');
      return;
    case 'array':
      if (!Array.isArray(value)) return causes.typeInvalid(path, jsonType(value), 'array');
      value.forEach((item, i) => checkShape(shape.items, item, path.index(i), causes));
      return;
    case 'map':
      if (!isPlainObject(value)) return causes.typeInvalid(path, jsonType(value), 'object');
      for (const [k, v] of Object.entries(value)) checkShape(shape.values, v, path.key(k), causes);
      return;
    case 'object': {
      if (!isPlainObject(value)) return causes.typeInvalid(path, jsonType(value), 'object');
      for (const [k, v] of Object.entries(value)) {
        const field = shape.properties[k];
        if (!field) causes.unknown(path.child(k));
        else checkShape(field, v, path.child(k), causes);
      }
      for (const r of shape.required ?? []) if (value[r] === undefined) causes.required(path.child(r));
      for (const group of shape.oneOf ?? []) {
        const set = group.filter((k) => value[k] !== undefined);
        if (set.length > 1) causes.objectRule(path, `only one of ${group.join(', ')} may be set`);
      }
      return;
    }
  }
}

function checkRange(shape: { minimum?: number; maximum?: number }, value: number, path: FieldPath, causes: Causes): void {
  if (shape.minimum !== undefined && value < shape.minimum) causes.invalid(path, value, `${path.text} in body should be greater than or equal to ${shape.minimum}`);
  if (shape.maximum !== undefined && value > shape.maximum) causes.invalid(path, value, `${path.text} in body should be less than or equal to ${shape.maximum}`);
}
