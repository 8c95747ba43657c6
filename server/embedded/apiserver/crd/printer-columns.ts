/**
 * A CRD printer column's cell as the apiserver's table convertor fills it: the first value
 * its JSONPath reaches, JSON for an object or array, an empty cell (not `<none>`) when nothing is there, and for a
 * `date` column the age of the timestamp.
 */
import type { PrinterColumn } from './definition.ts';
import { jsonPathValues } from './jsonpath.ts';

export function printerCell(column: PrinterColumn, obj: unknown, ageOf: (timestamp: string) => string): unknown {
  const values = jsonPathValues(column.jsonPath, obj);
  if (!values?.length) return '';
  const value = values[0];
  if (column.type === 'date') return typeof value === 'string' ? ageOf(value) : '';
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  if (column.type === 'string' && typeof value !== 'string') return String(value);
  return value;
}
