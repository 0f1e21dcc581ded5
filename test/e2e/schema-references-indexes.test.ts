import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { barge, rows, workdir } from '../helpers/cli.js';

// A `references` SQLite cannot use, and the names of the indexes barge creates
// (src/pipeline/table-checks.ts, src/schema/schema-file.ts, src/schema/to-ddl.ts).

function write(dir: string, name: string, content: unknown): void {
  fs.writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
}

function exec(file: string, sql: string): void {
  const db = new Database(file);
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

/** Everything in the database but the rows of barge's job table: tables, indexes and the kept schemas. */
function catalogue(file: string): unknown {
  return {
    master: rows(file, "SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_autoindex%' ORDER BY name"),
    jobs: rows(file, 'SELECT id, table_name, status FROM _barge_jobs ORDER BY started_at'),
  };
}

const MAKERS = { table: 'makers', primaryKey: ['id'], columns: { id: { type: 'string' }, country: { type: 'string' } } };

/** dir with r.db holding makers (M-1), r.csv, and the schema files the cases use. */
async function withMakers(): Promise<{ dir: string; db: string }> {
  const dir = workdir();
  write(dir, 'm.csv', 'id,country\nM-1,DE\n');
  write(dir, 'r.csv', 'id,m\n1,DE\n');
  write(dir, 'mk.json', MAKERS);
  const made = await barge(dir, ['import', 'm.csv', '--schema', 'mk.json', '--db', 'r.db', '--quiet']);
  expect(made.exitCode, made.stderr).toBe(0);
  return { dir, db: path.join(dir, 'r.db') };
}

function referencing(table: string, references: string, rest: Record<string, unknown> = {}): unknown {
  return { table, columns: { id: { type: 'integer' }, m: { type: 'string', references } }, ...rest };
}

describe('references: the column must be a key of its table', () => {
  it('a column that is not unique, or missing: exit 2 naming the key, nothing written, no job; a unique index on it will do', async () => {
    const { dir, db } = await withMakers();
    write(dir, 'r1.json', referencing('r1', 'makers.country'));
    write(dir, 'r2.json', referencing('r2', 'makers.nosuch'));
    const before = catalogue(db);
    const notUnique = await barge(dir, ['import', 'r.csv', '--schema', 'r1.json', '--db', 'r.db']);
    expect(notUnique).toMatchObject({
      exitCode: 2,
      stderr:
        'barge: error: schema r1.json: columns.m.references: makers.country is not the primary key or a unique column of "makers", and SQLite can only reference one of those: "id"',
    });
    const missing = await barge(dir, ['import', 'r.csv', '--schema', 'r2.json', '--db', 'r.db', '--mode', 'row']);
    expect(missing).toMatchObject({ exitCode: 2, stderr: 'barge: error: schema r2.json: columns.m.references: table "makers" has no column "nosuch"' });
    // validate reads the same schema against the same database.
    const validate = await barge(dir, ['validate', 'r.csv', '--schema', 'r1.json', '--db', 'r.db']);
    expect(validate.exitCode).toBe(2);
    expect(validate.stderr).toBe(notUnique.stderr);
    expect(catalogue(db)).toEqual(before);

    // With a unique index on exactly that column (any case, as SQLite resolves names), both load.
    exec(db, 'CREATE UNIQUE INDEX makers_country ON makers (country)');
    write(dir, 'r2.json', referencing('r2', 'MAKERS.Country'));
    for (const schema of ['r1.json', 'r2.json']) {
      const result = await barge(dir, ['import', 'r.csv', '--schema', schema, '--db', 'r.db', '--quiet']);
      expect(result.exitCode, result.stderr).toBe(0);
    }
    expect(rows(db, 'SELECT id, m FROM r1 UNION ALL SELECT id, m FROM r2')).toEqual([
      { id: 1, m: 'DE' },
      { id: 1, m: 'DE' },
    ]);
  });

  it('a table that exists (no --schema) with a foreign key to a column that is no key: exit 2, no job', async () => {
    const { dir, db } = await withMakers();
    exec(db, 'CREATE TABLE r4 (id INTEGER, m TEXT REFERENCES makers (country)); CREATE UNIQUE INDEX makers_pair ON makers (id, country)');
    const before = catalogue(db);
    const result = await barge(dir, ['import', 'r.csv', '--table', 'r4', '--db', 'r.db']);
    expect(result).toMatchObject({
      exitCode: 2,
      stderr:
        'barge: error: column "m" references makers.country, which is not the primary key or a unique column of "makers", and SQLite can only reference one of those: "id"',
    });
    expect(catalogue(db)).toEqual(before);
  });

  it('a reference to the table itself: a column that is no key of the schema is exit 2, and no database is left', async () => {
    const dir = workdir();
    write(dir, 'r.csv', 'id,a,m\n1,x,\n');
    const columns = { id: { type: 'integer' }, a: { type: 'string' }, m: { type: 'string', references: 'r3.a' } };
    write(dir, 'r3.json', { table: 'r3', columns });
    write(dir, 'r3-pk.json', { table: 'r3', columns, primaryKey: ['id', 'a'] });
    write(dir, 'r3-index.json', { table: 'r3', columns, indexes: [['a']] });
    write(dir, 'r3-renamed.json', { columns });
    const cases: Array<[string[], string]> = [
      [['--schema', 'r3.json'], 'schema r3.json: columns.m.references: r3.a is not the primary key or a unique column of "r3", and SQLite can only reference one of those (it has none)'],
      [['--schema', 'r3-pk.json'], 'schema r3-pk.json: columns.m.references: r3.a is not the primary key or a unique column of "r3", and SQLite can only reference one of those (it has none)'],
      [['--schema', 'r3-index.json'], 'schema r3-index.json: columns.m.references: r3.a is not the primary key or a unique column of "r3", and SQLite can only reference one of those (it has none)'],
      // The table named by --table: the schema file could not tell that r3 is itself.
      [['--schema', 'r3-renamed.json', '--table', 'r3'], 'schema r3-renamed.json: columns.m.references: r3.a is not the primary key or a unique column of "r3", and SQLite can only reference one of those (it has none)'],
    ];
    for (const [args, message] of cases) {
      const result = await barge(dir, ['import', 'r.csv', ...args, '--db', 'r.db', '--mode', 'row']);
      expect(result).toMatchObject({ exitCode: 2, stderr: `barge: error: ${message}` });
      expect(fs.existsSync(path.join(dir, 'r.db'))).toBe(false);
    }
    write(dir, 'r3-unique.json', { table: 'r3', columns: { ...columns, a: { type: 'string', unique: true } } });
    write(dir, 'r3-ok.csv', 'id,a,m\n1,x,\n2,y,x\n3,z,nope\n');
    const ok = await barge(dir, ['import', 'r3-ok.csv', '--schema', 'r3-unique.json', '--db', 'r.db', '--mode', 'row', '--quiet']);
    expect(ok.exitCode).toBe(1); // line 4's reference is rejected; the key works
    expect(rows(path.join(dir, 'r.db'), 'SELECT id, a, m FROM r3 ORDER BY id')).toEqual([
      { id: 1, a: 'x', m: null },
      { id: 2, a: 'y', m: 'x' },
    ]);
  });
});

function indexNames(db: string): string[] {
  return rows<{ name: string }>(db, "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name NOT IN ('_barge_jobs', '_barge_schemas') ORDER BY tbl_name, name").map((r) => r.name);
}

describe('indexes', () => {
  it('names that cannot collide across tables or column lists', async () => {
    const dir = workdir();
    write(dir, 'o.csv', 'id,item_id,a_b,a,b\n1,2,3,4,5\n');
    const columns = { id: { type: 'integer' }, item_id: { type: 'integer' }, a_b: { type: 'integer' }, a: { type: 'integer' }, b: { type: 'integer' } };
    write(dir, 'order.json', { table: 'order', columns, indexes: [['item_id'], ['a_b'], ['a', 'b']] });
    write(dir, 'order_item.json', { table: 'order_item', columns, indexes: [['id']] });
    for (const schema of ['order.json', 'order_item.json']) {
      const result = await barge(dir, ['import', 'o.csv', '--schema', schema, '--db', 'o.db', '--quiet']);
      expect(result.exitCode, result.stderr).toBe(0);
    }
    const db = path.join(dir, 'o.db');
    expect(rows(db, "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name NOT IN ('_barge_jobs', '_barge_schemas') ORDER BY rowid")).toEqual([
      { name: 'order_[item_id]_idx', tbl_name: 'order' },
      { name: 'order_[a_b]_idx', tbl_name: 'order' },
      { name: 'order_a_b_idx', tbl_name: 'order' },
      { name: '[order_item]_id_idx', tbl_name: 'order_item' },
    ]);
    expect(rows(db, 'SELECT count(*) AS n FROM "order_item"')).toEqual([{ n: 1 }]);
  });

  it('an index listed twice, or one SQLite keeps already: exit 2 naming it, and no database is left', async () => {
    const dir = workdir();
    write(dir, 'd.csv', 'a,b\n1,2\n');
    const columns = { a: { type: 'integer' }, b: { type: 'integer', unique: true } };
    const cases: Array<[unknown, string]> = [
      [{ table: 'd', columns, indexes: [['a'], ['a']] }, 'indexes[1]: repeats indexes[0]; list each index once'],
      [{ table: 'd', columns, indexes: [['b', 'a'], ['a', 'b'], ['b', 'a']] }, 'indexes[2]: repeats indexes[0]; list each index once'],
      [{ table: 'd', columns, primaryKey: ['a'], indexes: [['a', 'b'], ['a']] }, 'indexes[1]: is the primary key, which SQLite indexes already; remove it'],
      [{ table: 'd', columns, unique: [['a', 'b']], indexes: [['a', 'b']] }, 'indexes[0]: repeats unique[0], which SQLite indexes already; remove it'],
      [{ table: 'd', columns, indexes: [['b']] }, 'indexes[0]: column "b" is unique, which SQLite indexes already; remove it'],
    ];
    for (const [schema, message] of cases) {
      write(dir, 'd.json', schema);
      const result = await barge(dir, ['import', 'd.csv', '--schema', 'd.json', '--db', 'd.db']);
      expect(result).toMatchObject({ exitCode: 2, stderr: `barge: error: schema d.json: ${message}` });
      expect(fs.existsSync(path.join(dir, 'd.db'))).toBe(false);
    }
    // Another order of the same columns is another index.
    write(dir, 'd.json', { table: 'd', columns, primaryKey: ['a', 'b'], indexes: [['b', 'a']] });
    expect((await barge(dir, ['import', 'd.csv', '--schema', 'd.json', '--db', 'd.db', '--quiet'])).exitCode).toBe(0);
    expect(indexNames(path.join(dir, 'd.db'))).toEqual(['d_b_a_idx']);
  });

  it('importing again into the table (kept schema, or the file again) creates no index again', async () => {
    const dir = workdir();
    write(dir, 't.csv', 'id,cat\n1,x\n');
    write(dir, 't2.csv', 'id,cat\n2,y\n');
    write(dir, 't3.csv', 'id,cat\n3,z\n');
    // Indexes whose names collided before ("t_cat_id_idx" twice).
    write(dir, 't.json', { table: 't', primaryKey: ['id'], columns: { id: { type: 'integer' }, cat: { type: 'string' }, cat_id: { type: 'integer' } }, indexes: [['cat_id'], ['cat', 'id']] });
    const db = path.join(dir, 't.db');
    const first = await barge(dir, ['import', 't.csv', '--schema', 't.json', '--db', 't.db', '--quiet']);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(indexNames(db)).toEqual(['t_[cat_id]_idx', 't_cat_id_idx']);
    const again = await barge(dir, ['import', 't2.csv', '--table', 't', '--db', 't.db', '--quiet']);
    expect(again.exitCode, again.stderr).toBe(0);
    const withFile = await barge(dir, ['import', 't3.csv', '--schema', 't.json', '--db', 't.db', '--quiet']);
    expect(withFile.exitCode, withFile.stderr).toBe(0);
    expect(indexNames(db)).toEqual(['t_[cat_id]_idx', 't_cat_id_idx']);
    expect(rows(db, 'SELECT id, cat FROM t ORDER BY id')).toEqual([
      { id: 1, cat: 'x' },
      { id: 2, cat: 'y' },
      { id: 3, cat: 'z' },
    ]);
  });
});
