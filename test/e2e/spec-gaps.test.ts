import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { barge, BIN, rows, workdir } from '../helpers/cli.js';
import { catchesSignals, waitForBatches, waitUntil } from '../helpers/waits.js';

/**
 * Parts of SPEC.md no other test held barge to:
 * - §1: `--db` defaults to `$BARGE_DB` (the helpers in cli.ts set it to '' for every other test).
 * - §6: a resume checks the input by its size and its checksum: a same-size edit is caught.
 * - §10: a lock held past --busy-timeout in the middle of a job: exit 3, committed batches stay,
 *   and the job is resumable.
 */

/** Rows of big.csv: enough that a job of 500-record batches is still running when the test acts on it. */
const BIG_ROWS = 2_000_000;
let bigCsv: string;

beforeAll(() => {
  const dir = workdir();
  bigCsv = path.join(dir, 'big.csv');
  const lines = ['id,v'];
  for (let id = 1; id <= BIG_ROWS; id++) lines.push(`${id},${(id * 7919) % 100_000}`);
  fs.writeFileSync(bigCsv, lines.join('\n') + '\n');
});

/** A fresh working directory with a copy of big.csv. */
function withBig(): string {
  const dir = fs.realpathSync(workdir());
  fs.copyFileSync(bigCsv, path.join(dir, 'big.csv'));
  return dir;
}

/** barge as a real process in the background, for a test to act on while it runs. */
function start(cwd: string, args: string[]) {
  return execa('node', [BIN, ...args], { cwd, reject: false, stdin: 'ignore', env: { ...process.env, BARGE_DB: '', BARGE_DEBUG: '', NO_COLOR: '1' } });
}

describe('SPEC §1: --db defaults to $BARGE_DB', () => {
  // barge() sets BARGE_DB to '' and then spreads the options' env over it: this one wins.
  const env = { BARGE_DB: 'env.db' };

  it('import writes to $BARGE_DB, not ./barge.db; --db wins over it; stats, jobs and export read it', async () => {
    const dir = workdir();
    const imported = await barge(dir, ['import', 'fixtures/zipcodes.csv', '--json'], { env });
    expect(imported.exitCode, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ db: 'env.db', table: 'zipcodes', counts: { read: 5, inserted: 5 } });
    expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
    const envDb = path.join(dir, 'env.db');
    expect(rows(envDb, 'SELECT zip, city FROM zipcodes ORDER BY rowid')).toEqual([
      { zip: '02134', city: 'Allston' }, { zip: '10001', city: 'New York' }, { zip: '07030', city: 'Hoboken' },
      { zip: '94105', city: 'San Francisco' }, { zip: '60601', city: 'Chicago' },
    ]);

    // --db given too: it wins, and env.db is left as it was.
    const other = await barge(dir, ['import', 'fixtures/makers.csv', '--db', 'other.db', '--json'], { env });
    expect(other.exitCode, other.stderr).toBe(0);
    expect(JSON.parse(other.stdout)).toMatchObject({ db: 'other.db', table: 'makers', counts: { inserted: 5 } });
    expect(rows(path.join(dir, 'other.db'), "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_barge%' ESCAPE '\\'")).toEqual([{ name: 'makers' }]);
    expect(rows(path.join(dir, 'other.db'), 'SELECT count(*) AS n FROM makers')).toEqual([{ n: 5 }]);
    expect(rows(envDb, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_barge%' ESCAPE '\\'")).toEqual([{ name: 'zipcodes' }]);
    expect(rows(envDb, 'SELECT count(*) AS n FROM _barge_jobs')).toEqual([{ n: 1 }]);
    expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);

    // stats, jobs and export read env.db.
    const stats = await barge(dir, ['stats', '--json'], { env });
    expect(stats.exitCode, stats.stderr).toBe(0);
    const statsJson = JSON.parse(stats.stdout);
    expect(statsJson).toMatchObject({ db: 'env.db', jobs: { total: 1, recordsImported: 5 } });
    expect(statsJson.tables.map((t: { name: string; rows: number }) => [t.name, t.rows])).toEqual([['zipcodes', 5]]);
    const jobs = await barge(dir, ['jobs', '--json'], { env });
    expect(JSON.parse(jobs.stdout).map((job: { id: string }) => job.id)).toEqual([JSON.parse(imported.stdout).jobId]);
    const exported = await barge(dir, ['export', '--table', 'zipcodes', '--columns', 'zip,city', '--format', 'ndjson'], { env });
    expect(exported.exitCode, exported.stderr).toBe(0);
    expect(exported.stdout.split('\n')).toEqual([
      '{"zip":"02134","city":"Allston"}', '{"zip":"10001","city":"New York"}', '{"zip":"07030","city":"Hoboken"}',
      '{"zip":"94105","city":"San Francisco"}', '{"zip":"60601","city":"Chicago"}',
    ]);
    // And --db wins for the readers too.
    const otherStats = JSON.parse((await barge(dir, ['stats', '--db', 'other.db', '--json'], { env })).stdout);
    expect(otherStats.tables.map((t: { name: string }) => t.name)).toEqual(['makers']);
    expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
  });
});

describe('SPEC §6: a resume checks its input by size and checksum', () => {
  it('an input edited in place, same size (one digit changed): exit 2, the job and the table as they were', async () => {
    const dir = withBig();
    const db = path.join(dir, 'barge.db');
    const child = start(dir, ['import', 'big.csv', '--mode', 'row', '--batch-size', '1000', '--no-progress']);
    const running = await waitForBatches(db, 3);
    await waitUntil('barge to handle signals', () => catchesSignals(child.pid!));
    child.kill('SIGINT');
    const interrupted = await child;
    expect(interrupted.exitCode, String(interrupted.stderr)).toBe(130);
    const job = rows<{ status: string; batches: number; inserted: number }>(db, 'SELECT status, batches_committed AS batches, inserted FROM _barge_jobs WHERE id = ?', running.id)[0]!;
    expect(job.status).toBe('interrupted');
    expect(job.batches).toBeGreaterThanOrEqual(3);
    expect(job.inserted).toBe(job.batches * 1000);
    expect(rows(db, 'SELECT count(*) AS n FROM big')).toEqual([{ n: job.batches * 1000 }]);

    // One digit changed in place, far beyond what was loaded: the size stays, the checksum does not.
    const file = path.join(dir, 'big.csv');
    const size = fs.statSync(file).size;
    const bytes = fs.readFileSync(file);
    const at = bytes.indexOf('\n1500000,') + 1;
    expect(bytes.subarray(at, at + 8).toString()).toBe('1500000,');
    bytes[at] = '7'.charCodeAt(0);
    fs.writeFileSync(file, bytes);
    expect(fs.statSync(file).size).toBe(size);

    const resumed = await barge(dir, ['import', '--resume', running.id]);
    expect(resumed.exitCode).toBe(2);
    expect(resumed.stderr.startsWith(`barge: error: cannot resume job "${running.id}": input "big.csv" changed since the job started (size or sha256 differ); its `)).toBe(true);
    expect(resumed.stderr).toMatch(/ committed batch(es)? \([\d,]+ records? loaded\) stay in "([^"]+)": "\2" has no key to skip the records already loaded by, so loading the input again would add them twice: reload the table whole with --truncate under a new --job-id \(if it holds only this input\)$/);
    expect(rows(db, 'SELECT count(*) AS n FROM big')).toEqual([{ n: job.batches * 1000 }]);
    expect(rows(db, 'SELECT status, batches_committed AS batches, inserted FROM _barge_jobs WHERE id = ?', running.id)).toEqual([job]);
  }, 120_000);
});

describe('SPEC §10: a lock held past --busy-timeout in the middle of a job', () => {
  it('exit 3 with the one-line message; the committed batches stay; --resume then loads every record exactly once', async () => {
    const dir = withBig();
    const db = path.join(dir, 'barge.db');
    const child = start(dir, ['import', 'big.csv', '--mode', 'batch', '--batch-size', '500', '--busy-timeout', '200', '--no-progress']);
    const running = await waitForBatches(db, 5);
    // Another process takes the write lock between two of barge's batches, and holds it.
    const holder = new Database(db, { timeout: 30_000 });
    let held: { status: string; batches: number; inserted: number; rows: number } | undefined;
    try {
      holder.exec('BEGIN IMMEDIATE');
      const failed = await child;
      // Still holding the lock: the job's end could not be recorded either (README, Guarantees:
      // "can stay running when that process still holds it at the end").
      const job = holder.prepare('SELECT status, batches_committed AS batches, inserted FROM _barge_jobs WHERE id = ?').get(running.id) as { status: string; batches: number; inserted: number };
      held = { ...job, rows: (holder.prepare('SELECT count(*) AS n FROM big').get() as { n: number }).n };
      expect(failed.exitCode, String(failed.stderr)).toBe(3);
      const kept = held.batches * 500;
      expect(failed.stderr).toBe(
        `barge: error: database "barge.db" is locked by another process; wait for it to finish (or raise --busy-timeout) and resume it: barge import --resume ${running.id} (job ${running.id}: the ${held.batches.toLocaleString('en-US')} batches committed before this, ${kept.toLocaleString('en-US')} records, stay)`,
      );
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    if (held === undefined) throw new Error('the job was not read while the lock was held');
    expect(held.batches).toBeGreaterThanOrEqual(5);
    expect(held.batches).toBeLessThan(BIG_ROWS / 500);
    // Committed batches stay: exactly their records, the first ones of the file.
    expect(held.rows).toBe(held.batches * 500);
    expect(rows(db, 'SELECT min(id) AS lo, max(id) AS hi, count(DISTINCT id) AS d FROM big')).toEqual([{ lo: 1, hi: held.batches * 500, d: held.batches * 500 }]);
    expect(held.status).toBe('running');

    const resumed = await barge(dir, ['import', '--resume', running.id, '--json']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ jobId: running.id, status: 'succeeded', counts: { read: BIG_ROWS, inserted: BIG_ROWS, rejected: 0 }, batchesCommitted: BIG_ROWS / 500 });
    // Every record exactly once.
    expect(rows(db, 'SELECT count(*) AS n, count(DISTINCT id) AS d, min(id) AS lo, max(id) AS hi, sum(id) AS s FROM big')).toEqual([
      { n: BIG_ROWS, d: BIG_ROWS, lo: 1, hi: BIG_ROWS, s: (BIG_ROWS * (BIG_ROWS + 1)) / 2 },
    ]);
    expect(rows(db, 'SELECT count(*) AS n FROM big WHERE v != (id * 7919) % 100000')).toEqual([{ n: 0 }]);
    expect(rows(db, 'SELECT status, batches_committed AS batches FROM _barge_jobs WHERE id = ?', running.id)).toEqual([{ status: 'succeeded', batches: BIG_ROWS / 500 }]);
  }, 120_000);
});
