import type { ServerTable } from '../cluster/table-request.ts';

/** kubectl's tab writer: a column is its widest cell plus 3 spaces, and never under 6. */
const PADDING = 3;
const MIN_WIDTH = 6;

/**
 * A server Table as `kubectl get` prints it: the columns shown without `-o wide`, headers in
 * capitals, each cell as the server wrote it (a null cell blank, a multi-line one cut
 * at its first line break with `...`), and the last column unpadded.
 * `kindPrefix` (`deployment.apps/`) goes before each name, as kubectl does when one command
 * lists several kinds.
 */
export function printTable(table: ServerTable, kindPrefix = ''): string {
  const shown = table.columnDefinitions.flatMap((c, i) => ((c.priority ?? 0) === 0 ? [i] : []));
  const nameAt = table.columnDefinitions.findIndex((c) => c.format === 'name');
  const header = shown.map((i) => table.columnDefinitions[i].name.toUpperCase());
  const rows = table.rows.map((row) => shown.map((i) => (i === nameAt ? kindPrefix : '') + cellText(row.cells[i])));
  return layout([header, ...rows]);
}

function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return '';
  const text = typeof cell === 'string' ? cell : typeof cell === 'object' ? JSON.stringify(cell) : String(cell);
  const lineBreak = text.search(/[\f\n\r]/);
  return lineBreak < 0 ? text : `${text.slice(0, lineBreak)}...`;
}

/** Lines of cells aligned as kubectl's tab writer aligns them. */
function layout(lines: string[][]): string {
  const columns = Math.max(0, ...lines.map((l) => l.length));
  const widths: number[] = [];
  for (let c = 0; c < columns - 1; c++) widths[c] = Math.max(MIN_WIDTH, ...lines.map((l) => (l[c] === undefined ? 0 : width(l[c]) + PADDING)));
  return lines.map((l) => l.map((cell, c) => (c === l.length - 1 ? cell : cell + ' '.repeat(widths[c] - width(cell)))).join('')).join('\n');
}

/** Width in characters, as the tab writer counts them (not UTF-16 units). */
const width = (text: string) => [...text].length;
