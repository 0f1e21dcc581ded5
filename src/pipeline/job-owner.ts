import fs from 'node:fs';
import os from 'node:os';
import type { JobLease, JobRecord } from '../store/jobs.js';

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
  /** When this process took the job (ISO time): a sign of life until its first checkpoint. */
  since?: string;
  /**
   * Its PID namespace (Linux: `pid:[4026531836]`, the link /proc/self/ns/pid): a process of
   * another container with the same hostname (`--network host`, or the same `--hostname`) has
   * pids of its own, and its job's pid 2, looked up here, was some other process, so a live job
   * was taken for dead, resumed, and loaded twice. Another namespace counts as another host.
   */
  pidns?: string;
  /**
   * The job history's last row when this process claimed the job (lastJobRow): jobs recorded
   * after it were claimed after this claim (confirmJobStillOurs), whatever the hosts' clocks say.
   */
  after?: number;
  /** The last time its process renewed the lease while no batch committed (renewJobLease). */
  renewedAt?: string;
}

/**
 * How long a job of another host counts as running after its last sign of life (its start, or
 * its last committed batch). barge cannot see another machine's processes: every such job
 * counted as gone, so a second container's cron run (another hostname) with the same --job-id
 * resumed a job the first was still loading, and both loaded the whole file (exit 0 twice).
 * A batch commits every few seconds at most, and a job whose batches are slower (a slow pipe, a
 * batch of a million records) renews the lease every LEASE_RENEWAL_MS while no batch commits;
 * 2 minutes is the longest a retry after a crash on another machine waits. The hosts' clocks
 * must agree to within it (NTP): each compares its own clock with the other's times.
 */
export const OTHER_HOST_LEASE_MS = 120_000;

/** How often a running batch/row job renews its lease when no batch has committed since. */
export const LEASE_RENEWAL_MS = 30_000;

let ownHost: string | undefined;

/**
 * This host's name as this process first read it: a laptop's hostname that changes mid-run
 * (a new network's DHCP) must not make its own job another host's (confirmJobStillOurs).
 */
export function thisHost(): string {
  ownHost ??= os.hostname();
  return ownHost;
}

export function currentOwner(): JobOwner {
  const started = processStart(process.pid);
  const since = new Date().toISOString();
  const pidns = pidNamespace();
  return { pid: process.pid, host: thisHost(), ...(started === undefined ? {} : { started }), since, ...(pidns === undefined ? {} : { pidns }) };
}

let ownPidNamespace: string | null | undefined;

/** This process's PID namespace (JobOwner.pidns); undefined without /proc. */
export function pidNamespace(): string | undefined {
  if (ownPidNamespace === undefined) {
    try {
      ownPidNamespace = fs.readlinkSync('/proc/self/ns/pid');
    } catch {
      ownPidNamespace = null;
    }
  }
  return ownPidNamespace ?? undefined;
}

/** Whether the job's owner is this very process (its pid, host and PID namespace). */
export function ownedByThisProcess(job: Pick<JobLease, 'options'>): boolean {
  const owner = job.options.owner as Partial<JobOwner> | undefined;
  return owner?.pid === process.pid && owner.host === thisHost() && (owner.pidns ?? null) === (pidNamespace() ?? null);
}

/** Whether the job's process is one this process can look up: this host, and (where known) this PID namespace. */
function seenFromHere(owner: Partial<JobOwner>): boolean {
  return owner.host === thisHost() && (owner.pidns === undefined || pidNamespace() === undefined || owner.pidns === pidNamespace());
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

/**
 * True when the job's process is known to be alive on this host, or, on another host, showed a
 * sign of life within OTHER_HOST_LEASE_MS; unknown owners count as gone.
 */
export function jobOwnerAlive(job: JobRecord, now = Date.now()): boolean {
  const owner = job.options.owner as Partial<JobOwner> | undefined;
  if (!owner || typeof owner.pid !== 'number') return false;
  if (!seenFromHere(owner)) return now - lastSignOfLife(job) < OTHER_HOST_LEASE_MS;
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

/** The job's last sign of life, in ms since the epoch: its start, its owner's claim or its last checkpoint. */
export function lastSignOfLife(job: Pick<JobLease, 'startedAt' | 'options' | 'checkpoint'>): number {
  const owner = job.options.owner as Partial<JobOwner> | undefined;
  const times = [job.startedAt, owner?.since, owner?.renewedAt, job.checkpoint?.savedAt].map((time) => (typeof time === 'string' ? Date.parse(time) : Number.NaN));
  return Math.max(0, ...times.filter((time) => !Number.isNaN(time)));
}

export function describeOwner(job: JobRecord, now = Date.now()): string {
  const owner = job.options.owner as Partial<JobOwner> | undefined;
  if (!owner?.pid) return 'another process';
  if (typeof owner.host !== 'string' || seenFromHere(owner)) return `process ${owner.pid}`;
  const seconds = Math.round((now - lastSignOfLife(job)) / 1000);
  // Ahead of this clock: the other host's clock is (the lease holds however far).
  const seen = seconds < 0 ? `its last sign of life ${-seconds} s ahead of this host's clock` : `last seen ${seconds} s ago`;
  const container = owner.host === thisHost();
  const where = `on host ${JSON.stringify(owner.host)}${container ? ' in another PID namespace (a container)' : ''}`;
  const what = container ? "another PID namespace's processes" : "another machine's processes";
  return `process ${owner.pid} ${where} (${seen}; barge cannot see ${what}, so such a job counts as running until ${OTHER_HOST_LEASE_MS / 1000} s pass without a sign of life)`;
}
