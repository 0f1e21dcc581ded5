import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { barge, rows, workdir } from '../helpers/cli.js';

// The database file an import creates, and one it is given (src/store/open-database.ts).

const SCHEMA = ['--schema', 'fixtures/makers.schema.json'];

function pragma(file: string, name: string): unknown {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.pragma(name, { simple: true });
  } finally {
    db.close();
  }
}

describe('the database an import writes', () => {
  it('a database it creates (or an empty file) gets 16 KB pages, in WAL mode', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'empty.db'), '');
    for (const db of ['new.db', 'empty.db']) {
      const result = await barge(dir, ['import', 'fixtures/makers.csv', ...SCHEMA, '--db', db]);
      expect(result.exitCode).toBe(0);
      // No WAL left behind (checked before this test's own connections), and the database is whole.
      expect(fs.existsSync(path.join(dir, `${db}-wal`))).toBe(false);
      expect(pragma(path.join(dir, db), 'page_size')).toBe(16384);
      expect(pragma(path.join(dir, db), 'journal_mode')).toBe('wal');
      expect(pragma(path.join(dir, db), 'integrity_check')).toBe('ok');
      expect(rows(path.join(dir, db), 'SELECT count(*) AS n FROM makers')).toEqual([{ n: 5 }]);
    }
  });

  it('an existing database keeps its page size', async () => {
    const dir = workdir();
    const file = path.join(dir, 'own.db');
    const own = new Database(file);
    own.pragma('page_size = 4096');
    own.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
    own.close();
    const result = await barge(dir, ['import', 'fixtures/makers.csv', ...SCHEMA, '--db', 'own.db']);
    expect(result.exitCode).toBe(0);
    expect(pragma(file, 'page_size')).toBe(4096);
    expect(rows(file, 'SELECT count(*) AS n FROM makers')).toEqual([{ n: 5 }]);
  });
});

describe('a table barge did not make', () => {
  it('a CHECK failure is a record-level error naming the check, not a column made of its expression', async () => {
    const dir = workdir();
    const db = new Database(path.join(dir, 'barge.db'));
    db.exec('PRAGMA journal_mode = WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, q INTEGER CHECK (q > 0), r INTEGER CONSTRAINT r_small CHECK (r < 10))');
    db.close();
    fs.writeFileSync(path.join(dir, 't.csv'), 'id,q,r\n1,0,1\n2,5,50\n3,5,5\n');
    const result = await barge(dir, ['import', 't.csv', '--mode', 'row']);
    expect(result.exitCode).toBe(1);
    const report = fs.readFileSync(path.join(dir, 't.errors.ndjson'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(report.map((entry) => entry._barge_errors[0])).toEqual([
      { column: null, code: 'check', message: 'line 2: fails a CHECK constraint (CHECK constraint failed: q > 0)', value: null },
      { column: null, code: 'check', message: 'line 3: fails a CHECK constraint (CHECK constraint failed: r_small)', value: null },
    ]);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT id FROM t')).toEqual([{ id: 3 }]);
  });
});

describe('a --schema for a table that exists', () => {
  it('is refused (exit 2, nothing written) when a column cannot hold its type unchanged: "02134" in an INTEGER column', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'zips.csv'), 'id,zip\n1,10001\n2,02134\n');
    // The sample infers zip an integer; "02134" is rejected, as documented.
    const first = await barge(dir, ['import', 'zips.csv', '--mode', 'row', '--infer-rows', '1', '--quiet']);
    expect(first.exitCode).toBe(1);
    fs.writeFileSync(path.join(dir, 'zips.schema.json'), JSON.stringify({ table: 'zips', columns: { id: { type: 'integer' }, zip: { type: 'string' } } }));
    const retry = await barge(dir, ['import', 'zips.errors.ndjson', '--schema', 'zips.schema.json']);
    expect(retry.exitCode).toBe(2);
    expect(retry.stderr).toBe(
      'barge: error: column "zip" of table "zips" is declared INTEGER, but the schema makes it "string": SQLite would store number-like text in it as a number ("02134" as 2134); declare it "integer" in the schema, or import into a new table',
    );
    const db = path.join(dir, 'barge.db');
    expect(rows(db, 'SELECT id, quote(zip) AS zip FROM zips')).toEqual([{ id: 1, zip: '10001' }]);
    // The kept schema is still the one the table was made from.
    const kept = rows<{ schema_json: string }>(db, "SELECT schema_json FROM _barge_schemas WHERE table_name = 'zips'");
    expect(JSON.parse(kept[0]!.schema_json).columns.zip.type).toBe('integer');
  });

  it('is refused for an integer column over TEXT, and a number or boolean over TEXT; a date or json column fits any', async () => {
    const dir = workdir();
    const db = path.join(dir, 'd.db');
    const made = new Database(db);
    made.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, d NUMERIC, j NUMERIC)');
    made.close();
    fs.writeFileSync(path.join(dir, 'b.csv'), 'id,v\n2,5\n');
    const schema = (v: string) => JSON.stringify({ table: 't', columns: { id: { type: 'integer' }, v: { type: v }, d: { type: 'date' }, j: { type: 'json' } } });
    for (const [type, problem, remedy] of [
      ['integer', 'SQLite would store its integers as text', 'declare it "string" in the schema, or import into a new table'],
      ['number', 'SQLite would store its numbers as text', 'declare it "string" in the schema, or import into a new table'],
      ['boolean', 'SQLite would store its booleans (1, 0) as text', 'declare it "string" in the schema, or import into a new table'],
    ] as const) {
      fs.writeFileSync(path.join(dir, 's.json'), schema(type));
      const result = await barge(dir, ['import', 'b.csv', '--schema', 's.json', '--db', 'd.db']);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toBe(`barge: error: column "v" of table "t" is declared TEXT, but the schema makes it "${type}": ${problem}; ${remedy}`);
    }
    expect(rows(db, 'SELECT count(*) AS n FROM t')).toEqual([{ n: 0 }]);
    fs.writeFileSync(path.join(dir, 's.json'), schema('string'));
    const fits = await barge(dir, ['import', 'b.csv', '--schema', 's.json', '--db', 'd.db', '--quiet']);
    expect(fits.exitCode).toBe(0);
    expect(rows(db, 'SELECT id, quote(v) AS v FROM t')).toEqual([{ id: 2, v: "'5'" }]);
  });
});
