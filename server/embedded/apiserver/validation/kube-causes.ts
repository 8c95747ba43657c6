/**
 * Field errors worded as k8s.io/apimachinery's field.Error prints them for built-in kinds,
 * with values shown the way Go's fmt shows them (%q for strings, %#v for maps and structs).
 */
import { Causes, type FieldPath } from './causes.ts';

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** strconv.Quote: printable characters as they are, the rest escaped. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (PRINTABLE.test(ch)) out += ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** %#v of a map[string]string: keys sorted, as fmt prints maps. */
export function goStringMap(m: Record<string, unknown> | undefined): string {
  if (!m) return 'map[string]string(nil)';
  const entries = Object.keys(m).sort().map((k) => `${goQuote(k)}:${goQuote(String(m[k]))}`);
  return `map[string]string{${entries.join(', ')}}`;
}

const goStrings = (list: unknown): string => (Array.isArray(list) ? `[]string{${list.map((v) => goQuote(String(v))).join(', ')}}` : '[]string(nil)');

/** %#v of a metav1.LabelSelector, as `field is immutable` on spec.selector shows it. */
export function goLabelSelector(sel: any): string {
  const exprs = Array.isArray(sel?.matchExpressions)
    ? `[]v1.LabelSelectorRequirement{${sel.matchExpressions
        .map((e: any) => `v1.LabelSelectorRequirement{Key:${goQuote(String(e?.key ?? ''))}, Operator:${goQuote(String(e?.operator ?? ''))}, Values:${goStrings(e?.values)}}`)
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${goStringMap(sel?.matchLabels)}, MatchExpressions:${exprs}}`;
}

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
