import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runImport } from '../../src/pipeline/run-import.js';
import { importConfig } from '../helpers/import-config.js';
import { tempDir } from '../helpers/temp-dirs.js';

// The core is a library: a run that stops on a check before reading (a schema that does not fit
// the table, an input that is missing) lets go of the inputs it opened. The CLI exits anyway;
// a program calling runImport in a loop ran out of file handles.

/** How many of this process's file descriptors are open on `file`. */
function handlesOn(file: string): number {
  const target = fs.realpathSync(file);
  let count = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`) === target) count += 1;
    } catch {
      // Closed while listed (the readdir's own descriptor).
    }
  }
  return count;
}

/** A destroyed stream closes its descriptor a moment later. */
async function handlesSettledOn(file: string): Promise<number> {
  for (let i = 0; i < 50 && handlesOn(file) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return handlesOn(file);
}

describe.skipIf(!fs.existsSync('/proc/self/fd'))('runImport lets go of its inputs when it stops before reading them', () => {
  it('a --schema that does not fit the existing table: refused (usage), the input closed', async () => {
    const dir = tempDir('barge-run-inputs-');
    const input = path.join(dir, 'items.csv');
    fs.writeFileSync(input, 'id,name\n1,a\n2,b\n');
    const db = new Database(path.join(dir, 'x.db'));
    db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT)');
    db.close();
    const schema = path.join(dir, 'items.schema.json');
    fs.writeFileSync(schema, JSON.stringify({ table: 'items', columns: { id: { type: 'integer' }, name: { type: 'string' } } }));
    const before = handlesOn(input);
    expect(before).toBe(0);
    const error = await runImport(importConfig(dir, [input], { schemaPath: schema })).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'BargeError', code: 'usage' });
    expect((error as Error).message).toBe('table "items" has no column "name" that the schema declares; add it to the table (ALTER TABLE "items" ADD COLUMN "name" TEXT) or remove it from the schema');
    expect(await handlesSettledOn(input)).toBe(0);
  });

  it('--truncate of a table other rows refer to, in row mode: refused (usage), the input closed', async () => {
    const dir = tempDir('barge-run-inputs-');
    const input = path.join(dir, 'makers.csv');
    fs.writeFileSync(input, 'id,name\n1,a\n');
    const db = new Database(path.join(dir, 'x.db'));
    db.exec('CREATE TABLE makers (id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE products (id INTEGER PRIMARY KEY, maker_id INTEGER REFERENCES makers(id)); INSERT INTO makers VALUES (1, \'a\'); INSERT INTO products VALUES (1, 1);');
    db.close();
    const error = await runImport(importConfig(dir, [input], { truncate: true, mode: 'row' })).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'BargeError', code: 'usage' });
    expect((error as Error).message).toBe('--truncate cannot empty "makers" batch by batch: rows of "products" (maker_id → id) reference it; use --mode atomic, which checks those references once the reload is done, or delete those rows first');
    expect(await handlesSettledOn(input)).toBe(0);
  });

  it('a second input that is missing: refused (usage), the first input closed', async () => {
    const dir = tempDir('barge-run-inputs-');
    const first = path.join(dir, 'a.csv');
    fs.writeFileSync(first, 'id,name\n1,a\n');
    const error = await runImport(importConfig(dir, [first, path.join(dir, 'missing.csv')])).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'BargeError', code: 'usage' });
    expect((error as Error).message).toBe(`cannot read input "${path.join(dir, 'missing.csv')}": no such file`);
    expect(await handlesSettledOn(first)).toBe(0);
  });
});
