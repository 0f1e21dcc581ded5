import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { barge, workdir } from '../helpers/cli.js';

/**
 * validate "returns the same exit code" as import (README): a --schema that the existing table
 * cannot hold is refused by import before it reads (exit 2); validate said every record valid.
 */
describe('validate refuses the --schema import refuses for an existing table', () => {
  function setUp(): string {
    const dir = workdir();
    const db = new Database(path.join(dir, 'c.db'));
    db.exec('CREATE TABLE t (x INTEGER, y TEXT, z REAL, w NUMERIC); CREATE TABLE p (id TEXT PRIMARY KEY)');
    db.close();
    fs.writeFileSync(path.join(dir, 't.csv'), 'x,y,z,w\n1,a,1.5,2\n');
    return dir;
  }

  const cases: Array<[string, object, string]> = [
    [
      'a unique constraint the table lacks (the records it rejects would load)',
      { table: 't', columns: { x: { type: 'integer', unique: true }, y: { type: 'string' } }, extraColumns: 'ignore' },
      'table "t" has no unique constraint on (x), which the schema declares: SQLite would not enforce it; remove it from the schema, or import into a new table',
    ],
    [
      'a foreign key the table lacks',
      { table: 't', columns: { x: { type: 'integer' }, y: { type: 'string', references: 'p.id' } }, extraColumns: 'ignore' },
      'table "t" has no foreign key from "y" to p.id, which the schema declares: SQLite would not enforce it; remove it from the schema, or import into a new table',
    ],
    [
      'a type its column would store otherwise',
      { table: 't', columns: { x: { type: 'string' } }, extraColumns: 'ignore' },
      'column "x" of table "t" is declared INTEGER, but the schema makes it "string": SQLite would store number-like text in it as a number ("02134" as 2134); declare it "integer" in the schema, or import into a new table',
    ],
    [
      'a column the table lacks',
      { table: 't', columns: { x: { type: 'integer' }, q: { type: 'string' } }, extraColumns: 'ignore' },
      'table "t" has no column "q" that the schema declares; add it to the table (ALTER TABLE "t" ADD COLUMN "q" TEXT) or remove it from the schema',
    ],
  ];

  for (const [what, schema, message] of cases) {
    it(`${what}: exit 2 with import's message, from both`, async () => {
      const dir = setUp();
      fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify(schema));
      for (const command of [['validate'], ['import', '--dry-run']]) {
        const result = await barge(dir, [command[0]!, 't.csv', '--schema', 's.json', '--db', 'c.db', ...command.slice(1)]);
        expect(result.exitCode, `${command.join(' ')}: ${result.stderr}`).toBe(2);
        expect(result.stderr).toBe(`barge: error: ${message}`);
      }
    });
  }

  it('a schema the table can hold: validate checks the records (exit 0)', async () => {
    const dir = setUp();
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 't', columns: { x: { type: 'integer' }, y: { type: 'string' } }, extraColumns: 'ignore' }));
    const result = await barge(dir, ['validate', 't.csv', '--schema', 's.json', '--db', 'c.db', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).counts).toEqual({ read: 1, valid: 1, rejected: 0 });
  });

  it('a new table referencing one not imported yet: validate checks the records (exit 0); import refuses until it is there', async () => {
    const dir = setUp();
    fs.writeFileSync(path.join(dir, 'k.json'), JSON.stringify({ table: 'kids', columns: { x: { type: 'integer' }, y: { type: 'string', references: 'parents.id' } }, extraColumns: 'ignore' }));
    const result = await barge(dir, ['validate', 't.csv', '--schema', 'k.json', '--db', 'c.db', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).counts).toEqual({ read: 1, valid: 1, rejected: 0 });
    const imported = await barge(dir, ['import', 't.csv', '--schema', 'k.json', '--db', 'c.db']);
    expect(imported.exitCode).toBe(2);
    expect(imported.stderr).toBe('barge: error: column "y" references parents.id, but table "parents" does not exist; import "parents" first, with a --schema whose "primaryKey" is "id" (a table made without one has no key to refer to)');
  });
});
