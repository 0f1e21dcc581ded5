import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { barge, rows, workdir } from '../helpers/cli.js';

/**
 * A later --schema replaced the schema barge kept for a table: rows loaded as booleans and json
 * were exported as 1 and as strings, and later imports without --schema validated by it.
 */
describe('a --schema that changes the type a table\'s rows were loaded as', () => {
  const first = { table: 'k', primaryKey: ['id'], columns: { id: { type: 'integer' }, active: { type: 'boolean' }, tags: { type: 'json' }, d: { type: 'date' } } };
  const retyped = { table: 'k', primaryKey: ['id'], columns: { id: { type: 'integer' }, active: { type: 'integer' }, tags: { type: 'string' }, d: { type: 'string' } } };

  function setUp(): string {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'k1.json'), JSON.stringify(first));
    fs.writeFileSync(path.join(dir, 'k2.json'), JSON.stringify(retyped));
    fs.writeFileSync(path.join(dir, 'k1.ndjson'), '{"id":1,"active":true,"tags":{"a":1},"d":"2024-01-02"}\n');
    fs.writeFileSync(path.join(dir, 'k2.ndjson'), '{"id":2,"active":1,"tags":"not json","d":"yesterday"}\n');
    return dir;
  }

  it('is refused (exit 2) while the table holds rows; the kept schema and the export stay as they were', async () => {
    const dir = setUp();
    expect((await barge(dir, ['import', 'k1.ndjson', '--schema', 'k1.json', '--db', 'k.db', '--quiet'])).exitCode).toBe(0);
    const exported = await barge(dir, ['export', '--table', 'k', '--db', 'k.db', '--format', 'ndjson']);
    expect(exported.stdout).toBe('{"id":1,"active":true,"tags":{"a":1},"d":"2024-01-02"}');
    for (const command of [['import', '--db', 'k.db'], ['validate', '--db', 'k.db']]) {
      const result = await barge(dir, [command[0]!, 'k2.ndjson', '--schema', 'k2.json', ...command.slice(1)]);
      expect(result.exitCode, result.stderr).toBe(2);
      expect(result.stderr).toBe('barge: error: column "active" of table "k" holds rows loaded as "boolean" (the schema barge kept for the table, which export reads them by), but the schema makes it "integer"; declare it "boolean", or import into a new table (if another tool made the table again since, forget the kept schema: DELETE FROM _barge_schemas WHERE table_name = \'k\')');
    }
    expect(rows(path.join(dir, 'k.db'), 'SELECT id FROM k')).toEqual([{ id: 1 }]);
    expect(JSON.parse(rows<{ schema_json: string }>(path.join(dir, 'k.db'), "SELECT schema_json FROM _barge_schemas WHERE table_name = 'k'")[0]!.schema_json).columns.active.type).toBe('boolean');
    expect((await barge(dir, ['export', '--table', 'k', '--db', 'k.db', '--format', 'ndjson'])).stdout).toBe(exported.stdout);
  });

  it('not refused: types export writes alike (integer made number), a reload (--truncate), a table made again by another tool; a schema kept with an integer bound of 2^63 is read as kept', async () => {
    const dir = setUp();
    fs.writeFileSync(path.join(dir, 'n1.json'), JSON.stringify({ table: 'n', columns: { id: { type: 'integer', max: 9223372036854775807 }, q: { type: 'integer' } } }));
    fs.writeFileSync(path.join(dir, 'n2.json'), JSON.stringify({ table: 'n', columns: { id: { type: 'integer' }, q: { type: 'number' } } }));
    fs.writeFileSync(path.join(dir, 'n.ndjson'), '{"id":1,"q":2}\n');
    expect((await barge(dir, ['import', 'n.ndjson', '--schema', 'n1.json', '--db', 'k.db', '--quiet'])).exitCode).toBe(0);
    const renumbered = await barge(dir, ['import', 'n.ndjson', '--schema', 'n2.json', '--db', 'k.db', '--quiet']);
    expect(renumbered.exitCode, renumbered.stderr).toBe(0);
    expect(rows(path.join(dir, 'k.db'), 'SELECT count(*) AS n FROM n')).toEqual([{ n: 2 }]);
    // A reload replaces the rows: the new types are theirs.
    expect((await barge(dir, ['import', 'k1.ndjson', '--schema', 'k1.json', '--db', 'k.db', '--quiet'])).exitCode).toBe(0);
    const reloaded = await barge(dir, ['import', 'k2.ndjson', '--schema', 'k2.json', '--db', 'k.db', '--truncate', '--quiet']);
    expect(reloaded.exitCode, reloaded.stderr).toBe(0);
    expect((await barge(dir, ['export', '--table', 'k', '--db', 'k.db', '--format', 'ndjson'])).stdout).toBe('{"id":2,"active":1,"tags":"not json","d":"yesterday"}');
    // Made again by another tool with TEXT where the kept schema said boolean: the table's type wins.
    fs.writeFileSync(path.join(dir, 's1.json'), JSON.stringify({ table: 's', columns: { id: { type: 'integer' }, v: { type: 'boolean' } } }));
    fs.writeFileSync(path.join(dir, 's2.json'), JSON.stringify({ table: 's', columns: { id: { type: 'integer' }, v: { type: 'string' } } }));
    fs.writeFileSync(path.join(dir, 's.ndjson'), '{"id":1,"v":true}\n');
    expect((await barge(dir, ['import', 's.ndjson', '--schema', 's1.json', '--db', 'k.db', '--quiet'])).exitCode).toBe(0);
    const db = new Database(path.join(dir, 'k.db'));
    db.exec("DROP TABLE s; CREATE TABLE s (id INTEGER, v TEXT); INSERT INTO s VALUES (1, 'hello')");
    db.close();
    fs.writeFileSync(path.join(dir, 's2.ndjson'), '{"id":2,"v":"x"}\n');
    const remade = await barge(dir, ['import', 's2.ndjson', '--schema', 's2.json', '--db', 'k.db', '--quiet']);
    expect(remade.exitCode, remade.stderr).toBe(0);
    expect(rows(path.join(dir, 'k.db'), 'SELECT id, v FROM s ORDER BY id')).toEqual([{ id: 1, v: 'hello' }, { id: 2, v: 'x' }]);
  });

  it('an empty table takes the new types (nothing was loaded as the old ones)', async () => {
    const dir = setUp();
    expect((await barge(dir, ['import', 'k1.ndjson', '--schema', 'k1.json', '--db', 'k.db', '--quiet'])).exitCode).toBe(0);
    const db = new Database(path.join(dir, 'k.db'));
    db.exec('DELETE FROM k');
    db.close();
    const result = await barge(dir, ['import', 'k2.ndjson', '--schema', 'k2.json', '--db', 'k.db', '--quiet']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect((await barge(dir, ['export', '--table', 'k', '--db', 'k.db', '--format', 'ndjson'])).stdout).toBe('{"id":2,"active":1,"tags":"not json","d":"yesterday"}');
  });
});

it('a batch/row import that loads nothing (every record rejected) keeps the schema as it was: the next import without --schema still reads the rows by it', async () => {
  const dir = workdir();
  fs.writeFileSync(path.join(dir, 's1.json'), JSON.stringify({ table: 'k', primaryKey: ['id'], columns: { id: { type: 'integer' }, code: { type: 'string' } } }));
  fs.writeFileSync(path.join(dir, 'd1.ndjson'), '{"id":1,"code":"007"}\n');
  expect((await barge(dir, ['import', 'd1.ndjson', '--schema', 's1.json', '--quiet'])).exitCode).toBe(0);
  // A schema making code json, whose only record is rejected: nothing loaded with it.
  fs.writeFileSync(path.join(dir, 's2.json'), JSON.stringify({ table: 'k', primaryKey: ['id'], columns: { id: { type: 'integer' }, code: { type: 'string', pattern: '^Q$' } } }));
  fs.writeFileSync(path.join(dir, 'd2.ndjson'), '{"id":2,"code":"no"}\n');
  const rejected = await barge(dir, ['import', 'd2.ndjson', '--schema', 's2.json', '--mode', 'batch']);
  expect(rejected.exitCode).toBe(1);
  // The kept schema is s1's: a later import without --schema accepts what s1 accepts (s2's pattern was kept, and rejected it).
  fs.writeFileSync(path.join(dir, 'd3.ndjson'), '{"id":3,"code":"x"}\n');
  const later = await barge(dir, ['import', 'd3.ndjson', '--table', 'k', '--json']);
  expect(later.exitCode, later.stderr).toBe(0);
  expect(rows(path.join(dir, 'barge.db'), "SELECT json_extract(schema_json, '$.columns.code') AS code FROM _barge_schemas WHERE table_name = 'k'")).toEqual([{ code: '{"type":"string"}' }]);
  // A row import that loads rows keeps its schema.
  fs.writeFileSync(path.join(dir, 'd4.ndjson'), '{"id":4,"code":"Q"}\n');
  expect((await barge(dir, ['import', 'd4.ndjson', '--schema', 's2.json', '--mode', 'row', '--quiet'])).exitCode).toBe(0);
  expect(rows(path.join(dir, 'barge.db'), "SELECT json_extract(schema_json, '$.columns.code.pattern') AS p FROM _barge_schemas WHERE table_name = 'k'")).toEqual([{ p: '^Q$' }]);
});

it('row mode: a batch whose every record fails at the write (the table\'s CHECK) keeps neither the new schema nor a --truncate\'s emptying (the table was left empty, "nothing loaded")', async () => {
  const dir = workdir();
  const db = path.join(dir, 'r.db');
  const made = new Database(db);
  made.exec("CREATE TABLE g(id INTEGER PRIMARY KEY, name TEXT CHECK (length(name) <= 3)); INSERT INTO g VALUES (1, 'abc'), (2, 'def');");
  made.close();
  fs.writeFileSync(path.join(dir, 's3.json'), JSON.stringify({ table: 'g', primaryKey: ['id'], columns: { id: { type: 'integer' }, name: { type: 'string', maxLength: 3 } } }));
  fs.writeFileSync(path.join(dir, 'ok.csv'), 'id,name\n1,abc\n');
  expect((await barge(dir, ['import', 'ok.csv', '--schema', 's3.json', '--db', db, '--on-conflict', 'update', '--quiet'])).exitCode).toBe(0);
  // Every record fails the table's CHECK at the write, in row mode with --truncate.
  fs.writeFileSync(path.join(dir, 's9.json'), JSON.stringify({ table: 'g', primaryKey: ['id'], columns: { id: { type: 'integer' }, name: { type: 'string', maxLength: 9 } } }));
  fs.writeFileSync(path.join(dir, 'long.csv'), 'id,name\n3,abcdef\n4,ghijkl\n');
  const result = await barge(dir, ['import', 'long.csv', '--schema', 's9.json', '--db', db, '--mode', 'row', '--truncate', '--json']);
  expect(result.exitCode, result.stderr).toBe(1);
  expect(JSON.parse(result.stdout).counts).toMatchObject({ inserted: 0, rejected: 2 });
  expect(rows(db, 'SELECT id, name FROM g ORDER BY id')).toEqual([{ id: 1, name: 'abc' }, { id: 2, name: 'def' }]);
  expect(rows(db, "SELECT json_extract(schema_json, '$.columns.name.maxLength') AS n FROM _barge_schemas WHERE table_name = 'g'")).toEqual([{ n: 3 }]);
});
