import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { barge, rows, workdir } from '../helpers/cli.js';

/** barge's export loaded into copies of its table made by other means (its DDL copied), and into new tables. */

describe('a boolean column whose DDL was copied without the schema barge kept', () => {
  for (const format of ['ndjson', 'csv']) {
    it(`${format}: barge's true/false load into INTEGER CHECK ("flag" IN (0, 1)), which is read as boolean`, async () => {
      const dir = workdir();
      fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 't', columns: { id: { type: 'integer' }, flag: { type: 'boolean', default: true } } }));
      fs.writeFileSync(path.join(dir, 'in.csv'), 'id,flag\n1,true\n2,false\n3,\n');
      expect((await barge(dir, ['import', 'in.csv', '--schema', 's.json', '--db', 'x.db'])).exitCode).toBe(0);
      // The DDL as `sqlite3 x.db .schema t` prints it, made in another database.
      const ddl = (rows<{ sql: string }>(path.join(dir, 'x.db'), "SELECT sql FROM sqlite_master WHERE name = 't'")[0]!).sql;
      expect(ddl).toContain('CHECK ("flag" IN (0, 1))');
      const other = new Database(path.join(dir, 'other.db'));
      other.exec(ddl.replace('CREATE TABLE "t"', 'CREATE TABLE "t2"'));
      other.close();
      expect((await barge(dir, ['export', '--table', 't', '--db', 'x.db', '--out', `t.${format}`])).exitCode).toBe(0);
      const loaded = await barge(dir, ['import', `t.${format}`, '--table', 't2', '--db', 'other.db']);
      expect(loaded.exitCode, loaded.stderr).toBe(0);
      expect(rows(path.join(dir, 'other.db'), 'SELECT id, flag, typeof(flag) AS type FROM t2 ORDER BY id')).toEqual([
        { id: 1, flag: 1, type: 'integer' },
        { id: 2, flag: 0, type: 'integer' },
        { id: 3, flag: 1, type: 'integer' },
      ]);
      // And back out as booleans, as from the first table.
      const out = await barge(dir, ['export', '--table', 't2', '--db', 'other.db', '--format', 'ndjson']);
      expect(out.stdout.split('\n').map((line) => JSON.parse(line))).toEqual([
        { id: 1, flag: true },
        { id: 2, flag: false },
        { id: 3, flag: true },
      ]);
    });
  }

  it('only a CHECK that holds the column to 0 and 1 makes it boolean', async () => {
    const dir = workdir();
    const db = new Database(path.join(dir, 'x.db'));
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER CHECK (a IN (1, 0)), b INTEGER CHECK (b IN (0, 1, 2)), c TEXT CHECK (c IN (0, 1)))');
    db.close();
    const schema = await barge(dir, ['import', '-', '--table', 't', '--db', 'x.db', '--format', 'ndjson', '--dry-run', '--json'], { input: '{"id":1,"a":true,"b":true,"c":"x"}\n' });
    expect(schema.exitCode).toBe(1);
    expect(JSON.parse(schema.stdout).firstErrors).toEqual(['stdin:line 1, column "b": expected an integer, got true']);
  });
});

describe('inference of a table exported by another database', () => {
  it('dates of the first century (0001-01-01) make a date column, not text', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'ev.csv'), 'id,day\n1,0001-01-01\n2,2024-02-29\n');
    const result = await barge(dir, ['import', 'ev.csv', '--db', 'x.db']);
    expect(result.exitCode, result.stderr).toBe(0);
    const kept = JSON.parse((rows<{ schema_json: string }>(path.join(dir, 'x.db'), "SELECT schema_json FROM _barge_schemas WHERE table_name = 'ev'")[0]!).schema_json);
    expect(kept.columns.day).toEqual({ type: 'date' });
  });
});

describe('export of a compound query (UNION ALL)', () => {
  it('a boolean column of the first SELECT does not make the other SELECTs\' 0 and 1 booleans; alone it still does', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'a.json'), JSON.stringify({ table: 'a', columns: { id: { type: 'integer' }, flag: { type: 'boolean' } } }));
    fs.writeFileSync(path.join(dir, 'b.json'), JSON.stringify({ table: 'b', columns: { id: { type: 'integer' }, qty: { type: 'integer' } } }));
    fs.writeFileSync(path.join(dir, 'a.csv'), 'id,flag\n1,true\n');
    fs.writeFileSync(path.join(dir, 'b.csv'), 'id,qty\n2,0\n3,1\n4,7\n');
    for (const table of ['a', 'b']) expect((await barge(dir, ['import', `${table}.csv`, '--schema', `${table}.json`, '--db', 'x.db'])).exitCode).toBe(0);
    const lines = (result: { stdout: string }) => result.stdout.split('\n').map((line) => JSON.parse(line));
    const union = await barge(dir, ['export', '--db', 'x.db', '--query', 'SELECT id, flag AS v FROM a UNION ALL SELECT id, qty FROM b', '--format', 'ndjson']);
    expect(union.exitCode, union.stderr).toBe(0);
    expect(lines(union)).toEqual([{ id: 1, v: 1 }, { id: 2, v: 0 }, { id: 3, v: 1 }, { id: 4, v: 7 }]);
    // The same through a view, and a view of that view.
    const db = new Database(path.join(dir, 'x.db'));
    db.exec('CREATE VIEW "both" AS SELECT id, flag AS v FROM a UNION ALL SELECT id, qty FROM b; CREATE VIEW outer_view AS SELECT * FROM "both"');
    db.close();
    for (const view of ['both', 'outer_view']) {
      const viewed = await barge(dir, ['export', '--db', 'x.db', '--table', view, '--format', 'ndjson']);
      expect(lines(viewed)).toEqual([{ id: 1, v: 1 }, { id: 2, v: 0 }, { id: 3, v: 1 }, { id: 4, v: 7 }]);
    }
    // Not compound: still a boolean ('union' in a string is no keyword).
    const plain = await barge(dir, ['export', '--db', 'x.db', '--query', "SELECT id, flag, 'union' AS w FROM a", '--format', 'ndjson']);
    expect(lines(plain)).toEqual([{ id: 1, flag: true, w: 'union' }]);
  });
});

describe('a DATETIME column holding SQLite\'s own CURRENT_DATE', () => {
  it('exported and loaded into a table of the same DDL: identical rows', async () => {
    const dir = workdir();
    const db = new Database(path.join(dir, 'x.db'));
    db.exec(`CREATE TABLE ev (id INTEGER PRIMARY KEY, name TEXT, created DATETIME DEFAULT CURRENT_DATE);
      INSERT INTO ev (name) VALUES ('a'), ('b'); INSERT INTO ev (name, created) VALUES ('c', '2024-05-01 12:00:00');
      CREATE TABLE ev2 (id INTEGER PRIMARY KEY, name TEXT, created DATETIME DEFAULT CURRENT_DATE);`);
    db.close();
    expect((await barge(dir, ['export', '--table', 'ev', '--db', 'x.db', '--out', 'ev.ndjson'])).exitCode).toBe(0);
    const loaded = await barge(dir, ['import', 'ev.ndjson', '--table', 'ev2', '--db', 'x.db']);
    expect(loaded.exitCode, loaded.stderr).toBe(0);
    const all = (table: string) => rows(path.join(dir, 'x.db'), `SELECT id, name, created, typeof(created) AS t FROM ${table} ORDER BY id`);
    expect(all('ev2')).toEqual(all('ev'));
    expect((all('ev')[0] as { created: string }).created).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});

describe('a table another tool made with a column named "__proto__"', () => {
  it('import into it: exit 2, naming the column and how to rename it (it was "unexpected column", drop it)', async () => {
    const dir = workdir();
    const db = new Database(path.join(dir, 'p.db'));
    db.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, "__proto__" TEXT); INSERT INTO t VALUES (1, 'x');`);
    db.close();
    expect((await barge(dir, ['export', '--table', 't', '--db', 'p.db', '--out', 'p.ndjson'])).exitCode).toBe(0);
    const result = await barge(dir, ['import', 'p.ndjson', '--table', 't', '--db', 'p.db']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('barge: error: table "t" has a column named "__proto__", which barge cannot load (the name is special in JavaScript objects); rename it: ALTER TABLE "t" RENAME COLUMN "__proto__" TO proto');
  });
});
