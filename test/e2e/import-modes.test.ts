import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { barge, importMakers, readNdjson, rows, workdir } from '../helpers/cli.js';

const SCHEMA = ['--schema', 'fixtures/products.schema.json'];

/** The table's ids; [] when the table does not exist (an atomic job that failed leaves none). */
function ids(dir: string): string[] {
  const exists = rows(path.join(dir, 'barge.db'), "SELECT 1 FROM sqlite_master WHERE name = 'products'").length > 0;
  if (!exists) return [];
  return rows<{ id: string }>(path.join(dir, 'barge.db'), 'SELECT id FROM products ORDER BY rowid').map((r) => r.id);
}

function allBut(...missing: number[]): string[] {
  return Array.from({ length: 12 }, (_, i) => i + 1).filter((n) => !missing.includes(n)).map((n) => `P-${n}`);
}

describe('modes on a file with one bad record in the middle (record 6, line 7)', () => {
  it('atomic: nothing is written, the report has the record, exit 1', async () => {
    const dir = workdir();
    await importMakers(dir);
    const result = await barge(dir, ['import', 'fixtures/bad/products-bad-price.csv', ...SCHEMA, '--batch-size', '4']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('failed: 1 record rejected, rolled back, nothing was written');
    expect(result.stderr).toContain('products-bad-price.csv:line 7, column "price": expected a number >= 0, got "-3"');
    expect(ids(dir)).toEqual([]);
    const report = readNdjson(path.join(dir, 'products-bad-price.errors.ndjson'));
    expect(report).toHaveLength(1);
    expect(report[0]).toMatchObject({
      _barge_input: 'fixtures/bad/products-bad-price.csv', _barge_line: 7, _barge_record: 6, _barge_batch: 2,
      id: 'P-6', price: '-3',
      _barge_errors: [{ column: 'price', code: 'too_small', message: 'line 7, column "price": expected a number >= 0, got "-3"', value: '-3' }],
    });
  });

  it('batch: exactly the other batches are committed; the bad batch is reported whole', async () => {
    const dir = workdir();
    await importMakers(dir);
    const result = await barge(dir, ['import', 'fixtures/bad/products-bad-price.csv', ...SCHEMA, '--mode', 'batch', '--batch-size', '4', '--json']);
    expect(result.exitCode).toBe(1);
    expect(ids(dir)).toEqual(allBut(5, 6, 7, 8));
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ status: 'partial', batchesCommitted: 2, counts: { read: 12, inserted: 8, rejected: 4 } });
    const report = readNdjson(path.join(dir, 'products-bad-price.errors.ndjson'));
    expect(report.map((e) => [e._barge_record, e._barge_errors[0].code])).toEqual([
      [5, 'batch_rolled_back'], [6, 'too_small'], [7, 'batch_rolled_back'], [8, 'batch_rolled_back'],
    ]);
    expect(report[0]!._barge_errors[0]).toMatchObject({ column: null, value: 6 });
    expect(report[0]!._barge_errors[0].message).toBe(
      'line 6: batch 2 was rolled back because of record 6 (fixtures/bad/products-bad-price.csv:7); it passed validation but was not written: re-import it',
    );
  });

  it('batch: a batch rolled back for a failed write says its other records were written first', async () => {
    const dir = workdir();
    await importMakers(dir);
    fs.writeFileSync(path.join(dir, 'dup.csv'), 'id,name\nP-1,a\nP-2,b\nP-1,again\nP-3,c\n');
    const result = await barge(dir, ['import', 'dup.csv', ...SCHEMA, '--mode', 'batch']);
    expect(result.exitCode).toBe(1);
    const report = readNdjson(path.join(dir, 'dup.errors.ndjson'));
    expect(report.map((e) => [e._barge_record, e._barge_errors[0].code])).toEqual([
      [1, 'batch_rolled_back'], [2, 'batch_rolled_back'], [3, 'primary_key'], [4, 'batch_rolled_back'],
    ]);
    expect(report[0]!._barge_errors[0].message).toBe(
      'line 2: batch 1 was rolled back because of record 3 (dup.csv:4); it was written, then rolled back with its batch: re-import it',
    );
    expect(ids(dir)).toEqual([]);
  });

  it('row: every record but the bad one', async () => {
    const dir = workdir();
    await importMakers(dir);
    const result = await barge(dir, ['import', 'fixtures/bad/products-bad-price.csv', ...SCHEMA, '--mode', 'row', '--batch-size', '4']);
    expect(result.exitCode).toBe(1);
    expect(ids(dir)).toEqual(allBut(6));
    expect(readNdjson(path.join(dir, 'products-bad-price.errors.ndjson')).map((e) => e.id)).toEqual(['P-6']);
  });

  it('--continue-on-error is row mode and --atomic is atomic mode', async () => {
    const dir = workdir();
    await importMakers(dir);
    const input = ['import', 'fixtures/bad/products-missing-name.csv', ...SCHEMA, '--batch-size', '4'];
    // Atomic is the default: --atomic shows itself where it meets another mode, and in the job's record.
    for (const [args, modes] of [[['--mode', 'batch', '--atomic'], 'batch and atomic'], [['--atomic', '--continue-on-error'], 'atomic and row']] as const) {
      expect(await barge(dir, [...input, ...args]), args.join(' ')).toEqual({ exitCode: 2, stdout: '', stderr: `barge: error: conflicting modes: ${modes}; pick one --mode` });
    }
    let result = await barge(dir, [...input, '--atomic', '--job-id', 'a']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.split('\n')[0]).toBe('barge: import of fixtures/bad/products-missing-name.csv into "products": failed: 1 record rejected, rolled back, nothing was written');
    expect(ids(dir)).toEqual([]);
    // The same batches of 4 in batch mode keep batches 1 and 3 (P-6, line 7, is in batch 2).
    result = await barge(dir, [...input, '--mode', 'batch', '--job-id', 'b']);
    expect(result.exitCode).toBe(1);
    expect(ids(dir)).toEqual(['P-1', 'P-2', 'P-3', 'P-4', 'P-9', 'P-10', 'P-11', 'P-12']);
    result = await barge(dir, [...input, '--continue-on-error', '--truncate', '--job-id', 'r']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.split('\n')[0]).toBe('barge: import of fixtures/bad/products-missing-name.csv into "products": partial: 1 record rejected, 11 loaded');
    expect(result.stderr.split('\n')[3]).toBe('  fixtures/bad/products-missing-name.csv:line 7, column "name": is required');
    expect(ids(dir)).toEqual(allBut(6));
    expect(rows(path.join(dir, 'barge.db'), "SELECT id, mode FROM _barge_jobs WHERE id IN ('a', 'b', 'r') ORDER BY id")).toEqual([{ id: 'a', mode: 'atomic' }, { id: 'b', mode: 'batch' }, { id: 'r', mode: 'row' }]);
  });

  it('row: a UNIQUE violation rejects only the culprit', async () => {
    const dir = workdir();
    await importMakers(dir);
    const result = await barge(dir, ['import', 'fixtures/bad/products-duplicate-id.csv', ...SCHEMA, '--mode', 'row']);
    expect(result.exitCode).toBe(1);
    expect(ids(dir)).toEqual(allBut(6));
    const [entry] = readNdjson(path.join(dir, 'products-duplicate-id.errors.ndjson'));
    expect(entry!._barge_errors).toEqual([{
      column: 'id', code: 'primary_key', value: 'P-2',
      message: 'line 7, column "id": duplicate value "P-2": a row with it already exists (use --on-conflict ignore, replace or update to allow this)',
    }]);
  });

  it('row: a FOREIGN KEY violation rejects only the culprit, naming the column', async () => {
    const dir = workdir();
    await importMakers(dir);
    const result = await barge(dir, ['import', 'fixtures/bad/products-dangling-maker.csv', ...SCHEMA, '--mode', 'row']);
    expect(result.exitCode).toBe(1);
    expect(ids(dir)).toEqual(allBut(6));
    const [entry] = readNdjson(path.join(dir, 'products-dangling-maker.errors.ndjson'));
    expect(entry!._barge_errors).toEqual([{
      column: 'maker_id', code: 'foreign_key', value: 'M-99',
      message: 'line 7, column "maker_id": no row in makers.id has the value "M-99" (foreign key)',
    }]);
  });

  it('a ragged row is a rejected record with its line, not a crash', async () => {
    const dir = workdir();
    await importMakers(dir);
    const result = await barge(dir, ['import', 'fixtures/bad/products-ragged.csv', ...SCHEMA, '--mode', 'row']);
    expect(result.exitCode).toBe(1);
    expect(ids(dir)).toEqual(allBut(6));
    const [entry] = readNdjson(path.join(dir, 'products-ragged.errors.ndjson'));
    expect(entry).toMatchObject({ _barge_line: 7, _barge_record: 6 });
    expect(entry!._barge_errors[0].code).toBe('ragged_row');
  });

  it('atomic: a constraint failure rolls everything back and is reported', async () => {
    const dir = workdir();
    await importMakers(dir);
    const result = await barge(dir, ['import', 'fixtures/bad/products-duplicate-id.csv', ...SCHEMA]);
    expect(result.exitCode).toBe(1);
    expect(ids(dir)).toEqual([]);
    expect(readNdjson(path.join(dir, 'products-duplicate-id.errors.ndjson')).map((e) => e._barge_errors[0].code)).toEqual(['primary_key']);
  });

  it('--max-errors stops after n rejected records; committed batches stay in row mode', async () => {
    const dir = workdir();
    await importMakers(dir);
    fs.writeFileSync(path.join(dir, 'many-bad.csv'), 'id,name,price\n' + Array.from({ length: 10 }, (_, i) => `P-${i + 1},Item ${i + 1},${i % 2 === 0 ? '1' : '-1'}`).join('\n') + '\n');
    const result = await barge(dir, ['import', 'many-bad.csv', ...SCHEMA, '--mode', 'row', '--max-errors', '2', '--batch-size', '2', '--json']);
    expect(result.exitCode).toBe(1);
    const summary = JSON.parse(result.stdout);
    expect(summary.counts).toMatchObject({ read: 4, inserted: 2, rejected: 2 });
    expect(summary.stoppedEarly).toBe('stopped after 2 rejected records (--max-errors)');
    expect(ids(dir)).toEqual(['P-1', 'P-3']);
    expect(readNdjson(path.join(dir, 'many-bad.errors.ndjson')).map((e) => [e.id, e._barge_errors[0].code])).toEqual([['P-2', 'too_small'], ['P-4', 'too_small']]);
    // --fail-fast is --max-errors 1: P-1 (already there: ignored) and P-2 (rejected) are read, then it stops.
    const failFast = await barge(dir, ['import', 'many-bad.csv', ...SCHEMA, '--table', 'products', '--mode', 'row', '--fail-fast', '--on-conflict', 'ignore', '--errors', 'ff.ndjson', '--json']);
    expect(failFast.exitCode).toBe(1);
    const ff = JSON.parse(failFast.stdout);
    expect(ff.counts).toEqual({ read: 2, inserted: 0, updated: 0, ignored: 1, rejected: 1 });
    expect(ff.stoppedEarly).toBe('stopped after 1 rejected record (--max-errors)');
    expect(readNdjson(path.join(dir, 'ff.ndjson')).map((e) => e.id)).toEqual(['P-2']);
    // Nothing after the stop was loaded: P-5, P-7 and P-9 (valid) are not in the table.
    expect(ids(dir)).toEqual(['P-1', 'P-3']);
    expect(rows(path.join(dir, 'barge.db'), "SELECT id, name, price FROM products ORDER BY rowid")).toEqual([
      { id: 'P-1', name: 'Item 1', price: 1 }, { id: 'P-3', name: 'Item 3', price: 1 },
    ]);
  });
});

describe('--on-conflict', () => {
  async function loaded() {
    const dir = workdir();
    await importMakers(dir);
    await barge(dir, ['import', 'fixtures/products.csv', ...SCHEMA]);
    fs.writeFileSync(path.join(dir, 'changes.csv'), 'id,name,price\nP-1,Claw Hammer XL,25\nP-99,Pliers,7.5\n');
    return dir;
  }

  it('error (default): the existing key is rejected', async () => {
    const dir = await loaded();
    const db = path.join(dir, 'barge.db');
    const before = rows(db, "SELECT * FROM products WHERE id = 'P-1'");
    expect(before).toEqual([{ id: 'P-1', name: 'Claw Hammer', price: 19.99, qty: 120, active: 1, released: '2021-03-14', category: 'tools', tags: '["steel","16oz"]', maker_id: 'M-1' }]);
    const result = await barge(dir, ['import', 'changes.csv', ...SCHEMA, '--mode', 'row', '--json']);
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.stdout).counts).toEqual({ read: 2, inserted: 1, updated: 0, ignored: 0, rejected: 1 });
    // The existing row is as it was; the new key is inserted, its other columns their default or NULL.
    expect(rows(db, "SELECT * FROM products WHERE id = 'P-1'")).toEqual(before);
    expect(rows(db, "SELECT id, name, price, qty, active, maker_id FROM products WHERE id = 'P-99'")).toEqual([
      { id: 'P-99', name: 'Pliers', price: 7.5, qty: 0, active: null, maker_id: null },
    ]);
    expect(rows(db, 'SELECT count(*) AS n FROM products')).toEqual([{ n: 13 }]);
    const report = readNdjson(path.join(dir, 'changes.errors.ndjson'));
    expect(report.map((e) => [e.id, e._barge_errors])).toEqual([['P-1', [{
      column: 'id', code: 'primary_key', value: 'P-1',
      message: 'line 2, column "id": duplicate value "P-1": a row with it already exists (use --on-conflict ignore, replace or update to allow this)',
    }]]]);
  });

  it('ignore: the existing row is kept as it was', async () => {
    const dir = await loaded();
    const result = await barge(dir, ['import', 'changes.csv', ...SCHEMA, '--on-conflict', 'ignore', '--json']);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).counts).toMatchObject({ inserted: 1, ignored: 1, updated: 0 });
    expect(rows(path.join(dir, 'barge.db'), "SELECT name, price FROM products WHERE id = 'P-1'")).toEqual([{ name: 'Claw Hammer', price: 19.99 }]);
  });

  it('replace: the existing row is replaced whole (columns not given become NULL/default)', async () => {
    const dir = await loaded();
    const result = await barge(dir, ['import', 'changes.csv', ...SCHEMA, '--on-conflict', 'replace', '--json']);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).counts).toMatchObject({ inserted: 1, updated: 1 });
    expect(rows(path.join(dir, 'barge.db'), "SELECT name, price, qty, maker_id FROM products WHERE id = 'P-1'")).toEqual([
      { name: 'Claw Hammer XL', price: 25, qty: 0, maker_id: null },
    ]);
  });

  it('replace: a record that replaces a row by another unique column counts as updated, not inserted', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'u.json'), JSON.stringify({ table: 'u', primaryKey: ['id'], columns: { id: { type: 'integer', required: true }, code: { type: 'string', unique: true }, name: { type: 'string' } } }));
    fs.writeFileSync(path.join(dir, 'u.csv'), 'id,code,name\n1,a,one\n2,,two\n');
    expect((await barge(dir, ['import', 'u.csv', '--schema', 'u.json'])).exitCode).toBe(0);
    // 3 takes code "a" from 1 (1 is replaced); 4 has no code (a NULL conflicts with nothing); 2 replaces itself.
    fs.writeFileSync(path.join(dir, 'u2.csv'), 'id,code,name\n3,a,three\n4,,four\n2,b,TWO\n');
    const result = await barge(dir, ['import', 'u2.csv', '--table', 'u', '--on-conflict', 'replace', '--json']);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).counts).toMatchObject({ read: 3, inserted: 1, updated: 2 });
    expect(rows(path.join(dir, 'barge.db'), 'SELECT id, code, name FROM u ORDER BY id')).toEqual([
      { id: 2, code: 'b', name: 'TWO' }, { id: 3, code: 'a', name: 'three' }, { id: 4, code: null, name: 'four' },
    ]);
  });

  it('update: the given columns are updated, the others kept', async () => {
    const dir = await loaded();
    const result = await barge(dir, ['import', 'changes.csv', ...SCHEMA, '--on-conflict', 'update', '--json']);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).counts).toMatchObject({ inserted: 1, updated: 1 });
    expect(rows(path.join(dir, 'barge.db'), "SELECT name, price, qty, maker_id FROM products WHERE id = 'P-1'")).toEqual([
      { name: 'Claw Hammer XL', price: 25, qty: 120, maker_id: 'M-1' },
    ]);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n FROM products')[0]).toEqual({ n: 13 });
  });
});

describe('--on-conflict update: each record updates the columns it gives', () => {
  const schema = { table: 'h', primaryKey: ['id'], columns: { id: { type: 'integer', required: true }, name: { type: 'string' }, qty: { type: 'integer', default: 7 }, note: { type: 'string' } } };
  async function base(): Promise<string> {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'h.json'), JSON.stringify(schema));
    fs.writeFileSync(path.join(dir, 'base.csv'), 'id,name,qty,note\n1,one,10,n1\n2,two,20,n2\n3,three,30,n3\n');
    expect((await barge(dir, ['import', 'base.csv', '--schema', 'h.json'])).exitCode).toBe(0);
    return dir;
  }
  const table = (dir: string) => rows(path.join(dir, 'barge.db'), 'SELECT id, name, qty, note FROM h ORDER BY id');

  it('NDJSON records giving different fields: none is wiped, none is skipped', async () => {
    const dir = await base();
    const changes = [{ id: 1, name: 'ONE' }, { id: 2, qty: 99 }, { id: 3, name: 'THREE', qty: 33, note: null }, { id: 4, note: 'new' }];
    fs.writeFileSync(path.join(dir, 'upd.ndjson'), changes.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const result = await barge(dir, ['import', 'upd.ndjson', '--table', 'h', '--on-conflict', 'update', '--json']);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).counts).toMatchObject({ inserted: 1, updated: 3 });
    expect(table(dir)).toEqual([
      { id: 1, name: 'ONE', qty: 10, note: 'n1' },
      { id: 2, name: 'two', qty: 99, note: 'n2' },
      // JSON null is a value where the column may hold NULL: the note is set to NULL.
      { id: 3, name: 'THREE', qty: 33, note: null },
      // A new row takes the default for what it does not give.
      { id: 4, name: null, qty: 7, note: 'new' },
    ]);
  });

  it('CSV: an empty field keeps the existing value (not the default), and two inputs with different headers each update their own columns', async () => {
    const dir = await base();
    fs.writeFileSync(path.join(dir, 'a.csv'), 'id,name,qty\n1,ONE,\n');
    fs.writeFileSync(path.join(dir, 'b.csv'), 'id,qty\n2,22\n');
    const result = await barge(dir, ['import', 'a.csv', 'b.csv', '--table', 'h', '--on-conflict', 'update']);
    expect(result.exitCode).toBe(0);
    expect(table(dir)).toEqual([
      { id: 1, name: 'ONE', qty: 10, note: 'n1' },
      { id: 2, name: 'two', qty: 22, note: 'n2' },
      { id: 3, name: 'three', qty: 30, note: 'n3' },
    ]);
  });

  it('a unique key other than the one update matches on is still a duplicate, and the message says why', async () => {
    const dir = workdir();
    const coded = { table: 'c', primaryKey: ['id'], columns: { id: { type: 'integer', required: true }, code: { type: 'string', unique: true }, name: { type: 'string' } } };
    fs.writeFileSync(path.join(dir, 'c.json'), JSON.stringify(coded));
    fs.writeFileSync(path.join(dir, 'c.csv'), 'id,code,name\n1,A,alpha\n');
    fs.writeFileSync(path.join(dir, 'c2.csv'), 'id,code,name\n9,A,newA\n1,B,beta\n');
    expect((await barge(dir, ['import', 'c.csv', '--schema', 'c.json'])).exitCode).toBe(0);
    const result = await barge(dir, ['import', 'c2.csv', '--table', 'c', '--on-conflict', 'update', '--mode', 'row']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('line 2, column "code": duplicate value "A": a row with it already exists (--on-conflict update matches existing rows by "id" only, and another row holds this value)');
    expect(rows(path.join(dir, 'barge.db'), 'SELECT id, code, name FROM c ORDER BY id')).toEqual([{ id: 1, code: 'B', name: 'beta' }]);
  });
});

describe('--on-conflict update of a required column', () => {
  const schema = { table: 't', primaryKey: ['id'], columns: { id: { type: 'integer', required: true }, name: { type: 'string', required: true }, qty: { type: 'integer' } } };
  async function base(): Promise<string> {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify(schema));
    fs.writeFileSync(path.join(dir, 'base.csv'), 'id,name,qty\n1,Hammer,5\n');
    expect((await barge(dir, ['import', 'base.csv', '--schema', 's.json'])).exitCode).toBe(0);
    return dir;
  }
  const table = (dir: string) => rows(path.join(dir, 'barge.db'), 'SELECT id, name, qty FROM t ORDER BY id');

  for (const mode of ['atomic', 'batch', 'row']) {
    it(`a record leaving it out (absent, empty CSV field, JSON null) updates an existing row and keeps its value (${mode})`, async () => {
      const dir = await base();
      fs.writeFileSync(path.join(dir, 'qty.csv'), 'id,qty\n1,9\n');
      fs.writeFileSync(path.join(dir, 'qty.ndjson'), '{"id":1,"name":null,"qty":10}\n{"id":1,"name":"Mallet"}\n');
      fs.writeFileSync(path.join(dir, 'empty.csv'), 'id,name,qty\n1,,11\n');
      for (const file of ['qty.csv', 'qty.ndjson', 'empty.csv']) {
        const result = await barge(dir, ['import', file, '--table', 't', '--on-conflict', 'update', '--mode', mode, '--json']);
        expect(result.exitCode, result.stderr).toBe(0);
        expect(JSON.parse(result.stdout).counts).toMatchObject({ inserted: 0, updated: file === 'qty.ndjson' ? 2 : 1, rejected: 0 });
      }
      expect(table(dir)).toEqual([{ id: 1, name: 'Mallet', qty: 11 }]);
    });
  }

  it('a new row leaving it out is rejected as required; the others load (row mode)', async () => {
    const dir = await base();
    fs.writeFileSync(path.join(dir, 'mix.csv'), 'id,qty\n1,9\n2,3\n');
    const result = await barge(dir, ['import', 'mix.csv', '--table', 't', '--on-conflict', 'update', '--mode', 'row', '--json']);
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.stdout).counts).toMatchObject({ inserted: 0, updated: 1, rejected: 1 });
    expect(result.stderr).toContain('mix.csv:line 3, column "name": is required (no row has this key yet; only an update of an existing row may leave it out)');
    const [entry] = readNdjson(path.join(dir, 'mix.errors.ndjson'));
    expect(entry!._barge_errors).toEqual([
      { column: 'name', code: 'required', message: 'line 3, column "name": is required (no row has this key yet; only an update of an existing row may leave it out)', value: null },
    ]);
    expect(table(dir)).toEqual([{ id: 1, name: 'Hammer', qty: 9 }]);
  });
});

describe('--on-conflict update: what the table and the schema require', () => {
  it('a new row lacking a column the schema requires is rejected even where the table\'s column may hold NULL', async () => {
    const dir = workdir();
    const db = path.join(dir, 'f.db');
    const made = new Database(db);
    made.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER); INSERT INTO t VALUES (1, 'a', 1)");
    made.close();
    fs.writeFileSync(path.join(dir, 'ts.json'), JSON.stringify({ table: 't', primaryKey: ['id'], columns: { id: { type: 'integer' }, name: { type: 'string', required: true }, qty: { type: 'integer' } } }));
    fs.writeFileSync(path.join(dir, 'tu.csv'), 'id,qty\n1,10\n2,20\n');
    const result = await barge(dir, ['import', 'tu.csv', '--db', 'f.db', '--schema', 'ts.json', '--on-conflict', 'update', '--mode', 'row']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('tu.csv:line 3, column "name": is required (no row has this key yet; only an update of an existing row may leave it out)');
    expect(rows(db, 'SELECT id, name, qty FROM t ORDER BY id')).toEqual([{ id: 1, name: 'a', qty: 10 }]);
  });

  it('an existing row is updated when the table has a NOT NULL column the schema does not name; a new row still fails it', async () => {
    const dir = workdir();
    const db = path.join(dir, 'nn.db');
    const made = new Database(db);
    made.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER); INSERT INTO t VALUES (1, 'a', 1)");
    made.close();
    fs.writeFileSync(path.join(dir, 'nn.json'), JSON.stringify({ table: 't', primaryKey: ['id'], columns: { id: { type: 'integer' }, qty: { type: 'integer' } } }));
    fs.writeFileSync(path.join(dir, 'nn.csv'), 'id,qty\n1,50\n2,60\n');
    const result = await barge(dir, ['import', 'nn.csv', '--db', 'nn.db', '--schema', 'nn.json', '--on-conflict', 'update', '--mode', 'row', '--json']);
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.stdout).counts).toMatchObject({ inserted: 0, updated: 1, rejected: 1 });
    expect(result.stderr).toContain('nn.csv:line 3, column "name": is required (NOT NULL)');
    expect(rows(db, 'SELECT id, name, qty FROM t ORDER BY id')).toEqual([{ id: 1, name: 'a', qty: 50 }]);
  });

  // A NOT NULL column the schema gives a default is filled by it: a new record leaving it out is
  // inserted with the default, as a plain import inserts it. Rejected instead ("is required
  // (NOT NULL)"), an upsert of new and changed rows lost every new one the file left the column
  // out of, though the schema said what to put there.
  it('a new row leaving out a NOT NULL column the schema gives a default is inserted with the default', async () => {
    const dir = workdir();
    const db = path.join(dir, 'd.db');
    const made = new Database(db);
    made.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, v TEXT NOT NULL); INSERT INTO t VALUES (1, 'a', 'old')");
    made.close();
    fs.writeFileSync(path.join(dir, 'd.json'), JSON.stringify({ table: 't', primaryKey: ['id'], columns: { id: { type: 'integer' }, name: { type: 'string' }, v: { type: 'string', default: 'dflt' } } }));
    fs.writeFileSync(path.join(dir, 'd.csv'), 'id,name\n1,A\n2,B\n');
    const result = await barge(dir, ['import', 'd.csv', '--db', 'd.db', '--schema', 'd.json', '--on-conflict', 'update', '--json']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('barge: import of d.csv into "t": succeeded\n  read 2, inserted 1, updated 1, rejected 0\n');
    expect(JSON.parse(result.stdout).counts).toMatchObject({ inserted: 1, updated: 1, ignored: 0, rejected: 0 });
    expect(rows(db, 'SELECT id, name, v FROM t ORDER BY id')).toEqual([{ id: 1, name: 'A', v: 'old' }, { id: 2, name: 'B', v: 'dflt' }]);
  });
});

describe('--on-conflict update: the key', () => {
  it('a record giving nothing but its key counts as updated, also when the table has a NOT NULL column the schema does not name', async () => {
    const dir = workdir();
    for (const [file, ddl] of [['x.db', 'CREATE TABLE k (id INTEGER PRIMARY KEY, note TEXT NOT NULL)'], ['y.db', 'CREATE TABLE k (id INTEGER PRIMARY KEY)']] as const) {
      const made = new Database(path.join(dir, file));
      made.exec(`${ddl}; INSERT INTO k (id${file === 'x.db' ? ', note' : ''}) VALUES (1${file === 'x.db' ? ", 'n1'" : ''})`);
      made.close();
    }
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 'k', primaryKey: ['id'], columns: { id: { type: 'integer' } } }));
    fs.writeFileSync(path.join(dir, 'a.csv'), 'id\n1\n2\n');
    const notNull = await barge(dir, ['import', 'a.csv', '--schema', 's.json', '--db', 'x.db', '--on-conflict', 'update', '--mode', 'row', '--json']);
    expect(JSON.parse(notNull.stdout).counts).toMatchObject({ inserted: 0, updated: 1, ignored: 0, rejected: 1 });
    expect(notNull.stderr).toContain('a.csv:line 3, column "note": is required (NOT NULL)');
    const plain = await barge(dir, ['import', 'a.csv', '--schema', 's.json', '--db', 'y.db', '--on-conflict', 'update', '--json']);
    expect(JSON.parse(plain.stdout).counts).toMatchObject({ inserted: 1, updated: 1, ignored: 0, rejected: 0 });
  });

  it('is refused (exit 2) when the table has no primary key or unique constraint on it (it was exit 3, SQLite\'s "ON CONFLICT clause does not match")', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'g.json'), JSON.stringify({ table: 'g', primaryKey: ['id'], columns: { id: { type: 'integer' }, name: { type: 'string', required: true, maxLength: 3 } } }));
    fs.writeFileSync(path.join(dir, 'g.csv'), 'id,name\n1,abc\n');
    // A table made without the key the schema declares.
    const made = new Database(path.join(dir, 'z.db'));
    made.exec('CREATE TABLE g (id INTEGER, name TEXT)');
    made.close();
    const result = await barge(dir, ['import', 'g.csv', '--schema', 'g.json', '--db', 'z.db', '--on-conflict', 'update']);
    expect(result.exitCode).toBe(2);
    // Refused as any --schema declaring a key the table lacks is (SQLite would not enforce it).
    expect(result.stderr).toBe('barge: error: table "g" has no primary key (id), which the schema declares: SQLite would not enforce it; remove it from the schema, or import into a new table');
    // A table barge made, dropped and made again without its key: the kept schema's key is not used.
    expect((await barge(dir, ['import', 'g.csv', '--schema', 'g.json', '--quiet'])).exitCode).toBe(0);
    const again = new Database(path.join(dir, 'barge.db'));
    again.exec("DROP TABLE g; CREATE TABLE g (id INT, name VARCHAR(20)); INSERT INTO g VALUES (1, 'longname')");
    again.close();
    const stale = await barge(dir, ['import', 'g.csv', '--table', 'g', '--on-conflict', 'update']);
    expect(stale.exitCode).toBe(2);
    // An existing table: a schema cannot add its key (that was the advice, refused as above).
    expect(stale.stderr).toBe('barge: error: --on-conflict update matches rows by a primary key or unique constraint, and table "g" has neither; import into a new table (--table) with a --schema declaring "primaryKey"');
  });
});

describe('a write failure on an integer beyond 2^53', () => {
  it('is a rejected record with the value as its digits (it crashed writing the report: BigInt), the rest committed', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 't', columns: { k: { type: 'integer', unique: true } } }));
    fs.writeFileSync(path.join(dir, 'in.csv'), 'k\n9007199254740993\n9007199254740993\n');
    for (const report of ['in.errors.ndjson', 'in.errors.csv', 'in.errors.json']) {
      fs.rmSync(path.join(dir, 'barge.db'), { force: true });
      const result = await barge(dir, ['import', 'in.csv', '--schema', 's.json', '--mode', 'row', '--errors', report]);
      expect(result.exitCode, result.stderr).toBe(1);
      expect(result.stderr).toContain('in.csv:line 3, column "k": duplicate value 9007199254740993: a row with it already exists');
      expect(rows(path.join(dir, 'barge.db'), 'SELECT CAST(k AS TEXT) AS k, typeof(k) AS t FROM t')).toEqual([{ k: '9007199254740993', t: 'integer' }]);
    }
    const [entry] = readNdjson(path.join(dir, 'in.errors.ndjson'));
    expect(entry!._barge_errors[0]).toMatchObject({ code: 'unique', value: '9007199254740993' });
  });
});

describe('--truncate and --dry-run', () => {
  it('--truncate empties the table first, all or nothing in atomic mode', async () => {
    const dir = workdir();
    await importMakers(dir);
    await barge(dir, ['import', 'fixtures/products.csv', ...SCHEMA]);
    fs.writeFileSync(path.join(dir, 'seed.csv'), 'id,name\nP-1,Only One\n');
    const bad = 'id,name,price\nP-1,Only One,1\nP-2,Broken,-5\n';
    fs.writeFileSync(path.join(dir, 'bad-seed.csv'), bad);
    let result = await barge(dir, ['import', 'bad-seed.csv', ...SCHEMA, '--truncate']);
    expect(result.exitCode).toBe(1);
    expect(ids(dir)).toHaveLength(12);
    result = await barge(dir, ['import', 'seed.csv', ...SCHEMA, '--truncate']);
    expect(result.exitCode).toBe(0);
    expect(ids(dir)).toEqual(['P-1']);
  });

  it('--truncate of a table other rows reference: atomic reloads it when the keys come back, and refuses clearly when they do not', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'm.json'), JSON.stringify({ table: 'm', primaryKey: ['id'], columns: { id: { type: 'string', required: true }, name: { type: 'string' } } }));
    fs.writeFileSync(path.join(dir, 'p.json'), JSON.stringify({ table: 'p', primaryKey: ['id'], columns: { id: { type: 'integer', required: true }, maker: { type: 'string', references: 'm.id' } } }));
    fs.writeFileSync(path.join(dir, 'm.csv'), 'id,name\nA,a\nB,b\n');
    fs.writeFileSync(path.join(dir, 'p.csv'), 'id,maker\n1,A\n2,A\n');
    expect((await barge(dir, ['import', 'm.csv', '--schema', 'm.json'])).exitCode).toBe(0);
    expect((await barge(dir, ['import', 'p.csv', '--schema', 'p.json'])).exitCode).toBe(0);
    const db = path.join(dir, 'barge.db');
    const makers = () => rows(db, 'SELECT id, name FROM m ORDER BY id');

    // The reload brings A back: the references hold once it is done.
    fs.writeFileSync(path.join(dir, 'seed.csv'), 'id,name\nA,a2\nC,c\n');
    let result = await barge(dir, ['import', 'seed.csv', '--table', 'm', '--truncate']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(makers()).toEqual([{ id: 'A', name: 'a2' }, { id: 'C', name: 'c' }]);

    // It does not: rolled back, exit 2, the table and the rows pointing at it named.
    fs.writeFileSync(path.join(dir, 'without-a.csv'), 'id,name\nB,b\nC,c\n');
    const refused = 'barge: error: --truncate: after the reload of "m", 2 rows of "p" (p.maker = "A") point at keys it no longer has; nothing was changed: add those keys to the input, or delete or update those rows first';
    for (const extra of [[], ['--dry-run']]) {
      result = await barge(dir, ['import', 'without-a.csv', '--table', 'm', '--truncate', ...extra]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr.trim().split('\n').at(-1)).toBe(refused);
      expect(makers()).toEqual([{ id: 'A', name: 'a2' }, { id: 'C', name: 'c' }]);
    }

    // Batch by batch, the table would be empty between its transactions: refused before anything is written.
    const jobs = rows(db, 'SELECT count(*) AS n FROM _barge_jobs')[0];
    for (const mode of ['row', 'batch']) {
      result = await barge(dir, ['import', 'seed.csv', '--table', 'm', '--truncate', '--mode', mode]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr.trim()).toBe(
        'barge: error: --truncate cannot empty "m" batch by batch: rows of "p" (maker → id) reference it; use --mode atomic, which checks those references once the reload is done, or delete those rows first',
      );
    }
    expect(rows(db, 'SELECT count(*) AS n FROM _barge_jobs')[0]).toEqual(jobs);
    expect(makers()).toEqual([{ id: 'A', name: 'a2' }, { id: 'C', name: 'c' }]);
    expect(rows(db, 'SELECT id, maker FROM p ORDER BY id')).toEqual([{ id: 1, maker: 'A' }, { id: 2, maker: 'A' }]);
  });

  it('--truncate of a table whose referencing rows have ON DELETE actions is refused: the DELETE would change them whatever the reload', async () => {
    const dir = workdir();
    const db = path.join(dir, 'barge.db');
    const setup = new Database(db);
    setup.exec(`PRAGMA journal_mode = WAL;
      CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT);
      CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id) ON DELETE CASCADE);
      CREATE TABLE n (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id) ON DELETE SET NULL);
      INSERT INTO p VALUES (1, 'a'), (2, 'b'); INSERT INTO c VALUES (10, 1), (11, 2); INSERT INTO n VALUES (20, 1);`);
    setup.close();
    fs.writeFileSync(path.join(dir, 'p.csv'), 'id,name\n1,A\n2,B\n');
    const result = await barge(dir, ['import', 'p.csv', '--table', 'p', '--truncate']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toBe(
      'barge: error: --truncate cannot empty "p": rows of "c" (pid → id) ON DELETE CASCADE, "n" (pid → id) ON DELETE SET NULL reference it, and emptying it would change those rows; load with --on-conflict update instead of --truncate, or empty those tables first',
    );
    expect(rows(db, 'SELECT id, pid FROM c ORDER BY id')).toEqual([{ id: 10, pid: 1 }, { id: 11, pid: 2 }]);
    expect(rows(db, 'SELECT id, pid FROM n')).toEqual([{ id: 20, pid: 1 }]);
    expect(rows(db, 'SELECT id, name FROM p ORDER BY id')).toEqual([{ id: 1, name: 'a' }, { id: 2, name: 'b' }]);
  });

  it('--on-conflict replace of a table whose referencing rows have ON DELETE actions is refused: replacing a row deletes it first (a CASCADE child lost its rows, exit 0); update loads it', async () => {
    const dir = workdir();
    const db = path.join(dir, 'barge.db');
    const setup = new Database(db);
    setup.exec(`PRAGMA journal_mode = WAL;
      CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT);
      CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id) ON DELETE CASCADE);
      CREATE TABLE r (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id));
      INSERT INTO p VALUES (1, 'a'), (2, 'b'); INSERT INTO c VALUES (10, 1), (11, 2); INSERT INTO r VALUES (30, 2);`);
    setup.close();
    fs.writeFileSync(path.join(dir, 'p.csv'), 'id,name\n1,A\n');
    for (const mode of ['atomic', 'row']) {
      const result = await barge(dir, ['import', 'p.csv', '--table', 'p', '--on-conflict', 'replace', '--mode', mode]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr.trim()).toBe(
        'barge: error: --on-conflict replace cannot load "p": rows of "c" (pid → id) ON DELETE CASCADE reference it, and replacing a row deletes it first, which would delete those rows; load with --on-conflict update instead',
      );
    }
    expect(rows(db, 'SELECT id, pid FROM c ORDER BY id')).toEqual([{ id: 10, pid: 1 }, { id: 11, pid: 2 }]);
    const updated = await barge(dir, ['import', 'p.csv', '--table', 'p', '--on-conflict', 'update', '--quiet']);
    expect(updated.exitCode, updated.stderr).toBe(0);
    expect(rows(db, 'SELECT id, name FROM p ORDER BY id')).toEqual([{ id: 1, name: 'A' }, { id: 2, name: 'b' }]);
    expect(rows(db, 'SELECT id, pid FROM c ORDER BY id')).toEqual([{ id: 10, pid: 1 }, { id: 11, pid: 2 }]);
    // Only a key of no action is there (an empty child with CASCADE): replace loads.
    const clear = new Database(db);
    clear.exec('DELETE FROM c');
    clear.close();
    const replaced = await barge(dir, ['import', 'p.csv', '--table', 'p', '--on-conflict', 'replace', '--quiet']);
    expect(replaced.exitCode, replaced.stderr).toBe(0);
    expect(rows(db, 'SELECT id, name FROM p ORDER BY id')).toEqual([{ id: 1, name: 'A' }, { id: 2, name: 'b' }]);
  });

  it('--on-conflict replace of a table referencing itself with ON DELETE CASCADE is refused: replacing a row deleted the rows under it', async () => {
    const dir = workdir();
    const db = path.join(dir, 'barge.db');
    const setup = new Database(db);
    setup.exec('PRAGMA journal_mode = WAL; CREATE TABLE emp (id INTEGER PRIMARY KEY, boss INTEGER REFERENCES emp(id) ON DELETE CASCADE); INSERT INTO emp VALUES (1, NULL), (2, 1), (3, 2);');
    setup.close();
    fs.writeFileSync(path.join(dir, 'emp.ndjson'), '{"id":1}\n');
    const result = await barge(dir, ['import', 'emp.ndjson', '--table', 'emp', '--on-conflict', 'replace']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toBe(
      'barge: error: --on-conflict replace cannot load "emp": rows of "emp" (boss → id) ON DELETE CASCADE reference it, and replacing a row deletes it first, which would delete those rows; load with --on-conflict update instead',
    );
    expect(rows(db, 'SELECT id, boss FROM emp ORDER BY id')).toEqual([{ id: 1, boss: null }, { id: 2, boss: 1 }, { id: 3, boss: 2 }]);
  });

  it('--dry-run into a database that does not exist leaves no database file behind', async () => {
    const dir = workdir();
    const result = await barge(dir, ['import', 'fixtures/makers.csv', '--schema', 'fixtures/makers.schema.json', '--db', 'new.db', '--dry-run']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain('rolled back, nothing was written');
    expect(fs.readdirSync(dir).filter((name) => name.startsWith('new.db'))).toEqual([]);
  });

  it('--dry-run checks constraints against the database and leaves its content unchanged', async () => {
    const dir = workdir();
    await importMakers(dir);
    const db = path.join(dir, 'barge.db');
    const dump = () => JSON.stringify(rows(db, "SELECT name, sql FROM sqlite_master ORDER BY name")) + JSON.stringify(rows(db, 'SELECT * FROM makers')) + JSON.stringify(rows(db, 'SELECT * FROM _barge_jobs'));
    const before = dump();
    let result = await barge(dir, ['import', 'fixtures/products.csv', ...SCHEMA, '--dry-run', '--json']);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ dryRun: true, rolledBack: true, counts: { read: 12, inserted: 12, rejected: 0 } });
    expect(dump()).toBe(before);
    result = await barge(dir, ['import', 'fixtures/bad/products-dangling-maker.csv', ...SCHEMA, '--dry-run', '--mode', 'row']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('no row in makers.id has the value "M-99"');
    expect(dump()).toBe(before);
  });

  it('an atomic --dry-run with a rejected record says what the real run would do: nothing inserted, no batch committed', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 't', primaryKey: ['id'], columns: { id: { type: 'integer', required: true }, n: { type: 'integer', min: 0 } } }));
    fs.writeFileSync(path.join(dir, 'x.ndjson'), '{"id":1,"n":-1}\n{"id":2,"n":2}\n');
    const dry = await barge(dir, ['import', 'x.ndjson', '--schema', 's.json', '--dry-run', '--json']);
    const real = await barge(dir, ['import', 'x.ndjson', '--schema', 's.json', '--json', '--errors', 'real.errors.ndjson']);
    expect([dry.exitCode, real.exitCode]).toEqual([1, 1]);
    const figures = (stdout: string) => {
      const { counts, batchesCommitted, rolledBack, status } = JSON.parse(stdout);
      return { counts, batchesCommitted, rolledBack, status };
    };
    expect(figures(dry.stdout)).toEqual({ counts: { read: 2, inserted: 0, updated: 0, ignored: 0, rejected: 1 }, batchesCommitted: 0, rolledBack: true, status: 'failed' });
    expect(figures(dry.stdout)).toEqual(figures(real.stdout));
    // A batch-mode dry run keeps what it would have written.
    const batch = await barge(dir, ['import', 'x.ndjson', '--schema', 's.json', '--dry-run', '--json', '--mode', 'row']);
    expect(JSON.parse(batch.stdout)).toMatchObject({ counts: { read: 2, inserted: 1, rejected: 1 }, batchesCommitted: 1, status: 'partial' });
  });

  it('a batch/row --dry-run stopped by --max-errors says what the real run keeps (it said 0 inserted where the real run kept 3)', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 'half', columns: { id: { type: 'integer' }, v: { type: 'integer' } } }));
    const lines = ['id,v'];
    for (let i = 0; i < 10; i++) lines.push(`${i},${i % 2 === 1 ? 'x' : i}`);
    fs.writeFileSync(path.join(dir, 'half.csv'), `${lines.join('\n')}\n`);
    const figures = (stdout: string) => {
      const { counts, batchesCommitted, status, stoppedEarly } = JSON.parse(stdout);
      return { counts, batchesCommitted, status, stoppedEarly };
    };
    for (const mode of ['row', 'batch']) {
      const args = ['import', 'half.csv', '--schema', 's.json', '--mode', mode, '--max-errors', '3', '--batch-size', mode === 'batch' ? '2' : '1000', '--json'];
      const dry = await barge(dir, [...args, '--dry-run', '--db', `dry-${mode}.db`]);
      const real = await barge(dir, [...args, '--db', `real-${mode}.db`]);
      expect([dry.exitCode, real.exitCode], dry.stderr).toEqual([1, 1]);
      expect(figures(dry.stdout), mode).toEqual(figures(real.stdout));
      expect(JSON.parse(real.stdout).counts.inserted, mode).toBe(mode === 'row' ? 3 : 0);
    }
  });

  // A batch-mode dry run rolls back a batch the database rejected, as the real run does: kept, its
  // rows made the later batches fail (here a key the rolled-back batch had inserted), so the dry run
  // predicted 4 rejected and nothing loaded where the real run loads 2: a user checking a load
  // with --dry-run first was told a different, wrong outcome.
  it('a batch-mode --dry-run undoes a rolled-back batch\'s rows, as the real run does: the same figures and report entries', async () => {
    const dir = workdir();
    const db = path.join(dir, 'c.db');
    const made = new Database(db);
    made.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER CHECK (v < 2))');
    made.close();
    fs.writeFileSync(path.join(dir, 'c.csv'), 'id,v\n1,1\n2,2\n1,1\n4,1\n');
    const args = ['import', 'c.csv', '--db', 'c.db', '--table', 't', '--mode', 'batch', '--batch-size', '2', '--json'];
    const dry = await barge(dir, [...args, '--dry-run', '--errors', 'dry.errors.ndjson']);
    expect(dry.exitCode).toBe(1);
    expect(dry.stderr).toContain('barge: dry run of c.csv into "t": 2 records would be rejected; rolled back, nothing was written\n  read 4, would be inserted 2, rejected 2\n');
    expect(rows(db, 'SELECT id FROM t')).toEqual([]);
    const real = await barge(dir, [...args, '--errors', 'real.errors.ndjson']);
    expect(real.exitCode).toBe(1);
    const figures = (stdout: string) => {
      const { counts, batchesCommitted, status } = JSON.parse(stdout);
      return { counts, batchesCommitted, status };
    };
    expect(figures(dry.stdout)).toEqual({ counts: { read: 4, inserted: 2, updated: 0, ignored: 0, rejected: 2 }, batchesCommitted: 1, status: 'partial' });
    expect(figures(dry.stdout)).toEqual(figures(real.stdout));
    const lines = (file: string) => readNdjson(path.join(dir, file)).map((entry) => entry._barge_line);
    expect(lines('dry.errors.ndjson')).toEqual([2, 3]);
    expect(lines('dry.errors.ndjson')).toEqual(lines('real.errors.ndjson'));
    expect(rows(db, 'SELECT id, v FROM t ORDER BY id')).toEqual([{ id: 1, v: 1 }, { id: 4, v: 1 }]);
  });
});
