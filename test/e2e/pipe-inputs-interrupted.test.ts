import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, rows, workdir } from '../helpers/cli.js';
import { blockedIn } from '../helpers/process-waits.js';
import { waitUntil } from '../helpers/waits.js';

/**
 * A named pipe (or a process substitution, `<(zcat x)`) whose producer is idle: SIGINT or
 * SIGTERM (cron's `timeout`) ends barge at once, exit 130. The pipe was read by a read() blocked
 * in libuv's thread pool, which nothing woke: barge went on until the producer wrote again or
 * closed (18 s of a `sleep 20` producer), the second signal's quit too.
 */

const SCHEMA = { table: 'r', columns: { id: { type: 'integer' }, v: { type: 'integer' } } };

/** Starts barge on a FIFO whose writer (this process) sends `text` and then holds it open. */
async function startOnIdlePipe(args: (fifo: string) => string[], text: string) {
  const dir = workdir();
  fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify(SCHEMA));
  const fifo = path.join(dir, 'p.csv');
  execFileSync('mkfifo', [fifo]);
  const child = spawn('node', [BIN, ...args('p.csv')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BARGE_DB: '', BARGE_DEBUG: '', NO_COLOR: '1' } });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += String(chunk); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Opened for writing once barge opens it for reading (in the thread pool: this thread goes on).
  const writer = await fs.promises.open(fifo, 'w');
  await writer.write(text);
  // barge has read what was sent and waits for more, its main thread idle in the event loop.
  await waitUntil('barge to wait for the pipe', () => blockedIn(child.pid!, 'epoll') && stderr === '');
  return { dir, child, exited, writer, stderr: () => stderr };
}

/** Whether a thread of the process is blocked in openat (x64 257, arm64 56). */
function waitsInOpen(pid: number): boolean {
  const openat = process.arch === 'arm64' ? '56' : '257';
  try {
    return fs.readdirSync(`/proc/${pid}/task`).some((task) => {
      try {
        return fs.readFileSync(`/proc/${pid}/task/${task}/syscall`, 'utf8').split(' ')[0] === openat;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** The exit code if the process ends within `ms`, else 'still running'. */
async function exitWithin(exited: Promise<number | null>, ms: number): Promise<number | null | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still running'>((resolve) => { timer = setTimeout(() => resolve('still running'), ms); });
  const result = await Promise.race([exited, late]);
  clearTimeout(timer);
  return result;
}

describe('an idle named pipe: a signal ends barge at once', () => {
  it('import (row mode): SIGTERM, exit 130 while the producer still holds the pipe; the job interrupted, nothing committed', async () => {
    const run = await startOnIdlePipe((fifo) => ['import', fifo, '--format', 'csv', '--schema', 's.json', '--mode', 'row', '--job-id', 'P1'], 'id,v\n1,2\n');
    await waitUntil('the job is claimed', () => {
      try {
        return rows(path.join(run.dir, 'barge.db'), "SELECT 1 FROM _barge_jobs WHERE id = 'P1' AND status = 'running'").length === 1;
      } catch {
        return false;
      }
    });
    run.child.kill('SIGTERM');
    const code = await exitWithin(run.exited, 10_000);
    await run.writer.close();
    if (code === 'still running') await run.exited;
    expect(code).toBe(130);
    expect(run.stderr().split('\n')[0]).toBe('barge: import of p.csv into "r": interrupted before its first batch was committed; nothing was written');
    expect(rows(path.join(run.dir, 'barge.db'), "SELECT status, batches_committed AS batches FROM _barge_jobs WHERE id = 'P1'")).toEqual([{ status: 'interrupted', batches: 0 }]);
  });

  it('import inferring its schema: SIGINT, exit 130, nothing written', async () => {
    const run = await startOnIdlePipe((fifo) => ['import', fifo, '--format', 'csv', '--table', 'r'], 'id,v\n1,2\n');
    run.child.kill('SIGINT');
    const code = await exitWithin(run.exited, 10_000);
    await run.writer.close();
    if (code === 'still running') await run.exited;
    expect(code).toBe(130);
    expect(run.stderr().trim()).toBe('barge: error: interrupted while reading the first records to infer a schema; nothing was written');
    expect(fs.existsSync(path.join(run.dir, 'barge.db'))).toBe(false);
  });

  it('validate: SIGTERM, exit 130, the summary of the record read', async () => {
    const run = await startOnIdlePipe((fifo) => ['validate', fifo, '--format', 'csv', '--schema', 's.json'], 'id,v\n1,2\n');
    run.child.kill('SIGTERM');
    const code = await exitWithin(run.exited, 10_000);
    await run.writer.close();
    if (code === 'still running') await run.exited;
    expect(code).toBe(130);
    expect(run.stderr().split('\n').slice(0, 2)).toEqual(['barge: validate p.csv against "r" (file schema): interrupted after 1 record', '  read 1, valid 1, rejected 0']);
  });
});

describe('a named pipe no producer has opened yet: a signal ends barge at once', () => {
  it('import, validate and schema infer: SIGTERM while the open waits for a producer, exit 130, nothing written', async () => {
    for (const [args, message] of [
      [['import', 'p.csv', '--format', 'csv', '--table', 'r'], 'barge: error: interrupted while waiting for the input\'s first bytes; nothing was written'],
      [['validate', 'p.csv', '--format', 'csv', '--schema', 's.json'], 'barge: error: validate interrupted while waiting for the input\'s first bytes'],
      [['schema', 'infer', 'p.csv', '--format', 'csv'], 'barge: error: schema infer interrupted; no schema was printed'],
    ] as const) {
      const dir = workdir();
      fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify(SCHEMA));
      execFileSync('mkfifo', [path.join(dir, 'p.csv')]);
      const child = spawn('node', [BIN, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BARGE_DB: '', BARGE_DEBUG: '', NO_COLOR: '1' } });
      let stderr = '';
      child.stderr.on('data', (chunk) => { stderr += String(chunk); });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // The open pending in a thread of the pool (in openat: a FIFO's open waits for a writer)
      // and the main thread idle: the CLI is loaded and its run has begun.
      await waitUntil('barge to wait for a producer', () => waitsInOpen(child.pid!) && blockedIn(child.pid!, 'epoll'));
      child.kill('SIGTERM');
      const code = await exitWithin(exited, 10_000);
      if (code === 'still running') {
        // Let it go (a producer opens the pipe and leaves), then fail.
        const writer = await fs.promises.open(path.join(dir, 'p.csv'), 'w');
        await writer.close();
        await exited;
      }
      expect(code, args.join(' ')).toBe(130);
      expect(stderr.trim()).toBe(message);
      expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
    }
  });
});

