import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { planJobIdRerun } from '../../src/pipeline/job-id-rerun.js';
import { emptyCounts, type ImportConfig } from '../../src/pipeline/import-config.js';
import { processStart } from '../../src/pipeline/job-owner.js';
import { ensureJobsTable, insertJob, type JobRecord, type JobStatus } from '../../src/store/jobs.js';

function job(id: string, status: JobStatus, extra: Partial<JobRecord> = {}): JobRecord {
  return {
    id, command: 'barge import in.csv', inputs: [], table: 't', mode: 'batch', options: {}, status, counts: emptyCounts(),
    batchesCommitted: 0, reportPath: null, startedAt: new Date().toISOString(), finishedAt: null, durationMs: null, recordsPerSecond: null, error: null, checkpoint: null,
    ...extra,
  };
}

function config(inputs: string[]): ImportConfig {
  return {
    inputs, dbPath: ':memory:', source: {}, inferRows: 1000, batchSize: 1000, mode: 'batch', onConflict: 'error',
    truncate: false, dryRun: false, busyTimeoutMs: 0, commandLine: 'barge import', jobId: 'nightly',
  } as ImportConfig;
}

function dbWith(...jobs: JobRecord[]): Database.Database {
  const db = new Database(':memory:');
  ensureJobsTable(db);
  for (const j of jobs) insertJob(db, j);
  return db;
}

describe('planJobIdRerun: what an import given an existing --job-id does', () => {
  it('no such job: a new one', async () => {
    expect(await planJobIdRerun(dbWith(), config(['in.csv']), 'nightly')).toEqual({ kind: 'new' });
  });

  it('a job that succeeded: done, and a warning only when the input is not the file it loaded (by size)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-rerun-'));
    try {
      const input = path.join(dir, 'in.csv');
      fs.writeFileSync(input, 'id\n1\n');
      const loaded = job('nightly', 'succeeded', { inputs: [{ path: input, size: 5, sha256: null }] as JobRecord['inputs'] });
      expect(await planJobIdRerun(dbWith(loaded), config([input]), 'nightly')).toMatchObject({ kind: 'done', warning: undefined });
      fs.writeFileSync(input, 'id\n1\n2\n');
      const rerun = await planJobIdRerun(dbWith(loaded), config([input]), 'nightly');
      expect(rerun).toMatchObject({
        kind: 'done',
        warning: `input ${JSON.stringify(input)} is not the file the job loaded (7 bytes now, 5 then): job "nightly" already succeeded, so nothing of it was loaded; to load it, use a new --job-id (the rows it loaded stay: with --on-conflict ignore into a table with a key, or --truncate, they are not loaded twice)`,
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a job still running in a live process: refused with where it runs', async () => {
    // The test's parent process (vitest's): alive, and not this one.
    const owner = { pid: process.ppid, host: os.hostname(), started: processStart(process.ppid) };
    const running = job('nightly', 'running', { options: { owner } });
    await expect(planJobIdRerun(dbWith(running), config(['in.csv']), 'nightly')).rejects.toThrow(`job "nightly" is still running in process ${process.ppid}; wait for it to finish, or stop it and run again`);
    expect(await planJobIdRerun(dbWith(job('nightly', 'running', { options: { owner: { ...owner, pid: 2 ** 22 + 7 } } })), config(['in.csv']), 'nightly')).toMatchObject({ kind: 'replace' });
  });

  it('a failed job with no committed batch (or an atomic one): replaced by this run', async () => {
    const failed = job('nightly', 'failed');
    expect(await planJobIdRerun(dbWith(failed), config(['in.csv']), 'nightly')).toMatchObject({ kind: 'replace', previous: { id: 'nightly', status: 'failed' } });
    const atomic = job('nightly', 'interrupted', { mode: 'atomic', checkpoint: { records: 10, batches: 1, counts: emptyCounts(), reportBytes: 0 } as JobRecord['checkpoint'] });
    expect(await planJobIdRerun(dbWith(atomic), config(['in.csv']), 'nightly')).toMatchObject({ kind: 'replace' });
  });
});
