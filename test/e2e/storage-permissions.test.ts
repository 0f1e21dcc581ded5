import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { barge, BIN, readNdjson, rows, workdir, type RunResult } from '../helpers/cli.js';
import { canMountReadOnly, inNamespace } from '../helpers/namespace.js';
import { ErrorReport } from '../../src/report/error-report.js';
import type { ReportEntry } from '../../src/report/report-entry.js';
import { needsCopyToRead } from '../../src/store/open-database.js';
import { translateSqliteError, type FailedJob } from '../../src/store/sqlite-errors.js';

/**
 * Storage this user cannot write.
 *
 * - The error report: an --errors (or a batch/row job's default report) that could not be
 *   created is refused before anything is written (exit 2), rather than at the first rejected
 *   record, after batches were committed, with a job that --resume (which takes no --errors)
 *   could not continue. A report that fails midway anyway says how the job goes on.
 * - The database: stats, jobs, export and validate --table read a database in a directory this
 *   user cannot write, or on a read-only file system, where SQLite cannot create the WAL's -shm
 *   file beside it (they failed with exit 3, "unable to open database file").
 * - A full disk's message says how the job goes on: run again (atomic) or resumed (batch/row).
 *
 * Tests run as root here, and root writes in a directory whatever its permission bits: a
 * "directory this user cannot write" is one of mode 555 with barge run as `nobody` (setpriv),
 * and a read-only file system a tmpfs remounted read-only in a private mount namespace (unshare,
 * as in hostile.test.ts). Each case is skipped where its way is not available. Run as another
 * user, barge runs as that user, for whom mode 555 is enough.
 */

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
/** barge can run as a user that permissions stop (root: setpriv to nobody). */
let canLimit = false;
/** Private mount namespaces with tmpfs mounts (unshare -rm). */
let namespaces = false;

beforeAll(async () => {
  const dir = workdir();
  fs.chmodSync(dir, 0o777);
  canLimit = isRoot ? (await limited(dir, ['--version'])).exitCode === 0 : process.platform !== 'win32';
  namespaces = await canMountReadOnly(dir);
});

/** Directories made unwritable by a test: given back their permissions, so that they can be removed. */
const locked: string[] = [];

afterEach(() => {
  for (const dir of locked.splice(0)) fs.chmodSync(dir, 0o777);
});

/** Makes `dir` readable but not writable (for anyone but root). */
function lock(dir: string): void {
  fs.chmodSync(dir, 0o555);
  locked.push(dir);
}

/** Runs barge as a user the permission bits stop: as root, as nobody; else as this user. */
async function limited(cwd: string, args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  if (!isRoot) return barge(cwd, args, { env });
  const result = await execa('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', 'node', BIN, ...args], {
    cwd, reject: false, stdin: 'ignore', env: { ...process.env, BARGE_DB: '', BARGE_DEBUG: '', NO_COLOR: '1', ...env },
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** A working directory every user can write in (a test's own directories are 0700). */
function openWorkdir(): string {
  const dir = fs.realpathSync(workdir());
  fs.chmodSync(dir, 0o777);
  return dir;
}

function read(dir: string, name: string): string {
  return fs.readFileSync(path.join(dir, name), 'utf8');
}

/** 5000 records of id,price; record 2500's price is not a number: in row mode with batches of 1000, two batches commit first. */
function writeMidwayBad(dir: string): string[] {
  const lines = ['id,price'];
  for (let id = 1; id <= 5000; id++) lines.push(`${id},${id === 2500 ? 'n/a' : id / 10}`);
  fs.writeFileSync(path.join(dir, 'midbad.csv'), `${lines.join('\n')}\n`);
  fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({
    table: 't', primaryKey: ['id'], columns: { id: { type: 'integer', required: true }, price: { type: 'number' } },
  }));
  return ['import', 'midbad.csv', '--schema', 's.json', '--db', 'n.db', '--mode', 'row', '--batch-size', '1000'];
}

function expectOneLine(result: RunResult, exitCode: number, message: string): void {
  expect(result.stderr).toBe(`barge: error: ${message}`);
  expect(result.exitCode).toBe(exitCode);
}

describe('the error report is checked before anything is written', () => {
  it('an --errors in a directory this user cannot write: exit 2, nothing written; the job id then runs with another --errors', async (ctx) => {
    if (!canLimit) ctx.skip();
    const dir = openWorkdir();
    const importRow = writeMidwayBad(dir);
    fs.mkdirSync(path.join(dir, 'rej'));
    lock(path.join(dir, 'rej'));
    for (const report of ['rej/r.ndjson', 'rej/r.csv']) {
      const refused = await limited(dir, [...importRow, '--job-id', 'W', '--errors', report]);
      expectOneLine(refused, 2, `--errors ${report}: cannot write in rej (permission denied); pass another --errors or fix its permissions`);
    }
    // Nothing written: no database, so no job W to be stuck with the report.
    expect(fs.existsSync(path.join(dir, 'n.db'))).toBe(false);
    const loaded = await limited(dir, [...importRow, '--job-id', 'W', '--errors', 'ok.ndjson', '--json']);
    expect(loaded.exitCode, loaded.stderr).toBe(1);
    expect(JSON.parse(loaded.stdout)).toMatchObject({ jobId: 'W', status: 'partial', counts: { inserted: 4999, rejected: 1 }, reportPath: path.join(dir, 'ok.ndjson') });
    expect(readNdjson(path.join(dir, 'ok.ndjson')).map((entry) => entry.id)).toEqual(['2500']);
  });

  it('an existing report file this user cannot write: exit 2, nothing written', async (ctx) => {
    if (!canLimit) ctx.skip();
    const dir = openWorkdir();
    const importRow = writeMidwayBad(dir);
    fs.writeFileSync(path.join(dir, 'old.ndjson'), 'kept\n');
    fs.chmodSync(path.join(dir, 'old.ndjson'), 0o444);
    const refused = await limited(dir, [...importRow, '--errors', 'old.ndjson']);
    expectOneLine(refused, 2, '--errors old.ndjson: cannot write the file (permission denied); pass another --errors or fix its permissions');
    expect(fs.existsSync(path.join(dir, 'n.db'))).toBe(false);
    expect(read(dir, 'old.ndjson')).toBe('kept\n');
  });

  it('an atomic job or a validate with rejected records, run from a directory this user cannot write: exit 1, the report in a directory of its own in TMPDIR (it was exit 3, "cannot write the error report", no word of which record)', async (ctx) => {
    if (!canLimit) ctx.skip();
    const dir = openWorkdir();
    writeMidwayBad(dir);
    const cwd = path.join(dir, 'ro');
    fs.mkdirSync(cwd);
    const tmp = path.join(dir, 'tmp');
    fs.mkdirSync(tmp);
    fs.chmodSync(tmp, 0o777);
    fs.writeFileSync(path.join(cwd, 'clean.csv'), 'id,price\n1,2\n');
    lock(cwd);
    const db = path.join(dir, 'n.db');
    const atomic = await limited(cwd, ['import', '../midbad.csv', '--schema', '../s.json', '--db', db, '--json'], { TMPDIR: tmp });
    expect(atomic.exitCode, atomic.stderr).toBe(1);
    const json = JSON.parse(atomic.stdout);
    expect(json.firstErrors).toEqual(['../midbad.csv:line 2501, column "price": expected a number, got "n/a"']);
    expect(path.dirname(path.dirname(json.reportPath))).toBe(tmp);
    expect(path.basename(path.dirname(json.reportPath))).toMatch(/^barge-report-/);
    expect(path.basename(json.reportPath)).toBe('midbad.errors.ndjson');
    expect(read(path.dirname(json.reportPath), 'midbad.errors.ndjson')).toContain('"_barge_line":2501');
    expect(json.warnings).toEqual([`the working directory cannot be written: the error report, if any record is rejected, goes to ${json.reportPath} (pass --errors to choose where)`]);
    const validate = await limited(cwd, ['validate', '../midbad.csv', '--schema', '../s.json', '--json'], { TMPDIR: tmp });
    expect(validate.exitCode, validate.stderr).toBe(1);
    expect(path.dirname(path.dirname(JSON.parse(validate.stdout).reportPath))).toBe(tmp);
    // A clean run leaves no empty directory behind.
    const before = fs.readdirSync(tmp).length;
    const clean = await limited(cwd, ['import', 'clean.csv', '--schema', '../s.json', '--db', db, '--quiet'], { TMPDIR: tmp });
    expect(clean.exitCode, clean.stderr).toBe(0);
    expect(fs.readdirSync(tmp).length).toBe(before);
  });

  it('a batch/row job whose default report would go in a working directory this user cannot write: exit 2; an atomic job of clean records still runs there', async (ctx) => {
    if (!canLimit) ctx.skip();
    const dir = openWorkdir();
    writeMidwayBad(dir);
    const cwd = path.join(dir, 'ro');
    fs.mkdirSync(cwd);
    fs.writeFileSync(path.join(cwd, 'clean.csv'), 'id,price\n1,2\n');
    lock(cwd);
    const db = path.join(dir, 'n.db');
    for (const mode of ['batch', 'row']) {
      const refused = await limited(cwd, ['import', '../midbad.csv', '--schema', '../s.json', '--db', db, '--mode', mode]);
      expectOneLine(refused, 2, 'the error report midbad.errors.ndjson: cannot write in the working directory (permission denied); pass --errors with a path in a writable directory, or fix its permissions');
    }
    expect(fs.existsSync(db)).toBe(false);
    // An atomic job with no rejected record writes no report: nothing to refuse.
    const atomic = await limited(cwd, ['import', 'clean.csv', '--schema', '../s.json', '--db', db]);
    expect(atomic.exitCode, atomic.stderr).toBe(0);
    expect(rows(db, 'SELECT * FROM t')).toEqual([{ id: 1, price: 2 }]);
  });

  it.skipIf(process.platform !== 'linux' || process.getuid?.() !== 0)('an --errors in a directory where no file can be created (/proc, past root\'s access check): says so, not that the directory does not exist (skipped unless root)', async () => {
    const dir = workdir();
    await barge(dir, ['import', 'fixtures/makers.csv', '--schema', 'fixtures/makers.schema.json', '--quiet']);
    const result = await barge(dir, ['import', 'fixtures/bad/products-bad-qty.csv', '--schema', 'fixtures/products.schema.json', '--mode', 'row', '--errors', '/proc/x.ndjson']);
    expect(result).toMatchObject({
      exitCode: 3,
      stderr: 'barge: error: cannot write the error report "/proc/x.ndjson": no file can be created in /proc; pass another --errors (a resume keeps the job\'s report path: load the rest under a new --job-id)',
    });
  });

  it('an --errors that is a symlink into a missing directory: says that directory does not exist, and to resume once made (it said no file could be created in the link\'s own)', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'f.csv'), 'id,v\n1,1\n2,2\n3,x\n');
    fs.writeFileSync(path.join(dir, 'd.json'), JSON.stringify({ table: 'd', columns: { id: { type: 'integer' }, v: { type: 'integer' } } }));
    fs.symlinkSync(path.join('nodir', 'x.ndjson'), path.join(dir, 'dl.ndjson'));
    const result = await barge(dir, ['import', 'f.csv', '--schema', 'd.json', '--mode', 'row', '--batch-size', '2', '--errors', 'dl.ndjson', '--job-id', 'dl']);
    expect(result.exitCode, result.stderr).toBe(3);
    expect(result.stderr).toBe(`barge: error: cannot write the error report "${path.join(fs.realpathSync(dir), 'dl.ndjson')}": the directory ${path.join(fs.realpathSync(dir), 'nodir')} does not exist; create it and resume it: barge import --resume dl (job dl: the 1 batch committed before this, 2 records, stay)`);
    fs.mkdirSync(path.join(dir, 'nodir'));
    const resumed = await barge(dir, ['import', '--resume', 'dl']);
    expect(resumed.exitCode, resumed.stderr).toBe(1);
    expect(fs.readFileSync(path.join(dir, 'nodir', 'x.ndjson'), 'utf8')).toContain('"_barge_line":4');
  });

  it.skipIf(process.platform !== 'linux')('an --errors on a read-only file system: exit 2, nothing written (skipped without mount namespaces)', async (ctx) => {
    if (!namespaces) ctx.skip();
    const dir = openWorkdir();
    const importRow = writeMidwayBad(dir).join(' ');
    await inNamespace(dir, `
      mkdir d && mount -t tmpfs -o size=1m tmpfs d && mount -o remount,ro d
      $BARGE ${importRow} --errors d/r.ndjson 2> ro.err; echo $? > ro.rc
    `);
    expect(read(dir, 'ro.rc').trim()).toBe('2');
    expect(read(dir, 'ro.err').trimEnd()).toBe('barge: error: --errors d/r.ndjson: cannot write in d (read-only file system); pass another --errors or fix its permissions');
    expect(fs.existsSync(path.join(dir, 'n.db'))).toBe(false);
  });

  it.skipIf(!fs.existsSync('/dev/full'))('a resumed job whose report directory is not writable: exit 2, saying to fix it and resume (--resume takes no --errors); resumed once it is', async (ctx) => {
    if (!canLimit) ctx.skip();
    const dir = openWorkdir();
    const importRow = writeMidwayBad(dir);
    const rep = path.join(dir, 'rep');
    fs.mkdirSync(rep);
    fs.chmodSync(rep, 0o777);
    // The report on a full disk: the job fails at record 2500, after two committed batches.
    fs.symlinkSync('/dev/full', path.join(rep, 'r.ndjson'));
    const failed = await limited(dir, [...importRow, '--job-id', 'W', '--errors', 'rep/r.ndjson']);
    expect(failed.exitCode, failed.stderr).toBe(3);
    // "resume it" once run-import.ts gives the report its job (ErrorReport's `job`); "try again" until then.
    expect(failed.stderr).toMatch(/^barge: error: cannot write the error report ".*\/rep\/r\.ndjson": the disk is full; free space and resume it: barge import --resume W --db n\.db \(job W: the 2 batches committed before this, 2,000 records, stay\)$/);
    fs.rmSync(path.join(rep, 'r.ndjson'));
    lock(rep);
    const report = path.join(rep, 'r.ndjson');
    const how = `the error report ${report} of job "W": cannot write in ${rep} (permission denied); fix its permissions, then resume the job: barge import --resume W --db n.db`;
    expectOneLine(await limited(dir, ['import', '--resume', 'W', '--db', 'n.db']), 2, how);
    // A re-run under the job's id resumes it, with the report it started with (after a line
    // saying it resumes the job).
    const rerun = await limited(dir, [...importRow, '--job-id', 'W']);
    expect(rerun.exitCode).toBe(2);
    expect(rerun.stderr.split('\n').at(-1)).toBe(`barge: error: ${how}`);
    expect(rows(path.join(dir, 'n.db'), "SELECT status, inserted FROM _barge_jobs WHERE id = 'W'")).toEqual([{ status: 'failed', inserted: 2000 }]);
    fs.chmodSync(rep, 0o777);
    const resumed = await limited(dir, ['import', '--resume', 'W', '--db', 'n.db', '--json']);
    expect(resumed.exitCode, resumed.stderr).toBe(1);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'partial', counts: { read: 5000, inserted: 4999, rejected: 1 }, reportPath: report });
    expect(readNdjson(report).map((entry) => entry.id)).toEqual(['2500']);
  });

  describe('a report that fails midway says how the job goes on', () => {
    const entry: ReportEntry = {
      _barge_job: 'W', _barge_input: 'in.csv', _barge_line: 2, _barge_record: 1, _barge_batch: 3,
      _barge_errors: [{ column: 'price', code: 'type', message: 'line 2, column "price": expected a number, got "n/a"', value: 'n/a' }],
      _barge_text: true, id: '1', price: 'n/a',
    };
    const jobs: Record<string, FailedJob | undefined> = {
      row: { id: 'W', mode: 'row', resumable: true },
      atomic: { id: 'W', mode: 'atomic', resumable: false },
      stdin: { id: 'W', mode: 'batch', resumable: false },
      none: undefined,
    };

    function failure(file: string, job: FailedJob | undefined): string {
      const report = new ErrorReport(file, ['id', 'price'], false, undefined, job);
      try {
        report.add(entry);
        // Written out with the batch's entries, before it commits (run-import.ts, reject()).
        report.flush();
      } catch (error) {
        return (error as Error).message;
      } finally {
        report.close();
      }
      throw new Error('the report was written');
    }

    it.skipIf(!fs.existsSync('/dev/full'))('a full disk: free space, then resume a batch/row job, run an atomic one again', () => {
      const full = path.join(workdir(), 'full.ndjson');
      fs.symlinkSync('/dev/full', full);
      const what = `cannot write the error report "${full}": the disk is full; free space and`;
      expect(failure(full, jobs.row)).toBe(`${what} resume it: barge import --resume W`);
      expect(failure(full, jobs.atomic)).toBe(`${what} run the import again (an atomic job rolled back and left nothing)`);
      expect(failure(full, jobs.stdin)).toBe(`${what} load the rest under a new --job-id (a job that read stdin or a pipe cannot be resumed)`);
      expect(failure(full, jobs.none)).toBe(`${what} try again`);
    });

    it('a directory gone: a resumable job is told to create it and resume, not to pass another --errors', () => {
      const file = path.join(workdir(), 'gone', 'r.ndjson');
      const dir = path.dirname(file);
      expect(failure(file, jobs.row)).toBe(`cannot write the error report "${file}": the directory ${dir} does not exist; create it and resume it: barge import --resume W`);
      expect(failure(file, jobs.atomic)).toBe(`cannot write the error report "${file}": the directory ${dir} does not exist; create it or pass another --errors`);
      expect(failure(file, jobs.none)).toBe(`cannot write the error report "${file}": the directory ${dir} does not exist; create it or pass another --errors`);
    });
  });
});

describe('the -wal and -shm files of a read-only database', () => {
  it('an import refused on a read-only database leaves none (SQLite made them read-only, and they refused the next run); ones another program left read-only are named', async (ctx) => {
    if (!canLimit) ctx.skip();
    const dir = openWorkdir();
    const importRow = writeMidwayBad(dir);
    fs.writeFileSync(path.join(dir, 'one.csv'), 'id,price\n9999,2\n');
    const first = await limited(dir, ['import', 'one.csv', '--schema', 's.json', '--db', 'n.db']);
    expect(first.exitCode, first.stderr).toBe(0);
    fs.chmodSync(path.join(dir, 'n.db'), 0o444);
    expectOneLine(await limited(dir, importRow), 3, 'database "n.db" cannot be written: no write permission on the file; check its permissions');
    expect(['-wal', '-shm'].filter((suffix) => fs.existsSync(path.join(dir, `n.db${suffix}`)))).toEqual([]);
    fs.chmodSync(path.join(dir, 'n.db'), 0o644);
    // A read-only -shm another program left: named.
    fs.writeFileSync(path.join(dir, 'n.db-shm'), '');
    fs.chmodSync(path.join(dir, 'n.db-shm'), 0o444);
    expectOneLine(await limited(dir, importRow), 3, 'database "n.db" cannot be written: no write permission on its shared-memory index "n.db-shm"; check that file\'s permissions');
    fs.chmodSync(path.join(dir, 'n.db-shm'), 0o666);
    const loaded = await limited(dir, importRow);
    expect(loaded.exitCode, loaded.stderr).toBe(1);
    expect(rows(path.join(dir, 'n.db'), 'SELECT count(*) AS n FROM t')).toEqual([{ n: 5000 }]);
  });
});

describe('read-only storage: stats, jobs, export and validate --table read the database', () => {
  /** A database with makers and products and their jobs, written where anyone can read it. */
  async function seed(dir: string): Promise<void> {
    for (const [input, schema] of [['makers.csv', 'makers.schema.json'], ['products.csv', 'products.schema.json']]) {
      const result = await barge(dir, ['import', `fixtures/${input}`, '--schema', `fixtures/${schema}`, '--db', 'seed.db']);
      if (result.exitCode !== 0) throw new Error(result.stderr);
    }
  }

  /** The commands, with --db given, and where each writes its output (a file in the working directory). */
  const COMMANDS: Array<[string, string[]]> = [
    ['stats', ['stats', '--json']],
    ['jobs', ['jobs', '--json']],
    ['export', ['export', '--table', 'products', '--format', 'ndjson', '--out', '-']],
    ['validate', ['validate', 'fixtures/products.csv', '--table', 'products', '--json']],
  ];

  /** What each command prints for the database where it was written: the same is expected read-only. */
  async function baseline(dir: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const [name, args] of COMMANDS) {
      const result = await barge(dir, [...args, '--db', 'seed.db']);
      expect(result.exitCode, result.stderr).toBe(0);
      out[name] = comparable(name, result.stdout);
    }
    return out;
  }

  /** Output with what differs from run to run (the path given, timings) left out. */
  function comparable(name: string, stdout: string): string {
    if (name === 'export') return stdout.trimEnd();
    const value = JSON.parse(stdout);
    if (name === 'stats') delete value.db;
    if (name === 'validate') {
      delete value.durationMs;
      delete value.recordsPerSecond;
    }
    return JSON.stringify(value);
  }

  it.skipIf(process.platform !== 'linux')('on a read-only file system: each exits 0 with what it prints where the database was written; nothing is left beside it or in TMPDIR (skipped without mount namespaces)', async (ctx) => {
    if (!namespaces) ctx.skip();
    const dir = openWorkdir();
    await seed(dir);
    const expected = await baseline(dir);
    fs.mkdirSync(path.join(dir, 'tmp'));
    fs.mkdirSync(path.join(dir, 'after'));
    const runs = COMMANDS.map(([name, args]) => `TMPDIR=$PWD/tmp $BARGE ${args.join(' ')} --db d/x.db > ${name}.out 2> ${name}.err; echo $? > ${name}.rc`);
    await inNamespace(dir, `
      mkdir d && mount -t tmpfs -o size=4m tmpfs d && cp seed.db d/x.db && mount -o remount,ro d
      ${runs.join('\n')}
      ls -A d > d.ls
    `);
    for (const [name] of COMMANDS) {
      expect(read(dir, `${name}.rc`).trim(), read(dir, `${name}.err`)).toBe('0');
      expect(comparable(name, read(dir, `${name}.out`)), name).toBe(expected[name]);
    }
    expect(read(dir, 'd.ls')).toBe('x.db\n');
    expect(fs.readdirSync(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('in a directory this user cannot write: each exits 0 with what it prints where the database was written; nothing is left beside it or in TMPDIR', async (ctx) => {
    if (!canLimit) ctx.skip();
    const dir = openWorkdir();
    await seed(dir);
    const expected = await baseline(dir);
    const ro = path.join(dir, 'ro');
    fs.mkdirSync(ro);
    fs.copyFileSync(path.join(dir, 'seed.db'), path.join(ro, 'x.db'));
    lock(ro);
    const tmp = path.join(dir, 'tmp');
    fs.mkdirSync(tmp);
    fs.chmodSync(tmp, 0o777);
    for (const [name, args] of COMMANDS) {
      const result = await limited(dir, [...args, '--db', 'ro/x.db'], { TMPDIR: tmp });
      expect(result.exitCode, result.stderr).toBe(0);
      expect(comparable(name, result.stdout), name).toBe(expected[name]);
    }
    expect(fs.readdirSync(ro)).toEqual(['x.db']);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('in a directory this user cannot write, a WAL holding commits not yet in the database file: they are read too', async (ctx) => {
    if (!canLimit) ctx.skip();
    const dir = openWorkdir();
    const ro = path.join(dir, 'ro');
    fs.mkdirSync(ro);
    // A writer that has not checkpointed: its rows are in the -wal only, which a copy of the
    // database file alone would miss.
    const writer = new Database(path.join(dir, 'w.db'));
    try {
      writer.pragma('journal_mode = WAL');
      writer.pragma('wal_autocheckpoint = 0');
      writer.exec("CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1), (2), (3)");
      fs.copyFileSync(path.join(dir, 'w.db'), path.join(ro, 'w.db'));
      fs.copyFileSync(path.join(dir, 'w.db-wal'), path.join(ro, 'w.db-wal'));
    } finally {
      writer.close();
    }
    lock(ro);
    // The copy goes to TMPDIR: one this user can write, whatever the runner's is.
    const tmp = path.join(dir, 'tmp');
    fs.mkdirSync(tmp);
    fs.chmodSync(tmp, 0o777);
    const result = await limited(dir, ['export', '--query', 'SELECT count(*) AS n FROM t', '--format', 'ndjson', '--out', '-', '--db', 'ro/w.db'], { TMPDIR: tmp });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe('{"n":3}');
    expect(fs.readdirSync(ro).sort()).toEqual(['w.db', 'w.db-wal']);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('in a directory this user cannot write, with TMPDIR naming no directory: one line naming both, exit 3', async (ctx) => {
    if (!canLimit) ctx.skip();
    const dir = openWorkdir();
    await seed(dir);
    const ro = path.join(dir, 'ro');
    fs.mkdirSync(ro);
    fs.copyFileSync(path.join(dir, 'seed.db'), path.join(ro, 'x.db'));
    lock(ro);
    // Was Node's raw "ENOENT: no such file or directory, mkdtemp '/nonexistent/barge-read-XXXXXX'".
    expectOneLine(await limited(dir, ['stats', '--db', 'ro/x.db'], { TMPDIR: path.join(dir, 'gone') }), 3, `database "ro/x.db" cannot be read where it is (its directory is not writable, and SQLite must create its -shm file there), nor from a copy in ${path.join(dir, 'gone')} (no such directory); copy it to a writable directory and pass that --db`);
    expect(fs.readdirSync(ro)).toEqual(['x.db']);
  });

  it('export to a write-protected file, or into a directory that takes no new file: exit 2 before any row, the file as it was', async (ctx) => {
    if (!canLimit || !isRoot) ctx.skip();
    const dir = openWorkdir();
    await seed(dir);
    fs.chmodSync(path.join(dir, 'seed.db'), 0o644);
    fs.writeFileSync(path.join(dir, 'kept.csv'), 'keep me\n');
    fs.chmodSync(path.join(dir, 'kept.csv'), 0o444);
    // Replaced by a rename, the file was gone without a word (a shell redirect or cp refuses).
    expectOneLine(await limited(dir, ['export', '--table', 'makers', '--out', 'kept.csv', '--db', 'seed.db']), 2, '--out kept.csv cannot be written (permission denied); remove it first, or pass another --out');
    expect(read(dir, 'kept.csv')).toBe('keep me\n');
    fs.mkdirSync(path.join(dir, 'closed'));
    lock(path.join(dir, 'closed'));
    expectOneLine(await limited(dir, ['export', '--table', 'makers', '--out', 'closed/m.csv', '--db', 'seed.db']), 2, '--out closed/m.csv: cannot make a file in closed (permission denied); pass another --out');
    expect(fs.readdirSync(path.join(dir, 'closed'))).toEqual([]);
  });

  it('an import into a database file this user cannot write: exit 3, and no -wal or -shm left to refuse the next run', async (ctx) => {
    if (!canLimit || !isRoot) ctx.skip();
    const dir = openWorkdir();
    await seed(dir);
    fs.chmodSync(path.join(dir, 'seed.db'), 0o644);
    expectOneLine(await limited(dir, ['import', 'fixtures/makers.csv', '--table', 'makers', '--db', 'seed.db', '--on-conflict', 'ignore']), 3, 'database "seed.db" cannot be written: no write permission on the file; check its permissions');
    expect(fs.readdirSync(dir).filter((name) => name.startsWith('seed.db'))).toEqual(['seed.db']);
    // Its permission fixed, the next run goes on (it was refused for the read-only -wal left behind).
    fs.chmodSync(path.join(dir, 'seed.db'), 0o666);
    const again = await limited(dir, ['import', 'fixtures/makers.csv', '--table', 'makers', '--db', 'seed.db', '--on-conflict', 'ignore']);
    expect(again.exitCode, again.stderr).toBe(0);
  });

  it('a database file this user cannot read: one line, exit 3', async (ctx) => {
    if (!canLimit) ctx.skip();
    const dir = openWorkdir();
    await seed(dir);
    fs.chmodSync(path.join(dir, 'seed.db'), 0o000);
    for (const args of [['stats'], ['jobs']]) {
      expectOneLine(await limited(dir, [...args, '--db', 'seed.db']), 3, 'database "seed.db" cannot be read: no read permission on the file; check its permissions');
    }
  });

  it('read from a copy only where SQLite could not open the -shm file and the directory is not writable', () => {
    for (const code of ['SQLITE_CANTOPEN', 'SQLITE_READONLY_DIRECTORY', 'SQLITE_READONLY_CANTINIT', 'SQLITE_READONLY']) {
      expect(needsCopyToRead(code, true), code).toBe(true);
      // A writable directory: the -shm could be made, the failure is another (and another process may be writing).
      expect(needsCopyToRead(code, false), code).toBe(false);
    }
    for (const code of ['SQLITE_NOTADB', 'SQLITE_CORRUPT', 'SQLITE_BUSY', 'SQLITE_IOERR_READ', '']) {
      expect(needsCopyToRead(code, true), code).toBe(false);
    }
  });

  it('stats, jobs, export and validate leave no -wal or -shm beside a database that had none; a database that had them (another process has it open) keeps them', async () => {
    const dir = openWorkdir();
    await seed(dir);
    const db = path.join(dir, 'seed.db');
    for (const [name, args] of COMMANDS) {
      const result = await barge(dir, [...args, '--db', 'seed.db']);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(fs.readdirSync(dir).filter((file) => file.startsWith('seed.db')), name).toEqual(['seed.db']);
    }
    const other = new Database(db, { readonly: true });
    try {
      expect(other.prepare('SELECT count(*) AS n FROM makers').get()).toEqual({ n: 5 });
      expect((await barge(dir, ['stats', '--db', 'seed.db'])).exitCode).toBe(0);
      expect(fs.readdirSync(dir).filter((file) => file.startsWith('seed.db')).sort()).toEqual(['seed.db', 'seed.db-shm', 'seed.db-wal']);
      expect(other.prepare('SELECT count(*) AS n FROM makers').get()).toEqual({ n: 5 });
    } finally {
      other.close();
    }
  });
});

describe('a full disk: the message says how the job goes on', () => {
  const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });

  it('atomic: run it again; batch/row: resume it; no job (opening the database): try again', () => {
    const message = (job?: FailedJob) => translateSqliteError(full, 'database "x.db"', job).message;
    expect(message({ id: 'W', mode: 'atomic', resumable: false })).toBe('database "x.db": the disk is full (the database\'s, or the one SQLite\'s sorts spill to: SQLITE_TMPDIR, else TMPDIR, else /var/tmp); free space and run the import again (an atomic job rolled back and left nothing)');
    expect(message({ id: 'W', mode: 'row', resumable: true })).toBe('database "x.db": the disk is full (the database\'s, or the one SQLite\'s sorts spill to: SQLITE_TMPDIR, else TMPDIR, else /var/tmp); free space and resume it: barge import --resume W');
    expect(message({ id: 'W', mode: 'batch', resumable: true })).toBe('database "x.db": the disk is full (the database\'s, or the one SQLite\'s sorts spill to: SQLITE_TMPDIR, else TMPDIR, else /var/tmp); free space and resume it: barge import --resume W');
    // A database a command without --db would not find is named in the command, so that it runs as printed.
    expect(message({ id: 'W', mode: 'batch', resumable: true, dbPath: 'my data/x.db' })).toBe('database "x.db": the disk is full (the database\'s, or the one SQLite\'s sorts spill to: SQLITE_TMPDIR, else TMPDIR, else /var/tmp); free space and resume it: barge import --resume W --db \'my data/x.db\'');
    expect(message()).toBe('database "x.db": the disk is full (the database\'s, or the one SQLite\'s sorts spill to: SQLITE_TMPDIR, else TMPDIR, else /var/tmp); free space and try again');
  });

  it('another I/O error (a file size limit gives one): its likely causes, and how the job goes on', () => {
    const ioerr = Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' });
    const message = (job?: FailedJob) => translateSqliteError(ioerr, 'database "x.db"', job).message;
    expect(message({ id: 'W', mode: 'row', resumable: true, dbPath: 'x.db' })).toBe(
      'database "x.db": disk I/O error (a read or write of the file failed: a full disk, a file size limit such as ulimit -f, or a failing device); fix that and resume it: barge import --resume W --db x.db',
    );
    expect(message({ id: 'W', mode: 'atomic', resumable: false })).toBe(
      'database "x.db": disk I/O error (a read or write of the file failed: a full disk, a file size limit such as ulimit -f, or a failing device); fix that and run the import again (an atomic job rolled back and left nothing)',
    );
  });
});

describe('a report that fills the disk is cut back to its last whole entry', () => {
  it.skipIf(process.platform !== 'linux')('atomic, NDJSON: exit 3, every line of the report a whole entry (one was cut mid-record, and kept the disk full) (skipped without mount namespaces)', async (ctx) => {
    if (!namespaces) ctx.skip();
    const dir = openWorkdir();
    const lines = ['id,name'];
    for (let id = 1; id <= 8000; id++) lines.push(`${id},name-${id}`);
    fs.writeFileSync(path.join(dir, 'long.csv'), `${lines.join('\n')}\n`);
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 't', columns: { id: { type: 'integer' }, name: { type: 'string', maxLength: 5 } } }));
    await inNamespace(dir, `
      mkdir small && mount -t tmpfs -o size=400k tmpfs small
      $BARGE import long.csv --schema s.json --db f.db --errors small/r.ndjson 2> run.err; echo $? > run.rc
      cp small/r.ndjson kept.ndjson
    `);
    expect(read(dir, 'run.rc').trim()).toBe('3');
    expect(read(dir, 'run.err')).toContain('the disk is full; free space and run the import again (an atomic job rolled back and left nothing)');
    const report = read(dir, 'kept.ndjson');
    expect(report.endsWith('\n')).toBe(true);
    const entries = report.trimEnd().split('\n').map((line) => JSON.parse(line) as { _barge_line: number });
    expect(entries.length).toBeGreaterThan(100);
    expect(entries.map((entry) => entry._barge_line)).toEqual(entries.map((_, i) => i + 2));
  });
});

describe('a JSON report that fills the disk', () => {
  it.skipIf(process.platform !== 'linux')('row mode: exit 3, and the job is recorded failed (its closing bracket failing too left it "running") (skipped without mount namespaces)', async (ctx) => {
    if (!namespaces) ctx.skip();
    const dir = openWorkdir();
    const lines = ['id,v'];
    for (let id = 1; id <= 60_000; id++) lines.push(`${id},${id > 2000 && id % 7 === 0 ? 'bad' : id}`);
    fs.writeFileSync(path.join(dir, 'mid.csv'), `${lines.join('\n')}\n`);
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 't', columns: { id: { type: 'integer' }, v: { type: 'integer' } } }));
    await inNamespace(dir, `
      mkdir small && mount -t tmpfs -o size=256k tmpfs small
      $BARGE import mid.csv --schema s.json --db f.db --mode row --errors small/rep.json --job-id j1 2> run.err; echo $? > run.rc
    `);
    expect(read(dir, 'run.rc').trim()).toBe('3');
    expect(read(dir, 'run.err').trimEnd().split('\n').at(-1)).toMatch(/^barge: error: cannot write the error report "[^"]*\/small\/rep\.json": the disk is full; free space and resume it: barge import --resume j1 --db f\.db \(job j1: the [\d,]+ batches committed before this, [\d,]+ records, stay\)$/);
    expect(rows(path.join(dir, 'f.db'), "SELECT status FROM _barge_jobs WHERE id = 'j1'")).toEqual([{ status: 'failed' }]);
  });
});
