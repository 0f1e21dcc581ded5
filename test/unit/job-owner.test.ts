import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { jobOwnerAlive, processStart } from '../../src/pipeline/job-owner.js';
import type { JobRecord } from '../../src/store/jobs.js';

const hasProc = processStart(process.pid) !== undefined;

function jobOwnedBy(owner: Record<string, unknown>): JobRecord {
  return { options: { owner } } as unknown as JobRecord;
}

describe('jobOwnerAlive', () => {
  it.skipIf(!hasProc)('a live process is the job\'s only if it started when the job recorded (a pid the system reused is not)', () => {
    // Process 1 lives, whoever owns it (kill(1, 0) may be EPERM for a user: its start time is read all the same).
    const started = processStart(1)!;
    expect(jobOwnerAlive(jobOwnedBy({ pid: 1, host: os.hostname(), started }))).toBe(true);
    expect(jobOwnerAlive(jobOwnedBy({ pid: 1, host: os.hostname(), started: String(Number(started) + 1) }))).toBe(false);
    // An owner recorded before the start time was kept: the pid alone.
    expect(jobOwnerAlive(jobOwnedBy({ pid: 1, host: os.hostname() }))).toBe(true);
  });

  it('another host, no owner, or this very process: not alive', () => {
    expect(jobOwnerAlive(jobOwnedBy({ pid: 1, host: `${os.hostname()}-other` }))).toBe(false);
    expect(jobOwnerAlive({ options: {} } as unknown as JobRecord)).toBe(false);
    expect(jobOwnerAlive(jobOwnedBy({ pid: process.pid, host: os.hostname() }))).toBe(false);
  });
});
