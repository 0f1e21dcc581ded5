import fs from 'node:fs';
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
  /**
   * When the process started (processStart), where the system says: a pid the system has since
   * given to another process is not the job's (a resume was refused while that process lived).
   */
  started?: string;
}

export function currentOwner(): JobOwner {
  const started = processStart(process.pid);
  return started === undefined ? { pid: process.pid, host: os.hostname() } : { pid: process.pid, host: os.hostname(), started };
}

/** When `pid` started, in clock ticks since boot (field 22 of Linux's /proc/<pid>/stat); undefined without /proc. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2, the command's name, is in parentheses and may hold spaces and ')': the fields
    // after the last ')' are 3, 4, …, so field 22 is the 20th of them.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** True when the job's process is known to be alive on this host; unknown owners count as gone. */
export function jobOwnerAlive(job: JobRecord): boolean {
  const owner = job.options.owner as Partial<JobOwner> | undefined;
  if (!owner || typeof owner.pid !== 'number' || owner.host !== os.hostname()) return false;
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to someone else (whose start time is as readable).
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (typeof owner.started === 'string') {
    const started = processStart(owner.pid);
    if (started !== undefined && started !== owner.started) return false;
  }
  return true;
}

export function describeOwner(job: JobRecord): string {
  const owner = job.options.owner as Partial<JobOwner> | undefined;
  return owner?.pid ? `process ${owner.pid}` : 'another process';
}
