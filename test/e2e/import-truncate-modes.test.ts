import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, barge, rows, workdir } from '../helpers/cli.js';
import { waitForBatches } from '../helpers/waits.js';
import { NUMBERED_SCHEMA, writeNumberedCsv } from '../helpers/generate.js';

/** The table "keep" holding 1,x 2,y 3,z: the old rows a --truncate reload replaces. */
async function keepTable(dir: string): Promise<string> {
  fs.writeFileSync(path.join(dir, 'keep.csv'), 'a,b\n1,x\n2,y\n3,z\n');
  const result = await barge(dir, ['import', 'keep.csv', '--db', 't.db', '--quiet']);
  expect(result.exitCode, result.stderr).toBe(0);
  return path.join(dir, 't.db');
}

function keep(db: string): Array<{ a: number; b: string }> {
  return rows<{ a: number; b: string }>(db, 'SELECT a, b FROM keep ORDER BY a');
}

const OLD = [{ a: 1, b: 'x' }, { a: 2, b: 'y' }, { a: 3, b: 'z' }];

describe('--truncate in batch and row mode empties the table with the first batch that commits', () => {
  for (const mode of ['row', 'batch']) {
    it(`${mode}: a malformed file that fails before the first batch leaves the old rows, exit 2`, async () => {
      const dir = workdir();
      const db = await keepTable(dir);
      fs.writeFileSync(path.join(dir, 'broken.csv'), 'a,b\n7,q\n8,"unterminated\n');
      const result = await barge(dir, ['import', 'broken.csv', '--table', 'keep', '--db', 't.db', '--truncate', '--mode', mode]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr.trim()).toBe('barge: error: broken.csv:3, column "b": unterminated quoted field (CSV_QUOTE_NOT_CLOSED); check the quoting on that line');
      expect(keep(db)).toEqual(OLD);
      expect(rows(db, "SELECT status, batches_committed AS b FROM _barge_jobs WHERE command LIKE '%broken.csv%'")).toEqual([{ status: 'failed', b: 0 }]);
    });

    it(`${mode}: a reload in several batches replaces the rows`, async () => {
      const dir = workdir();
      const db = await keepTable(dir);
      fs.writeFileSync(path.join(dir, 'seed.csv'), 'a,b\n7,q\n8,r\n9,s\n');
      const result = await barge(dir, ['import', 'seed.csv', '--table', 'keep', '--db', 't.db', '--truncate', '--mode', mode, '--batch-size', '2', '--json']);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ status: 'succeeded', batchesCommitted: 2, counts: { read: 3, inserted: 3 } });
      expect(keep(db)).toEqual([{ a: 7, b: 'q' }, { a: 8, b: 'r' }, { a: 9, b: 's' }]);
    });

    it(`${mode}: a reload of an input with no records empties the table`, async () => {
      const dir = workdir();
      const db = await keepTable(dir);
      fs.writeFileSync(path.join(dir, 'none.csv'), 'a,b\n');
      const result = await barge(dir, ['import', 'none.csv', '--table', 'keep', '--db', 't.db', '--truncate', '--mode', mode]);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(keep(db)).toEqual([]);
    });
  }

  it.each(['atomic', 'batch', 'row'])('%s: inputs of 0 bytes (not even a header) are refused, exit 2, the old rows kept (it emptied the table, exit 0: a failed download wiped a seed table)', async (mode) => {
    const dir = workdir();
    const db = await keepTable(dir);
    fs.writeFileSync(path.join(dir, 'empty.csv'), '');
    const message = 'barge: error: every input was empty (0 bytes), and --truncate would empty "keep" with nothing in its place: refused, nothing changed; to empty the table, import a file with no records (a CSV header alone, or [] as JSON)';
    const file = await barge(dir, ['import', 'empty.csv', '--table', 'keep', '--db', 't.db', '--truncate', '--mode', mode]);
    expect(file).toMatchObject({ exitCode: 2, stderr: message });
    const stdin = await barge(dir, ['import', '-', '--table', 'keep', '--db', 't.db', '--truncate', '--mode', mode, '--format', 'csv'], { input: '' });
    expect(stdin).toMatchObject({ exitCode: 2, stderr: message });
    expect(keep(db)).toEqual(OLD);
  });

  it('batch: a first batch rolled back does not empty the table; the next batch that loads rows does', async () => {
    const dir = workdir();
    const db = await keepTable(dir);
    fs.writeFileSync(path.join(dir, 'k.json'), JSON.stringify({ table: 'keep', columns: { a: { type: 'integer', min: 0 }, b: { type: 'string' } } }));
    fs.writeFileSync(path.join(dir, 'seed.csv'), 'a,b\n7,q\n-8,r\n9,s\n10,t\n');
    const result = await barge(dir, ['import', 'seed.csv', '--schema', 'k.json', '--db', 't.db', '--truncate', '--mode', 'batch', '--batch-size', '2']);
    expect(result.exitCode).toBe(1);
    expect(keep(db)).toEqual([{ a: 9, b: 's' }, { a: 10, b: 't' }]);
  });

  it('a reload stopped by its rejected records before any row loaded (--fail-fast, or every record bad) leaves the old rows', async () => {
    const dir = workdir();
    const db = await keepTable(dir);
    fs.writeFileSync(path.join(dir, 'k.json'), JSON.stringify({ table: 'keep', columns: { a: { type: 'integer', min: 0 }, b: { type: 'string' } } }));
    fs.writeFileSync(path.join(dir, 'first-bad.csv'), 'a,b\n-7,q\n8,r\n9,s\n');
    const failFast = await barge(dir, ['import', 'first-bad.csv', '--schema', 'k.json', '--db', 't.db', '--truncate', '--mode', 'batch', '--batch-size', '2', '--fail-fast']);
    expect(failFast.exitCode).toBe(1);
    expect(keep(db)).toEqual(OLD);
    fs.writeFileSync(path.join(dir, 'all-bad.csv'), 'a,b\n-7,q\n-8,r\n-9,s\n');
    const allBad = await barge(dir, ['import', 'all-bad.csv', '--schema', 'k.json', '--db', 't.db', '--truncate', '--mode', 'row', '--batch-size', '2']);
    expect(allBad.exitCode).toBe(1);
    expect(keep(db)).toEqual(OLD);
  });

  it('atomic (unchanged): a failed reload leaves the old rows; a good one replaces them', async () => {
    const dir = workdir();
    const db = await keepTable(dir);
    fs.writeFileSync(path.join(dir, 'broken.csv'), 'a,b\n7,q\n8,"unterminated\n');
    expect(await barge(dir, ['import', 'broken.csv', '--table', 'keep', '--db', 't.db', '--truncate'])).toEqual({
      exitCode: 2, stdout: '', stderr: 'barge: error: broken.csv:3, column "b": unterminated quoted field (CSV_QUOTE_NOT_CLOSED); check the quoting on that line',
    });
    expect(keep(db)).toEqual(OLD);
    fs.writeFileSync(path.join(dir, 'seed.csv'), 'a,b\n7,q\n');
    expect((await barge(dir, ['import', 'seed.csv', '--table', 'keep', '--db', 't.db', '--truncate'])).exitCode).toBe(0);
    expect(keep(db)).toEqual([{ a: 7, b: 'q' }]);
  });
});

describe('--truncate: the first batch that loads rows is the one that empties the table', () => {
  /** dir/r.db with t(id INTEGER PRIMARY KEY, v TEXT) holding the old rows 100 and 101, made with `more` (a trigger). */
  function oldRows(dir: string, more = ''): string {
    const db = path.join(dir, 'r.db');
    const made = new Database(db);
    made.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (100, 'old'), (101, 'old'); ${more}`);
    made.close();
    return db;
  }

  // A reload whose first batch loads nothing (every record of it invalid) must still empty the table
  // with the next batch that loads rows. Taken as done after that first batch, the reload kept the
  // old rows beside the new ones: a seed table reloaded from a file whose first lines were bad ended
  // up with stale rows no one asked for, and exit 1 said only that records were rejected.
  it('row: a first batch whose every record is invalid empties nothing; the next batch empties the table and loads its rows', async () => {
    const dir = workdir();
    const db = oldRows(dir);
    fs.writeFileSync(path.join(dir, 'r.json'), JSON.stringify({ table: 't', primaryKey: ['id'], columns: { id: { type: 'integer' }, v: { type: 'string' } } }));
    fs.writeFileSync(path.join(dir, 'r.csv'), 'id,v\nx,a\ny,b\n1,c\n2,d\n');
    const result = await barge(dir, ['import', 'r.csv', '--db', 'r.db', '--schema', 'r.json', '--truncate', '--mode', 'row', '--batch-size', '2', '--json']);
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'partial', batchesCommitted: 2, counts: { read: 4, inserted: 2, rejected: 2 } });
    expect(rows(db, 'SELECT id, v FROM t ORDER BY id')).toEqual([{ id: 1, v: 'c' }, { id: 2, v: 'd' }]);
  });

  // Rows a trigger skipped (RAISE(IGNORE)) were loaded as the table's triggers say: the batch that
  // wrote them is the one that empties the table, and it stays emptied. Its emptying undone while
  // the reload counted as under way, the old rows stayed for good beside the reloaded ones.
  it('row: a first batch whose rows a trigger all skipped (RAISE(IGNORE)) empties the table for good', async () => {
    const dir = workdir();
    const db = oldRows(dir, "CREATE TRIGGER skip BEFORE INSERT ON t WHEN NEW.v = 'skip' BEGIN SELECT RAISE(IGNORE); END;");
    fs.writeFileSync(path.join(dir, 's.csv'), 'id,v\n1,skip\n2,skip\n3,c\n');
    const result = await barge(dir, ['import', 's.csv', '--db', 'r.db', '--table', 't', '--truncate', '--mode', 'row', '--batch-size', '2', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'succeeded', batchesCommitted: 2, counts: { read: 3, inserted: 1, ignored: 2, rejected: 0 } });
    expect(rows(db, 'SELECT id, v FROM t ORDER BY id')).toEqual([{ id: 3, v: 'c' }]);
  });

  // An atomic reload with a rejected record rolls back and says so (exit 1, "1 record rejected"):
  // the orphan check is about rows the reload would leave pointing nowhere, and a reload that writes
  // nothing leaves none. Run anyway, it blamed the child table's rows (exit 2) for a reload that
  // failed on the user's own bad record, sending them to delete rows that were fine.
  it('atomic: a reload of a referenced table with a rejected record says the rejection (exit 1), not orphans', async () => {
    const dir = workdir();
    const db = path.join(dir, 'f.db');
    const made = new Database(db);
    made.exec("CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id)); INSERT INTO p VALUES (1, 'one'), (2, 'two'); INSERT INTO c VALUES (10, 2);");
    made.close();
    fs.writeFileSync(path.join(dir, 'p.json'), JSON.stringify({ table: 'p', primaryKey: ['id'], columns: { id: { type: 'integer' }, name: { type: 'string' } } }));
    fs.writeFileSync(path.join(dir, 'p.csv'), 'id,name\n1,a\nx,b\n');
    const result = await barge(dir, ['import', 'p.csv', '--db', 'f.db', '--schema', 'p.json', '--truncate']);
    expect(result.exitCode).toBe(1);
    const lines = result.stderr.split('\n');
    expect(lines[0]).toBe('barge: import of p.csv into "p": failed: 1 record rejected, rolled back, nothing was written');
    expect(lines[1]).toBe('  read 2, inserted 0, rejected 1');
    expect(lines[3]).toBe('  p.csv:line 3, column "id": expected an integer, got "x"');
    expect(result.stderr).not.toContain('points at a key it no longer has');
    expect(rows(db, 'SELECT id, name FROM p ORDER BY id')).toEqual([{ id: 1, name: 'one' }, { id: 2, name: 'two' }]);
    expect(rows(db, "SELECT status, rejected FROM _barge_jobs WHERE command LIKE '%p.csv%'")).toEqual([{ status: 'failed', rejected: 1 }]);
  });
});

describe('--truncate of a batch/row job that is interrupted, then resumed', () => {
  const N = 400_000;

  /** numbered.csv (ids 1..N) and the table "numbered" holding three old rows beyond them. */
  async function setup(): Promise<{ dir: string; db: string }> {
    const dir = workdir();
    writeNumberedCsv(path.join(dir, 'numbered.csv'), N);
    fs.writeFileSync(path.join(dir, 'numbered.schema.json'), JSON.stringify(NUMBERED_SCHEMA));
    writeNumberedCsv(path.join(dir, 'old.csv'), 3, 900_001);
    const old = await barge(dir, ['import', 'old.csv', '--schema', 'numbered.schema.json']);
    expect(old.exitCode, old.stderr).toBe(0);
    return { dir, db: path.join(dir, 'barge.db') };
  }

  function start(dir: string, args: string[]) {
    return execa('node', [BIN, 'import', 'numbered.csv', '--schema', 'numbered.schema.json', '--truncate', ...args], {
      cwd: dir, reject: false, env: { ...process.env, BARGE_DB: '', NO_COLOR: '1' },
    });
  }

  const table = (db: string) => rows(db, 'SELECT count(*) AS n, count(DISTINCT id) AS d, min(id) AS lo, max(id) AS hi FROM numbered')[0];

  it('interrupted before its first commit: the old rows stay; --resume then empties the table and loads the input', async () => {
    // One batch of the whole input: nothing commits before its end, and SIGINT comes at the
    // job's start. Should the job still finish first (a very slow machine), try again.
    let state: { dir: string; db: string; id: string } | undefined;
    for (let attempt = 0; attempt < 3 && state === undefined; attempt++) {
      const { dir, db } = await setup();
      const run = start(dir, ['--mode', 'row', '--batch-size', '1000000']);
      const job = await waitForBatches(db, 0);
      run.kill('SIGINT');
      const result = await run;
      if (result.exitCode === 130) state = { dir, db, id: job.id };
    }
    expect(state, 'the job finished before it could be interrupted').toBeDefined();
    const { dir, db, id } = state!;
    expect(rows(db, 'SELECT status, checkpoint FROM _barge_jobs WHERE id = ?', id)).toEqual([{ status: 'interrupted', checkpoint: null }]);
    expect(table(db)).toEqual({ n: 3, d: 3, lo: 900_001, hi: 900_003 });

    const resumed = await barge(dir, ['import', '--resume', id, '--json']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'succeeded', counts: { read: N, inserted: N } });
    expect(table(db)).toEqual({ n: N, d: N, lo: 1, hi: N });
  });

  it('interrupted after committed batches: --resume does not empty the table again', async () => {
    const { dir, db } = await setup();
    const run = start(dir, ['--mode', 'row', '--batch-size', '1000']);
    const job = await waitForBatches(db, 5);
    run.kill('SIGTERM');
    const result = await run;
    expect(result.exitCode, result.stderr).toBe(130);
    const { b } = rows<{ b: number }>(db, 'SELECT batches_committed AS b FROM _barge_jobs WHERE id = ?', job.id)[0]!;
    // The old rows went with the first batch.
    expect(table(db)).toEqual({ n: b * 1000, d: b * 1000, lo: 1, hi: b * 1000 });

    const resumed = await barge(dir, ['import', '--resume', job.id, '--json']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(table(db)).toEqual({ n: N, d: N, lo: 1, hi: N });
  });
});
