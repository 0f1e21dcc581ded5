import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { availableCpus, cgroupCpuQuota } from '../../src/available-cpus.js';
import { emptyCounts } from '../../src/pipeline/import-config.js';
import { claimJob, confirmJobStillOurs, JobFinishedMeanwhile } from '../../src/pipeline/job-claim.js';
import { currentOwner, processStart } from '../../src/pipeline/job-owner.js';
import { inputList } from '../../src/cli/render/import-summary.js';
import { openInput } from '../../src/source/open-input.js';
import { ensureJobsTable, getJob, insertJob, renewJobLease, type JobCheckpoint, type JobRecord } from '../../src/store/jobs.js';

/**
 * Mutation testing, round 3: tests that kill mutants the earlier tests let live, in the
 * cgroup CPU quota reading, the job claim and its lease checks, and an input's release.
 */

/** A file system of the given files' texts: any other file cannot be read. */
function files(texts: Record<string, string>): (file: string) => string | undefined {
  return (file) => texts[file];
}

describe('cgroupCpuQuota: every quota on the way to the root counts, wherever the cpu controller is mounted', () => {
  it('two quotas (the own group 0.5, its parent 1): the smallest, whichever is nearer', () => {
    const v2 = { '/proc/self/cgroup': '0::/a/b\n', '/sys/fs/cgroup/a/b/cpu.max': '50000 100000\n', '/sys/fs/cgroup/a/cpu.max': '100000 100000\n' };
    expect(cgroupCpuQuota(files(v2))).toBe(0.5);
    const parentSmaller = { '/proc/self/cgroup': '0::/a/b\n', '/sys/fs/cgroup/a/b/cpu.max': '300000 100000\n', '/sys/fs/cgroup/a/cpu.max': '150000 100000\n' };
    expect(availableCpus(4, files(parentSmaller))).toBe(1.5);
  });

  it('cgroup v1: the cpu controller\'s line, not cpuset\'s or cpuacct\'s before it', () => {
    const v1 = {
      '/proc/self/cgroup': '5:cpuset:/elsewhere\n3:cpuacct:/elsewhere\n2:cpu,cpuacct:/grp\n',
      '/sys/fs/cgroup/cpu,cpuacct/grp/cpu.cfs_quota_us': '50000\n', '/sys/fs/cgroup/cpu,cpuacct/grp/cpu.cfs_period_us': '100000\n',
    };
    expect(cgroupCpuQuota(files(v1))).toBe(0.5);
  });

  it('cgroup v1 mounted as the line names it ("cpuacct,cpu"), or as cpu,cpuacct when /proc/self/cgroup cannot be read', () => {
    const named = {
      '/proc/self/cgroup': '4:cpuacct,cpu:/g\n',
      '/sys/fs/cgroup/cpuacct,cpu/g/cpu.cfs_quota_us': '100000\n', '/sys/fs/cgroup/cpuacct,cpu/g/cpu.cfs_period_us': '100000\n',
    };
    expect(cgroupCpuQuota(files(named))).toBe(1);
    const unreadable = { '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '200000\n', '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n' };
    expect(cgroupCpuQuota(files(unreadable))).toBe(2);
  });

  it('a group outside the cgroup namespace ("0::/../x"): no file above the mount is read', () => {
    const read: string[] = [];
    const texts: Record<string, string> = { '/proc/self/cgroup': '0::/../../x\n4:cpu:/../y\n', '/sys/fs/cgroup/x/cpu.max': '50000 100000\n' };
    expect(cgroupCpuQuota((file) => { read.push(file); return texts[file]; })).toBe(0.5);
    expect(read.filter((file) => file.includes('..'))).toEqual([]);
  });

  it('a period of 0 is no quota (not Infinity CPUs)', () => {
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': '100000 0\n' }))).toBeUndefined();
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '100000', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '0' }))).toBeUndefined();
  });
});

const LONG_AGO = '2020-01-01T00:00:00.000Z';
const LONG_AGO_MS = Date.parse(LONG_AGO);
const LEASE_MS = 120_000;

function job(id: string, extra: Partial<JobRecord> = {}): JobRecord {
  return {
    id, command: 'barge import x.csv', inputs: [], table: 't', mode: 'batch', options: {}, status: 'running', counts: emptyCounts(),
    batchesCommitted: 0, reportPath: null, startedAt: LONG_AGO, finishedAt: null, durationMs: null, recordsPerSecond: null, error: null, checkpoint: null,
    ...extra,
  };
}

function checkpoint(extra: Partial<JobCheckpoint> = {}): JobCheckpoint {
  return { records: 10, batches: 1, committed: 1, counts: { ...emptyCounts(), read: 10, inserted: 10 }, reportBytes: 0, ...extra };
}

/** A jobs table holding `jobs` in this order (their rowids 1, 2, …), checkpoints too. */
function dbWith(...jobs: JobRecord[]): Database.Database {
  const db = new Database(':memory:');
  ensureJobsTable(db);
  for (const j of jobs) {
    insertJob(db, j);
    if (j.checkpoint !== null) db.prepare('UPDATE _barge_jobs SET checkpoint = ? WHERE id = ?').run(JSON.stringify(j.checkpoint), j.id);
  }
  return db;
}

/** This process as a job's owner since long ago (its lease lapsed), the history's row `after` when it claimed the job. */
function mine(after?: number): Record<string, unknown> {
  return { ...currentOwner(), since: LONG_AGO, ...(after === undefined ? {} : { after }) };
}

/** A live process of this host that is not this one: vitest's. */
function live(): Record<string, unknown> {
  return { pid: process.ppid, host: os.hostname(), started: processStart(process.ppid) };
}

/** A process long gone. */
const DEAD = { pid: 2 ** 22 + 7, host: os.hostname() };

describe('confirmJobStillOurs: the lease\'s boundary, the record\'s status, the job\'s place in the history', () => {
  it('exactly at the lease\'s end it has lapsed: a reload recorded after the claim stops the batch, saying how long it was paused', () => {
    const db = dbWith(job('J', { options: { owner: mine(0) } }), job('R', { options: { truncate: true, owner: DEAD } }));
    expect(() => confirmJobStillOurs(db, 'J', LONG_AGO_MS + LEASE_MS)).toThrow('job "J" was paused for 120 s, past the 120 s lease, and job "R" (a reload, --truncate) started on table "t" meanwhile, taking this one for dead: this batch was rolled back and this process stops, so that its rows are not mixed with that job\'s');
    expect(() => confirmJobStillOurs(db, 'J', LONG_AGO_MS + LEASE_MS - 1)).not.toThrow();
  });

  it('a record that no longer says running, though still naming this process: stops', () => {
    for (const status of ['interrupted', 'failed'] as const) {
      const db = dbWith(job('J', { status, options: { owner: mine(0) } }));
      expect(() => confirmJobStillOurs(db, 'J', LONG_AGO_MS + 10 * LEASE_MS)).toThrow(`job "J" was taken from this process while it was paused past the 120 s lease (its record says it ${status}): this batch was rolled back and this process stops, so that the job is not loaded twice`);
    }
  });

  it('this job a reload yet to empty the table, and a batch by batch job recorded after it: stops', () => {
    const db = dbWith(job('J', { options: { truncate: true, owner: mine(0) } }), job('B', { options: { owner: DEAD } }));
    expect(() => confirmJobStillOurs(db, 'J', LONG_AGO_MS + 10 * LEASE_MS)).toThrow('job "J" was paused for 1200 s, past the 120 s lease, and job "B" (batch by batch) started on table "t" meanwhile');
  });

  it('the table named in another case is the same table (SQLite folds ASCII case), with or without the claim\'s row', () => {
    for (const owner of [mine(0), mine()]) {
      const db = dbWith(job('J', { table: 'Numbered', options: { owner } }), job('R', { table: 'NUMBERED', options: { truncate: true, owner: DEAD } }));
      expect(() => confirmJobStillOurs(db, 'J', LONG_AGO_MS + 10 * LEASE_MS)).toThrow('and job "R" (a reload, --truncate) started on table "Numbered" meanwhile');
    }
  });

  it('a recent checkpoint is a sign of life: the lease holds, whatever was recorded since', () => {
    const now = Date.now();
    const db = dbWith(job('J', { options: { owner: mine(0) }, checkpoint: checkpoint({ savedAt: new Date(now - 1000).toISOString() }) }), job('R', { options: { truncate: true, owner: DEAD } }));
    expect(() => confirmJobStillOurs(db, 'J', now)).not.toThrow();
  });

  it('a reload recorded before this process resumed the job (after the job\'s own row) is not one started meanwhile', () => {
    const db = dbWith(job('J', { status: 'interrupted', options: { owner: DEAD }, checkpoint: checkpoint() }), job('R', { status: 'succeeded', options: { truncate: true, owner: DEAD } }));
    claimJob(db, { resume: getJob(db, 'J')! });
    // Every sign of life long ago: the lease lapsed.
    db.prepare("UPDATE _barge_jobs SET options = json_set(options, '$.owner.since', ?) WHERE id = 'J'").run(LONG_AGO);
    expect((getJob(db, 'J')!.options.owner as { after: number }).after).toBe(2);
    expect(() => confirmJobStillOurs(db, 'J', Date.now())).not.toThrow();
  });
});

describe('claimJob: the row found under the lock is still the one the run decided from', () => {
  it('a resume whose checkpoint moved on meanwhile (another process continued it): refused', () => {
    const db = dbWith(job('J', { status: 'interrupted', options: { owner: DEAD }, checkpoint: checkpoint() }));
    const seen = getJob(db, 'J')!;
    db.prepare('UPDATE _barge_jobs SET checkpoint = ? WHERE id = ?').run(JSON.stringify(checkpoint({ records: 20, batches: 2, committed: 2 })), 'J');
    expect(() => claimJob(db, { resume: seen })).toThrow('job "J" was continued by another process while this run started; run again to resume it from where that one stopped');
    expect(getJob(db, 'J')!.status).toBe('interrupted');
  });

  it('a resume beside a running reload of its table: refused, as a new job is', () => {
    const db = dbWith(job('J', { status: 'interrupted', options: { owner: DEAD }, checkpoint: checkpoint() }), job('K', { options: { truncate: true, owner: live() } }));
    expect(() => claimJob(db, { resume: getJob(db, 'J')! })).toThrow(`table "t" is being reloaded by job "K" (--truncate, in process ${process.ppid}): rows loaded beside it batch by batch would be mixed into the reload`);
    expect(getJob(db, 'J')!.status).toBe('interrupted');
  });

  it('the job to replace, resumed meanwhile by a live process (same start, now running): refused, its row kept', () => {
    const failed = job('J', { status: 'failed', options: { owner: DEAD } });
    const db = dbWith(failed);
    db.prepare("UPDATE _barge_jobs SET status = 'running', options = ? WHERE id = 'J'").run(JSON.stringify({ owner: live() }));
    expect(() => claimJob(db, { create: job('J', { startedAt: new Date().toISOString(), options: { owner: mine() } }), replaces: failed })).toThrow(`job "J" is still running in process ${process.ppid}; wait for it to finish, or stop it and run again`);
    expect(getJob(db, 'J')!.options.owner).toEqual(live());
  });

  it('started meanwhile by another process that died after committing batches: refused (a new run resumes it)', () => {
    const db = dbWith(job('J', { status: 'interrupted', options: { owner: DEAD }, checkpoint: checkpoint({ batches: 2, committed: 2 }) }));
    expect(() => claimJob(db, { create: job('J', { startedAt: new Date().toISOString() }), replaces: undefined })).toThrow('job "J" was started by another process while this run started, and stopped after committing batches; run again to resume it');
    expect(getJob(db, 'J')!.status).toBe('interrupted');
  });

  it('finished meanwhile as partial: JobFinishedMeanwhile, as for succeeded', () => {
    const db = dbWith(job('J', { status: 'partial', options: { owner: DEAD } }));
    expect(() => claimJob(db, { create: job('J'), replaces: undefined })).toThrow(JobFinishedMeanwhile);
  });

  it('a running reload past its emptying (its rows ignored, none inserted): a batch job beside it is not refused', () => {
    const emptied = checkpoint({ counts: { ...emptyCounts(), read: 5, ignored: 5 } });
    const db = dbWith(job('K', { options: { truncate: true, owner: live() }, checkpoint: emptied }));
    claimJob(db, { create: job('B', { options: { owner: mine() } }), replaces: undefined });
    expect(getJob(db, 'B')!.status).toBe('running');
  });
});

describe('renewJobLease: only a running job\'s lease', () => {
  it('a job whose record says it failed (owned by this process) is left as it is', () => {
    const db = new Database(':memory:');
    ensureJobsTable(db);
    const owner = { pid: process.pid, host: os.hostname() };
    db.prepare("INSERT INTO _barge_jobs (id, command, inputs, table_name, mode, options, status, started_at) VALUES ('j', 'x', '[]', 't', 'batch', ?, 'failed', ?)").run(JSON.stringify({ owner }), LONG_AGO);
    expect(renewJobLease(db, 'j', '2026-11-25T00:01:00.000Z', 5000, owner)).toBe(true);
    expect(JSON.parse((db.prepare("SELECT options FROM _barge_jobs WHERE id = 'j'").get() as { options: string }).options)).toEqual({ owner });
  });
});

describe('openInput: a stream destroyed before it was read lets go of its file', () => {
  it.skipIf(!fs.existsSync('/proc/self/fd'))('the file handle is closed (the worker path destroys the first input unread)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-round3-'));
    try {
      const file = path.join(dir, 'a.csv');
      // Larger than the first read, so the file is not read to its end (which closes it anyway).
      fs.writeFileSync(file, `id\n${'1\n'.repeat(500_000)}`);
      const opened = (): string[] => fs.readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return fs.readlinkSync(`/proc/self/fd/${fd}`) === file;
        } catch {
          return false;
        }
      });
      const input = await openInput(file, {});
      expect(opened().length).toBe(1);
      input.stream.destroy();
      // Closed asynchronously: a busy machine may take a while; never, without the release.
      for (let waited = 0; opened().length > 0 && waited < 3000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(opened()).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('inputList: the few inputs a summary\'s first line names', () => {
  it('stdin as "stdin", names on one line, the count of the rest in groups of digits', () => {
    expect(inputList(['-'])).toBe('stdin');
    expect(inputList(['a.csv', '-', 'b.csv'])).toBe('a.csv, stdin, b.csv');
    expect(inputList(['two\nlines.csv'])).toBe('two\\nlines.csv');
    const many = Array.from({ length: 1_005 }, (_, i) => `f${i + 1}.csv`);
    expect(inputList(many)).toBe('f1.csv, f2.csv, f3.csv, f4.csv and 1,001 more');
    expect(inputList(many.slice(0, 5))).toBe('f1.csv, f2.csv, f3.csv, f4.csv, f5.csv');
    expect(inputList(many.slice(0, 6))).toBe('f1.csv, f2.csv, f3.csv, f4.csv and 2 more');
    expect(inputList([])).toBe('');
  });
});
