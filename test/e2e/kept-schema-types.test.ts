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
      expect(result.stderr).toBe('barge: error: column "active" of table "k" holds rows loaded as "boolean" (the schema barge kept for the table, which export reads them by), but the schema makes it "integer"; declare it "boolean", or import into a new table');
    }
    expect(rows(path.join(dir, 'k.db'), 'SELECT id FROM k')).toEqual([{ id: 1 }]);
    expect(JSON.parse(rows<{ schema_json: string }>(path.join(dir, 'k.db'), "SELECT schema_json FROM _barge_schemas WHERE table_name = 'k'")[0]!.schema_json).columns.active.type).toBe('boolean');
    expect((await barge(dir, ['export', '--table', 'k', '--db', 'k.db', '--format', 'ndjson'])).stdout).toBe(exported.stdout);
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
