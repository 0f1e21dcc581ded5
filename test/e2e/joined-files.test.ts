import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { barge, rows, workdir } from '../helpers/cli.js';

/**
 * `cat a.csv b.csv > all.csv`: the second file's header was loaded as a data row (`id|name`),
 * exit 0, without a word. Now a record equal to the header is warned of once per input, naming
 * its line, and goes through validation as any record: loaded into text columns, rejected by
 * a typed one.
 */

function write(dir: string, file: string, text: string): void {
  fs.writeFileSync(path.join(dir, file), text);
}

const warningFor = (input: string, line: number) =>
  `barge: ${input}:${line}: this record repeats the header (files joined with cat?) and is validated as any other (a text column loads it); give the files as separate inputs instead of one joined file`;

describe('a header repeated inside a CSV/TSV (files joined with cat)', () => {
  for (const worker of ['never', 'always']) {
    it(`BARGE_WORKER=${worker}: warned once, naming the line, far past the records read to infer; loaded into text columns; in --json "warnings"`, async () => {
      const dir = workdir();
      let a = 'id,name\n';
      for (let i = 1; i <= 1500; i++) a += `A${i},n${i}\n`;
      // Three files joined: the header met twice more, told once.
      write(dir, 'all.csv', `${a}id,name\nB1,Baz\nid,name\nC1,Qux\n`);
      write(dir, 's.json', JSON.stringify({ table: 'all', columns: { id: { type: 'string' }, name: { type: 'string' } } }));
      const result = await barge(dir, ['import', 'all.csv', '--schema', 's.json', '--json'], { env: { BARGE_WORKER: worker } });
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stderr.split('\n')[0]).toBe(warningFor('all.csv', 1502));
      expect(result.stderr.split('\n').filter((line) => line.includes('repeats the header'))).toHaveLength(1);
      expect(JSON.parse(result.stdout).warnings).toEqual([warningFor('all.csv', 1502).slice('barge: '.length)]);
      expect(rows(path.join(dir, 'barge.db'), "SELECT id, name FROM \"all\" WHERE id IN ('id', 'B1', 'C1') ORDER BY rowid")).toEqual([
        { id: 'id', name: 'name' },
        { id: 'B1', name: 'Baz' },
        { id: 'id', name: 'name' },
        { id: 'C1', name: 'Qux' },
      ]);
    });
  }

  it('a typed column rejects it (row mode: the rest load), with the same warning; TSV and a second BOM too', async () => {
    const dir = workdir();
    write(dir, 'typed.csv', 'id,name\n1,Foo\nid,name\n2,Baz\n');
    write(dir, 's.json', JSON.stringify({ table: 'typed', columns: { id: { type: 'integer' }, name: { type: 'string' } } }));
    const typed = await barge(dir, ['import', 'typed.csv', '--schema', 's.json', '--mode', 'row']);
    expect(typed.exitCode).toBe(1);
    const lines = typed.stderr.split('\n');
    expect(lines[0]).toBe(warningFor('typed.csv', 3));
    expect(lines[1]).toBe('barge: import of typed.csv into "typed": partial: 1 record rejected, 2 loaded');
    expect(rows(path.join(dir, 'barge.db'), 'SELECT id, name FROM typed ORDER BY id')).toEqual([{ id: 1, name: 'Foo' }, { id: 2, name: 'Baz' }]);
    // Two Excel exports joined: each starts with a BOM.
    write(dir, 'excel.tsv', '\ufeffid\tname\n1\tFoo\n\ufeffid\tname\n2\tBaz\n');
    // (Its id inferred an integer, the second header no sample: rejected as in typed.csv.)
    const excel = await barge(dir, ['import', 'excel.tsv', '--db', 'x.db', '--mode', 'row']);
    expect(excel.exitCode, excel.stderr).toBe(1);
    expect(excel.stderr.split('\n')[0]).toBe(warningFor('excel.tsv', 3));
    expect(rows(path.join(dir, 'x.db'), 'SELECT id, name FROM excel ORDER BY id')).toEqual([{ id: 1, name: 'Foo' }, { id: 2, name: 'Baz' }]);
  });

  it('within the records a schema is inferred from, it is no sample: the integer column rejects it (it made the column text, and loaded)', async () => {
    const dir = workdir();
    write(dir, 'inferred.csv', 'id,name\n1,Foo\nid,name\n2,Baz\n');
    const result = await barge(dir, ['import', 'inferred.csv', '--mode', 'row', '--table', 'people']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.split('\n')[0]).toBe(warningFor('inferred.csv', 3));
    expect(rows(path.join(dir, 'barge.db'), "SELECT type FROM pragma_table_info('people') WHERE name = 'id'")).toEqual([{ type: 'INTEGER' }]);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT id, name FROM people ORDER BY id')).toEqual([{ id: 1, name: 'Foo' }, { id: 2, name: 'Baz' }]);
    const inferred = await barge(dir, ['schema', 'infer', 'inferred.csv']);
    expect(JSON.parse(inferred.stdout).columns.id).toEqual({ type: 'integer' });
    // Two Excel exports joined: the second header starts with its byte order mark.
    write(dir, 'excel.csv', '\ufeffid,name\n1,Foo\n\ufeffid,name\n2,Baz\n');
    const excel = await barge(dir, ['schema', 'infer', 'excel.csv']);
    expect(JSON.parse(excel.stdout).columns.id).toEqual({ type: 'integer' });
  });

  it('renamed with --columns, it is still known by the header as read: no inference sample (the parser marks it)', async () => {
    const dir = workdir();
    write(dir, 'j2.csv', 'id,name\n1,a\nid,name\n2,b\n');
    const inferred = await barge(dir, ['schema', 'infer', 'j2.csv', '--columns', 'key,label']);
    expect(inferred.exitCode, inferred.stderr).toBe(0);
    expect(JSON.parse(inferred.stdout).columns).toEqual({ key: { type: 'integer' }, label: { type: 'string' } });
    expect(inferred.stderr).toBe(warningFor('j2.csv', 3));
  });

  it('a record equal to the header only in part, or with more fields, says nothing', async () => {
    const dir = workdir();
    write(dir, 'part.csv', 'id,name,qty\n1,Foo,2\nid,name,3\nid,name,qty,4\n');
    const result = await barge(dir, ['import', 'part.csv', '--mode', 'row']);
    expect(result.stderr).not.toContain('repeats the header');
    expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n FROM part')).toEqual([{ n: 2 }]);
  });
});
