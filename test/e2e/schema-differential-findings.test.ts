import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { barge, rows } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dirs.js';

/**
 * Findings of a differential audit (an independent oracle of SQLite's rules against barge over
 * ~230k records), each as the user met it: the built CLI on files in a fresh directory.
 */

/** A fresh directory holding `files`. */
function dirWith(files: Record<string, string>): string {
  const dir = tempDir('barge-findings-');
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/** A database made by another tool (better-sqlite3, as the sqlite3 shell would), running `sql`. */
function makeDb(dir: string, sql: string, file = 'f.db'): string {
  const at = path.join(dir, file);
  const db = new Database(at);
  db.exec(sql);
  db.close();
  return at;
}

describe('1. a column declared ANY in an ordinary (non-STRICT) table', () => {
  it('rejects text SQLite would store as a number (NUMERIC affinity), CSV and NDJSON; stats shows the declared type', async () => {
    const dir = dirWith({ 'zips.csv': 'zip,city\n02134,Boston\n1.50,X\n12345,Y\n', 'zips.ndjson': '{"zip":"007","city":"Z"}\n' });
    const db = makeDb(dir, 'CREATE TABLE zips (zip ANY, city TEXT)');
    const csv = await barge(dir, ['import', 'zips.csv', '--table', 'zips', '--db', 'f.db', '--mode', 'row']);
    expect(csv.exitCode).toBe(1);
    expect(csv.stderr).toContain('line 2, column "zip": would be stored as 2134, got "02134"');
    expect(csv.stderr).toContain('line 3, column "zip": would be stored as 1.5, got "1.50"');
    const ndjson = await barge(dir, ['import', 'zips.ndjson', '--table', 'zips', '--db', 'f.db']);
    expect(ndjson.exitCode).toBe(1);
    expect(ndjson.stderr).toContain('column "zip": would be stored as 7, got "007"');
    expect(rows(db, 'SELECT zip, typeof(zip) AS t, city FROM zips')).toEqual([{ zip: 12345, t: 'integer', city: 'Y' }]);
    const stats = await barge(dir, ['stats', '--db', 'f.db']);
    expect(stats.exitCode).toBe(0);
    expect(stats.stderr + stats.stdout).toMatch(/zip ANY, city TEXT/);
  });

  it('in a STRICT table keeps the text as given', async () => {
    const dir = dirWith({ 'zips.csv': 'zip,city\n02134,Boston\n1.50,X\n' });
    const db = makeDb(dir, 'CREATE TABLE zips (zip ANY, city TEXT) STRICT');
    const result = await barge(dir, ['import', 'zips.csv', '--table', 'zips', '--db', 'f.db', '--quiet']);
    expect(result.exitCode).toBe(0);
    expect(rows(db, 'SELECT zip, typeof(zip) AS t FROM zips ORDER BY rowid')).toEqual([{ zip: '02134', t: 'text' }, { zip: '1.50', t: 'text' }]);
  });
});

describe('2. a missing lone integer primary key with min, max or enum', () => {
  const schema = (id: object) => JSON.stringify({ table: 'pk', primaryKey: ['id'], columns: { id: { type: 'integer', ...id }, name: { type: 'string' } } });

  it('is rejected as required, not numbered by SQLite past the max', async () => {
    const dir = dirWith({ 'pk.json': schema({ min: 1, max: 3 }), 'pk.csv': 'id,name\n3,a\n,b\n' });
    const imported = await barge(dir, ['import', 'pk.csv', '--schema', 'pk.json', '--mode', 'row', '--db', 'p.db']);
    expect(imported.exitCode).toBe(1);
    expect(imported.stderr).toContain('line 3, column "id": is required: SQLite would give a missing key the next rowid, a number its max 3 may not allow');
    expect(rows(path.join(dir, 'p.db'), 'SELECT id, name FROM pk')).toEqual([{ id: 3, name: 'a' }]);
  });

  it('with an enum: validate says invalid, import stores nothing', async () => {
    const dir = dirWith({ 'pk.json': schema({ enum: [10, 20] }), 'pk.csv': 'id,name\n,a\n' });
    const validated = await barge(dir, ['validate', 'pk.csv', '--schema', 'pk.json']);
    expect(validated.exitCode).toBe(1);
    expect(validated.stderr).toContain('column "id": is required: SQLite would give a missing key the next rowid, a number its enum 10|20 may not allow');
    const imported = await barge(dir, ['import', 'pk.csv', '--schema', 'pk.json', '--db', 'p.db']);
    expect(imported.exitCode).toBe(1);
    expect(imported.stderr.split('\n')[0]).toBe('barge: import of pk.csv into "pk": failed: 1 record rejected, rolled back, nothing was written');
    expect(imported.stderr).toContain('pk.csv:line 2, column "id": is required: SQLite would give a missing key the next rowid, a number its enum 10|20 may not allow');
    // An atomic job that rolled back leaves nothing of itself, not even the table it created; only its failed job.
    const db = path.join(dir, 'p.db');
    expect(rows(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'pk'")).toEqual([]);
    expect(rows(db, 'SELECT status, inserted, rejected FROM _barge_jobs')).toEqual([{ status: 'failed', inserted: 0, rejected: 1 }]);
  });
});

describe('3. a lone integer primary key of a table barge did not create that is not the rowid', () => {
  for (const ddl of ['CREATE TABLE users (id INT PRIMARY KEY, name TEXT)', 'CREATE TABLE users (id BIGINT PRIMARY KEY, name TEXT)', 'CREATE TABLE users (id INTEGER PRIMARY KEY DESC, name TEXT)']) {
    it(`${ddl}: an empty key is required (SQLite would store NULL)`, async () => {
      const dir = dirWith({ 'users.csv': 'id,name\n,ann\n,bob\n' });
      const db = makeDb(dir, ddl);
      const result = await barge(dir, ['import', 'users.csv', '--db', 'f.db']);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain('line 2, column "id": is required');
      expect(rows(db, 'SELECT count(*) AS n FROM users')).toEqual([{ n: 0 }]);
    });
  }

  it('an INTEGER PRIMARY KEY (the rowid) is still filled in by SQLite', async () => {
    const dir = dirWith({ 'users.csv': 'id,name\n,ann\n,bob\n' });
    const db = makeDb(dir, 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)');
    const result = await barge(dir, ['import', 'users.csv', '--db', 'f.db', '--quiet']);
    expect(result.exitCode).toBe(0);
    expect(rows(db, 'SELECT id, name FROM users ORDER BY id')).toEqual([{ id: 1, name: 'ann' }, { id: 2, name: 'bob' }]);
  });

  it('also under the schema barge kept for it after an import with --schema', async () => {
    const spec = { table: 'users', primaryKey: ['id'], columns: { id: { type: 'integer' }, name: { type: 'string' } } };
    const dir = dirWith({ 's.json': JSON.stringify(spec), 'first.csv': 'id,name\n1,ann\n', 'users.csv': 'id,name\n,bob\n' });
    const db = makeDb(dir, 'CREATE TABLE users (id INT PRIMARY KEY, name TEXT)');
    expect((await barge(dir, ['import', 'first.csv', '--table', 'users', '--schema', 's.json', '--db', 'f.db', '--quiet'])).exitCode).toBe(0);
    const result = await barge(dir, ['import', 'users.csv', '--db', 'f.db']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('line 2, column "id": is required');
    expect(rows(db, 'SELECT id, name FROM users')).toEqual([{ id: 1, name: 'ann' }]);
  });
});

describe('4. a number too small for a double inside a json value', () => {
  it('is rejected, as a number column rejects it, not stored as 0', async () => {
    const dir = dirWith({
      'j.json': JSON.stringify({ table: 'j', columns: { doc: { type: 'json' }, x: { type: 'number' } } }),
      'j.csv': 'doc,x\n"{""v"":1e-400}",\n"{""v"":1e-300}",1e-400\n',
    });
    const result = await barge(dir, ['import', 'j.csv', '--schema', 'j.json', '--db', 'j.db', '--mode', 'row']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('line 2, column "doc": holds a number too small for a double (1e-400, which would be stored as 0): quote it in the input to keep it');
    expect(result.stderr).toContain('line 3, column "x": expected a number, got "1e-400" (too small for a double: it would be stored as 0)');
    expect(rows(path.join(dir, 'j.db'), 'SELECT count(*) AS n FROM j')).toEqual([{ n: 0 }]);
  });
});

describe('5. NUMERIC column, integer text just beyond SQLite\'s 64-bit range', () => {
  it('loads as a REAL for both signs, as SQLite stores it (CSV text and JSON strings)', async () => {
    const dir = dirWith({ 'n.csv': 'v\n-9223372036854775809\n9223372036854775808\n-9223372036854775808\n', 'n.ndjson': '{"v":"-9223372036854775809"}\n' });
    const db = makeDb(dir, 'CREATE TABLE n (v NUMERIC)');
    expect((await barge(dir, ['import', 'n.csv', '--db', 'f.db', '--quiet'])).exitCode).toBe(0);
    expect((await barge(dir, ['import', 'n.ndjson', '--table', 'n', '--db', 'f.db', '--quiet'])).exitCode).toBe(0);
    // What SQLite itself stores for the same text.
    const oracle = new Database(':memory:');
    oracle.exec('CREATE TABLE n (v NUMERIC)');
    for (const v of ['-9223372036854775809', '9223372036854775808', '-9223372036854775808', '-9223372036854775809']) oracle.prepare('INSERT INTO n VALUES (?)').run(v);
    const expected = oracle.prepare('SELECT quote(v) AS v, typeof(v) AS t FROM n ORDER BY rowid').all();
    expect(rows(db, 'SELECT quote(v) AS v, typeof(v) AS t FROM n ORDER BY rowid')).toEqual(expected);
    expect(expected.map((r) => (r as { t: string }).t)).toEqual(['real', 'real', 'integer', 'real']);
  });
});

describe('6. a number enum holding an integer from 2^53 on', () => {
  for (const first of ['id', 'constructor']) {
    it(`accepts the listed value (first column named ${first})`, async () => {
      const dir = dirWith({
        't.json': JSON.stringify({ table: 't', columns: { [first]: { type: 'string' }, big: { type: 'number', enum: [9007199254740992, 2] } } }),
        't.csv': `${first},big\na,9007199254740992\n`,
      });
      const result = await barge(dir, ['validate', 't.csv', '--schema', 't.json']);
      expect(result.stderr).not.toContain('expected one of');
      expect(result.exitCode).toBe(0);
    });
  }
});

describe('8. a record nested deeper than 100 levels in a value a duplicate key replaces', () => {
  it('is rejected as too deep from NDJSON as from a JSON array', async () => {
    const record = `{"a":${'['.repeat(100)}${']'.repeat(100)},"a":"x","b":"y"}`;
    const dir = dirWith({
      's.json': JSON.stringify({ table: 'd', columns: { a: { type: 'string' }, b: { type: 'string' } } }),
      'd.ndjson': `${record}\n{"a":"ok","b":"y"}\n`,
      'd.json': `[${record},\n{"a":"ok","b":"y"}]\n`,
    });
    for (const input of ['d.ndjson', 'd.json']) {
      const result = await barge(dir, ['validate', input, '--schema', 's.json']);
      expect(result.exitCode, input).toBe(1);
      expect(result.stderr, input).toContain(`${input}:line 1: nested deeper than 100 levels`);
      expect(result.stderr, input).toContain('read 2, valid 1, rejected 1');
    }
  });
});
