import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { barge, rows, workdir } from '../helpers/cli.js';

// A TSV field that opens a quote and never closes it (`1<TAB>"oops`) is text up to its line
// end; the lines after it load as they are. barge has to look ahead for the closing quote, then
// read those lines again: the look-ahead is bounded (1 Mi characters) and the lines read again
// go on in batches of a chunk's size, so memory stays as flat as without the quote. They went
// on all at once, and the lines after the quote took 2 GB of RSS for an 18 MB file (a worker
// running out of heap below).

function openQuoteTsv(lines: number, quote = '"'): string {
  return `a\tb\n1\t${quote}oops\n${'2\tx\n'.repeat(lines)}`;
}

describe('a TSV field with a quote that never closes', () => {
  it('loads every line after it, without a schema (inferred), exit 0', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'open.tsv'), openQuoteTsv(130_000));
    const run = await barge(dir, ['import', 'open.tsv', '--db', 'a.db']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain('barge: import of open.tsv into "open": succeeded\n  read 130,001, inserted 130,001, rejected 0\n');
    const db = path.join(dir, 'a.db');
    expect(rows(db, 'SELECT a, b FROM open WHERE rowid <= 2')).toEqual([
      { a: 1, b: '"oops' },
      { a: 2, b: 'x' },
    ]);
    expect(rows(db, "SELECT count(*) AS n, sum(b = 'x') AS x FROM open")).toEqual([{ n: 130_001, x: 130_000 }]);
  });

  it('keeps memory flat: 600,000 lines after it load in a 64 MB heap, as they do without the quote', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 't', columns: { a: { type: 'integer' }, b: { type: 'string' } } }));
    fs.writeFileSync(path.join(dir, 'open.tsv'), openQuoteTsv(600_000));
    fs.writeFileSync(path.join(dir, 'control.tsv'), openQuoteTsv(600_000, ''));
    const env = { NODE_OPTIONS: '--max-old-space-size=64' };
    for (const file of ['control.tsv', 'open.tsv']) {
      const db = path.join(dir, `${file}.db`);
      const run = await barge(dir, ['import', file, '--schema', 's.json', '--db', db, '--quiet'], { env });
      expect(run.exitCode, `${file}: ${run.stderr}`).toBe(0);
      expect(run.stderr).toBe('');
      expect(rows(db, "SELECT count(*) AS n, sum(b = 'x') AS x, max(rowid) AS last FROM t")).toEqual([{ n: 600_001, x: 600_000, last: 600_001 }]);
      expect(rows(db, 'SELECT b FROM t WHERE rowid = 1')).toEqual([{ b: file === 'open.tsv' ? '"oops' : 'oops' }]);
    }
  });
});
