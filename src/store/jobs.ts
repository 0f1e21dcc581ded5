import { setBusyTimeout, type Db } from './open-database.js';

export type JobStatus = 'running' | 'succeeded' | 'partial' | 'failed' | 'interrupted';

export const JOB_STATUSES: readonly JobStatus[] = ['running', 'succeeded', 'partial', 'failed', 'interrupted'];

export interface JobInput {
  path: string;
  name: string;
  format: string;
  size: number | null;
  sha256: string | null;
}

export interface JobCounts {
  read: number;
  inserted: number;
  updated: number;
  ignored: number;
  rejected: number;
}

/**
 * Where a batch/row job stands after its last committed batch: written in the
 * same transaction as that batch, so a resume starts exactly after it.
 */
export interface JobCheckpoint {
  /** Records consumed (valid or not) from the start of the job's inputs. */
  records: number;
  /** Batches read so far (their numbers), committed or rolled back (batch mode). */
  batches: number;
  /** Of those, the batches committed (absent in jobs of older versions: `batches`). */
  committed?: number;
  counts: JobCounts;
  /** The error report's size in bytes after this batch's entries (absent in jobs of older versions). */
  reportBytes?: number;
  /** The rejected records that count toward --max-errors (a batch's culprits, not the records rolled back with them). */
  culprits?: number;
  /** When this checkpoint was written (ISO time): the job's last sign of life, for a process of another host (job-owner.ts). */
  savedAt?: string;
}

export interface JobRecord {
  id: string;
  command: string;
  inputs: JobInput[];
  table: string;
  mode: string;
  options: Record<string, unknown>;
  status: JobStatus;
  counts: JobCounts;
  batchesCommitted: number;
  reportPath: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  recordsPerSecond: number | null;
  error: string | null;
  checkpoint: JobCheckpoint | null;
}

const CREATE_JOBS = `CREATE TABLE IF NOT EXISTS _barge_jobs (
  id TEXT PRIMARY KEY,
  command TEXT NOT NULL,
  inputs TEXT NOT NULL,
  table_name TEXT NOT NULL,
  mode TEXT NOT NULL,
  options TEXT NOT NULL,
  status TEXT NOT NULL,
  read_count INTEGER NOT NULL DEFAULT 0,
  inserted INTEGER NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL DEFAULT 0,
  ignored INTEGER NOT NULL DEFAULT 0,
  rejected INTEGER NOT NULL DEFAULT 0,
  batches_committed INTEGER NOT NULL DEFAULT 0,
  report_path TEXT,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  duration_ms INTEGER,
  records_per_second REAL,
  error TEXT,
  checkpoint TEXT
)`;

/**
 * Every import looks for the running jobs of its table (job-claim.ts): without an index that was a
 * scan and sort of the whole history, which a cron job every 5 minutes makes 100,000 rows a year
 * (a 1-row import: 0.15 s with 2 jobs, 0.39-0.46 s with 1M; 0.20-0.25 s with the index). Made by
 * the first import of a database that lacks it, older ones included.
 */
const CREATE_JOBS_INDEX = 'CREATE INDEX IF NOT EXISTS _barge_jobs_by_status ON _barge_jobs (status, table_name COLLATE NOCASE)';

export function ensureJobsTable(db: Db): void {
  db.exec(CREATE_JOBS);
  db.exec(CREATE_JOBS_INDEX);
}

export function jobsTableExists(db: Db): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_barge_jobs'").get() !== undefined;
}

export function insertJob(db: Db, job: JobRecord): void {
  db.prepare(
    `INSERT INTO _barge_jobs (id, command, inputs, table_name, mode, options, status, started_at, report_path)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(job.id, job.command, JSON.stringify(job.inputs), job.table, job.mode, JSON.stringify(job.options), job.status, job.startedAt, job.reportPath);
}

/** Restarts a job record for --resume (status back to running, same id), now owned by this process (`owner`, kept in its options). */
export function markJobRunning(db: Db, id: string, owner: unknown): void {
  db.prepare(
    `UPDATE _barge_jobs SET status = 'running', finished_at = NULL, error = NULL, options = json_set(options, '$.owner', json(?)) WHERE id = ?`,
  ).run(JSON.stringify(owner), id);
}

/**
 * A running job's sign of life while no batch commits (JobOwner.renewedAt, job-owner.ts), in a
 * transaction of its own. Never waits for the write lock: another writer busy now is no reason
 * to hold this process up, and the next renewal or batch comes soon. False when it could not,
 * for whatever reason: a renewal only informs, and called from a timer, a disk error thrown
 * here (SQLITE_IOERR, SQLITE_FULL) ended the process with a stack trace, exit 1, the job left
 * running; the next batch's write meets such an error and reports it as a failure.
 */
export function renewJobLease(db: Db, id: string, at: string, busyTimeoutMs: number, owner: { pid: number; host: string; pidns?: string }): boolean {
  try {
    setBusyTimeout(db, 0);
    // Not a lease another process took over while this one was paused (job-claim.ts confirmJobStillOurs).
    db.prepare(`UPDATE _barge_jobs SET options = json_set(options, '$.owner.renewedAt', ?) WHERE id = ? AND status = 'running' AND json_extract(options, '$.owner.pid') = ? AND json_extract(options, '$.owner.host') IS ? AND json_extract(options, '$.owner.pidns') IS ?`).run(at, id, owner.pid, owner.host, owner.pidns ?? null);
    return true;
  } catch {
    return false;
  } finally {
    setBusyTimeout(db, busyTimeoutMs);
  }
}

/**
 * A prepared checkpoint writer (one statement reused for every batch): writes a batch/row job's checkpoint, with its counts so far and `durationMs`, its runs' time up
 * to this batch: a run killed (kill -9) records no finish, and the run that resumed it counted
 * only its own time (a job of 400,000 records "took" 0.8 s, at twice its real rate).
 */
export function checkpointWriter(db: Db): (id: string, checkpoint: JobCheckpoint, durationMs: number, reportPath: string | null) => void {
  // The report's path once it holds an entry: a killed job's rejected records had no report in
  // its record (SPEC §5: "kept in the job record"), only under its options.
  const statement = db.prepare(
    `UPDATE _barge_jobs SET checkpoint = ?, batches_committed = ?, read_count = ?, inserted = ?, updated = ?, ignored = ?, rejected = ?, duration_ms = ?, report_path = COALESCE(?, report_path) WHERE id = ?`,
  );
  return (id, checkpoint, durationMs, reportPath) => {
    const c = checkpoint.counts;
    statement.run(JSON.stringify(checkpoint), checkpoint.committed ?? checkpoint.batches, c.read, c.inserted, c.updated, c.ignored, c.rejected, durationMs, reportPath, id);
  };
}

export interface JobFinish {
  status: JobStatus;
  counts: JobCounts;
  batchesCommitted: number;
  reportPath: string | null;
  finishedAt: string;
  durationMs: number;
  recordsPerSecond: number;
  error: string | null;
}

/** The job's inputs again: an atomic job's checksums, taken while it ran (run-import.ts, idle-checksums.ts). */
export function setJobInputs(db: Db, id: string, inputs: JobInput[]): void {
  db.prepare('UPDATE _barge_jobs SET inputs = ? WHERE id = ?').run(JSON.stringify(inputs), id);
}

export function finishJob(db: Db, id: string, finish: JobFinish): void {
  const c = finish.counts;
  db.prepare(
    `UPDATE _barge_jobs SET status = ?, read_count = ?, inserted = ?, updated = ?, ignored = ?, rejected = ?,
       batches_committed = ?, report_path = ?, finished_at = ?, duration_ms = ?, records_per_second = ?, error = ?
     WHERE id = ?`,
  ).run(finish.status, c.read, c.inserted, c.updated, c.ignored, c.rejected, finish.batchesCommitted, finish.reportPath,
    finish.finishedAt, finish.durationMs, finish.recordsPerSecond, finish.error, id);
}

interface JobRow {
  id: string;
  command: string;
  inputs: string;
  table_name: string;
  mode: string;
  options: string;
  status: JobStatus;
  read_count: number;
  inserted: number;
  updated: number;
  ignored: number;
  rejected: number;
  batches_committed: number;
  report_path: string | null;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  records_per_second: number | null;
  error: string | null;
  checkpoint: string | null;
}

function fromRow(row: JobRow): JobRecord {
  return {
    id: row.id,
    command: row.command,
    inputs: JSON.parse(row.inputs) as JobInput[],
    table: row.table_name,
    mode: row.mode,
    options: JSON.parse(row.options) as Record<string, unknown>,
    status: row.status,
    counts: { read: row.read_count, inserted: row.inserted, updated: row.updated, ignored: row.ignored, rejected: row.rejected },
    batchesCommitted: row.batches_committed,
    reportPath: row.report_path,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    recordsPerSecond: row.records_per_second,
    error: row.error,
    checkpoint: row.checkpoint ? (JSON.parse(row.checkpoint) as JobCheckpoint) : null,
  };
}

/** What a job's lease is judged by (job-owner.ts), without parsing its whole record: checked before each batch commits. */
export interface JobLease {
  status: JobStatus;
  startedAt: string;
  options: { owner?: unknown };
  checkpoint: { savedAt?: string } | null;
}

const leaseQueries = new WeakMap<Db, ReturnType<Db['prepare']>>();

export function getJobLease(db: Db, id: string): JobLease | undefined {
  let query = leaseQueries.get(db);
  if (query === undefined) {
    query = db.prepare(`SELECT status, started_at AS startedAt, json_extract(options, '$.owner') AS owner, json_extract(checkpoint, '$.savedAt') AS savedAt FROM _barge_jobs WHERE id = ?`);
    leaseQueries.set(db, query);
  }
  const row = query.get(id) as { status: JobStatus; startedAt: string; owner: string | null; savedAt: string | null } | undefined;
  if (row === undefined) return undefined;
  return { status: row.status, startedAt: row.startedAt, options: { owner: row.owner === null ? undefined : JSON.parse(row.owner) }, checkpoint: row.savedAt === null ? null : { savedAt: row.savedAt } };
}

/** The last row of the job history (0 for none): what a claim records as its place in it (JobOwner.after). */
export function lastJobRow(db: Db): number {
  return Number(db.prepare('SELECT coalesce(max(rowid), 0) FROM _barge_jobs').pluck().get());
}

/**
 * The jobs of `table`, other than `id`, whose rows were written after row `after` (or, not
 * given, after job `id`'s own row): in the database's own order, not by any host's clock
 * (another host's may run ahead of this one's).
 */
export function jobsRecordedAfter(db: Db, id: string, table: string, after: number | undefined): JobRecord[] {
  const rows = (after === undefined
    ? db.prepare('SELECT * FROM _barge_jobs WHERE table_name = ? COLLATE NOCASE AND id <> ? AND rowid > (SELECT rowid FROM _barge_jobs WHERE id = ?) ORDER BY rowid').all(table, id, id)
    : db.prepare('SELECT * FROM _barge_jobs WHERE table_name = ? COLLATE NOCASE AND id <> ? AND rowid > ? ORDER BY rowid').all(table, id, after)) as JobRow[];
  return rows.map(fromRow);
}

/** The jobs of `table`, newest row first, read one at a time (a table's history may hold thousands). */
export function* jobsOfTableNewestFirst(db: Db, table: string): Generator<JobRecord> {
  if (!jobsTableExists(db)) return;
  for (const row of db.prepare('SELECT * FROM _barge_jobs WHERE table_name = ? COLLATE NOCASE ORDER BY rowid DESC').iterate(table)) yield fromRow(row as JobRow);
}

export function getJob(db: Db, id: string): JobRecord | undefined {
  if (!jobsTableExists(db)) return undefined;
  const row = db.prepare('SELECT * FROM _barge_jobs WHERE id = ?').get(id) as JobRow | undefined;
  return row ? fromRow(row) : undefined;
}

export function listJobs(db: Db, filter: { limit?: number; status?: JobStatus; table?: string } = {}): JobRecord[] {
  if (!jobsTableExists(db)) return [];
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (filter.status) {
    conditions.push('status = ?');
    params.push(filter.status);
  }
  if (filter.table !== undefined) {
    // As SQLite names a table: case folded for ASCII letters only ('Ärger' and 'ärger' are two).
    conditions.push('table_name = ? COLLATE NOCASE');
    params.push(filter.table);
  }
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const limit = filter.limit === undefined ? '' : `LIMIT ${Math.max(0, Math.trunc(filter.limit))}`;
  // Newest first by when the row was written (a rerun's replaces the failed one's), not by the
  // wall clock's started_at: a job run after the clock was set back (a VM restored, a dead RTC
  // battery) sorted below every earlier job, out of `barge jobs` and stats' last 10.
  const rows = db.prepare(`SELECT * FROM _barge_jobs ${where} ORDER BY rowid DESC ${limit}`).all(...params) as JobRow[];
  return rows.map(fromRow);
}
