import { describe, expect, it } from 'vitest';
import { textTable } from '../../src/cli/render/text-table.js';

describe('textTable', () => {
  it('aligns 200,000 rows (barge jobs --limit 1000000 of a long history overflowed the stack past ~125,000)', () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => [`job-${i}`, String(i)]);
    const lines = textTable([{ header: 'id' }, { header: 'n', align: 'right' }], rows).split('\n');
    expect(lines.length).toBe(200_002);
    // Widths from every row: "job-199999" (10) and "199999" (6), two spaces between.
    expect(lines[0]).toBe(`${'id'.padEnd(10)}  ${'n'.padStart(6)}`);
    expect(lines[1]).toBe(`${'job-0'.padEnd(10)}  ${'0'.padStart(6)}`);
    expect(lines[200_000]).toBe('job-199999  199999');
  });
});
