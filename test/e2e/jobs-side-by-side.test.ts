import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, barge, rows, workdir } from '../helpers/cli.js';
import { readsStdin, waitForChild } from '../helpers/process-waits.js';
import { waitUntil } from '../helpers/waits.js';

const SCHEMA = { table: 't', primaryKey: ['id'], columns: { id: { type: 'integer' }, name: { type: 'string' } } };
const ENV = { ...process.env, BARGE_DB: '', NO_COLOR: '1' };

function setUp(): string {
  const dir = workdir();
  fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify(SCHEMA));
  fs.writeFileSync(path.join(dir, 'b.csv'), 'id,name\n100,b\n101,b\n');
  return dir;
}

/** A batch job K reading stdin, kept running (its producer idle) once its job row is there. */
async function runningJob(dir: string, extra: string[]) {
  const child = execa('node', [BIN, 'import', '-', '--format', 'csv', '--schema', 's.json', '--db', 'x.db', '--mode', 'batch', '--job-id', 'K', ...extra], {
    cwd: dir, reject: false, env: ENV, stdin: 'pipe',
  });
  child.stdin!.write('id,name\n1,a\n');
  await waitUntil('job K running', () => {
    // Not before the database is in WAL mode: a reader then could make K's switch to it busy.
    if (!fs.existsSync(path.join(dir, 'x.db-wal'))) return false;
    try {
      return rows(path.join(dir, 'x.db'), "SELECT status FROM _barge_jobs WHERE id = 'K'").length === 1;
    } catch {
      return false;
    }
  });
  // In an object: a subprocess is a promise, which an async function's return would wait for.
  return { child };
}

describe('a batch/row reload (--truncate) and another load of its table at once', () => {
  it('a load while a reload runs: refused, exit 2, nothing of it written; the reload then ends as if alone', async () => {
    const dir = setUp();
    const { child: reload } = await runningJob(dir, ['--truncate']);
    const pid = reload.pid!;
    const beside = await barge(dir, ['import', 'b.csv', '--schema', 's.json', '--db', 'x.db', '--mode', 'batch']);
    expect(beside.exitCode).toBe(2);
    expect(beside.stderr.trim()).toBe(`barge: error: table "t" is being reloaded by job "K" (--truncate, in process ${pid}): rows loaded beside it batch by batch would be mixed into the reload; wait for it to finish and run again, or load with --mode atomic (in one transaction, before the reload empties the table or after)`);
    expect(rows(path.join(dir, 'x.db'), "SELECT count(*) AS n FROM _barge_jobs WHERE id <> 'K'")).toEqual([{ n: 0 }]);
    // Atomic, its rows go in at one point: after the reload emptied the table (its first batch), kept.
    reload.stdin!.write(Array.from({ length: 1000 }, (_, i) => `${i + 2000},a\n`).join(''));
    await waitUntil('the reload\'s first batch', () => rows<{ n: number }>(path.join(dir, 'x.db'), "SELECT batches_committed AS n FROM _barge_jobs WHERE id = 'K'")[0]!.n >= 1);
    const atomic = await barge(dir, ['import', 'b.csv', '--schema', 's.json', '--db', 'x.db']);
    expect(atomic.exitCode, atomic.stderr).toBe(0);
    reload.stdin!.end('5000,a\n');
    expect((await reload).exitCode).toBe(0);
    // The reload's 1,002 rows and the atomic load's 2 (ids 100 and 101).
    expect(rows(path.join(dir, 'x.db'), 'SELECT count(*) AS n, min(id) AS low, max(id) AS high FROM t')).toEqual([{ n: 1004, low: 1, high: 5000 }]);
    expect(rows(path.join(dir, 'x.db'), 'SELECT id FROM t WHERE id IN (100, 101) ORDER BY id')).toEqual([{ id: 100 }, { id: 101 }]);
  });

  it('a reload while a load runs batch by batch: refused, exit 2, atomic or not; the table as the load leaves it', async () => {
    const dir = setUp();
    const { child: load } = await runningJob(dir, []);
    for (const mode of ['row', 'atomic']) {
      const reload = await barge(dir, ['import', 'b.csv', '--schema', 's.json', '--db', 'x.db', '--mode', mode, '--truncate']);
      expect(reload.exitCode).toBe(2);
      expect(reload.stderr.trim()).toBe(`barge: error: --truncate: job "K" is loading table "t" batch by batch (in process ${load.pid!}), and a reload beside it would empty some of its rows and keep others; wait for it to finish and run again`);
    }
    load.stdin!.end('2,a\n');
    expect((await load).exitCode).toBe(0);
    expect(rows(path.join(dir, 'x.db'), 'SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
    // One after the other, as the message says: the reload replaces the rows.
    const after = await barge(dir, ['import', 'b.csv', '--schema', 's.json', '--db', 'x.db', '--mode', 'row', '--truncate']);
    expect(after.exitCode, after.stderr).toBe(0);
    expect(rows(path.join(dir, 'x.db'), 'SELECT id FROM t ORDER BY id')).toEqual([{ id: 100 }, { id: 101 }]);
  });
});

describe('a signal while stdin has sent nothing yet', () => {
  it('SIGTERM before the first byte: exit 130 at once, nothing written (it waited for the producer)', async () => {
    const dir = setUp();
    const child = execa('node', [BIN, 'import', '-', '--format', 'csv', '--schema', 's.json', '--db', 'x.db', '--mode', 'batch'], {
      cwd: dir, reject: false, env: ENV, stdin: 'pipe',
    });
    await waitForChild(child, 'reading stdin', readsStdin);
    const sent = Date.now();
    child.kill('SIGTERM');
    const result = await child;
    expect(Date.now() - sent).toBeLessThan(5_000);
    expect(result.exitCode).toBe(130);
    expect(String(result.stderr).trim()).toBe('barge: error: interrupted while waiting for the input\'s first bytes; nothing was written');
    expect(fs.existsSync(path.join(dir, 'x.db'))).toBe(false);
    child.stdin!.destroy();
  });
});

describe('a job whose end cannot be recorded', () => {
  it('exit 3, saying it ran to its end and how its record is mended; the resume records it and loads nothing more', async () => {
    const dir = setUp();
    const db = path.join(dir, 'x.db');
    expect((await barge(dir, ['import', 'b.csv', '--schema', 's.json', '--db', 'x.db'])).exitCode).toBe(0);
    // What a lock held past --busy-timeout at that moment does, made certain: the update fails.
    const conn = new Database(db);
    conn.exec("CREATE TRIGGER hold BEFORE UPDATE OF status ON _barge_jobs WHEN NEW.status <> 'running' BEGIN SELECT RAISE(ABORT, 'held by a test'); END");
    conn.close();
    fs.writeFileSync(path.join(dir, 'c.csv'), 'id,name\n1,c\n2,c\n3,c\n');
    const result = await barge(dir, ['import', 'c.csv', '--db', 'x.db', '--table', 't', '--mode', 'batch', '--batch-size', '2', '--job-id', 'E', '--json']);
    expect(result.exitCode).toBe(3);
    expect(JSON.parse(result.stdout).error.message).toBe('job E ran to its end (succeeded: read 3, inserted 3, updated 0, ignored 0, rejected 0), but its record could not be updated (database "x.db": held by a test); barge jobs shows it "running": resume it to record its end (it loads nothing more): barge import --resume E --db x.db');
    expect(rows(db, "SELECT status FROM _barge_jobs WHERE id = 'E'")).toEqual([{ status: 'running' }]);
    expect(rows(db, 'SELECT count(*) AS n FROM t')).toEqual([{ n: 5 }]);
    const mend = new Database(db);
    mend.exec('DROP TRIGGER hold');
    mend.close();
    const resumed = await barge(dir, ['import', '--resume', 'E', '--db', 'x.db', '--json']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'succeeded', counts: { read: 3, inserted: 3, rejected: 0 } });
    expect(rows(db, "SELECT status FROM _barge_jobs WHERE id = 'E'")).toEqual([{ status: 'succeeded' }]);
    expect(rows(db, 'SELECT count(*) AS n FROM t')).toEqual([{ n: 5 }]);
  });
});

describe('a job whose end cannot be recorded, when it did not read to the end or is atomic', () => {
  function hold(db: string, when: string): void {
    const conn = new Database(db);
    conn.exec(`CREATE TRIGGER hold BEFORE UPDATE OF status ON _barge_jobs WHEN ${when} BEGIN SELECT RAISE(ABORT, 'held by a test'); END`);
    conn.close();
  }

  it('stopped by --max-errors: its own exit code (1), a warning, and the resume goes on reading', async () => {
    const dir = setUp();
    const db = path.join(dir, 'x.db');
    expect((await barge(dir, ['import', 'b.csv', '--schema', 's.json', '--db', 'x.db'])).exitCode).toBe(0);
    hold(db, "NEW.status <> 'running'");
    fs.writeFileSync(path.join(dir, 'm.csv'), 'id,name\n1,a\nx,b\n3,c\ny,d\n5,e\n');
    const result = await barge(dir, ['import', 'm.csv', '--schema', 's.json', '--db', 'x.db', '--mode', 'row', '--batch-size', '2', '--max-errors', '1', '--job-id', 'M']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.split('\n').slice(0, 3)).toEqual([
      'barge: the record of job M could not be updated (database "x.db": held by a test): barge jobs shows it "running"',
      'barge: import of m.csv into "t": stopped after 1 rejected record (--max-errors), 1 loaded; the rest of the input was not read: continue with: barge import --resume M --db x.db',
      '  read 2, inserted 1, rejected 1',
    ]);
    expect(result.stderr).not.toContain('ran to its end');
    expect(rows(db, "SELECT status, read_count AS read, inserted, rejected, batches_committed AS batches FROM _barge_jobs WHERE id = 'M'")).toEqual([{ status: 'running', read: 2, inserted: 1, rejected: 1, batches: 1 }]);
    expect(rows(db, 'SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }, { id: 100 }, { id: 101 }]);
    // Run again (as a cron retry would), once the record can be written: the job left "running"
    // goes on after its batch 1, and stops at the next rejected record, as its --max-errors says.
    const mend = new Database(db);
    mend.exec('DROP TRIGGER hold');
    mend.close();
    const resumed = await barge(dir, ['import', 'm.csv', '--schema', 's.json', '--db', 'x.db', '--mode', 'row', '--batch-size', '2', '--max-errors', '1', '--job-id', 'M']);
    expect(resumed.exitCode).toBe(1);
    const told = resumed.stderr.split('\n');
    expect([told[0], told[1], told[2], told[4], told[5]]).toEqual([
      'barge: job "M" was left running: resuming it after batch 1',
      'barge: import of m.csv into "t": stopped after 1 rejected record (--max-errors), 2 loaded; the rest of the input was not read: continue with: barge import --resume M --db x.db',
      '  read 4, inserted 2, rejected 2',
      '  m.csv:line 5, column "id": expected an integer, got "y"',
      '  ... and 1 more rejected record in the report',
    ]);
    expect(rows(db, "SELECT status, read_count AS read, inserted, rejected, batches_committed AS batches FROM _barge_jobs WHERE id = 'M'")).toEqual([{ status: 'failed', read: 4, inserted: 2, rejected: 2, batches: 2 }]);
    expect(rows(db, 'SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }, { id: 3 }, { id: 100 }, { id: 101 }]);
  });

  it('atomic, succeeded: exit 0 (its row said so in the transaction of its rows)', async () => {
    const dir = setUp();
    const db = path.join(dir, 'x.db');
    expect((await barge(dir, ['import', 'b.csv', '--schema', 's.json', '--db', 'x.db'])).exitCode).toBe(0);
    // Its second update, of the figures, fails: the row already says succeeded.
    hold(db, "OLD.status = 'succeeded'");
    fs.writeFileSync(path.join(dir, 'c.csv'), 'id,name\n1,c\n2,c\n');
    const result = await barge(dir, ['import', 'c.csv', '--schema', 's.json', '--db', 'x.db', '--job-id', 'A']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(rows(db, "SELECT status FROM _barge_jobs WHERE id = 'A'")).toEqual([{ status: 'succeeded' }]);
    expect(rows(db, 'SELECT count(*) AS n FROM t')).toEqual([{ n: 4 }]);
  });
});
