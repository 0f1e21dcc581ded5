import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { execa, type ResultPromise } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, barge, rows, workdir } from '../helpers/cli.js';
import { NUMBERED_SCHEMA, writeNumberedCsv } from '../helpers/generate.js';
import { waitForBatches } from '../helpers/waits.js';

/**
 * Signals and barge's own output streams: a signal that comes with the end of stdin, SIGHUP,
 * signals to every command and during the start, a second signal under --json, an interrupted
 * run under --quiet; and stdout or stderr that cannot be written (`> /dev/full`).
 */

const ENV = { ...process.env, BARGE_DB: '', BARGE_DEBUG: '', NO_COLOR: '1' };
const hasDevFull = fs.existsSync('/dev/full');
const hasProc = fs.existsSync('/proc/self/status');
/** python3 with its pty module: a pseudo-terminal barge can be given as its controlling terminal. */
const hasPython = spawnSync('python3', ['-c', 'import pty, fcntl, termios'], { stdio: 'ignore' }).status === 0;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function setup(): string {
  const dir = workdir();
  fs.writeFileSync(path.join(dir, 'numbered.schema.json'), JSON.stringify(NUMBERED_SCHEMA));
  return dir;
}

function numberedLines(records: number): string {
  const lines = ['id,name,qty'];
  for (let id = 1; id <= records; id++) lines.push(`${id},item ${id},${id % 1000}`);
  return `${lines.join('\n')}\n`;
}

/** `barge <args>` reading stdin, which gets `text` and stays open. */
function onOpenStdin(dir: string, args: string[], text: string): ResultPromise {
  const child = execa('node', [BIN, ...args], { cwd: dir, reject: false, stdin: 'pipe', env: ENV });
  child.stdin!.write(text);
  return child;
}

/**
 * SIGINT and the end of stdin in the same instant, as when Ctrl-C in `producer | barge import -`
 * ends the producer too. barge is stopped (SIGSTOP) while both happen, so that once it goes on
 * (SIGCONT) it sees them in one poll of its event loop, which hands the signal to JS last.
 */
async function interruptAndEndStdin(child: ResultPromise): Promise<void> {
  child.kill('SIGSTOP');
  child.kill('SIGINT');
  child.stdin!.destroy();
  await sleep(100);
  child.kill('SIGCONT');
}

describe('a signal that comes with the end of stdin: the signal wins', () => {
  it('import, atomic, --job-id: exit 130, rolled back, job interrupted; a retry of the id runs it again', async () => {
    const dir = setup();
    const db = path.join(dir, 'barge.db');
    const child = onOpenStdin(dir, ['import', '-', '--format', 'csv', '--schema', 'numbered.schema.json', '--job-id', 'P', '--json'], numberedLines(2500));
    await waitForBatches(db, 0);
    await sleep(700);
    await interruptAndEndStdin(child);
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(130);
    expect(JSON.parse(String(result.stdout))).toMatchObject({ status: 'interrupted', rolledBack: true, counts: { inserted: 0 } });
    expect(rows(db, "SELECT status FROM _barge_jobs WHERE id = 'P'")).toEqual([{ status: 'interrupted' }]);
    expect(rows(db, "SELECT count(*) AS n FROM sqlite_master WHERE name = 'numbered'")).toEqual([{ n: 0 }]);
    // The retry loads it all (it said "already succeeded", and the rest was never loaded).
    const retry = await barge(dir, ['import', '-', '--format', 'csv', '--schema', 'numbered.schema.json', '--job-id', 'P', '--json'], { input: numberedLines(3000) });
    expect(retry.exitCode, retry.stderr).toBe(0);
    expect(JSON.parse(retry.stdout)).toMatchObject({ status: 'succeeded', alreadySucceeded: false, counts: { inserted: 3000 } });
  });

  it('import, batch: the committed batches stay, the one being read does not; job interrupted, exit 130', async () => {
    const dir = setup();
    const db = path.join(dir, 'barge.db');
    const child = onOpenStdin(dir, ['import', '-', '--format', 'csv', '--schema', 'numbered.schema.json', '--mode', 'batch', '--json'], numberedLines(2500));
    await waitForBatches(db, 2);
    await sleep(300);
    await interruptAndEndStdin(child);
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(130);
    expect(JSON.parse(String(result.stdout))).toMatchObject({ status: 'interrupted', batchesCommitted: 2, counts: { inserted: 2000 } });
    expect(rows(db, 'SELECT status, batches_committed AS b FROM _barge_jobs')).toEqual([{ status: 'interrupted', b: 2 }]);
    expect(rows(db, 'SELECT count(*) AS n FROM numbered')).toEqual([{ n: 2000 }]);
  });

  it('validate: exit 130, interrupted (not "every record is valid", exit 0)', async () => {
    const dir = setup();
    const child = onOpenStdin(dir, ['validate', '-', '--format', 'csv', '--schema', 'numbered.schema.json', '--json'], numberedLines(2500));
    await sleep(1500);
    await interruptAndEndStdin(child);
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(130);
    expect(JSON.parse(String(result.stdout))).toMatchObject({ stoppedEarly: 'interrupted' });
    expect(String(result.stderr).split('\n')[0]).toMatch(/^barge: validate stdin against "numbered" \(file schema\): interrupted after [\d,]+ records$/);
  });

  it.each(['validate', 'import'])('%s of an input cut off mid-quote by the signal: exit 130, not 2 (malformed input)', async (command) => {
    const dir = setup();
    const mode = command === 'import' ? ['--mode', 'row'] : [];
    const child = onOpenStdin(dir, [command, '-', '--format', 'csv', '--schema', 'numbered.schema.json', '--json', ...mode], `${numberedLines(2500)}2501,"cut off`);
    await sleep(1500);
    await interruptAndEndStdin(child);
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(130);
    expect(String(result.stderr)).not.toContain('CSV_QUOTE_NOT_CLOSED');
  });
});

describe('stdout or stderr that cannot be written: exit 3, one line, no stack', () => {
  let dir: string;
  beforeAll(async () => {
    dir = setup();
    writeNumberedCsv(path.join(dir, 'small.csv'), 5);
    const load = await barge(dir, ['import', 'small.csv', '--table', 't', '--db', 'e.db']);
    expect(load.exitCode, load.stderr).toBe(0);
  });

  /** `barge <args>` with stdout (or stderr) the full device, opened by the shell as a user's `> /dev/full` is. */
  const toFull = (args: string[], stream: 'stdout' | 'stderr') =>
    execa('bash', ['-c', `node "$@" ${stream === 'stdout' ? '>' : '2>'} /dev/full`, 'bash', BIN, ...args], { cwd: dir, reject: false, stdin: 'ignore', env: ENV });

  it.skipIf(!hasDevFull).each([
    [['export', '--table', 't', '--db', 'e.db', '--out', '-']],
    [['import', 'small.csv', '--table', 'u', '--db', 'e.db', '--json']],
    [['jobs', '--db', 'e.db']],
    [['stats', '--db', 'e.db', '--json']],
    [['schema', 'infer', 'small.csv']],
    [['--help']],
    [['--version']],
  ])('%j > /dev/full', async (args) => {
    const result = await toFull(args, 'stdout');
    expect(result.exitCode).toBe(3);
    // import's summary (stderr) comes first: the job succeeded.
    const lines = String(result.stderr).split('\n').filter((line) => !line.startsWith('barge: import of') && !line.startsWith('  '));
    expect(lines).toEqual(['barge: error: cannot write to stdout: no space left on device (ENOSPC)']);
  });

  it.skipIf(!hasDevFull)('import 2>/dev/full: exit 3 and nothing else; the job succeeded and --json says so', async () => {
    const result = await toFull(['import', 'small.csv', '--table', 'v', '--db', 'e.db', '--json'], 'stderr');
    expect(result.exitCode).toBe(3);
    expect(JSON.parse(String(result.stdout))).toMatchObject({ status: 'succeeded' });
  });

  it.skipIf(!hasDevFull)('with --debug, the stack follows the line', async () => {
    const result = await toFull(['jobs', '--db', 'e.db', '--debug'], 'stdout');
    expect(result.exitCode).toBe(3);
    const lines = String(result.stderr).split('\n');
    expect(lines[0]).toBe('barge: error: cannot write to stdout: no space left on device (ENOSPC)');
    expect(lines[1]).toMatch(/^Error: ENOSPC/);
  });

  it('a reader that goes away (EPIPE) is still not an error', async () => {
    const result = await execa('bash', ['-c', `node '${BIN}' jobs --db e.db --json | head -c 1 >/dev/null; echo "\${PIPESTATUS[0]}"`], { cwd: dir, reject: false, env: ENV });
    expect(String(result.stdout).trim()).toBe('0');
  });
});

describe('SIGHUP (the terminal closed, ssh dropped) stops a run as SIGTERM does', () => {
  let dir: string;
  beforeAll(async () => {
    dir = setup();
    writeNumberedCsv(path.join(dir, 'numbered.csv'), 200_000);
    const load = await barge(dir, ['import', 'numbered.csv', '--schema', 'numbered.schema.json', '--db', 'loaded.db']);
    expect(load.exitCode, load.stderr).toBe(0);
  });

  it('import: exit 130, job interrupted, the summary says how to resume', async () => {
    const db = path.join(dir, 'hup.db');
    const child = execa('node', [BIN, 'import', 'numbered.csv', '--schema', 'numbered.schema.json', '--mode', 'batch', '--batch-size', '500', '--db', 'hup.db'], { cwd: dir, reject: false, env: ENV });
    const job = await waitForBatches(db, 5);
    child.kill('SIGHUP');
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(130);
    expect(String(result.stderr)).toContain(`continue with: barge import --resume ${job.id} --db hup.db`);
    expect(rows(db, 'SELECT status FROM _barge_jobs')).toEqual([{ status: 'interrupted' }]);
  });

  it('export to a file: exit 130, neither the file nor its temporary file is left', async () => {
    const child = execa('node', [BIN, 'export', '--table', 'numbered', '--db', 'loaded.db', '--out', 'hup.csv'], { cwd: dir, reject: false, env: ENV });
    // Once the temporary file exists, the export is writing.
    const temp = () => fs.readdirSync(dir).filter((name) => name.endsWith('.barge-tmp'));
    for (let i = 0; i < 2000 && temp().length === 0; i++) await sleep(5);
    child.kill('SIGHUP');
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(130);
    expect(String(result.stderr)).toBe('barge: error: export interrupted; nothing was written to hup.csv');
    expect(temp()).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'hup.csv'))).toBe(false);
  });

  it.skipIf(!hasPython)('a real hangup: the terminal barge draws on closes under it: exit 130 (not 129, nor a SIGABRT at exit), job interrupted', async () => {
    // python3 gives barge a pseudo-terminal as its controlling terminal and stderr (a bar is
    // drawn), feeds it records on a stdin it keeps open, then closes the terminal: the kernel
    // sends SIGHUP, and writes to the terminal fail with EIO from then on.
    fs.writeFileSync(path.join(dir, 'some.csv'), numberedLines(5000));
    const script = [
      'import os, pty, subprocess, sys, time, fcntl, termios',
      'master, slave = pty.openpty()',
      'def ctty():',
      '    os.setsid()',
      '    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)',
      'p = subprocess.Popen(sys.argv[2:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=slave, preexec_fn=ctty, pass_fds=(slave,))',
      'os.close(slave)',
      'p.stdin.write(open(sys.argv[1], "rb").read())',
      'p.stdin.flush()',
      'time.sleep(1.5)',
      'os.close(master)',
      'out = p.stdout.read()',
      'p.wait()',
      'print(p.returncode)',
      'print(out.decode())',
    ].join('\n');
    const args = ['import', '-', '--format', 'csv', '--schema', 'numbered.schema.json', '--mode', 'batch', '--db', 'pty.db', '--job-id', 'hangup', '--json'];
    const result = await execa('python3', ['-c', script, 'some.csv', 'node', BIN, ...args], { cwd: dir, reject: false, env: ENV });
    const [code, json] = String(result.stdout).split('\n');
    expect(code, String(result.stderr)).toBe('130');
    expect(JSON.parse(json!)).toMatchObject({ status: 'interrupted', batchesCommitted: 4 });
    expect(rows(path.join(dir, 'pty.db'), 'SELECT status FROM _barge_jobs')).toEqual([{ status: 'interrupted' }]);
  });
});

describe('every command: SIGINT/SIGTERM exit 130 with one line and, under --json, the error document', () => {
  it('schema infer of an idle stdin: SIGTERM, exit 130 (it died with 143)', async () => {
    const dir = setup();
    const child = onOpenStdin(dir, ['schema', 'infer', '-', '--table', 'x', '--format', 'csv', '--json'], numberedLines(500));
    await sleep(1500);
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(String(result.stderr)).toBe('barge: error: schema infer interrupted; no schema was printed');
    expect(JSON.parse(String(result.stdout))).toEqual({
      command: 'schema',
      error: { code: 'interrupted', message: 'schema infer interrupted; no schema was printed', input: null, line: null, column: null },
      exitCode: 130,
    });
  });

  it('schema infer: a signal with the end of stdin wins too', async () => {
    const dir = setup();
    const child = onOpenStdin(dir, ['schema', 'infer', '-', '--table', 'x', '--format', 'csv'], numberedLines(500));
    await sleep(1500);
    await interruptAndEndStdin(child);
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(String(result.stdout)).toBe('');
  });

  /** Whether `pid` catches SIGHUP: bin/barge.js's first lines have run (Node alone does not). */
  function catchesSighup(pid: number): boolean {
    try {
      const caught = /^SigCgt:\s*([0-9a-f]+)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      return caught !== undefined && (BigInt(`0x${caught}`) & 1n) === 1n;
    } catch {
      return false;
    }
  }

  it.skipIf(!hasProc).each(['stats', 'jobs', 'export', 'import', 'validate'])('%s: SIGTERM while its modules load: exit 130 (it died with 143), nothing written', async (command) => {
    const dir = setup();
    writeNumberedCsv(path.join(dir, 'numbered.csv'), 100);
    const load = await barge(dir, ['import', 'numbered.csv', '--schema', 'numbered.schema.json']);
    expect(load.exitCode, load.stderr).toBe(0);
    const args: Record<string, string[]> = {
      stats: ['stats'],
      jobs: ['jobs'],
      export: ['export', '--table', 'numbered', '--out', 'out.csv'],
      import: ['import', 'numbered.csv', '--table', 'other', '--db', 'new.db'],
      validate: ['validate', 'numbered.csv', '--schema', 'numbered.schema.json'],
    };
    // The signal must land after barge's handlers are in place and, mostly, before the command
    // is loaded: tried a few times, each must end with 130 or (too late) the command's own end.
    let started = 0;
    for (let attempt = 0; attempt < 5 && started < 2; attempt++) {
      const child = execa('node', [BIN, ...args[command]!, '--json'], { cwd: dir, reject: false, env: ENV });
      while (!catchesSighup(child.pid!) && child.exitCode === null) await sleep(1);
      child.kill('SIGTERM');
      const result = await child;
      if (result.exitCode === 0) continue;
      expect(result.exitCode, String(result.stderr)).toBe(130);
      expect(String(result.stderr)).toBe('barge: error: interrupted while starting; nothing was written');
      expect(JSON.parse(String(result.stdout))).toMatchObject({ command, error: { code: 'interrupted' }, exitCode: 130 });
      started++;
    }
    expect(started).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(dir, 'out.csv'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'new.db'))).toBe(false);
  });

  /** `barge stats --json` of wide tables: more than a pipe holds, so its write waits for the reader. */
  function statsIntoPausedPipe() {
    const dir = setup();
    const db = new Database(path.join(dir, 'wide.db'));
    for (const table of ['a', 'b', 'c']) db.exec(`CREATE TABLE ${table} (${Array.from({ length: 1500 }, (_, i) => `column_${i} TEXT`).join(', ')})`);
    db.close();
    const child = spawn('node', [BIN, 'stats', '--db', 'wide.db', '--json'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: ENV });
    child.stdout.pause();
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += String(chunk); });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    return {
      child,
      async read() {
        child.stdout.on('data', (chunk: Buffer) => { stdout += String(chunk); });
        child.stdout.resume();
        const code = await exited;
        return { code, stdout, stderr };
      },
    };
  }

  it('a signal once the output is decided, while it waits for a slow reader: the output is whole and the exit code stays (it killed stats with 143)', async () => {
    const run = statsIntoPausedPipe();
    await sleep(1500);
    run.child.kill('SIGTERM');
    await sleep(100);
    const { code, stdout, stderr } = await run.read();
    expect(code, stderr).toBe(0);
    expect(stderr).toBe('');
    expect(JSON.parse(stdout).tables).toHaveLength(3);
  });

  it('a second signal then quits at once: exit 130, the output cut short', async () => {
    const run = statsIntoPausedPipe();
    await sleep(1500);
    run.child.kill('SIGTERM');
    await sleep(20);
    run.child.kill('SIGINT');
    await sleep(100);
    const { code, stdout, stderr } = await run.read();
    expect(code, stderr).toBe(130);
    expect(stdout.length).toBeLessThan(200_000);
  });
});

describe('a second signal quits at once, and still says so', () => {
  it('--json: the error document on stdout, the line on stderr, exit 130; the job stays running', async () => {
    const dir = setup();
    writeNumberedCsv(path.join(dir, 'numbered.csv'), 1000);
    const first = await barge(dir, ['import', 'numbered.csv', '--schema', 'numbered.schema.json', '--mode', 'batch']);
    expect(first.exitCode, first.stderr).toBe(0);
    // Another process holds the write lock: the import waits in SQLite (synchronously), and both
    // signals are seen when the lock is released, one right after the other.
    const holder = new Database(path.join(dir, 'barge.db'));
    holder.exec('BEGIN IMMEDIATE');
    const child = execa('node', [BIN, 'import', 'numbered.csv', '--schema', 'numbered.schema.json', '--mode', 'batch', '--job-id', 'twice', '--json', '--busy-timeout', '20000'], { cwd: dir, reject: false, env: ENV });
    try {
      await sleep(1500);
      child.kill('SIGTERM');
      await sleep(10);
      child.kill('SIGINT');
      await sleep(100);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    const result = await child;
    expect(result.exitCode).toBe(130);
    const message = 'interrupted again: quit at once; job twice stays "running", as after kill -9';
    expect(String(result.stderr)).toBe(`barge: error: ${message}`);
    expect(JSON.parse(String(result.stdout))).toEqual({ command: 'import', error: { code: 'interrupted', message, input: null, line: null, column: null }, exitCode: 130 });
    expect(rows(path.join(dir, 'barge.db'), "SELECT status FROM _barge_jobs WHERE id = 'twice'")).toEqual([{ status: 'running' }]);
  });
});

describe('--quiet: an interrupted run prints its one line (exit 130 is a failure)', () => {
  it('import of stdin: the line names the job', async () => {
    const dir = setup();
    const db = path.join(dir, 'barge.db');
    const child = onOpenStdin(dir, ['import', '-', '--format', 'csv', '--schema', 'numbered.schema.json', '--mode', 'batch', '--quiet'], numberedLines(2500));
    const job = await waitForBatches(db, 2);
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(String(result.stderr)).toBe(`barge: import of stdin into "numbered": interrupted after 2 committed batches, which stay; a job that read stdin cannot be resumed (job ${job.id})`);
  });

  it('import of a file: the line says how to resume', async () => {
    const dir = setup();
    writeNumberedCsv(path.join(dir, 'numbered.csv'), 200_000);
    const db = path.join(dir, 'barge.db');
    const child = execa('node', [BIN, 'import', 'numbered.csv', '--schema', 'numbered.schema.json', '--mode', 'batch', '--batch-size', '500', '--quiet'], { cwd: dir, reject: false, env: ENV });
    const job = await waitForBatches(db, 5);
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(String(result.stderr)).toMatch(new RegExp(`^barge: import of numbered\\.csv into "numbered": interrupted after [\\d,]+ committed batches; continue with: barge import --resume ${job.id}$`));
  });

  it('validate of stdin', async () => {
    const dir = setup();
    const child = onOpenStdin(dir, ['validate', '-', '--format', 'csv', '--schema', 'numbered.schema.json', '--quiet'], numberedLines(2500));
    await sleep(1500);
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(String(result.stderr)).toMatch(/^barge: validate stdin against "numbered" \(file schema\): interrupted after [\d,]+ records$/);
  });
});

describe('stats and jobs blocked on a lock', () => {
  it.each([['stats'], ['jobs']])('%s: Ctrl-C ends it at once, not when SQLite stops waiting (--busy-timeout)', async (command) => {
    const dir = workdir();
    const file = path.join(dir, 'locked.db');
    // A rollback-journal database: another process's EXCLUSIVE lock keeps even readers out.
    const holder = new Database(file);
    holder.exec('CREATE TABLE t (a); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1)');
    try {
      const started = Date.now();
      const run = execa('node', [BIN, command, '--db', 'locked.db', '--busy-timeout', '20000'], { cwd: dir, reject: false });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      run.kill('SIGINT');
      const result = await run;
      // Before: both Ctrl-Cs waited for the 20 s busy timeout, then it printed as if nothing came.
      expect(Date.now() - started).toBeLessThan(8000);
      expect(result.signal ?? String(result.exitCode)).toMatch(/SIGINT|130/);
      expect(result.stdout).toBe('');
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });
});
