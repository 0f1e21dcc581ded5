import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, rows, workdir } from '../helpers/cli.js';
import { writeNumberedCsv } from '../helpers/generate.js';

/**
 * On one CPU (taskset, a container's cpuset or quota) a worker thread only takes turns with the
 * import's own: a 1M-row CSV import took 3.76 s with it against 2.65 s without. Unset
 * BARGE_WORKER then keeps imports, validations and exports on one thread, as `never` does. The
 * process's threads are counted from /proc while it runs: a worker is one more.
 */

const hasTaskset = ['/usr/bin/taskset', '/bin/taskset'].some((file) => fs.existsSync(file));

/** Runs barge (under `taskset -c 0` when oneCpu), sampling its thread count: exit code and the most threads seen. */
async function runCountingThreads(dir: string, args: string[], worker: string | undefined, oneCpu: boolean): Promise<{ exitCode: number; stderr: string; threads: number }> {
  const env = { ...process.env, BARGE_DB: '', NO_COLOR: '1', BARGE_WORKER: worker ?? '' };
  const command = oneCpu ? ['taskset', '-c', '0', 'node', BIN, ...args] : ['node', BIN, ...args];
  const child = execa(command[0]!, command.slice(1), { cwd: dir, env, reject: false, stdin: 'ignore' });
  let threads = 0;
  const sample = setInterval(() => {
    try {
      threads = Math.max(threads, fs.readdirSync(`/proc/${child.pid}/task`).length);
    } catch {
      // Gone already.
    }
  }, 5);
  const result = await child;
  clearInterval(sample);
  return { exitCode: result.exitCode ?? -1, stderr: String(result.stderr), threads };
}

describe.skipIf(!hasTaskset)('on one CPU, no worker thread unless BARGE_WORKER=always', () => {
  it('import, validate and export: as many threads as with never, the same rows; on two CPUs the worker is one more', async () => {
    const dir = workdir();
    // 400,000 records, ~9 MB: over the worker's 1 MB for an import; validate's split wants 16 MB: the file twice.
    writeNumberedCsv(path.join(dir, 'n.csv'), 400_000);
    fs.writeFileSync(path.join(dir, 'big.csv'), fs.readFileSync(path.join(dir, 'n.csv'), 'utf8') + fs.readFileSync(path.join(dir, 'n.csv'), 'utf8').split('\n').slice(1).join('\n'));
    const commands: Array<[string, (db: string) => string[]]> = [
      ['import', (db) => ['import', 'n.csv', '--db', db, '--table', 'n', '--quiet']],
      ['validate', () => ['validate', 'big.csv', '--quiet']],
      ['export', (db) => ['export', '--db', db, '--table', 'n', '--out', `${db}.csv`, '--quiet']],
    ];
    for (const [name, args] of commands) {
      const counts: Record<string, number> = {};
      for (const [label, worker, oneCpu] of [['one CPU, auto', undefined, true], ['one CPU, never', 'never', true], ['one CPU, always', 'always', true], ['two CPUs, auto', undefined, false]] as const) {
        const db = `${name}-${label.replace(/\W+/g, '-')}.db`;
        if (name === 'export') {
          const load = await runCountingThreads(dir, ['import', 'n.csv', '--db', db, '--table', 'n', '--quiet'], 'never', false);
          expect(load.exitCode, load.stderr).toBe(0);
        }
        const run = await runCountingThreads(dir, args(db), worker, oneCpu);
        expect(run.exitCode, `${name}, ${label}: ${run.stderr}`).toBe(0);
        counts[label] = run.threads;
        if (name === 'import') expect(rows(path.join(dir, db), 'SELECT count(*) AS n, sum(id) AS s FROM n')).toEqual([{ n: 400_000, s: 400_000 * 400_001 / 2 }]);
        if (name === 'export') expect(fs.readFileSync(path.join(dir, `${db}.csv`), 'utf8')).toBe(fs.readFileSync(path.join(dir, 'n.csv'), 'utf8'));
      }
      expect(counts['one CPU, auto'], `${name}: ${JSON.stringify(counts)}`).toBe(counts['one CPU, never']);
      expect(counts['one CPU, always'], `${name}: ${JSON.stringify(counts)}`).toBeGreaterThan(counts['one CPU, never']!);
      expect(counts['two CPUs, auto'], `${name}: ${JSON.stringify(counts)}`).toBeGreaterThan(counts['one CPU, never']!);
    }
  });
});
