import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { execa, type ResultPromise } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, rows, workdir } from '../helpers/cli.js';
import { NUMBERED_SCHEMA, writeNumberedCsv } from '../helpers/generate.js';
import { writeLockHeld } from '../helpers/process-waits.js';
import { waitForBatches, waitUntil } from '../helpers/waits.js';

/**
 * A batch job whose process is paused past the 120 s lease (SIGSTOP, Ctrl-Z, `docker pause`, a
 * VM suspended) is taken for dead by the processes of other hosts and containers, which cannot
 * see it: one may resume its job, or reload its table. When the paused process went on, it
 * loaded its batches beside that one's (1,000,000 rows became 1,671,000, both jobs
 * "succeeded"). It now checks, before each batch commits, that the job is still its own and,
 * its lease lapsed, that no job has started on the table since; else it rolls the batch back
 * and stops (exit 3). The other host is played here by editing the job rows while barge is
 * stopped: a real one waits out the lease.
 */

const TWO_MINUTES_AGO = () => new Date(Date.now() - 180_000).toISOString();

async function startPaused(dir: string): Promise<{ run: ResultPromise; db: string; committed: number }> {
  writeNumberedCsv(path.join(dir, 'numbered.csv'), 300_000);
  fs.writeFileSync(path.join(dir, 'numbered.schema.json'), JSON.stringify(NUMBERED_SCHEMA));
  const db = path.join(dir, 'barge.db');
  const run = execa('node', [BIN, 'import', 'numbered.csv', '--schema', 'numbered.schema.json', '--mode', 'batch', '--job-id', 'L1'], { cwd: dir, reject: false, env: { ...process.env, BARGE_DB: '', NO_COLOR: '1' } });
  await waitForBatches(db, 3);
  await stopOutsideTransaction(run, db);
  const committed = rows<{ n: number }>(db, "SELECT batches_committed AS n FROM _barge_jobs WHERE id = 'L1'")[0]!.n;
  return { run, db, committed };
}

/** SIGSTOPs barge between two transactions: the rows a test edits meanwhile need the write lock. */
async function stopOutsideTransaction(run: ResultPromise, db: string): Promise<void> {
  await waitUntil('barge stopped outside a transaction', async () => {
    run.kill('SIGSTOP');
    await waitUntil('barge to stop', () => /^State:\s*T/m.test(fs.readFileSync(`/proc/${run.pid}/status`, 'utf8')));
    if (!writeLockHeld(db)) return true;
    run.kill('SIGCONT');
    await new Promise((resolve) => setTimeout(resolve, 5));
    return false;
  });
}

function edit(db: string, sql: string, ...params: unknown[]): void {
  const conn = new Database(db, { timeout: 0 });
  try {
    conn.prepare(sql).run(...params);
  } finally {
    conn.close();
  }
}

/** Job L1's every sign of life three minutes back: its lease lapsed, as after a long pause. */
function lapseLease(db: string): void {
  const old = TWO_MINUTES_AGO();
  edit(db, "UPDATE _barge_jobs SET started_at = ?, options = json_set(options, '$.owner.since', ?), checkpoint = json_set(checkpoint, '$.savedAt', ?) WHERE id = 'L1'", old, old, old);
}

describe('a batch job paused past its lease', () => {
  it('resumed meanwhile by a process of another host: the batch in flight is rolled back, exit 3, the job row left to that process', async () => {
    const dir = workdir();
    const { run, db, committed } = await startPaused(dir);
    const other = { pid: 4242, host: 'another-host', since: new Date().toISOString() };
    edit(db, "UPDATE _barge_jobs SET options = json_set(options, '$.owner', json(?)) WHERE id = 'L1'", JSON.stringify(other));
    run.kill('SIGCONT');
    const result = await run;
    expect(result.exitCode).toBe(3);
    expect(String(result.stderr)).toMatch(/^barge: error: job "L1" was taken from this process while it was paused past the 120 s lease \(it is now run by process 4242 on host "another-host" \(last seen \d+ s ago; barge cannot see another machine's processes, so such a job counts as running until 120 s pass without a sign of life\)\): this batch was rolled back and this process stops, so that the job is not loaded twice/);
    // Only the batches committed before the pause; the job row as the other process left it.
    expect(rows(db, 'SELECT count(*) AS n FROM numbered')).toEqual([{ n: committed * 1000 }]);
    const job = rows<{ status: string; owner: string; batches: number }>(db, "SELECT status, json_extract(options, '$.owner') AS owner, batches_committed AS batches FROM _barge_jobs WHERE id = 'L1'")[0]!;
    expect({ ...job, owner: JSON.parse(job.owner) }).toEqual({ status: 'running', owner: other, batches: committed });
  });

  it('a reload of its table started meanwhile by another host: the batch rolled back, exit 3, the job failed saying why', async () => {
    const dir = workdir();
    const { run, db, committed } = await startPaused(dir);
    lapseLease(db);
    edit(db, "INSERT INTO _barge_jobs (id, command, inputs, table_name, mode, options, status, started_at) VALUES ('R1', 'barge import b.csv --truncate', '[]', 'numbered', 'batch', ?, 'running', ?)",
      JSON.stringify({ truncate: true, owner: { pid: 4242, host: 'another-host', since: new Date().toISOString() } }), new Date().toISOString());
    run.kill('SIGCONT');
    const result = await run;
    expect(result.exitCode).toBe(3);
    expect(String(result.stderr)).toMatch(/^barge: error: job "L1" was paused for (18\d|19\d) s, past the 120 s lease, and job "R1" \(a reload, --truncate\) started on table "numbered" meanwhile, taking this one for dead: this batch was rolled back and this process stops, so that its rows are not mixed with that job's/);
    expect(rows(db, 'SELECT count(*) AS n FROM numbered')).toEqual([{ n: committed * 1000 }]);
    expect(rows(db, "SELECT status, batches_committed AS batches FROM _barge_jobs WHERE id = 'L1'")).toEqual([{ status: 'failed', batches: committed }]);
  });

  it('its lease lapsed, but no job started on the table since: it goes on to the end, every row once', async () => {
    const dir = workdir();
    const { run, db } = await startPaused(dir);
    lapseLease(db);
    run.kill('SIGCONT');
    const result = await run;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(rows(db, 'SELECT count(*) AS n, count(DISTINCT id) AS d FROM numbered')).toEqual([{ n: 300_000, d: 300_000 }]);
    expect(rows(db, "SELECT status FROM _barge_jobs WHERE id = 'L1'")).toEqual([{ status: 'succeeded' }]);
  });

  it('a batch reload that has already emptied the table and loaded batches (its checkpoint says so): still detected, exit 3', async () => {
    const dir = workdir();
    const { run, db, committed } = await startPaused(dir);
    lapseLease(db);
    edit(db, "INSERT INTO _barge_jobs (id, command, inputs, table_name, mode, options, status, started_at, checkpoint) VALUES ('R2', 'barge import b.csv --truncate', '[]', 'numbered', 'batch', ?, 'succeeded', ?, ?)",
      JSON.stringify({ truncate: true, owner: { pid: 4242, host: 'another-host', since: new Date().toISOString() } }), new Date().toISOString(),
      JSON.stringify({ records: 500, batches: 1, committed: 1, counts: { read: 500, inserted: 500, updated: 0, ignored: 0, rejected: 0 }, reportBytes: 0, savedAt: new Date().toISOString() }));
    run.kill('SIGCONT');
    const result = await run;
    expect(result.exitCode).toBe(3);
    expect(String(result.stderr)).toContain('and job "R2" (a reload, --truncate) started on table "numbered" meanwhile, taking this one for dead: this batch was rolled back');
    expect(rows(db, 'SELECT count(*) AS n FROM numbered')).toEqual([{ n: committed * 1000 }]);
  });

  it('a reload recorded before this job was claimed, by a host whose clock runs ahead: not taken for one started meanwhile (it goes on)', async () => {
    const dir = workdir();
    writeNumberedCsv(path.join(dir, 'numbered.csv'), 300_000);
    fs.writeFileSync(path.join(dir, 'numbered.schema.json'), JSON.stringify(NUMBERED_SCHEMA));
    const db = path.join(dir, 'barge.db');
    // A reload that finished before this job started, its times 10 minutes ahead of this host's clock.
    const ahead = new Date(Date.now() + 600_000).toISOString();
    const setup = new Database(db);
    setup.exec("CREATE TABLE _barge_jobs (id TEXT PRIMARY KEY, command TEXT NOT NULL, inputs TEXT NOT NULL, table_name TEXT NOT NULL, mode TEXT NOT NULL, options TEXT NOT NULL, status TEXT NOT NULL, read_count INTEGER NOT NULL DEFAULT 0, inserted INTEGER NOT NULL DEFAULT 0, updated INTEGER NOT NULL DEFAULT 0, ignored INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0, batches_committed INTEGER NOT NULL DEFAULT 0, report_path TEXT, started_at TEXT NOT NULL, finished_at TEXT, duration_ms INTEGER, records_per_second REAL, error TEXT, checkpoint TEXT)");
    setup.close();
    edit(db, "INSERT INTO _barge_jobs (id, command, inputs, table_name, mode, options, status, started_at, finished_at) VALUES ('R0', 'barge import b.csv --truncate', '[]', 'numbered', 'batch', ?, 'succeeded', ?, ?)",
      JSON.stringify({ truncate: true, owner: { pid: 4242, host: 'another-host', since: ahead } }), ahead, ahead);
    const run = execa('node', [BIN, 'import', 'numbered.csv', '--schema', 'numbered.schema.json', '--mode', 'batch', '--job-id', 'L1'], { cwd: dir, reject: false, env: { ...process.env, BARGE_DB: '', NO_COLOR: '1' } });
    await waitForBatches(db, 3);
    await stopOutsideTransaction(run, db);
    lapseLease(db);
    run.kill('SIGCONT');
    const result = await run;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(rows(db, 'SELECT count(*) AS n, count(DISTINCT id) AS d FROM numbered')).toEqual([{ n: 300_000, d: 300_000 }]);
  });
});
