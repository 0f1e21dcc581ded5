import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { barge, BIN, rows, workdir } from '../helpers/cli.js';
import { waitUntil } from '../helpers/waits.js';

// SPEC §10: exit 2 writes nothing. A batch/row job creates its table in a transaction of its
// own, so a malformed file or a Ctrl-C before the first batch committed left an empty table
// (and the schema kept for it) behind. Such a table is now dropped; one with committed
// batches, or one that was there before the job, stays.

const corpus = 'fixtures/bad/corpus';

function tables(db: string): string[] {
  return rows<{ name: string }>(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map((r) => r.name);
}

function kept(db: string): string[] {
  return rows<{ t: string }>(db, 'SELECT table_name AS t FROM _barge_schemas ORDER BY t').map((r) => r.t);
}

describe('a batch/row job that fails before its first batch leaves no new table', () => {
  it.each(['row', 'batch'])('%s: a duplicate header (exit 2): no table, no kept schema; the job is recorded failed', async (mode) => {
    const dir = workdir();
    const result = await barge(dir, ['import', `${corpus}/duplicate-header.csv`, '--schema', `${corpus}/corpus.schema.json`, '--db', 'd.db', '--table', 'dh', '--mode', mode]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(`barge: error: ${corpus}/duplicate-header.csv:1: duplicate column "name" in the header; rename the columns with --columns a,b,c`);
    const db = path.join(dir, 'd.db');
    expect(tables(db)).toEqual(['_barge_jobs', '_barge_schemas']);
    expect(kept(db)).toEqual([]);
    expect(rows(db, 'SELECT table_name AS "table", status, batches_committed AS b FROM _barge_jobs')).toEqual([{ table: 'dh', status: 'failed', b: 0 }]);
  });

  it('an unterminated quote within the first batch (exit 2): no table; and an import after it with another schema creates its own', async () => {
    const dir = workdir();
    const result = await barge(dir, ['import', `${corpus}/unterminated-quote.csv`, '--schema', `${corpus}/corpus.schema.json`, '--db', 'd.db', '--mode', 'row']);
    expect(result).toEqual({
      exitCode: 2, stdout: '', stderr: `barge: error: ${corpus}/unterminated-quote.csv:3, column "name": unterminated quoted field (CSV_QUOTE_NOT_CLOSED); check the quoting on that line`,
    });
    const db = path.join(dir, 'd.db');
    expect(tables(db)).toEqual(['_barge_jobs', '_barge_schemas']);
    expect(rows(db, 'SELECT table_name AS "table", status, batches_committed AS b FROM _barge_jobs')).toEqual([{ table: 'items', status: 'failed', b: 0 }]);
    fs.writeFileSync(path.join(dir, 'items.csv'), 'id,label\n1,a\n');
    const again = await barge(dir, ['import', 'items.csv', '--db', 'd.db', '--quiet']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(rows(db, 'SELECT * FROM items')).toEqual([{ id: 1, label: 'a' }]);
  });

  it('Ctrl-C before the first batch (exit 130): no table', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 't.schema.json'), JSON.stringify({ table: 't', columns: { id: { type: 'integer' } } }));
    const db = path.join(dir, 'i.db');
    const child = execa('node', [BIN, 'import', '-', '--format', 'csv', '--schema', 't.schema.json', '--db', 'i.db', '--mode', 'batch', '--batch-size', '1000'], {
      cwd: dir, reject: false, env: { ...process.env, BARGE_DB: '', NO_COLOR: '1' }, stdin: 'pipe',
    });
    child.stdin!.write('id\n1\n2\n');
    await waitUntil('the table created', () => fs.existsSync(db) && tables(db).includes('t'));
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(130);
    expect(tables(db)).not.toContain('t');
    expect(rows(db, 'SELECT status FROM _barge_jobs')).toEqual([{ status: 'interrupted' }]);
  });

  it('another job loading the same new table is running: the empty table stays (dropped, that job failed with "no such table")', async () => {
    const dir = workdir();
    const first = await barge(dir, ['import', 'fixtures/makers.csv', '--schema', 'fixtures/makers.schema.json', '--db', 'd.db', '--quiet']);
    expect(first.exitCode, first.stderr).toBe(0);
    const db = new Database(path.join(dir, 'd.db'));
    // As another process's job would be, once it has found the table and before its first batch.
    db.prepare(`INSERT INTO _barge_jobs (id, command, inputs, table_name, mode, options, status, started_at)
      VALUES ('other', 'barge import -', '[]', 'items', 'row', '{}', 'running', '2026-11-24T00:00:00Z')`).run();
    db.close();
    const result = await barge(dir, ['import', `${corpus}/unterminated-quote.csv`, '--schema', `${corpus}/corpus.schema.json`, '--db', 'd.db', '--mode', 'row']);
    expect(result.exitCode).toBe(2);
    expect(tables(path.join(dir, 'd.db'))).toContain('items');
    expect(kept(path.join(dir, 'd.db'))).toContain('items');
  });

  it('a failure after a committed batch keeps the table and its rows', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'late.csv'), 'id,name\n1,a\n2,b\n3,"c\n');
    const result = await barge(dir, ['import', 'late.csv', '--schema', `${corpus}/corpus.schema.json`, '--db', 'd.db', '--mode', 'batch', '--batch-size', '2']);
    expect(result.exitCode).toBe(2);
    expect(rows(path.join(dir, 'd.db'), 'SELECT id, name FROM items ORDER BY id')).toEqual([{ id: 1, name: 'a' }, { id: 2, name: 'b' }]);
    expect(kept(path.join(dir, 'd.db'))).toEqual(['items']);
  });

  // A committed batch whose records were all rejected is still a committed batch: the job's row and
  // its report (2 entries) count on the table, and the message says that batch stays. Dropped all the
  // same, the table went while the message said what was committed stays, and the job pointed at a
  // table that no longer existed.
  it('a failure after a committed batch whose records were all rejected keeps the table, as the message says', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'n.json'), JSON.stringify({ table: 'n', primaryKey: ['id'], columns: { id: { type: 'integer' }, v: { type: 'integer' } } }));
    fs.writeFileSync(path.join(dir, 'n.csv'), 'id,v\n1,x\n2,y\n3,"oops\n');
    const result = await barge(dir, ['import', 'n.csv', '--schema', 'n.json', '--db', 'd.db', '--mode', 'row', '--batch-size', '2']);
    expect(result.exitCode).toBe(2);
    const db = path.join(dir, 'd.db');
    const [job] = rows<{ id: string }>(db, 'SELECT id FROM _barge_jobs');
    expect(result.stderr).toBe(`barge: error: n.csv:4, column "v": unterminated quoted field (CSV_QUOTE_NOT_CLOSED); check the quoting on that line (job ${job!.id}: the 1 batch committed before this, 0 records, stay; the 2 records rejected before it are in ${path.join(fs.realpathSync(dir), 'n.errors.ndjson')})`);
    expect(tables(db)).toContain('n');
    expect(rows(db, 'SELECT count(*) AS n FROM n')).toEqual([{ n: 0 }]);
    expect(rows(db, 'SELECT status, batches_committed AS b, inserted, rejected FROM _barge_jobs')).toEqual([{ status: 'failed', b: 1, inserted: 0, rejected: 2 }]);
  });

  it('a table that was there before the job stays, empty as it was', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'none.csv'), 'id,name\n');
    const first = await barge(dir, ['import', 'none.csv', '--schema', `${corpus}/corpus.schema.json`, '--db', 'd.db', '--quiet']);
    expect(first.exitCode, first.stderr).toBe(0);
    const result = await barge(dir, ['import', `${corpus}/unterminated-quote.csv`, '--db', 'd.db', '--table', 'items', '--mode', 'row']);
    expect(result).toEqual({
      exitCode: 2, stdout: '', stderr: `barge: error: ${corpus}/unterminated-quote.csv:3, column "name": unterminated quoted field (CSV_QUOTE_NOT_CLOSED); check the quoting on that line`,
    });
    expect(tables(path.join(dir, 'd.db'))).toEqual(['_barge_jobs', '_barge_schemas', 'items']);
    expect(rows(path.join(dir, 'd.db'), 'SELECT count(*) AS n FROM items')).toEqual([{ n: 0 }]);
    expect(kept(path.join(dir, 'd.db'))).toEqual(['items']);
  });

  it('atomic, as before: the table goes with the ROLLBACK', async () => {
    const dir = workdir();
    const result = await barge(dir, ['import', `${corpus}/unterminated-quote.csv`, '--schema', `${corpus}/corpus.schema.json`, '--db', 'd.db']);
    expect(result.exitCode).toBe(2);
    expect(tables(path.join(dir, 'd.db'))).not.toContain('items');
  });
});
