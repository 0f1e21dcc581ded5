import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { barge, importMakers, rows, workdir } from '../helpers/cli.js';

const SCHEMA = ['--schema', 'fixtures/products.schema.json'];

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function productCount(dir: string): number {
  return rows<{ n: number }>(path.join(dir, 'barge.db'), 'SELECT COUNT(*) AS n FROM products')[0]!.n;
}

/**
 * Four jobs, oldest first:
 *   makers                              succeeded  5 inserted
 *   products-bad-qty.csv (atomic)       failed     rolled back: 0 inserted, 1 rejected
 *   products-bad-price.csv --mode row   partial    11 inserted, 1 rejected (P-6)
 *   products.csv --on-conflict update --job-id nightly
 *                                       succeeded  1 inserted (P-6), 11 updated
 */
describe('stats and jobs after a mix of jobs', () => {
  let dir: string;
  let ids: { makers: string; partial: string; failed: string; nightly: string };

  beforeAll(async () => {
    dir = workdir();
    await importMakers(dir);
    const failed = await barge(dir, ['import', 'fixtures/bad/products-bad-qty.csv', ...SCHEMA, '--json']);
    expect(failed.exitCode).toBe(1);
    const partial = await barge(dir, ['import', 'fixtures/bad/products-bad-price.csv', ...SCHEMA, '--mode', 'row', '--json']);
    expect(partial.exitCode).toBe(1);
    const nightly = await barge(dir, ['import', 'fixtures/products.csv', ...SCHEMA, '--on-conflict', 'update', '--job-id', 'nightly', '--json']);
    expect(nightly.exitCode, nightly.stderr).toBe(0);
    const list = JSON.parse((await barge(dir, ['jobs', '--json'])).stdout) as Array<{ id: string; table: string; status: string }>;
    ids = {
      makers: list.find((job) => job.table === 'makers')!.id,
      partial: JSON.parse(partial.stdout).jobId,
      failed: JSON.parse(failed.stdout).jobId,
      nightly: 'nightly',
    };
  });

  /** The median records per second of the finished jobs (of one table), from `barge jobs --json`, rounded to a whole rate. */
  async function medianRate(table?: string): Promise<number> {
    const jobs = JSON.parse((await barge(dir, ['jobs', '--json'])).stdout) as Array<{ status: string; table: string; recordsPerSecond: number }>;
    const rates = jobs.filter((job) => job.status !== 'running' && (table === undefined || job.table === table)).map((job) => job.recordsPerSecond).sort((a, b) => a - b);
    expect(rates).toHaveLength(table === undefined ? 4 : 3);
    for (const rate of rates) expect(rate).toBeGreaterThan(0);
    const mid = Math.floor(rates.length / 2);
    return Math.round(rates.length % 2 === 1 ? rates[mid]! : (rates[mid - 1]! + rates[mid]!) / 2);
  }

  it('stats --json: tables, jobs by status, success rate 2 of 4, records, median rate, last jobs', async () => {
    const result = await barge(dir, ['stats', '--json']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    const stats = JSON.parse(result.stdout);
    expect(stats.command).toBe('stats');
    // barge's own tables (_barge_jobs, _barge_schemas) and SQLite's are not listed.
    expect(stats.tables.map((t: { name: string }) => t.name)).toEqual(['makers', 'products']);
    const products = stats.tables[1];
    expect(products.rows).toBe(12);
    expect(products.columns).toHaveLength(9);
    expect(products.columns).toContainEqual({ name: 'active', declaredType: 'INTEGER', type: 'boolean' });
    expect(products.columns).toContainEqual({ name: 'tags', declaredType: 'TEXT', type: 'json' });
    expect(products.columns[0]).toEqual({ name: 'id', declaredType: 'TEXT', type: 'string' });
    // The pages of each table and its indexes (dbstat), and of the whole file.
    expect(stats.tables[0].sizeBytes).toBe(49_152);
    expect(products.sizeBytes).toBe(65_536);
    expect(stats.sizeBytes).toBe(fs.statSync(path.join(dir, 'barge.db')).size);
    expect(stats.sizeBytes).toBeGreaterThan(products.sizeBytes + stats.tables[0].sizeBytes);
    expect(stats.jobs).toMatchObject({
      total: 4,
      byStatus: { running: 0, succeeded: 2, partial: 1, failed: 1, interrupted: 0 },
      finished: 4,
      successRate: 0.5,
      recordsImported: 5 + 11 + 0 + 12,
      recordsRejected: 1 + 1,
    });
    // The median of the finished jobs' rates, as `jobs --json` gives them: four jobs, the mean of the middle two.
    expect(stats.jobs.medianRecordsPerSecond).toBe(await medianRate());
    expect(stats.lastJobs.map((job: { id: string }) => job.id)).toEqual([ids.nightly, ids.partial, ids.failed, ids.makers]);
    expect(stats.lastJobs[0]).toMatchObject({ status: 'succeeded', table: 'products', mode: 'atomic', counts: { read: 12, inserted: 1, updated: 11, rejected: 0 } });
  });

  it('stats --table products: that table and the jobs that loaded it', async () => {
    const stats = JSON.parse((await barge(dir, ['stats', '--table', 'products', '--json'])).stdout);
    expect(stats.tables.map((t: { name: string }) => t.name)).toEqual(['products']);
    expect(stats.jobs).toMatchObject({ total: 3, finished: 3, byStatus: { succeeded: 1, partial: 1, failed: 1 }, recordsImported: 23 });
    expect(stats.jobs.successRate).toBeCloseTo(1 / 3);
    expect(stats.lastJobs).toHaveLength(3);
    // Three jobs loaded products: the median is the middle one's rate.
    expect(stats.jobs.medianRecordsPerSecond).toBe(await medianRate('products'));
  });

  it('stats: the human report is its data, on stdout', async () => {
    const result = await barge(dir, ['stats']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^barge\.db: 2 tables, \d+\.\d KiB\n/);
    expect(result.stdout).toMatch(/\nproducts +12 +\d+\.\d KiB +id TEXT, name TEXT, price REAL, qty INTEGER, active INTEGER \(boolean\), released TEXT \(date\)/);
    expect(result.stdout).toContain('jobs: 4 (2 succeeded, 1 partial, 1 failed)');
    expect(result.stdout).toContain('success rate      50% (2 of 4 finished jobs succeeded)');
    expect(result.stdout).toContain('records imported  28 (inserted + updated)');
    expect(result.stdout).toContain('records rejected  2');
    expect(result.stdout).toContain('last 4 jobs:');
    expect(result.stdout).not.toContain('_barge');
  });

  it('jobs --json: the history newest first, as job records', async () => {
    const jobs = JSON.parse((await barge(dir, ['jobs', '--json'])).stdout);
    expect(jobs.map((job: { id: string }) => job.id)).toEqual([ids.nightly, ids.partial, ids.failed, ids.makers]);
    expect(jobs.map((job: { status: string }) => job.status)).toEqual(['succeeded', 'partial', 'failed', 'succeeded']);
    expect(jobs[1]).toMatchObject({
      command: expect.stringContaining('import fixtures/bad/products-bad-price.csv'),
      table: 'products', mode: 'row', status: 'partial',
      counts: { read: 12, inserted: 11, updated: 0, ignored: 0, rejected: 1 },
      reportPath: expect.stringContaining('products-bad-price.errors.ndjson'),
      inputs: [{ path: 'fixtures/bad/products-bad-price.csv', format: 'csv', size: fs.statSync(path.join(dir, 'fixtures/bad/products-bad-price.csv')).size, sha256: sha256(path.join(dir, 'fixtures/bad/products-bad-price.csv')) }],
    });
    expect(jobs[2]).toMatchObject({ mode: 'atomic', status: 'failed', counts: { inserted: 0, rejected: 1 }, batchesCommitted: 0 });
    for (const job of jobs) {
      expect(Object.keys(job).sort()).toEqual([
        'batchesCommitted', 'checkpoint', 'command', 'counts', 'durationMs', 'error', 'finishedAt', 'id', 'inputs', 'mode',
        'options', 'recordsPerSecond', 'reportPath', 'startedAt', 'status', 'table',
      ]);
    }
  });

  it('jobs --status and --limit', async () => {
    expect(JSON.parse((await barge(dir, ['jobs', '--status', 'partial', '--json'])).stdout).map((j: { id: string }) => j.id)).toEqual([ids.partial]);
    expect(JSON.parse((await barge(dir, ['jobs', '--status', 'succeeded', '--json'])).stdout).map((j: { id: string }) => j.id)).toEqual([ids.nightly, ids.makers]);
    expect(JSON.parse((await barge(dir, ['jobs', '--limit', '2', '--json'])).stdout).map((j: { id: string }) => j.id)).toEqual([ids.nightly, ids.partial]);
    expect(JSON.parse((await barge(dir, ['jobs', '--status', 'interrupted', '--json'])).stdout)).toEqual([]);
    const none = await barge(dir, ['jobs', '--status', 'running']);
    expect(none).toMatchObject({ exitCode: 0, stdout: 'no running jobs in barge.db' });
  });

  it('jobs: an aligned table on stdout', async () => {
    const result = await barge(dir, ['jobs']);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^id +status +table +mode +read +inserted +updated +ignored +rejected +duration +started$/);
    expect(lines[1]).toMatch(/^nightly +succeeded +products +atomic +12 +1 +11 +0 +0 +\d+\.\d s +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    // Columns line up: every row's status starts where the header's does.
    const at = lines[0]!.indexOf('status');
    for (const line of lines.slice(1)) expect(line.slice(at)).toMatch(/^(succeeded|partial|failed) /);
  });

  it('jobs <id>: each job in full, as key: value lines or its --json record', async () => {
    const listed = JSON.parse((await barge(dir, ['jobs', '--json'])).stdout) as Array<{ id: string }>;
    for (const id of Object.values(ids)) {
      const json = await barge(dir, ['jobs', id, '--json']);
      expect(json.exitCode).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual(listed.find((job) => job.id === id));
      const text = await barge(dir, ['jobs', id]);
      expect(text.exitCode).toBe(0);
      expect(text.stdout).toMatch(new RegExp(`^id: +${id}\\n`));
      for (const key of ['status', 'command', 'table', 'mode', 'counts', 'batches committed', 'report', 'started', 'finished', 'duration', 'records/s', 'error', 'checkpoint', 'input 1', 'option mode']) {
        expect(text.stdout, `${id}: ${key}`).toMatch(new RegExp(`\\n${key.replace('/', '\\/')}: +\\S`));
      }
    }
    // Keys padded to the longest (the alignment is not what is checked here).
    const detail = (await barge(dir, ['jobs', ids.partial])).stdout.replace(/^([\w /]+:) +/gm, '$1 ');
    const file = path.join(dir, 'fixtures/bad/products-bad-price.csv');
    expect(detail).toContain(`input 1: fixtures/bad/products-bad-price.csv (csv, ${fs.statSync(file).size} bytes, sha256 ${sha256(file)})`);
    expect(detail).toContain('counts: read 12, inserted 11, updated 0, ignored 0, rejected 1');
    expect(detail).toContain('status: partial');
    expect(detail).toMatch(/checkpoint: +after record 12, batch 1/);
  });

  it('jobs <unknown id>: exit 2 with how to list jobs', async () => {
    const result = await barge(dir, ['jobs', 'no-such-job']);
    expect(result).toMatchObject({ exitCode: 2, stdout: '', stderr: 'barge: error: no job "no-such-job" in barge.db; list jobs with: barge jobs' });
  });

  it('usage errors: a bad --status, --limit, an unknown --table, an id with filters', async () => {
    const status = await barge(dir, ['jobs', '--status', 'done']);
    expect(status.exitCode).toBe(2);
    expect(status.stderr).toBe('barge: error: --status must be running, succeeded, partial, failed or interrupted, got "done"');
    expect(await barge(dir, ['jobs', '--limit', '0'])).toEqual({ exitCode: 2, stdout: '', stderr: 'barge: error: --limit must be an integer from 1 to 1000000, got "0"' });
    const table = await barge(dir, ['stats', '--table', 'nope']);
    expect(table).toMatchObject({ exitCode: 2, stderr: 'barge: error: no table "nope" in barge.db; list the tables with: barge stats --db barge.db' });
    expect(await barge(dir, ['jobs', ids.partial, '--limit', '3'])).toEqual({ exitCode: 2, stdout: '', stderr: 'barge: error: --limit and --status filter the list; do not give them with a job id' });
  });

  it('--job-id nightly again: loads nothing, exits 0, says it already succeeded', async () => {
    const before = productCount(dir);
    const again = await barge(dir, ['import', 'fixtures/products.csv', ...SCHEMA, '--on-conflict', 'update', '--job-id', 'nightly']);
    expect(again).toEqual({ exitCode: 0, stdout: '', stderr: 'barge: job nightly already succeeded; nothing to do' });
    expect(productCount(dir)).toBe(before);
    const stats = JSON.parse((await barge(dir, ['stats', '--json'])).stdout);
    expect(stats.jobs.total).toBe(4);
    expect(stats.jobs.recordsImported).toBe(28);
  });
});

describe('stats and jobs on other databases', () => {
  it('a missing database: exit 2, one clear line, and no file is created', async () => {
    const dir = workdir();
    for (const args of [['stats'], ['jobs'], ['jobs', 'x']]) {
      const result = await barge(dir, [...args, '--db', 'missing.db']);
      expect(result).toMatchObject({ exitCode: 2, stderr: 'barge: error: database "missing.db" does not exist; check --db (or $BARGE_DB), or import into it first' });
    }
    expect(fs.existsSync(path.join(dir, 'missing.db'))).toBe(false);
  });

  it('a table\'s size counts its indexes\' pages; an index, or a trigger named as a table, is no table of its own', async () => {
    const dir = workdir();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(dir, 'sizes.db'));
    db.exec("CREATE TABLE a (x TEXT); CREATE INDEX a_x ON a (x); CREATE UNIQUE INDEX a_ux ON a (x DESC); CREATE TABLE b (y); INSERT INTO a VALUES ('1'), ('2'); INSERT INTO b VALUES (printf('%.*c', 20000, 'y')); CREATE TRIGGER a AFTER INSERT ON b BEGIN SELECT 1; END");
    db.close();
    const stats = JSON.parse((await barge(dir, ['stats', '--db', 'sizes.db', '--json'])).stdout);
    // a: its page and one per index; b: its page and the 4 overflow pages of its 20 KB value.
    // (The trigger named a gave a's pages to b: a 0 B, b 8 pages.)
    expect(stats.tables.map((t: { name: string; sizeBytes: number }) => [t.name, t.sizeBytes])).toEqual([['a', 3 * 4096], ['b', 5 * 4096]]);
  });

  it('a database barge never loaded: tables listed, no jobs', async () => {
    const dir = workdir();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(dir, 'plain.db'));
    db.exec('CREATE TABLE t (a INTEGER, b BOOLEAN, c JSON); INSERT INTO t VALUES (1, 1, \'[1]\')');
    db.close();
    const stats = JSON.parse((await barge(dir, ['stats', '--db', 'plain.db', '--json'])).stdout);
    expect(stats.tables).toEqual([{
      name: 't', rows: 1, sizeBytes: 4096, error: null,
      columns: [{ name: 'a', declaredType: 'INTEGER', type: 'integer' }, { name: 'b', declaredType: 'BOOLEAN', type: 'boolean' }, { name: 'c', declaredType: 'JSON', type: 'json' }],
    }]);
    expect(stats.jobs).toMatchObject({ total: 0, finished: 0, successRate: null, medianRecordsPerSecond: null });
    expect(stats.lastJobs).toEqual([]);
    expect((await barge(dir, ['stats', '--db', 'plain.db'])).stdout).toContain('jobs: none yet');
    expect(await barge(dir, ['jobs', '--db', 'plain.db'])).toMatchObject({ exitCode: 0, stdout: 'no jobs yet in plain.db' });
    // Export types a foreign table from its declared types too.
    expect(JSON.parse((await barge(dir, ['export', '--db', 'plain.db', '--table', 't', '--format', 'ndjson'])).stdout)).toEqual({ a: 1, b: true, c: [1] });
  });

  it('a virtual table whose module this SQLite lacks: listed with its rows unknown and why; the other tables as ever (it failed the whole stats, exit 3)', async () => {
    const dir = workdir();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(dir, 'vt.db'));
    db.exec('CREATE TABLE plain (a INTEGER); INSERT INTO plain VALUES (1)');
    // What `sqlite3 vt.db "CREATE VIRTUAL TABLE z USING zipfile('nope.zip')"` leaves: better-sqlite3's SQLite has no zipfile.
    db.unsafeMode(true);
    db.exec("PRAGMA writable_schema = ON; INSERT INTO sqlite_schema (type, name, tbl_name, rootpage, sql) VALUES ('table', 'z', 'z', 0, 'CREATE VIRTUAL TABLE z USING zipfile(''nope.zip'')')");
    db.close();
    const json = await barge(dir, ['stats', '--db', 'vt.db', '--json']);
    expect(json.exitCode, json.stderr).toBe(0);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout).tables).toEqual([
      { name: 'plain', rows: 1, sizeBytes: 4096, error: null, columns: [{ name: 'a', declaredType: 'INTEGER', type: 'integer' }] },
      { name: 'z', rows: null, sizeBytes: 0, error: 'no such module: zipfile', columns: [] },
    ]);
    const one = await barge(dir, ['stats', '--db', 'vt.db', '--table', 'z', '--json']);
    expect(one.exitCode, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout).tables).toEqual([{ name: 'z', rows: null, sizeBytes: 0, error: 'no such module: zipfile', columns: [] }]);
    const text = await barge(dir, ['stats', '--db', 'vt.db']);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout.split('\n').slice(2, 5)).toEqual([
      'table  rows     size  columns',
      'plain     1  4.0 KiB  a INTEGER',
      'z         ?      0 B  (cannot be read: no such module: zipfile)',
    ]);
  });

  it('the success rate is never rounded to 100% or 0% when it is not: 202 of 203 is 99.5% (it said 100%)', async () => {
    const dir = workdir();
    await importMakers(dir);
    const Database = (await import('better-sqlite3')).default;
    const setJobs = (succeeded: number, failed: number) => {
      const db = new Database(path.join(dir, 'barge.db'));
      try {
        const columns = (db.prepare('SELECT name FROM pragma_table_info(?)').all('_barge_jobs') as { name: string }[]).map((c) => c.name).filter((c) => c !== 'id' && c !== 'status');
        const list = columns.map((c) => `"${c}"`).join(', ');
        db.exec("DELETE FROM _barge_jobs WHERE id LIKE 'copy-%'");
        const copy = db.prepare(`INSERT INTO _barge_jobs (id, status, ${list}) SELECT ?, ?, ${list} FROM _barge_jobs WHERE id NOT LIKE 'copy-%'`);
        // The makers job succeeded: `succeeded - 1` copies of it succeeded, `failed` failed.
        for (let i = 1; i < succeeded + failed; i++) copy.run(`copy-${i}`, i < succeeded ? 'succeeded' : 'failed');
      } finally {
        db.close();
      }
    };
    const rateLine = async () => {
      const result = await barge(dir, ['stats']);
      expect(result.exitCode, result.stderr).toBe(0);
      return result.stdout.split('\n').find((line) => line.startsWith('  success rate'));
    };
    for (const [succeeded, failed, shown] of [
      [202, 1, '99.5%'], [1999, 1, '99.95%'], [1, 202, '0.5%'], [1, 2999, '0.03%'], [2, 1, '66.7%'], [3, 1, '75%'], [1, 0, '100%'],
    ] as const) {
      setJobs(succeeded, failed);
      expect(await rateLine()).toBe(`  success rate      ${shown} (${succeeded.toLocaleString('en-US')} of ${(succeeded + failed).toLocaleString('en-US')} finished jobs succeeded)`);
    }
    setJobs(202, 1);
    expect(JSON.parse((await barge(dir, ['stats', '--json'])).stdout).jobs.successRate).toBe(202 / 203);
    // Counts of jobs are grouped as the other counts are.
    setJobs(1999, 1);
    expect((await barge(dir, ['stats'])).stdout).toContain('jobs: 2,000 (1,999 succeeded, 1 failed)');
  });

  it("--table matches a name as SQLite does, folding ASCII letters only: 'Ärger' and 'ärger' are two tables, each with its own jobs", async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'u1.csv'), 'x\n1\n2\n');
    fs.writeFileSync(path.join(dir, 'u2.csv'), 'x\n1\n2\n3\n');
    expect((await barge(dir, ['import', 'u1.csv', '--table', 'Ärger', '--quiet'])).exitCode).toBe(0);
    expect((await barge(dir, ['import', 'u2.csv', '--table', 'ärger', '--quiet'])).exitCode).toBe(0);
    for (const [table, rowCount] of [['Ärger', 2], ['ärger', 3]] as const) {
      const stats = JSON.parse((await barge(dir, ['stats', '--table', table, '--json'])).stdout);
      expect(stats.tables.map((t: { name: string; rows: number }) => [t.name, t.rows])).toEqual([[table, rowCount]]);
      expect(stats.jobs).toMatchObject({ total: 1, recordsImported: rowCount });
      expect(stats.lastJobs.map((job: { table: string }) => job.table)).toEqual([table]);
    }
    // ASCII letters fold, as in SQL: ÄRGER names "Ärger"; a name no table has is exit 2.
    expect(JSON.parse((await barge(dir, ['stats', '--table', 'ÄRGER', '--json'])).stdout).tables[0].name).toBe('Ärger');
    fs.rmSync(path.join(dir, 'barge.db'));
    expect((await barge(dir, ['import', 'u2.csv', '--table', 'ärger', '--quiet'])).exitCode).toBe(0);
    expect(await barge(dir, ['stats', '--table', 'Ärger'])).toEqual({
      exitCode: 2, stdout: '', stderr: 'barge: error: no table "Ärger" in barge.db; list the tables with: barge stats --db barge.db',
    });
  });

  it('--table: its last 10 jobs, newest first, among many jobs of other tables', async () => {
    const dir = workdir();
    await importMakers(dir);
    const db = new Database(path.join(dir, 'barge.db'));
    try {
      const insert = db.prepare("INSERT INTO _barge_jobs (id, command, inputs, table_name, mode, options, status, started_at) VALUES (?, 'x', '[]', ?, 'atomic', '{}', 'succeeded', ?)");
      db.transaction(() => {
        for (let i = 0; i < 3000; i++) insert.run(`other-${i}`, 'others', `2020-01-01T00:00:${String(i % 60).padStart(2, '0')}.000Z`);
        for (let i = 0; i < 15; i++) insert.run(`mine-${i}`, 'MAKERS', `2021-01-01T00:00:${String(i).padStart(2, '0')}.000Z`);
      })();
    } finally {
      db.close();
    }
    const stats = JSON.parse((await barge(dir, ['stats', '--table', 'makers', '--json'])).stdout);
    // Newest first by when each job was written (not by its started_at, which a clock set back
    // puts in the past): the 15 synthetic ones, written after the makers job, in their order.
    expect(stats.lastJobs.map((job: { id: string }) => job.id)).toEqual(['mine-14', 'mine-13', 'mine-12', 'mine-11', 'mine-10', 'mine-9', 'mine-8', 'mine-7', 'mine-6', 'mine-5']);
    expect(stats.lastJobs.every((job: { table: string }) => job.table === 'MAKERS')).toBe(true);
    expect(stats.jobs.total).toBe(16);
  });

  it("the job's command line keeps each word as a shell reads it back (it was joined plainly: my file's.csv, t x)", async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, "my file's.csv"), 'id\n1\n');
    expect((await barge(dir, ['import', "my file's.csv", '--table', 't x', '--quiet'])).exitCode).toBe(0);
    const [job] = JSON.parse((await barge(dir, ['jobs', '--json'])).stdout) as Array<{ command: string }>;
    expect(job!.command).toBe(`barge import 'my file'\\''s.csv' --table 't x' --quiet`);
  });

  it('a finished --job-id given an input that is not the file it loaded: says so, and how to load it (it said only "nothing to do")', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'part.csv'), 'id\n1\n2\n');
    expect((await barge(dir, ['import', 'part.csv', '--table', 't', '--job-id', 'j', '--quiet'])).exitCode).toBe(0);
    // The same file again: nothing said but that.
    expect(await barge(dir, ['import', 'part.csv', '--table', 't', '--job-id', 'j'])).toMatchObject({ exitCode: 0, stderr: 'barge: job j already succeeded; nothing to do' });
    fs.writeFileSync(path.join(dir, 'part.csv'), 'id\n1\n2\n3\n4\n');
    const again = await barge(dir, ['import', 'part.csv', '--table', 't', '--job-id', 'j']);
    expect(again).toMatchObject({
      exitCode: 0,
      stderr: 'barge: input "part.csv" is not the file the job loaded (11 bytes now, 7 then): job "j" already succeeded, so nothing of it was loaded; to load it, use a new --job-id (the rows it loaded stay: with --on-conflict ignore into a table with a key, or --truncate, they are not loaded twice)\nbarge: job j already succeeded; nothing to do',
    });
    expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n FROM t')).toEqual([{ n: 2 }]);
  });

  it('a name with a newline is shown escaped: the message stays one line', async () => {
    const dir = workdir();
    await importMakers(dir);
    expect(await barge(dir, ['jobs', 'x\ny'])).toEqual({ exitCode: 2, stdout: '', stderr: 'barge: error: no job "x\\ny" in barge.db; list jobs with: barge jobs' });
    expect(await barge(dir, ['stats', '--table', 'a\nb'])).toEqual({
      exitCode: 2, stdout: '', stderr: 'barge: error: no table "a\\nb" in barge.db; list the tables with: barge stats --db barge.db',
    });
  });
});

describe('stats of a table with generated columns (made by another tool)', () => {
  it('lists them, as export writes them', async () => {
    const dir = workdir();
    const file = path.join(dir, 'g.db');
    const db = new Database(file);
    db.exec("CREATE TABLE g (a INT, b INT GENERATED ALWAYS AS (a * 2) VIRTUAL, c TEXT GENERATED ALWAYS AS (a || 'x') STORED); INSERT INTO g (a) VALUES (1)");
    db.close();
    const stats = await barge(dir, ['stats', '--db', 'g.db', '--json']);
    expect(stats.exitCode, stats.stderr).toBe(0);
    expect(JSON.parse(stats.stdout).tables[0].columns.map((c: { name: string; declaredType: string }) => [c.name, c.declaredType])).toEqual([['a', 'INT'], ['b', 'INT'], ['c', 'TEXT']]);
    const exported = await barge(dir, ['export', '--db', 'g.db', '--table', 'g', '--out', '-']);
    expect(exported.stdout).toBe('a,b,c\n1,2,1x');
    // --columns names them too (it refused them: "no column \"b\" in table \"g\"; its columns are \"a\"").
    expect(await barge(dir, ['export', '--db', 'g.db', '--table', 'g', '--columns', 'c,B', '--quiet'])).toEqual({ exitCode: 0, stdout: 'c,b\n1x,2', stderr: '' });
    expect(await barge(dir, ['export', '--db', 'g.db', '--table', 'g', '--columns', 'd'])).toEqual({
      exitCode: 2, stdout: '', stderr: 'barge: error: --columns: no column "d" in table "g"; its columns are "a", "b", "c"',
    });
  });
});
