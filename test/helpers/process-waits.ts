import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { execa, type Options } from 'execa';
import { BIN } from './cli.js';
import { waitUntil } from './waits.js';

/**
 * Conditions on a running barge process, for tests that must wait for a state, never a time:
 * what it has open (/proc/<pid>/fd), whether it reads its stdin (/proc/<pid>/fdinfo/0), and what
 * its main thread (the one that runs JS and SQLite) is blocked in (/proc/<pid>/syscall). Linux
 * only: on another system, or where /proc/<pid>/syscall cannot be read, they throw rather than
 * let a test go on without the state it waits for.
 */

/**
 * What a thread can be blocked in, as system call numbers per architecture: `sleep` is how
 * SQLite's busy handler waits for a lock, `futex` how Atomics.wait pauses (whileBusy in
 * store/open-database.ts), `epoll` Node's event loop with nothing to do.
 */
type Wait = 'sleep' | 'futex' | 'epoll';
const SYSCALLS: Record<string, Record<Wait, number[]>> = {
  // nanosleep, clock_nanosleep | futex, futex_waitv | epoll_wait, epoll_pwait, epoll_pwait2
  x64: { sleep: [35, 230], futex: [202, 449], epoll: [232, 281, 441] },
  arm64: { sleep: [101, 115], futex: [98, 449], epoll: [22, 441] },
};

/** Whether the process is alive (a zombie, exited but not yet reaped, is not). */
function alive(pid: number): boolean {
  try {
    return !/^State:\s*[ZX]/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** Whether the process's main thread is blocked in `wait` (false while it runs, or once it is gone). */
export function blockedIn(pid: number, wait: Wait): boolean {
  const numbers = SYSCALLS[process.arch]?.[wait];
  if (numbers === undefined) throw new Error(`blockedIn: system call numbers unknown on ${process.arch}`);
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/syscall`, 'utf8');
  } catch (error) {
    if (!alive(pid)) return false;
    throw new Error(`blockedIn: cannot read /proc/${pid}/syscall (${(error as Error).message}); this test needs to see what barge waits in`);
  }
  // "running", or the number of the call it is blocked in and its arguments ("-1 ..." outside one).
  const number = Number(text.trim().split(' ')[0]);
  return Number.isInteger(number) && numbers.includes(number);
}

/**
 * Whether the process has `file` open (any of `file`, `file-wal`…: pass each name wanted).
 * Compared by real path: the temporary directories may be reached through a link.
 */
export function hasOpen(pid: number, file: string): boolean {
  const wanted = path.join(fs.realpathSync(path.dirname(file)), path.basename(file));
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  return fds.some((fd) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === wanted;
    } catch {
      return false; // closed meanwhile
    }
  });
}

const O_NONBLOCK = 0o4000;

/**
 * Whether the process has opened its stdin (a pipe or socket) as a stream: libuv makes the
 * descriptor non-blocking when Node's process.stdin is first used (the child starts with it
 * blocking). barge uses it only to read an input "-", once the command has begun its run.
 */
export function readsStdin(pid: number): boolean {
  try {
    const flags = /^flags:\s*([0-7]+)$/m.exec(fs.readFileSync(`/proc/${pid}/fdinfo/0`, 'utf8'))?.[1];
    return flags !== undefined && (parseInt(flags, 8) & O_NONBLOCK) !== 0;
  } catch {
    return false;
  }
}

/**
 * Whether some connection holds `db`'s write lock: a connection of ours cannot take it
 * (BEGIN IMMEDIATE, no waiting). When it can, it lets it go at once.
 */
export function writeLockHeld(db: string): boolean {
  if (!fs.existsSync(db)) return false;
  const probe = new Database(db, { fileMustExist: true, timeout: 0 });
  try {
    probe.exec('BEGIN IMMEDIATE');
    probe.exec('ROLLBACK');
    return false;
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) return true;
    throw error;
  } finally {
    probe.close();
  }
}

/**
 * The batches the running job's checkpoint counts: every batch read, committed or rolled back
 * (batch mode, where batches_committed stays 0 when every batch has a bad record); undefined
 * before there is a job. Read beside the writer (WAL).
 */
export function checkpointBatches(db: string): number | undefined {
  if (!fs.existsSync(db)) return undefined;
  try {
    const conn = new Database(db, { readonly: true, fileMustExist: true });
    try {
      const job = conn.prepare("SELECT json_extract(checkpoint, '$.batches') AS b FROM _barge_jobs WHERE status = 'running' ORDER BY started_at DESC LIMIT 1").get() as { b: number | null } | undefined;
      return job?.b ?? undefined;
    } finally {
      conn.close();
    }
  } catch {
    return undefined; // not created yet
  }
}

export interface TimedRunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Killed by execa's `timeout`: the run hung. */
  timedOut: boolean;
}

/**
 * Runs the built CLI as test/helpers/cli.ts's barge() does, killed after `timeoutMs` (execa's
 * `timeout`): a run that hangs fails with timedOut, and no time is asserted.
 */
export async function bargeWithin(cwd: string, args: string[], timeoutMs = 30_000, options: Options = {}): Promise<TimedRunResult> {
  const env = { ...process.env, BARGE_DB: '', BARGE_DEBUG: '', NO_COLOR: '1', ...(options.env ?? {}) };
  const stdin = options.input === undefined && options.inputFile === undefined && options.stdin === undefined ? { stdin: 'ignore' as const } : {};
  const result = await execa('node', [BIN, ...args], { cwd, reject: false, ...stdin, ...options, env, timeout: timeoutMs });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr), timedOut: result.timedOut };
}

/**
 * waitUntil for a child process's state: `condition` gets its pid; fails at once, with its
 * exit, if the child ends first (which would otherwise be a wait of `timeoutMs` for nothing).
 */
export async function waitForChild(child: Pick<ChildProcess, 'pid' | 'exitCode' | 'signalCode'>, what: string, condition: (pid: number) => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  await waitUntil(what, async () => {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the process ended (${child.exitCode ?? child.signalCode}) before ${what}`);
    return condition(child.pid!);
  }, timeoutMs);
}

/**
 * What the event loops of process `pid` watch: the descriptors in its epoll sets, each with
 * its events (/proc/<pid>/fdinfo of an epoll descriptor lists them). Linux only.
 */
export function watched(pid: number): Array<{ fd: number; events: number }> {
  const found: Array<{ fd: number; events: number }> = [];
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return found;
  }
  for (const fd of fds) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:[eventpoll]') continue;
      for (const m of fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8').matchAll(/^tfd:\s*(\d+)\s+events:\s*([0-9a-f]+)/gm)) {
        found.push({ fd: Number(m[1]), events: parseInt(m[2]!, 16) });
      }
    } catch {
      // Closed meanwhile.
    }
  }
  return found;
}

const EPOLLOUT = 0x4;

/**
 * Whether barge waits to write to stdout: its event loop watches descriptor 1 for room. It
 * wrote more than the pipe holds and the rest waits for the reader.
 */
export function waitsToWriteStdout(pid: number): boolean {
  return watched(pid).some((w) => w.fd === 1 && (w.events & EPOLLOUT) !== 0);
}
