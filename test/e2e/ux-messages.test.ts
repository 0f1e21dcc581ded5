import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { barge, BIN, importMakers, workdir } from '../helpers/cli.js';
import { writeNumberedCsv } from '../helpers/generate.js';
import { bargeWithin, blockedIn, readsStdin, waitForChild, waitsToWriteStdout, writeLockHeld } from '../helpers/process-waits.js';
import { waitForBatches, waitUntil } from '../helpers/waits.js';

/**
 * SPEC §9, §10 and issue 6: every error code (src/errors.ts) gives one line on
 * stderr, `barge: error: <what>, <where>; <how to fix>`, with its exit code, no
 * stack trace; and the same line followed by a stack trace with --debug or
 * BARGE_DEBUG=1. --quiet never hides an error.
 */

const SCHEMA = ['--schema', 'fixtures/products.schema.json'];

function expectOneLine(stderr: string, message: string): void {
  expect(stderr).toBe(`barge: error: ${message}`);
  expect(stderr).not.toMatch(/^\s+at /m);
}

/** The same line first, then a stack trace that names the error. */
function expectDebug(stderr: string, message: string): void {
  const lines = stderr.split('\n');
  expect(lines[0]).toBe(`barge: error: ${message}`);
  expect(lines[1]).toMatch(/^BargeError: /);
  expect(lines.filter((line) => /^\s+at /.test(line)).length).toBeGreaterThan(2);
}

interface Case {
  code: string;
  what: string;
  exit: number;
  args: (dir: string) => string[];
  message: (dir: string) => string;
  setup?: (dir: string) => void | Promise<void>;
}

const CASES: Case[] = [
  {
    code: 'usage',
    what: 'a bad --batch-size',
    exit: 2,
    args: () => ['import', 'fixtures/products.csv', ...SCHEMA, '--batch-size', '0'],
    message: () => '--batch-size must be an integer from 1 to 1000000, got "0"',
  },
  {
    code: 'schema',
    what: 'an unknown key in the schema file',
    exit: 2,
    args: () => ['import', 'fixtures/products.csv', '--schema', 'fixtures/bad/unknown-key.schema.json'],
    message: () => 'schema fixtures/bad/unknown-key.schema.json: columns.qty: unknown key "minimum"; did you mean "min"?',
  },
  {
    code: 'input',
    what: 'an unterminated quote',
    exit: 2,
    setup: (dir) => fs.writeFileSync(path.join(dir, 'unterminated.csv'), 'id,name\n1,"abc\n2,x\n'),
    args: () => ['import', 'unterminated.csv', '--table', 'things'],
    message: () => 'unterminated.csv:2, column "name": unterminated quoted field (CSV_QUOTE_NOT_CLOSED); check the quoting on that line',
  },
  {
    code: 'usage',
    what: '--errors in a missing directory',
    exit: 2,
    args: () => ['import', 'fixtures/bad/products-bad-price.csv', ...SCHEMA, '--errors', 'missing/report.ndjson'],
    message: () => '--errors missing/report.ndjson: the directory missing does not exist; create it or pass another --errors',
  },
  {
    // The report written to a full disk: a report file that is a link to /dev/full (Linux).
    code: 'io',
    what: 'the report on a full disk',
    exit: 3,
    setup: (dir) => fs.symlinkSync('/dev/full', path.join(dir, 'full.ndjson')),
    args: () => ['import', 'fixtures/bad/products-bad-price.csv', ...SCHEMA, '--errors', 'full.ndjson'],
    message: (dir) => `cannot write the error report "${path.join(fs.realpathSync(dir), 'full.ndjson')}": the disk is full; free space and run the import again (an atomic job rolled back and left nothing)`,
  },
  {
    code: 'database',
    what: 'a file that is not a database',
    exit: 3,
    setup: (dir) => fs.writeFileSync(path.join(dir, 'notes.db'), 'these are my notes, not a database\n'.repeat(20)),
    args: () => ['import', 'fixtures/makers.csv', '--db', 'notes.db'],
    message: () => 'database "notes.db" is not a SQLite database (or is encrypted); pass another --db',
  },
];

describe('error messages: one line, no stack trace; a stack with --debug', () => {
  for (const c of CASES) {
    it.skipIf(c.code === 'io' && !fs.existsSync('/dev/full'))(`${c.code}, exit ${c.exit}: ${c.what}`, async () => {
      const dir = workdir();
      await importMakers(dir);
      await c.setup?.(dir);
      const plain = await barge(dir, c.args(dir));
      expect(plain.exitCode, plain.stderr).toBe(c.exit);
      expectOneLine(plain.stderr, c.message(dir));
      expect(plain.stdout).toBe('');

      const quiet = await barge(dir, [...c.args(dir), '--quiet']);
      expect(quiet.exitCode).toBe(c.exit);
      expectOneLine(quiet.stderr, c.message(dir));

      const debug = await barge(dir, [...c.args(dir), '--debug']);
      expect(debug.exitCode).toBe(c.exit);
      expectDebug(debug.stderr, c.message(dir));
      const env = await barge(dir, c.args(dir), { env: { BARGE_DEBUG: '1' } });
      expect(env.exitCode).toBe(c.exit);
      expectDebug(env.stderr, c.message(dir));
    });
  }

  it('usage, from the option parser: one line with a fix, exit 2', async () => {
    const dir = workdir();
    const cases: Array<[string[], string]> = [
      [['import', 'fixtures/products.csv', '--batch-sze', '5'], "unknown option '--batch-sze'; did you mean --batch-size?"],
      [['import', 'fixtures/products.csv', '--frobnicate'], "unknown option '--frobnicate'; see barge import --help"],
      [['imprt', 'fixtures/products.csv'], "unknown command 'imprt'; did you mean import?"],
      [['import', 'fixtures/products.csv', '--mode', 'sometimes'], '--mode must be atomic, batch or row, got "sometimes"'],
      [['jobs', 'a', 'b'], 'jobs takes one argument ([id]), got 2: "a", "b"; see barge jobs --help'],
      [['schema', 'infer'], 'schema infer needs an input file (or - for stdin); see barge schema infer --help'],
    ];
    for (const [args, message] of cases) {
      const result = await barge(dir, args);
      expect(result.exitCode, args.join(' ')).toBe(2);
      expectOneLine(result.stderr, message);
    }
  });

  describe('busy: another process holds the write lock past --busy-timeout', () => {
    let holder: Database.Database | undefined;
    afterEach(() => {
      holder?.close();
      holder = undefined;
    });

    it('exit 3, one line; with --debug a stack trace; the import loads once the lock is gone', async () => {
      const dir = workdir();
      await importMakers(dir);
      holder = new Database(path.join(dir, 'barge.db'));
      holder.pragma('busy_timeout = 0');
      holder.exec('BEGIN IMMEDIATE');
      const message = 'database "barge.db" is locked by another process; retry later or raise --busy-timeout';
      const args = ['import', 'fixtures/products.csv', ...SCHEMA, '--busy-timeout', '200'];
      // Each gives up after its --busy-timeout: killed after 30 s, a run that waited on is timedOut.
      const plain = await bargeWithin(dir, args);
      expect(plain.timedOut, plain.stderr).toBe(false);
      expect(plain.exitCode, plain.stderr).toBe(3);
      expectOneLine(plain.stderr, message);
      const debug = await bargeWithin(dir, [...args, '--debug']);
      expect(debug.timedOut, debug.stderr).toBe(false);
      expect(debug.exitCode).toBe(3);
      expectDebug(debug.stderr, message);
      holder.exec('ROLLBACK');
      const after = await barge(dir, args);
      expect(after.exitCode, after.stderr).toBe(0);
    });
  });

  describe('interrupted: SIGINT', () => {
    let dir: string;
    beforeAll(() => {
      dir = workdir();
      writeNumberedCsv(path.join(dir, 'numbered.csv'), 200_000);
    });

    /**
     * Feeds `records` CSV records on stdin, waits until `loaded` says barge has loaded them, and
     * sends SIGINT. stdin stays open: barge must stop without waiting for its end (a run that
     * waits on is killed after 30 s: timedOut).
     */
    async function interruptStdinImport(args: string[], records: number, loaded: () => Promise<unknown>) {
      const child = execa('node', [BIN, 'import', '-', '--format', 'csv', '--table', 'nums', ...args], {
        cwd: dir, reject: false, stdin: 'pipe', timeout: 30_000, env: { ...process.env, BARGE_DB: '', BARGE_DEBUG: '', NO_COLOR: '1' },
      });
      const lines = ['id,name'];
      for (let i = 1; i <= records; i++) lines.push(`${i},n${i}`);
      child.stdin!.write(lines.join('\n') + '\n');
      // stdin stays open: barge waits for more, having committed what it read.
      await loaded();
      child.kill('SIGINT');
      const result = await child;
      return { exitCode: result.exitCode, stderr: String(result.stderr), timedOut: result.timedOut };
    }

    it.each(['import', 'validate'])('%s reading its first records to infer a schema from an idle stdin: SIGINT ends it at once, exit 130, no database left', async (command) => {
      const child = execa('node', [BIN, command, '-', '--format', 'csv', '--table', 'sample', '--db', `infer-${command}.db`], {
        cwd: dir, reject: false, stdin: 'pipe', timeout: 30_000, env: { ...process.env, BARGE_DB: '', BARGE_DEBUG: '', NO_COLOR: '1' },
      });
      // Fewer records than --infer-rows (1000): barge waits for more to infer from.
      child.stdin!.write('id,name\n1,a\n2,b\n');
      // The run has begun reading stdin (it is past its start, whose interrupt says something
      // else) and sits idle in its event loop: it has read what there is and waits for more.
      await waitForChild(child, 'barge reading stdin, then idle', (pid) => readsStdin(pid) && blockedIn(pid, 'epoll'));
      child.kill('SIGINT');
      // stdin stays open: the run must not wait for it (if it did, it is killed after 30 s: timedOut).
      const result = await child;
      expect(result.timedOut, String(result.stderr)).toBe(false);
      expect(result.exitCode).toBe(130);
      // validate says first that its --table names no table (there is no database to hold one).
      const warning = command === 'validate'
        ? 'barge: no database infer-validate.db, so no table "sample": the records are checked against a schema inferred from them (give --schema to check them against one)\n'
        : '';
      const stderr = String(result.stderr);
      expect(stderr.slice(0, warning.length)).toBe(warning);
      expectOneLine(stderr.slice(warning.length), 'interrupted while reading the first records to infer a schema; nothing was written');
      expect(fs.existsSync(path.join(dir, `infer-${command}.db`))).toBe(false);
    });

    it('import, batch mode: exit 130, the summary says what stays and what to do', async () => {
      // Every record read (the last too: its line break ends what has arrived) and loaded: 50
      // batches of 100; then barge waits for more.
      const result = await interruptStdinImport(['--mode', 'batch', '--batch-size', '100', '--db', 'batch.db'], 5000, () => waitForBatches(path.join(dir, 'batch.db'), 50));
      expect(result.timedOut, result.stderr).toBe(false);
      expect(result.exitCode, result.stderr).toBe(130);
      expect(result.stderr).not.toMatch(/^\s+at /m);
      const lines = result.stderr.split('\n');
      const headline = /^barge: import of stdin into "nums": interrupted after (\d+) committed batches, which stay; a job that read stdin cannot be resumed$/.exec(lines[0]!);
      expect(headline, lines[0]).not.toBeNull();
      const batches = Number(headline![1]);
      // The 50 batches waited for before the signal: all there are.
      expect(batches).toBe(50);
      // What was committed is whole batches of 100, and is what the summary counts as inserted.
      expect(lines[1]).toMatch(new RegExp(`^  read [\\d,]+, inserted ${(batches * 100).toLocaleString('en-US')}, rejected 0$`));
      expect(lines[2]).toMatch(/^ {2}\d+\.\d s, [\d,]+ records\/s, job \d{8}-\d{6}-[0-9a-f]{6}$/);
      expect(lines).toHaveLength(3);
    });

    it('import, atomic: exit 130, rolled back', async () => {
      // The job's row is committed before its transaction begins; the transaction (the table
      // created in it, then the records) holds the write lock until the end.
      const db = path.join(dir, 'atomic.db');
      const result = await interruptStdinImport(['--db', 'atomic.db'], 5000, async () => {
        await waitForBatches(db, 0);
        await waitUntil('the atomic job\'s transaction holding the write lock', () => writeLockHeld(db));
      });
      expect(result.timedOut, result.stderr).toBe(false);
      expect(result.exitCode, result.stderr).toBe(130);
      expect(result.stderr.split('\n')[0]).toBe('barge: import of stdin into "nums": interrupted; rolled back, nothing was written');
      expect(result.stderr).not.toMatch(/^\s+at /m);
    });

    it('import of a file, batch mode: the summary says how to resume', async () => {
      const child = execa('node', [BIN, 'import', 'numbered.csv', '--mode', 'batch', '--batch-size', '10', '--db', 'file.db', '--progress'], {
        cwd: dir, reject: false, env: { ...process.env, BARGE_DB: '', BARGE_DEBUG: '', BARGE_PROGRESS_INTERVAL_MS: '100' },
      });
      // The first progress line: barge is loading.
      await new Promise<void>((resolve) => child.stderr!.on('data', (chunk: Buffer) => { if (/\d+%/.test(String(chunk))) resolve(); }));
      child.kill('SIGINT');
      const result = await child;
      expect(result.exitCode, String(result.stderr)).toBe(130);
      const summary = String(result.stderr).split('\n').filter((line) => !/^barge: \d+%/.test(line));
      expect(summary[0]).toMatch(/^barge: import of numbered\.csv into "numbered": interrupted after [\d,]+ committed batches; continue with: barge import --resume (\d{8}-\d{6}-[0-9a-f]{6}) --db file\.db$/);
      // The command as printed works.
      const printed = /continue with: barge (.*)$/.exec(summary[0]!)![1]!.split(' ');
      const resumed = await barge(dir, printed);
      expect(resumed.exitCode, resumed.stderr).toBe(0);
    });

    it('export to a pipe: exit 130 and one line; with --debug a stack', async () => {
      const load = await barge(dir, ['import', 'numbered.csv', '--db', 'export.db']);
      expect(load.exitCode, load.stderr).toBe(0);
      for (const debug of [false, true]) {
        // Nobody reads stdout at first: the pipe fills and export waits in a write, so the signal lands mid-run.
        // 5M rows (~39 MB) that cannot all go out unread: 200,000 (2.4 MB) sometimes did, the
        // export then done before the signal came.
        const many = 'WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 5000000) SELECT n FROM s';
        const child = spawn('node', [BIN, 'export', '--query', many, '--db', 'export.db', ...(debug ? ['--debug'] : [])], {
          cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BARGE_DB: '', BARGE_DEBUG: '' },
        });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => { stderr += String(chunk); });
        const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
        // The first rows are out: export is writing them. Then nobody reads: its 2.4 MB cannot all
        // go out, so the signal lands mid-run; the pipe fills and export waits in a write, idle.
        await new Promise<void>((resolve) => child.stdout.once('data', () => { child.stdout.pause(); resolve(); }));
        await waitForChild(child, 'export waiting for its reader', (pid) => waitsToWriteStdout(pid));
        child.kill('SIGINT');
        child.stdout.resume();
        const exitCode = await exited;
        stderr = stderr.replace(/\n$/, '');
        expect(exitCode, stderr).toBe(130);
        const message = /^barge: error: export interrupted after (\d+) rows$/.exec(stderr.split('\n')[0]!);
        expect(message, stderr).not.toBeNull();
        expect(Number(message![1])).toBeLessThan(5_000_000);
        if (debug) expectDebug(stderr, message![0].slice('barge: error: '.length));
        else expect(stderr.split('\n')).toHaveLength(1);
      }
    });
  });
});

describe('options given an empty value, and --errors checked before anything is recorded', () => {
  it.each([
    [['import', 'fixtures/products.csv', '--job-id', ''], '--job-id'],
    [['import', '--resume', ''], '--resume'],
    [['import', 'fixtures/products.csv', '--schema', ''], '--schema'],
    [['import', 'fixtures/products.csv', '--errors', ''], '--errors'],
    [['validate', 'fixtures/products.csv', '--table', ''], '--table'],
    [['export', '--table', 'products', '--out', ''], '--out'],
  ])('%j: exit 2, no database created', async (args, option) => {
    const dir = workdir();
    const result = await barge(dir, [...args, '--db', 'new.db']);
    expect(result.exitCode).toBe(2);
    expectOneLine(result.stderr, `${option} was given an empty value (an unset shell variable?); give it a value or leave it out`);
    expect(fs.existsSync(path.join(dir, 'new.db'))).toBe(false);
  });

  it('a process substitution names no table: exit 2 asking for --table (its base name is a number)', async () => {
    const dir = workdir();
    const result = await execa('bash', ['-c', `node '${BIN}' import <(printf 'id\\n1\\n') --db new.db`], { cwd: dir, reject: false, env: { ...process.env, BARGE_DB: '', NO_COLOR: '1' } });
    expect(result.exitCode).toBe(2);
    expect(String(result.stderr)).toMatch(/^barge: error: reading \/dev\/fd\/\d+ \(a process substitution or an open descriptor\) needs --table <name> \(or --schema naming the table\)$/);
    expect(fs.existsSync(path.join(dir, 'new.db'))).toBe(false);
    const named = await execa('bash', ['-c', `node '${BIN}' import <(printf 'id\\n1\\n') --db new.db --table t`], { cwd: dir, reject: false, env: { ...process.env, BARGE_DB: '', NO_COLOR: '1' } });
    expect(named.exitCode, String(named.stderr)).toBe(0);
  });

  it('an --errors with an extension barge cannot write: exit 2 before the job is recorded (no database left behind)', async () => {
    const dir = workdir();
    const result = await barge(dir, ['import', 'fixtures/products.csv', ...SCHEMA, '--db', 'new.db', '--errors', 'x.txt']);
    expect(result.exitCode).toBe(2);
    expectOneLine(result.stderr, '--errors "x.txt": the report must end in .ndjson, .jsonl, .csv or .json');
    expect(fs.existsSync(path.join(dir, 'new.db'))).toBe(false);
  });

  it('--json repeats the stderr line, hint included', async () => {
    const dir = workdir();
    for (const args of [['validate', 'fixtures/products.csv', '--batch-sze', '3'], ['import', 'fixtures/products.csv', '--mode', 'bogus'], ['import', 'nope.csv']]) {
      const result = await barge(dir, [...args, '--json']);
      expect(result.exitCode).toBe(2);
      expect(`barge: error: ${JSON.parse(result.stdout).error.message}`).toBe(result.stderr);
    }
  });
});
