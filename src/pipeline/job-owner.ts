import os from 'node:os';
import type { JobRecord } from '../store/jobs.js';

/**
 * Which process runs a job, kept in the job's options. A job killed with
 * `kill -9` (or whose final update failed on a full disk) stays `running`
 * in the history; knowing its process lets a retry tell a live job, which it
 * must leave alone, from a dead one, which it may resume.
 */
export interface JobOwner {
  pid: number;
  host: string;
}

export function currentOwner(): JobOwner {
  return { pid: process.pid, host: os.hostname() };
}

/** True when the job's process is known to be alive on this host; unknown owners count as gone. */
export function jobOwnerAlive(job: JobRecord): boolean {
  const owner = job.options.owner as Partial<JobOwner> | undefined;
  if (!owner || typeof owner.pid !== 'number' || owner.host !== os.hostname()) return false;
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function describeOwner(job: JobRecord): string {
  const owner = job.options.owner as Partial<JobOwner> | undefined;
  return owner?.pid ? `process ${owner.pid}` : 'another process';
}
