import { stringify } from 'yaml';

/**
 * Go's text/tabwriter as istioctl uses it: each cell padded to its column's widest cell plus
 * `padding` spaces, the last cell of a row left as it is.
 */
export function table(rows: string[][], padding: number): string {
  const widths: number[] = [];
  for (const row of rows) row.slice(0, -1).forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, width(cell))));
  return rows.map((row) => row.map((cell, i) => (i < row.length - 1 ? cell + ' '.repeat(widths[i] - width(cell) + padding) : cell)).join('') + '\n').join('');
}

const width = (s: string) => [...s].length;

/** `-o json|yaml` as istioctl prints structured output (JSON indented by two spaces). */
export function structured(value: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? JSON.stringify(value, null, 2) + '\n' : stringify(value, { lineWidth: 0 });
}

export interface Io {
  out(s: string): void;
  err(s: string): void;
}
