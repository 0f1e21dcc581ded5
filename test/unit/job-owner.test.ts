import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { currentOwner, describeOwner, jobOwnerAlive, OTHER_HOST_LEASE_MS, pidNamespace, processStart } from '../../src/pipeline/job-owner.js';
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

  it('another host\'s job counts as running until OTHER_HOST_LEASE_MS pass without a sign of life (its start, its claim, its last checkpoint)', () => {
    const now = Date.parse('2026-11-25T12:00:00.000Z');
    const ago = (ms: number) => new Date(now - ms).toISOString();
    const other = { pid: 1, host: `${os.hostname()}-other` };
    const job = (startedAt: string, owner: Record<string, unknown>, savedAt?: string) =>
      ({ startedAt, options: { owner }, checkpoint: savedAt === undefined ? null : { savedAt } }) as unknown as JobRecord;
    // Started 5 s ago on another container: it was taken for gone, resumed, and loaded twice.
    expect(jobOwnerAlive(job(ago(5_000), other), now)).toBe(true);
    expect(jobOwnerAlive(job(ago(OTHER_HOST_LEASE_MS + 1_000), other), now)).toBe(false);
    // Its last batch committed 1 s ago: alive, however long ago it started.
    expect(jobOwnerAlive(job(ago(3_600_000), other, ago(1_000)), now)).toBe(true);
    // Resumed (claimed) 1 s ago by a process of that host.
    expect(jobOwnerAlive(job(ago(3_600_000), { ...other, since: ago(1_000) }, ago(3_000_000)), now)).toBe(true);
    expect(describeOwner(job(ago(5_000), other), now)).toBe(`process 1 on host ${JSON.stringify(other.host)} (last seen 5 s ago; barge cannot see another machine's processes, so such a job counts as running until 120 s pass without a sign of life)`);
  });

  it('another host long silent, no owner, or this very process: not alive', () => {
    expect(jobOwnerAlive(jobOwnedBy({ pid: 1, host: `${os.hostname()}-other` }))).toBe(false);
    expect(jobOwnerAlive({ options: {} } as unknown as JobRecord)).toBe(false);
    expect(jobOwnerAlive(jobOwnedBy({ pid: process.pid, host: os.hostname() }))).toBe(false);
  });

  it.skipIf(!hasProc)('a process of this hostname in another PID namespace (a container) counts as another host\'s: its pid here is some other process', () => {
    const now = Date.parse('2026-11-25T12:00:00.000Z');
    const ago = (ms: number) => new Date(now - ms).toISOString();
    const started = processStart(1)!;
    expect(currentOwner().pidns).toBe(pidNamespace());
    expect(pidNamespace()).toMatch(/^pid:\[\d+\]$/);
    const here = { pid: 1, host: os.hostname(), started, pidns: pidNamespace() };
    const container = { ...here, pidns: 'pid:[1]' };
    const job = (startedAt: string, owner: Record<string, unknown>) => ({ startedAt, options: { owner }, checkpoint: null }) as unknown as JobRecord;
    // Pid 1 lives here and started when recorded: in this namespace, alive however long ago it started.
    expect(jobOwnerAlive(job(ago(3_600_000), here), now)).toBe(true);
    // In another namespace, its pid says nothing: the lease decides.
    expect(jobOwnerAlive(job(ago(5_000), container), now)).toBe(true);
    expect(jobOwnerAlive(job(ago(OTHER_HOST_LEASE_MS + 1_000), container), now)).toBe(false);
    expect(describeOwner(job(ago(5_000), container), now)).toBe(
      `process 1 on host ${JSON.stringify(os.hostname())} in another PID namespace (a container) (last seen 5 s ago; barge cannot see another PID namespace's processes, so such a job counts as running until 120 s pass without a sign of life)`,
    );
  });

  it('a renewed lease is a sign of life; a sign of life ahead of this clock is said so, not "0 s ago"', () => {
    const now = Date.parse('2026-11-25T12:00:00.000Z');
    const at = (ms: number) => new Date(now + ms).toISOString();
    const other = { pid: 1, host: `${os.hostname()}-other` };
    const job = (owner: Record<string, unknown>) => ({ startedAt: at(-3_600_000), options: { owner }, checkpoint: { savedAt: at(-3_000_000) } }) as unknown as JobRecord;
    expect(jobOwnerAlive(job(other), now)).toBe(false);
    expect(jobOwnerAlive(job({ ...other, renewedAt: at(-20_000) }), now)).toBe(true);
    expect(describeOwner(job({ ...other, renewedAt: at(90_000) }), now)).toBe(
      `process 1 on host ${JSON.stringify(other.host)} (its last sign of life 90 s ahead of this host's clock; barge cannot see another machine's processes, so such a job counts as running until 120 s pass without a sign of life)`,
    );
  });
});
