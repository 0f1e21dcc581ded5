import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ensureJobsTable, renewJobLease } from '../../src/store/jobs.js';

/**
 * renewJobLease runs from a timer (run-import.ts): a failure it threw ended the process with a
 * stack trace and exit 1, the job left running. It only informs, so it says false instead, and
 * the connection waits for locks as long as before.
 */
describe('renewJobLease', () => {
  it('writes the owner\'s renewedAt of a running job, and keeps the busy timeout', () => {
    const db = new Database(':memory:');
    ensureJobsTable(db);
    const owner = { pid: process.pid, host: os.hostname() };
    db.prepare("INSERT INTO _barge_jobs (id, command, inputs, table_name, mode, options, status, started_at) VALUES ('j', 'x', '[]', 't', 'batch', ?, 'running', '2026-11-25T00:00:00.000Z')").run(JSON.stringify({ owner }));
    db.pragma('busy_timeout = 5000');
    expect(renewJobLease(db, 'j', '2026-11-25T00:01:00.000Z', 5000, { pid: process.pid, host: os.hostname() })).toBe(true);
    expect(JSON.parse((db.prepare("SELECT options FROM _barge_jobs WHERE id = 'j'").get() as { options: string }).options)).toEqual({ owner: { ...owner, renewedAt: '2026-11-25T00:01:00.000Z' } });
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  it('not the lease of a job another process took over (this one was paused past the lease)', () => {
    const db = new Database(':memory:');
    ensureJobsTable(db);
    const other = { pid: process.pid, host: 'another-host', since: '2026-11-25T00:03:00.000Z' };
    db.prepare("INSERT INTO _barge_jobs (id, command, inputs, table_name, mode, options, status, started_at) VALUES ('j', 'x', '[]', 't', 'batch', ?, 'running', '2026-11-25T00:00:00.000Z')").run(JSON.stringify({ owner: other }));
    expect(renewJobLease(db, 'j', '2026-11-25T00:04:00.000Z', 5000, { pid: process.pid, host: os.hostname() })).toBe(true);
    expect(JSON.parse((db.prepare("SELECT options FROM _barge_jobs WHERE id = 'j'").get() as { options: string }).options)).toEqual({ owner: other });
  });

  it('the owner as ownedByThisProcess judges it, PID namespace too: a container\'s process of the same pid and hostname renews only its own', () => {
    const db = new Database(':memory:');
    ensureJobsTable(db);
    const owner = { pid: process.pid, host: os.hostname(), pidns: 'pid:[4026531836]' };
    db.prepare("INSERT INTO _barge_jobs (id, command, inputs, table_name, mode, options, status, started_at) VALUES ('j', 'x', '[]', 't', 'batch', ?, 'running', '2026-11-25T00:00:00.000Z')").run(JSON.stringify({ owner }));
    const options = () => JSON.parse((db.prepare("SELECT options FROM _barge_jobs WHERE id = 'j'").get() as { options: string }).options);
    renewJobLease(db, 'j', '2026-11-25T00:01:00.000Z', 5000, { pid: process.pid, host: os.hostname(), pidns: 'pid:[4026532999]' });
    expect(options()).toEqual({ owner });
    renewJobLease(db, 'j', '2026-11-25T00:02:00.000Z', 5000, { ...owner });
    expect(options()).toEqual({ owner: { ...owner, renewedAt: '2026-11-25T00:02:00.000Z' } });
  });

  it('a failure of any kind (here: no job table) is false, not thrown, and the busy timeout is restored', () => {
    const db = new Database(':memory:');
    db.pragma('busy_timeout = 7000');
    expect(renewJobLease(db, 'j', '2026-11-25T00:01:00.000Z', 7000, { pid: process.pid, host: os.hostname() })).toBe(false);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(7000);
  });

  it('another connection holding the write lock: false at once, not a wait', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-lease-'));
    const file = path.join(dir, 'lease.db');
    const db = new Database(file);
    const other = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      ensureJobsTable(db);
      other.exec('BEGIN IMMEDIATE');
      const started = performance.now();
      expect(renewJobLease(db, 'j', '2026-11-25T00:01:00.000Z', 5000, { pid: process.pid, host: os.hostname() })).toBe(false);
      expect(performance.now() - started).toBeLessThan(1000);
      other.exec('ROLLBACK');
    } finally {
      other.close();
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
