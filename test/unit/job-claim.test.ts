import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { claimJob } from '../../src/pipeline/job-claim.js';
import { BargeError } from '../../src/errors.js';
import { emptyCounts } from '../../src/pipeline/import-config.js';
import { getJob, type JobRecord } from '../../src/store/jobs.js';

function job(id: string): JobRecord {
  return {
    id, command: 'barge import x.csv', inputs: [], table: 't', mode: 'batch', options: {}, status: 'running', counts: emptyCounts(),
    batchesCommitted: 0, reportPath: null, startedAt: new Date().toISOString(), finishedAt: null, durationMs: null, recordsPerSecond: null, error: null, checkpoint: null,
  };
}

describe('claimJob checks again, under its lock, what the run decided before it', () => {
  it('a check that no longer holds (the table dropped meanwhile): its error, and no job row', () => {
    const db = new Database(':memory:');
    const gone = new BargeError('usage', 'table "t" was dropped by another process while this run started');
    expect(() => claimJob(db, { create: job('a'), replaces: undefined }, () => { throw gone; })).toThrow(gone);
    expect(getJob(db, 'a')).toBeUndefined();
    claimJob(db, { create: job('b'), replaces: undefined }, () => undefined);
    expect(getJob(db, 'b')?.status).toBe('running');
  });
});
