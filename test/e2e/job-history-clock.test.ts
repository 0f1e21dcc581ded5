import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, barge, rows, workdir } from '../helpers/cli.js';
import { readsStdin, waitForChild } from '../helpers/process-waits.js';
import { waitUntil } from '../helpers/waits.js';

/**
 * A database fed for a year, and the wall clock: its job history is looked up by an index, the
 * newest job is the one last written whatever the clock said, and durations come from the
 * monotonic clock.
 */

const ENV = { ...process.env, BARGE_DB: '', NO_COLOR: '1' };

describe('the wall clock steps back while a job runs', () => {
  it('the duration is the time the run took, not the step (was -3596.9 s)', async () => {
    const dir = workdir();
    const step = path.join(dir, 'step-the-clock');
    // Loaded before barge: once the test makes the file `step`, the wall clock (Date.now() and
    // new Date()) is an hour behind, as after NTP's step or a restored VM.
    fs.writeFileSync(
      path.join(dir, 'clock-steps-back.mjs'),
      `import fs from 'node:fs';
const RealDate = Date;
const realNow = RealDate.now;
let stepped = false;
const now = () => { stepped ||= fs.existsSync(${JSON.stringify(step)}); return stepped ? realNow() - 3_600_000 : realNow(); };
globalThis.Date = class extends RealDate {
  constructor(...args) { super(...(args.length === 0 ? [now()] : args)); }
  static now() { return now(); }
};
`,
    );
    const began = performance.now();
    const run = execa('node', [BIN, 'import', '-', '--format', 'csv', '--table', 't', '--db', 'x.db', '--mode', 'batch', '--job-id', 'J', '--json'], {
      cwd: dir, reject: false, stdin: 'pipe', timeout: 60_000, env: { ...ENV, NODE_OPTIONS: `--import=${path.join(dir, 'clock-steps-back.mjs')}` },
    });
    run.stdin!.write('id\n1\n');
    // The run has begun (its clock started before it opened its input): from here the test holds the pipe open.
    await waitForChild(run, 'barge reading stdin', readsStdin);
    const held = performance.now();
    fs.writeFileSync(step, '');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const gap = performance.now() - held;
    run.stdin!.end('2\n');
    const result = await run;
    const wall = performance.now() - began;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const summary = JSON.parse(String(result.stdout)) as { durationMs: number; counts: { read: number; inserted: number } };
    expect(summary.counts).toMatchObject({ read: 2, inserted: 2 });
    // The run spans the gap the pipe was held open (the step fell inside it) and lies within the test's wall time of it.
    expect(summary.durationMs).toBeGreaterThanOrEqual(Math.floor(gap));
    expect(summary.durationMs).toBeLessThan(wall);
    const job = rows<{ d: number; started: string; finished: string }>(path.join(dir, 'x.db'), "SELECT duration_ms AS d, started_at AS started, finished_at AS finished FROM _barge_jobs WHERE id = 'J'")[0]!;
    expect(job.d).toBe(summary.durationMs);
    // The step took: by the wall clock the job finished about an hour before it started.
    const byWallClock = Date.parse(job.finished) - Date.parse(job.started);
    expect(byWallClock + 3_600_000).toBeGreaterThanOrEqual(Math.floor(gap));
    expect(byWallClock + 3_600_000).toBeLessThan(wall);
    expect(rows(path.join(dir, 'x.db'), 'SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
  });
});

describe('a long job history', () => {
  it('barge jobs lists the job written last first, even when the clock said it started earlier', async () => {
    const dir = workdir();
    for (const id of ['a', 'b', 'c']) {
      const result = await barge(dir, ['import', 'fixtures/makers.csv', '--db', 'h.db', '--table', `m_${id}`, '--job-id', id]);
      expect(result.exitCode, result.stderr).toBe(0);
    }
    // Job c ran after the clock was set back two hours.
    const db = new Database(path.join(dir, 'h.db'));
    db.prepare("UPDATE _barge_jobs SET started_at = strftime('%Y-%m-%dT%H:%M:%fZ', started_at, '-2 hours') WHERE id = 'c'").run();
    db.close();
    const listed = await barge(dir, ['jobs', '--db', 'h.db', '--limit', '2', '--json']);
    expect(listed.exitCode, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as Array<{ id: string }>).map((job) => job.id)).toEqual(['c', 'b']);
  });

  it('an import finds the running jobs of its table by an index, made in a database of an older version too', async () => {
    const dir = workdir();
    const result = await barge(dir, ['import', 'fixtures/makers.csv', '--db', 'h.db']);
    expect(result.exitCode, result.stderr).toBe(0);
    const file = path.join(dir, 'h.db');
    const plan = () => {
      const db = new Database(file, { readonly: true });
      try {
        return (db.prepare("EXPLAIN QUERY PLAN SELECT * FROM _barge_jobs WHERE status = ? AND table_name = ? COLLATE NOCASE ORDER BY rowid DESC").all('running', 'makers') as Array<{ detail: string }>).map((step) => step.detail);
      } finally {
        db.close();
      }
    };
    expect(plan()).toContain('SEARCH _barge_jobs USING INDEX _barge_jobs_by_status (status=? AND table_name=?)');
    // As an older version left it: no index. The next import makes it.
    const db = new Database(file);
    db.exec('DROP INDEX _barge_jobs_by_status');
    db.close();
    expect(plan().join(' ')).toContain('SCAN _barge_jobs');
    const again = await barge(dir, ['import', 'fixtures/makers.csv', '--db', 'h.db', '--table', 'makers_again']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(plan()).toContain('SEARCH _barge_jobs USING INDEX _barge_jobs_by_status (status=? AND table_name=?)');
  });
});

describe('the lease of a batch job whose batches are slow', () => {
  it('a job reading a slow pipe renews its lease every 30 s without a committed batch, so another host does not take it for dead', async () => {
    const dir = workdir();
    const db = path.join(dir, 'slow.db');
    // A schema, so that the job starts without a sample to infer from.
    fs.writeFileSync(path.join(dir, 't.schema.json'), JSON.stringify({ table: 't', columns: { id: { type: 'integer' }, name: { type: 'string' } } }));
    const run = execa('node', [BIN, 'import', '-', '--format', 'csv', '--schema', 't.schema.json', '--db', 'slow.db', '--mode', 'batch', '--job-id', 'slow'], {
      cwd: dir, reject: false, env: ENV, input: undefined, stdin: 'pipe',
    });
    run.stdin!.write('id,name\n1,a\n');
    const owner = () => {
      if (!fs.existsSync(db)) return undefined;
      if (rows(db, "SELECT 1 FROM sqlite_master WHERE name = '_barge_jobs'").length === 0) return undefined;
      const found = rows<{ options: string }>(db, "SELECT options FROM _barge_jobs WHERE id = 'slow'")[0];
      return found === undefined ? undefined : (JSON.parse(found.options) as { owner: { renewedAt?: string; since: string } }).owner;
    };
    await waitUntil('the job is claimed', () => owner() !== undefined);
    expect(owner()!.renewedAt).toBeUndefined();
    await waitUntil('the lease is renewed', () => owner()?.renewedAt !== undefined, 45_000);
    expect(Date.parse(owner()!.renewedAt!) - Date.parse(owner()!.since)).toBeGreaterThanOrEqual(29_000);
    run.stdin!.end('2,b\n');
    const result = await run;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(rows(db, 'SELECT id, name FROM t ORDER BY id')).toEqual([{ id: 1, name: 'a' }, { id: 2, name: 'b' }]);
  }, 60_000);
});
