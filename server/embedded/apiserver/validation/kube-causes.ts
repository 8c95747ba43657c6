/** Field errors for built-in kinds, worded as a real API server prints them (kubectl shows them as they are). */
import { Causes, type FieldPath } from './causes.ts';
import { goQuote } from '../go-format.ts';

/** A value as field.Error shows it: strings quoted, numbers and booleans bare. */
function goValue(v: unknown): string {
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return 'null';
  return JSON.stringify(v);
}

/** A value already printed the Go way (a map, a struct), passed through untouched. */
export class GoPrinted {
  constructor(readonly text: string) {}
}

export class KubeCauses extends Causes {
  /** `Invalid value: "a/b": <detail>` */
  override invalid(path: FieldPath, value: unknown, detail: string): void {
    const shown = value instanceof GoPrinted ? value.text : goValue(value);
    this.list.push({ reason: 'FieldValueInvalid', field: path.text, message: `Invalid value: ${shown}: ${detail}` });
  }

  /** One cause per message, as validation functions that return several strings report them. */
  invalidEach(path: FieldPath, value: unknown, details: string[]): void {
    for (const d of details) this.invalid(path, value, d);
  }

  override notSupported(path: FieldPath, value: unknown, supported: string[]): void {
    this.list.push({
      reason: 'FieldValueNotSupported',
      field: path.text,
      message: `Unsupported value: ${goValue(value)}: supported values: ${supported.map((s) => goQuote(s)).join(', ')}`,
    });
  }

  duplicate(path: FieldPath, value: unknown): void {
    this.list.push({ reason: 'FieldValueDuplicate', field: path.text, message: `Duplicate value: ${goValue(value)}` });
  }

  forbidden(path: FieldPath, detail: string): void {
    this.list.push({ reason: 'FieldValueForbidden', field: path.text, message: `Forbidden: ${detail}` });
  }

  /** `Too long: must have at most N bytes`; the value is left out, as it is too long to print. */
  tooLong(path: FieldPath, maxBytes: number): void {
    this.list.push({ reason: 'FieldValueTooLong', field: path.text, message: `Too long: must have at most ${maxBytes} bytes` });
  }

  immutable(path: FieldPath, value: unknown): void {
    this.invalid(path, value, 'field is immutable');
  }

  nonNegative(path: FieldPath, value: unknown): void {
    if (typeof value === 'number' && value < 0) this.invalid(path, value, 'must be greater than or equal to 0');
  }
}
