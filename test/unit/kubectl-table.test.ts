import { describe, expect, it } from 'vitest';
import { printTable } from '../../server/api/kubectl-table.ts';

/** The Run button lays a server Table out as kubectl's tab writer does. */
describe('printTable', () => {
  const table = {
    columnDefinitions: [{ name: 'Name', format: 'name' }, { name: 'Ready' }, { name: 'IP', priority: 1 }, { name: 'Note' }],
    rows: [
      { cells: ['a', 1, '10.0.0.1', 'first line\nsecond line'] },
      { cells: ['bb', null, '', 'z'] },
    ],
  };

  it('shows priority-0 columns, blank for a null cell, a multi-line cell cut with "...", the last column unpadded', () => {
    expect(printTable(table)).toBe(['NAME   READY   NOTE', 'a      1       first line...', 'bb             z'].join('\n'));
  });

  it('prefixes names with their kind, widening the column', () => {
    // NAME is 6 + 3 wide, READY 5 + 3.
    expect(printTable(table, 'pod/').split('\n')[2]).toBe(`pod/bb${' '.repeat(3)}${' '.repeat(8)}z`);
  });

  it('keeps a column at least 6 wide, as kubectl does', () => {
    expect(printTable({ columnDefinitions: [{ name: 'A' }, { name: 'B' }], rows: [{ cells: ['x', 'y'] }] })).toBe('A     B\nx     y');
  });
});
