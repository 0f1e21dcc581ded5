import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { execa, type ResultPromise } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, barge, rows, workdir } from '../helpers/cli.js';
import { NUMBERED_SCHEMA, writeNumberedCsv } from '../helpers/generate.js';
import { catchesSignals, waitForBatches, waitUntil } from '../helpers/waits.js';
import { blockedIn, waitsToWriteStdout, watched } from '../helpers/process-waits.js';

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

const EPOLLIN = 0x1;

/**
 * Whether barge reads its stdin: its event loop watches descriptor 0 for input. Only the command
 * reads stdin (src/source/open-input.ts; nothing before it touches process.stdin), so it is past
 * its start. A text of under 64 KiB, written at the spawn, is then read whole: Node reads its
 * stdin 64 KiB at a time.
 */
function readsStdin(pid: number): boolean {
  return watched(pid).some((w) => w.fd === 0 && (w.events & EPOLLIN) !== 0);
}


function statusField(pid: number, field: string): string | undefined {
  try {
    return new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** Whether the process is stopped (SIGSTOP took effect). */
function isStopped(pid: number): boolean {
  return statusField(pid, 'State')?.startsWith('T') === true;
}

/** Signals sent to the process that none of its threads has taken yet (0 once it has exited). */
function pendingSignals(pid: number): bigint {
  const mask = statusField(pid, 'ShdPnd');
  return mask === undefined ? 0n : BigInt(`0x${mask}`);
}

/**
 * Whether the main thread of `pid` sleeps in nanosleep: SQLite's busy handler between its tries
 * for a lock another process holds (Node's event loop waits in epoll, never in nanosleep).
 */
function waitsForLock(pid: number): boolean {
  // The system call first (/proc/<pid>/syscall); wchan where that cannot be read. Some kernels
  // and sandboxes give "0" for wchan, and the test then waited out its timeouts.
  try {
    if (blockedIn(pid, 'sleep')) return true;
  } catch {
    // Not readable here: wchan alone.
  }
  try {
    return /nanosleep/.test(fs.readFileSync(`/proc/${pid}/wchan`, 'utf8'));
  } catch {
    return false;
  }
}

const exited = (child: { exitCode: number | null; signalCode: string | null }) => child.exitCode !== null || child.signalCode !== null;

/**
 * A validate of stdin's 2,500 records interrupted: how many it had read when the signal came
 * depends on how far it got (it may be stopped before it took all the text), so the summary and
 * the message are checked against each other: every record read was valid, the count said is it.
 */
function expectValidateInterrupted(result: { stdout: unknown; stderr: unknown }): void {
  const summary = JSON.parse(String(result.stdout)) as { stoppedEarly: string; counts: { read: number; valid: number; rejected: number }; firstErrors: string[] };
  expect(summary).toMatchObject({ stoppedEarly: 'interrupted', firstErrors: [] });
  const read = summary.counts.read;
  expect(read).toBeLessThanOrEqual(2500);
  expect(summary.counts).toEqual({ read, valid: read, rejected: 0 });
  const told = String(result.stderr).split('\n');
  const n = read.toLocaleString('en-US');
  expect(told.slice(0, 2)).toEqual([
    `barge: validate stdin against "numbered" (file schema): interrupted after ${n} records`,
    `  read ${n}, valid ${n}, rejected 0`,
  ]);
  expect(told).toHaveLength(3);
}

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

/** Until barge reads its stdin (readsStdin): it has taken the text written to it and waits for more. */
async function untilReadingStdin(child: ResultPromise): Promise<void> {
  await waitUntil('barge to read its stdin', () => readsStdin(child.pid!) || exited(child));
  if (exited(child)) {
    const result = await child;
    throw new Error(`barge ended (exit ${result.exitCode}) before reading its stdin: ${String(result.stderr)}`);
  }
}

/**
 * SIGINT and the end of stdin in the same instant, as when Ctrl-C in `producer | barge import -`
 * ends the producer too. barge is stopped (SIGSTOP) while both happen, so that once it goes on
 * (SIGCONT) it sees them in one poll of its event loop, which hands the signal to JS last.
 * Stopped before the SIGINT is sent, lest its handler run (and JS see it) before the stop.
 */
async function interruptAndEndStdin(child: ResultPromise): Promise<void> {
  child.kill('SIGSTOP');
  await waitUntil('barge to stop (SIGSTOP)', () => isStopped(child.pid!));
  child.kill('SIGINT');
  // Closes the descriptor at once (uv_close): the end of stdin is there before barge goes on.
  child.stdin!.destroy();
  child.kill('SIGCONT');
}

describe.skipIf(!hasProc)('a signal that comes with the end of stdin: the signal wins', () => {
  it('import, atomic, --job-id: exit 130, rolled back, job interrupted; a retry of the id runs it again', async () => {
    const dir = setup();
    const db = path.join(dir, 'barge.db');
    const child = onOpenStdin(dir, ['import', '-', '--format', 'csv', '--schema', 'numbered.schema.json', '--job-id', 'P', '--json'], numberedLines(2500));
    await waitForBatches(db, 0);
    await untilReadingStdin(child);
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
    await untilReadingStdin(child);
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
    await untilReadingStdin(child);
    await interruptAndEndStdin(child);
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(130);
    expectValidateInterrupted(result);
  });

  it.each(['validate', 'import'])('%s of an input cut off mid-quote by the signal: exit 130, not 2 (malformed input)', async (command) => {
    const dir = setup();
    const mode = command === 'import' ? ['--mode', 'row'] : [];
    const child = onOpenStdin(dir, [command, '-', '--format', 'csv', '--schema', 'numbered.schema.json', '--json', ...mode], `${numberedLines(2500)}2501,"cut off`);
    // The import has committed its 2 whole batches; records 2001-2500 wait for the rest of the 3rd.
    if (command === 'import') await waitForBatches(path.join(dir, 'barge.db'), 2);
    await untilReadingStdin(child);
    await interruptAndEndStdin(child);
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(130);
    expect(String(result.stderr)).not.toContain('CSV_QUOTE_NOT_CLOSED');
    if (command === 'validate') {
      expectValidateInterrupted(result);
      return;
    }
    expect(JSON.parse(String(result.stdout))).toMatchObject({ status: 'interrupted', batchesCommitted: 2, counts: { read: 2000, inserted: 2000, rejected: 0 }, stoppedEarly: 'interrupted', firstErrors: [] });
    const told = String(result.stderr).split('\n');
    expect(told.slice(0, 2)).toEqual([
      'barge: import of stdin into "numbered": interrupted after 2 committed batches, which stay; a job that read stdin cannot be resumed',
      '  read 2,000, inserted 2,000, rejected 0',
    ]);
    expect(told).toHaveLength(3);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n, max(id) AS last FROM numbered')).toEqual([{ n: 2000, last: 2000 }]);
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

  it.skipIf(!hasProc)('export to a file: exit 130, neither the file nor its temporary file is left', async () => {
    const temp = () => fs.readdirSync(dir).filter((name) => name.endsWith('.barge-tmp'));
    // The export takes a fraction of a second: a run whose temporary file came and went between
    // two looks (or that ended before it was stopped) is run again.
    let signalled = false;
    for (let attempt = 0; attempt < 5 && !signalled; attempt++) {
      const child = execa('node', [BIN, 'export', '--table', 'numbered', '--db', 'loaded.db', '--out', 'hup.csv'], { cwd: dir, reject: false, env: ENV });
      await waitUntil('the temporary file, or the end of the export', () => temp().length > 0 || exited(child));
      if (!exited(child)) {
        // Stopped, it cannot finish meanwhile: its temporary file there now means the export
        // is writing when the signal comes.
        child.kill('SIGSTOP');
        await waitUntil('the export to stop (SIGSTOP)', () => isStopped(child.pid!) || exited(child));
        signalled = !exited(child) && temp().length > 0 && !fs.existsSync(path.join(dir, 'hup.csv'));
        if (signalled) child.kill('SIGHUP');
        child.kill('SIGCONT');
      }
      const result = await child;
      if (!signalled) {
        // Ended before the signal: it wrote the whole file.
        expect(result.exitCode, String(result.stderr)).toBe(0);
        fs.rmSync(path.join(dir, 'hup.csv'), { force: true });
        continue;
      }
      expect(result.exitCode, String(result.stderr)).toBe(130);
      expect(String(result.stderr)).toBe('barge: error: export interrupted; nothing was written to hup.csv');
      expect(temp()).toEqual([]);
      expect(fs.existsSync(path.join(dir, 'hup.csv'))).toBe(false);
    }
    expect(signalled, 'no run was stopped while its temporary file existed').toBe(true);
  });

  it.skipIf(!hasPython)('a real hangup: the terminal barge draws on closes under it: exit 130 (not 129, nor a SIGABRT at exit), job interrupted', async () => {
    // python3 gives barge a pseudo-terminal as its controlling terminal and stderr (a bar is
    // drawn), feeds it records on a stdin it keeps open, then closes the terminal: the kernel
    // sends SIGHUP, and writes to the terminal fail with EIO from then on.
    // 4,500 records: 4 batches of 1,000 commit, the fifth waits for more of stdin.
    fs.writeFileSync(path.join(dir, 'some.csv'), numberedLines(4500));
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
      // Closed when the test says (a line, or the end of this stdin): once barge has committed 4 batches.
      'sys.stdin.readline()',
      'os.close(master)',
      'out = p.stdout.read()',
      'p.wait()',
      'print(p.returncode)',
      'print(out.decode())',
    ].join('\n');
    const args = ['import', '-', '--format', 'csv', '--schema', 'numbered.schema.json', '--mode', 'batch', '--db', 'pty.db', '--job-id', 'hangup', '--json'];
    const run = execa('python3', ['-c', script, 'some.csv', 'node', BIN, ...args], { cwd: dir, reject: false, env: ENV, stdin: 'pipe' });
    try {
      await waitForBatches(path.join(dir, 'pty.db'), 4);
    } finally {
      run.stdin!.end('close\n');
    }
    const result = await run;
    const [code, json] = String(result.stdout).split('\n');
    expect(code, String(result.stderr)).toBe('130');
    expect(JSON.parse(json!)).toMatchObject({ status: 'interrupted', batchesCommitted: 4 });
    expect(rows(path.join(dir, 'pty.db'), 'SELECT status FROM _barge_jobs')).toEqual([{ status: 'interrupted' }]);
  });
});

describe('every command: SIGINT/SIGTERM exit 130 with one line and, under --json, the error document', () => {
  it.skipIf(!hasProc)('schema infer of an idle stdin: SIGTERM, exit 130 (it died with 143)', async () => {
    const dir = setup();
    const child = onOpenStdin(dir, ['schema', 'infer', '-', '--table', 'x', '--format', 'csv', '--json'], numberedLines(500));
    // 500 records, fewer than --infer-rows (1,000): read, it waits for more.
    await untilReadingStdin(child);
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(String(result.stderr)).toBe('barge: error: schema infer interrupted; no schema was printed');
    expect(JSON.parse(String(result.stdout))).toEqual({
      command: 'schema infer',
      error: { code: 'interrupted', message: 'schema infer interrupted; no schema was printed', input: null, line: null, column: null },
      exitCode: 130,
    });
  });

  it.skipIf(!hasProc)('schema infer: a signal with the end of stdin wins too', async () => {
    const dir = setup();
    const child = onOpenStdin(dir, ['schema', 'infer', '-', '--table', 'x', '--format', 'csv'], numberedLines(500));
    await untilReadingStdin(child);
    await interruptAndEndStdin(child);
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(String(result.stdout)).toBe('');
    expect(String(result.stderr)).toBe('barge: error: schema infer interrupted; no schema was printed');
  });

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
      // Polled every millisecond (waitUntil's 10 ms would more often miss the start).
      while (!catchesSignals(child.pid!) && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 1));
      child.kill('SIGTERM');
      const result = await child;
      const stderr = String(result.stderr);
      expect(result.exitCode, stderr).not.toBe(143);
      if (result.exitCode === 0 || (result.exitCode === 130 && !stderr.includes('while starting'))) {
        // Too late: the command had started, and ended on its own or was interrupted further on
        // (other tests check those). What it wrote goes before the next attempt.
        for (const name of ['out.csv', 'new.db', 'new.db-wal', 'new.db-shm']) fs.rmSync(path.join(dir, name), { force: true });
        continue;
      }
      expect(result.exitCode, stderr).toBe(130);
      expect(stderr).toBe('barge: error: interrupted while starting; nothing was written');
      expect(JSON.parse(String(result.stdout))).toMatchObject({ command, error: { code: 'interrupted' }, exitCode: 130 });
      expect(fs.existsSync(path.join(dir, 'out.csv'))).toBe(false);
      expect(fs.existsSync(path.join(dir, 'new.db'))).toBe(false);
      started++;
    }
    expect(started).toBeGreaterThan(0);
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
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    return {
      child,
      /**
       * Until stats waits for its reader (waitsToWriteStdout): it wrote its output, and the outcome
       * is decided (main.ts settles it right after, before its event loop polls again).
       */
      async untilWaitingForReader() {
        await waitUntil('stats to wait for its reader', () => waitsToWriteStdout(child.pid!) || exited(child));
        expect(exited(child), stderr).toBe(false);
      },
      async read() {
        child.stdout.on('data', (chunk: Buffer) => { stdout += String(chunk); });
        child.stdout.resume();
        const code = await closed;
        return { code, stdout, stderr };
      },
    };
  }

  it.skipIf(!hasProc)('a signal once the output is decided, while it waits for a slow reader: the output is whole and the exit code stays (it killed stats with 143)', async () => {
    const run = statsIntoPausedPipe();
    await run.untilWaitingForReader();
    run.child.kill('SIGTERM');
    // Taken by barge's handler before the reader reads on (or it died of it: 143 below).
    await waitUntil('SIGTERM to be taken', () => pendingSignals(run.child.pid!) === 0n);
    const { code, stdout, stderr } = await run.read();
    expect(code, stderr).toBe(0);
    expect(stderr).toBe('');
    expect(JSON.parse(stdout).tables).toHaveLength(3);
  });

  it.skipIf(!hasProc)('a second signal then quits at once: exit 130, the output cut short', async () => {
    const run = statsIntoPausedPipe();
    await run.untilWaitingForReader();
    // Two signals (two kinds: pending together they are two, not one).
    run.child.kill('SIGTERM');
    run.child.kill('SIGINT');
    // It quits with nothing read: the reader cannot let its output out first.
    await waitUntil('stats to exit', () => exited(run.child));
    const { code, stdout, stderr } = await run.read();
    expect(code, stderr).toBe(130);
    expect(stdout.length).toBeLessThan(200_000);
  });
});

describe('a second signal quits at once, and still says so', () => {
  it.skipIf(!hasProc)('--json: the error document on stdout, the line on stderr, exit 130; the job stays running', async () => {
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
      // Sleeping between its tries for the lock, its job not yet claimed.
      await waitUntil('the import to wait for the write lock', () => waitsForLock(child.pid!) || exited(child));
      expect(exited(child), 'the import ended before waiting for the lock').toBe(false);
      child.kill('SIGTERM');
      child.kill('SIGINT');
      // Both reach barge's handlers (two kinds of signal: two, not one) while SQLite still waits.
      await waitUntil('both signals to be taken', () => pendingSignals(child.pid!) === 0n);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    const result = await child;
    expect(result.exitCode).toBe(130);
    const message = 'interrupted again: quit at once; job twice stays "running", as after kill -9; resume it: barge import --resume twice';
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
    // The batch being read (500 records) was discarded: not counted as read (it said 2,500).
    const [row] = rows(db, `SELECT read_count, inserted, rejected, checkpoint FROM _barge_jobs WHERE id = '${job.id}'`) as Array<{ read_count: number; inserted: number; rejected: number; checkpoint: string }>;
    expect([row!.read_count, row!.inserted, row!.rejected, JSON.parse(row!.checkpoint).records]).toEqual([2000, 2000, 0, 2000]);
    expect(rows(db, 'SELECT count(*) AS n FROM numbered')).toEqual([{ n: 2000 }]);
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

  it.skipIf(!hasProc)('validate of stdin', async () => {
    const dir = setup();
    const child = onOpenStdin(dir, ['validate', '-', '--format', 'csv', '--schema', 'numbered.schema.json', '--quiet'], numberedLines(2500));
    await untilReadingStdin(child);
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(String(result.stderr)).toMatch(/^barge: validate stdin against "numbered" \(file schema\): interrupted after [\d,]+ records$/);
  });
});

describe('stats and jobs blocked on a lock', () => {
  it.skipIf(!hasProc).each([['stats'], ['jobs']])('%s: Ctrl-C ends it at once, not when SQLite stops waiting (--busy-timeout): exit 130, one line, the --json error', async (command) => {
    const dir = workdir();
    const file = path.join(dir, 'locked.db');
    // A rollback-journal database: another process's EXCLUSIVE lock keeps even readers out.
    const holder = new Database(file);
    holder.exec('CREATE TABLE t (a); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1)');
    try {
      // Killed (timedOut) well before SQLite would stop waiting (20 s), were the Ctrl-C to wait for it.
      const run = execa('node', [BIN, command, '--db', 'locked.db', '--busy-timeout', '20000', '--json'], { cwd: dir, reject: false, timeout: 15_000 });
      await waitUntil(`${command} to wait for the lock`, () => waitsForLock(run.pid!) || exited(run));
      // The wait is taken in steps with the handlers in place (open-for-reading-patiently.ts).
      expect(catchesSignals(run.pid!)).toBe(true);
      run.kill('SIGINT');
      const result = await run;
      // Before: both Ctrl-Cs waited for the 20 s busy timeout; then, with the handlers put aside
      // while SQLite blocked, SIGINT ended it silently (no line, no --json error; SIGTERM 143).
      expect(result.timedOut).toBe(false);
      expect(result.exitCode, String(result.stderr)).toBe(130);
      expect(String(result.stderr)).toBe(`barge: error: ${command} interrupted; nothing was printed`);
      expect(JSON.parse(String(result.stdout))).toEqual({
        command, error: { code: 'interrupted', message: `${command} interrupted; nothing was printed`, input: null, line: null, column: null }, exitCode: 130,
      });
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });
});

describe('a signal once the outcome is decided', () => {
  it.each(['SIGTERM', 'SIGHUP'] as const)('%s right after the summary keeps the exit code the run decided (it ended a succeeded job with 143 or 129, as Node tore down)', async (signal) => {
    const dir = workdir();
    writeNumberedCsv(path.join(dir, 'n.csv'), 50_000);
    for (let round = 0; round < 3; round++) {
      fs.rmSync(path.join(dir, 'barge.db'), { force: true });
      const child = spawn('node', [BIN, 'import', 'n.csv', '--table', 'n', '--mode', 'batch'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, BARGE_DB: '' } });
      let stderr = '';
      let sent = false;
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += String(chunk);
        if (!sent && stderr.includes('records/s')) {
          sent = true;
          child.kill(signal);
        }
      });
      const [code, killedBy] = await new Promise<[number | null, string | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
      expect({ code, killedBy, sent }, stderr).toEqual({ code: 0, killedBy: null, sent: true });
      expect(rows(path.join(dir, 'barge.db'), 'SELECT status FROM _barge_jobs')).toEqual([{ status: 'succeeded' }]);
    }
  });
});
