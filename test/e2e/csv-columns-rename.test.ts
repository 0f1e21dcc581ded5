import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { barge, rows, workdir } from '../helpers/cli.js';

// --columns with a header renames the header's columns: the header's own names are replaced,
// so that names barge cannot use (duplicated, empty) do not matter; only their number does.
// Without --columns, the messages for such a header say to use it.

function setUp(files: Record<string, string>): string {
  const dir = workdir();
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

const columnsOf = (db: string, table: string) => rows<{ name: string }>(db, `PRAGMA table_info("${table}")`).map((c) => c.name);

describe('--columns renames a header whose names are duplicated or empty', () => {
  it('a duplicated name: the rows load under the new names', async () => {
    const dir = setUp({ 'dup.csv': 'a,a\n1,2\n3,4\n' });
    const run = await barge(dir, ['import', 'dup.csv', '--columns', 'p,q', '--db', 'o.db', '--quiet']);
    expect(run).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    const db = path.join(dir, 'o.db');
    expect(columnsOf(db, 'dup')).toEqual(['p', 'q']);
    expect(rows(db, 'SELECT p, q FROM dup ORDER BY p')).toEqual([{ p: 1, q: 2 }, { p: 3, q: 4 }]);
  });

  it('an empty name (and one differing only in case): the rows load under the new names', async () => {
    const dir = setUp({ 'emp.csv': 'a,,A\n1,2,3\n' });
    const run = await barge(dir, ['import', 'emp.csv', '--columns', 'x,y,z', '--db', 'o.db', '--quiet']);
    expect(run).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    const db = path.join(dir, 'o.db');
    expect(columnsOf(db, 'emp')).toEqual(['x', 'y', 'z']);
    expect(rows(db, 'SELECT x, y, z FROM emp')).toEqual([{ x: 1, y: 2, z: 3 }]);
  });

  it('validate too', async () => {
    const dir = setUp({ 'dup.csv': 'a,a\n1,2\n3,4\n', 'pq.json': JSON.stringify({ table: 'dup', columns: { p: { type: 'integer' }, q: { type: 'integer', max: 3 } } }) });
    const run = await barge(dir, ['validate', 'dup.csv', '--columns', 'p,q', '--db', 'o.db', '--quiet', '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({ command: 'validate', table: 'dup', schema: 'inferred', counts: { read: 2, valid: 2, rejected: 0 }, reportPath: null, firstErrors: [] });
    // The fields are checked under the new names: q (the second "a") is 2 and 4, one above its max.
    const checked = await barge(dir, ['validate', 'dup.csv', '--columns', 'p,q', '--schema', 'pq.json', '--quiet', '--json']);
    expect(checked.exitCode, checked.stderr).toBe(1);
    expect(JSON.parse(checked.stdout)).toMatchObject({
      schema: 'file', counts: { read: 2, valid: 1, rejected: 1 }, firstErrors: ['dup.csv:line 3, column "q": expected an integer <= 3, got "4"'],
    });
    // validate writes nothing.
    expect(fs.existsSync(path.join(dir, 'o.db'))).toBe(false);
  });

  it('the number of names must still match the header: a usage error, nothing written', async () => {
    const dir = setUp({ 'dup.csv': 'a,a\n1,2\n', 'emp.csv': 'a,,c\n1,2,3\n' });
    const fewer = await barge(dir, ['import', 'emp.csv', '--columns', 'x,y', '--db', 'o.db']);
    expect(fewer).toEqual({ exitCode: 2, stdout: '', stderr: 'barge: error: --columns gives 2 names but the header of emp.csv has 3 columns' });
    const more = await barge(dir, ['import', 'dup.csv', '--columns', 'p,q,r', '--db', 'o.db']);
    expect(more).toEqual({ exitCode: 2, stdout: '', stderr: 'barge: error: --columns gives 3 names but the header of dup.csv has 2 columns' });
    const tables = fs.existsSync(path.join(dir, 'o.db'))
      ? rows(path.join(dir, 'o.db'), "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('dup', 'emp')")
      : [];
    expect(tables).toEqual([]);
  });

  it('without --columns, the header errors say to rename the columns with it', async () => {
    const dir = setUp({ 'dup.csv': 'a,a\n1,2\n', 'emp.csv': 'a,,c\n1,2,3\n' });
    expect(await barge(dir, ['import', 'dup.csv', '--db', 'o.db'])).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: 'barge: error: dup.csv:1: duplicate column "a" in the header; rename the columns with --columns a,b,c',
    });
    expect(await barge(dir, ['import', 'emp.csv', '--db', 'o.db'])).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: 'barge: error: emp.csv:1: column 2 has an empty name in the header; rename the columns with --columns a,b,c',
    });
  });
});
