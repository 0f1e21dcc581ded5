import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { barge, BIN, rows, workdir } from '../helpers/cli.js';
import { waitForBatches } from '../helpers/waits.js';

// The command of a stopped batch/row job run again as typed (no --job-id, no --resume) loaded
// the batches it had committed a second time and said "succeeded": after a Ctrl-C, 3,000,000
// rows became 4,591,000, exit 0.

const ENV = { ...process.env, BARGE_DB: '', NO_COLOR: '1' };

function bigCsv(dir: string, count: number, name = 'big.csv'): string {
  const lines = ['id,name'];
  for (let id = 1; id <= count; id++) lines.push(`${id},n${id}`);
  fs.writeFileSync(path.join(dir, name), `${lines.join('\n')}\n`);
  return name;
}

function table(dir: string): { n: number; ids: number } {
  return rows<{ n: number; ids: number }>(path.join(dir, 'barge.db'), 'SELECT count(*) AS n, count(DISTINCT id) AS ids FROM big')[0]!;
}

function job(dir: string): { id: string; status: string; inserted: number } {
  return rows<{ id: string; status: string; inserted: number }>(path.join(dir, 'barge.db'), 'SELECT id, status, inserted FROM _barge_jobs ORDER BY rowid DESC LIMIT 1')[0]!;
}

/** Starts `barge import big.csv --mode <mode> --batch-size 1000` and stops it with `signal` once 3 batches are in. */
async function stopMidway(dir: string, mode: string, signal: 'SIGINT' | 'SIGKILL'): Promise<void> {
  const child = execa('node', [BIN, 'import', 'big.csv', '--mode', mode, '--batch-size', '1000'], { cwd: dir, reject: false, env: ENV });
  await waitForBatches(path.join(dir, 'barge.db'), 3);
  child.kill(signal);
  const stopped = await child;
  expect(signal === 'SIGINT' ? stopped.exitCode : stopped.signal, String(stopped.stderr)).toBe(signal === 'SIGINT' ? 130 : 'SIGKILL');
}

describe('the command of a stopped job run again as typed', () => {
  it('after Ctrl-C: refused, exit 2, naming the job and its resume; nothing more loaded; the resume then loads each row once', async () => {
    const dir = workdir();
    bigCsv(dir, 400_000);
    await stopMidway(dir, 'batch', 'SIGINT');
    const stopped = job(dir);
    expect(stopped.status).toBe('interrupted');
    const before = table(dir);
    expect(before.n).toBe(stopped.inserted);

    const again = await barge(dir, ['import', 'big.csv', '--mode', 'batch', '--batch-size', '1000']);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toBe(`barge: error: job "${stopped.id}" already loaded ${stopped.inserted.toLocaleString('en-US')} records of big.csv into "big" before it was interrupted: this import would load them a second time; resume the job instead: barge import --resume ${stopped.id} (or, to load the file whole again anyway, give this import a new --job-id; to replace the table's rows, --truncate)`);
    expect(table(dir)).toEqual(before);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n FROM _barge_jobs')).toEqual([{ n: 1 }]);

    const resumed = await barge(dir, ['import', '--resume', stopped.id]);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(table(dir)).toEqual({ n: 400_000, ids: 400_000 });
    // The job it would have loaded twice is done: the command runs again (what the user asked, then).
    const third = await barge(dir, ['import', 'big.csv', '--mode', 'batch', '--batch-size', '1000', '--quiet']);
    expect(third.exitCode, third.stderr).toBe(0);
    expect(table(dir)).toEqual({ n: 800_000, ids: 400_000 });
  });

  it('after kill -9 (the job left "running", its process gone): refused, saying so', async () => {
    const dir = workdir();
    bigCsv(dir, 400_000);
    await stopMidway(dir, 'row', 'SIGKILL');
    const left = job(dir);
    expect(left.status).toBe('running');
    const before = table(dir);
    const again = await barge(dir, ['import', 'big.csv', '--mode', 'row', '--db', 'barge.db']);
    expect(again.exitCode).toBe(2);
    const kept = rows<{ n: number }>(path.join(dir, 'barge.db'), "SELECT json_extract(checkpoint, '$.counts.inserted') AS n FROM _barge_jobs")[0]!.n;
    expect(again.stderr).toBe(`barge: error: job "${left.id}" already loaded ${kept.toLocaleString('en-US')} records of big.csv into "big" before its process was killed (it is left "running"): this import would load them a second time; resume the job instead: barge import --resume ${left.id} (or, to load the file whole again anyway, give this import a new --job-id; to replace the table's rows, --truncate)`);
    expect(table(dir)).toEqual(before);
  });

  it('beside the job still loading the file: refused, naming its process', async () => {
    const dir = workdir();
    bigCsv(dir, 2_000_000);
    const child = execa('node', [BIN, 'import', 'big.csv', '--mode', 'row', '--batch-size', '100'], { cwd: dir, reject: false, env: ENV });
    try {
      await waitForBatches(path.join(dir, 'barge.db'), 2);
      const again = await barge(dir, ['import', 'big.csv', '--mode', 'row']);
      expect(again.exitCode).toBe(2);
      expect(again.stderr).toMatch(new RegExp(`^barge: error: job "\\S+" is loading big\\.csv into "big" now \\([\\d,]+ records so far, in process ${child.pid}\\): this import would load them a second time; wait for it to finish \\(or, to load the file whole again anyway, give this import a new --job-id; to replace the table's rows, --truncate\\)$`));
    } finally {
      child.kill('SIGKILL');
      await child;
    }
  });

  it('a job that failed midway (--fail-fast): refused with "before it failed"', async () => {
    const dir = workdir();
    const name = bigCsv(dir, 5000);
    // Record 3001 bad: the job stops at it, its 3 batches before committed.
    const file = path.join(dir, name);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('\n3001,n3001\n', '\nx,bad\n'));
    const first = await barge(dir, ['import', name, '--mode', 'batch', '--batch-size', '1000', '--fail-fast']);
    expect(first.exitCode, first.stderr).toBe(1);
    const failed = job(dir);
    expect(failed).toEqual({ id: failed.id, status: 'failed', inserted: 3000 });
    const again = await barge(dir, ['import', name, '--mode', 'batch', '--batch-size', '1000', '--fail-fast']);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toBe(`barge: error: job "${failed.id}" already loaded 3,000 records of big.csv into "big" before it failed: this import would load them a second time; resume the job instead: barge import --resume ${failed.id} (or, to load the file whole again anyway, give this import a new --job-id; to replace the table's rows, --truncate)`);
    expect(table(dir)).toEqual({ n: 3000, ids: 3000 });
  });

  it.each([
    ['--truncate', ['--truncate'], (_: number) => ({ n: 200_000, ids: 200_000 })],
    ['a new --job-id', ['--job-id', 'again'], (kept: number) => ({ n: kept + 200_000, ids: 200_000 })],
  ])('not refused with %s', async (_, extra, after) => {
    const dir = workdir();
    bigCsv(dir, 200_000);
    await stopMidway(dir, 'batch', 'SIGINT');
    const kept = table(dir).n;
    const again = await barge(dir, ['import', 'big.csv', '--mode', 'batch', '--quiet', ...extra]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(table(dir)).toEqual(after(kept));
  });

  it('not refused from stdin, nor for a file changed since (another size)', async () => {
    const dir = workdir();
    bigCsv(dir, 200_000);
    await stopMidway(dir, 'batch', 'SIGINT');
    const kept = table(dir).n;
    const piped = await barge(dir, ['import', '-', '--table', 'big', '--format', 'csv', '--quiet'], { inputFile: path.join(dir, 'big.csv') });
    expect(piped.exitCode, piped.stderr).toBe(0);
    expect(table(dir)).toEqual({ n: kept + 200_000, ids: 200_000 });
    fs.appendFileSync(path.join(dir, 'big.csv'), '200001,n200001\n');
    const changed = await barge(dir, ['import', 'big.csv', '--mode', 'batch', '--quiet']);
    expect(changed.exitCode, changed.stderr).toBe(0);
    expect(table(dir)).toEqual({ n: kept + 200_000 + 200_001, ids: 200_001 });
  });
});

