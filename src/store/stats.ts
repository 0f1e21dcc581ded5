import { shellWord } from '../shell-word.js';
import { BargeError, messageOf } from '../errors.js';
import { catalogue } from '../schema/catalogue-pragma.js';
import { nameKey, quoteIdent } from '../schema/names.js';
import { schemaFromTable } from '../schema/from-table.js';
import type { ColumnType } from '../schema/types.js';
import { JOB_STATUSES, jobsTableExists, listJobs, type JobCounts, type JobStatus } from './jobs.js';
import type { Db } from './open-database.js';

/**
 * What `barge stats` reports (SPEC §8): the user's tables and the job history
 * kept in _barge_jobs. Read-only; the caller opens the database.
 */

export interface ColumnStats {
  name: string;
  /** The type declared in SQLite ("TEXT", "INTEGER"...). */
  declaredType: string;
  /** The barge type (boolean, json, date...) from the schema barge kept, else from the declared type. */
  type: ColumnType | null;
}

export interface TableStats {
  name: string;
  /** null when SQLite cannot read the table (see `error`). */
  rows: number | null;
  columns: ColumnStats[];
  /** Bytes of the pages holding the table and its indexes (dbstat), or null when SQLite cannot tell. */
  sizeBytes: number | null;
  /**
   * Why SQLite cannot read the table, else null: a virtual table whose module this SQLite lacks
   * (`no such module: zipfile`). Its rows are unknown and its columns empty.
   */
  error: string | null;
}

export interface JobSummary {
  total: number;
  byStatus: Record<JobStatus, number>;
  /** Jobs that ended: succeeded + partial + failed + interrupted (not running). */
  finished: number;
  /** succeeded / finished, from 0 to 1; null when no job has finished. */
  successRate: number | null;
  /** Sum of inserted + updated over all jobs (a rolled-back job counts 0). */
  recordsImported: number;
  recordsRejected: number;
  /** The median of the finished jobs' records per second, or null. */
  medianRecordsPerSecond: number | null;
}

export interface RecentJob {
  id: string;
  status: JobStatus;
  table: string;
  mode: string;
  counts: JobCounts;
  startedAt: string;
  durationMs: number | null;
  recordsPerSecond: number | null;
}

export interface DatabaseStats {
  /** page_count * page_size: the main file, without the WAL. */
  sizeBytes: number;
  tables: TableStats[];
  jobs: JobSummary;
  lastJobs: RecentJob[];
}

const FINISHED: readonly JobStatus[] = ['succeeded', 'partial', 'failed', 'interrupted'];

/** The job history of one table when `table` is given; of every table otherwise. */
export function collectStats(db: Db, options: { table?: string; dbName: string; lastJobs?: number }): DatabaseStats {
  const names = userTables(db);
  let tables = names;
  let jobTable: string | undefined;
  if (options.table !== undefined) {
    // SQLite's own matching of a table's name: ASCII letters in any case, no other folding.
    const found = names.find((name) => name === options.table) ?? names.find((name) => nameKey(name) === nameKey(options.table!));
    if (found === undefined) {
      throw new BargeError('usage', `no table ${JSON.stringify(options.table)} in ${options.dbName}; list the tables with: barge stats --db ${shellWord(options.dbName)}`);
    }
    tables = [found];
    jobTable = found;
  }
  const sizes = pageSizes(db);
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pageCount = db.pragma('page_count', { simple: true }) as number;
  return {
    sizeBytes: pageSize * pageCount,
    tables: tables.map((name) => tableStats(db, name, sizes)),
    jobs: jobSummary(db, jobTable),
    lastJobs: recentJobs(db, jobTable, options.lastJobs ?? 10),
  };
}

/**
 * Tables of the user's: not SQLite's (sqlite_*) nor barge's own (_barge*), nor the shadow tables
 * that hold a virtual table's data (an FTS5 table's docs_data, docs_idx…, an R-tree's rt_node…),
 * which were listed beside the tables the user made.
 */
export function userTables(db: Db): string[] {
  const shadow = new Set((db.pragma('main.table_list') as Array<{ name: string; type: string }>).filter((t) => t.type === 'shadow').map((t) => t.name));
  const rows = db
    .prepare(
      `SELECT name FROM sqlite_schema WHERE type = 'table'
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_barge%' ESCAPE '\\'
       ORDER BY name COLLATE NOCASE`,
    )
    .all() as { name: string }[];
  return rows.map((row) => row.name).filter((name) => !shadow.has(name));
}

/**
 * Bytes per table, its indexes included, from the dbstat virtual table (in
 * better-sqlite3's SQLite: SQLITE_ENABLE_DBSTAT_VTAB); its aggregate mode
 * gives one row per b-tree. undefined when dbstat is missing.
 */
function pageSizes(db: Db): Map<string, number> | undefined {
  try {
    // Each b-tree to its table in JS: SQLite ran the JOIN of dbstat with sqlite_schema as a
    // scan of one per row of the other, 2.1 s with 8,000 tables and 8.5 s with 16,000.
    // Tables and indexes only: a trigger may bear a table's name (its own namespace), and
    // mapped that table's pages to the trigger's table.
    const tableOf = new Map((db.prepare(`SELECT name, tbl_name FROM sqlite_schema WHERE type IN ('table', 'index')`).all() as { name: string; tbl_name: string }[]).map((row) => [row.name, row.tbl_name]));
    const sizes = new Map<string, number>();
    for (const row of db.prepare(`SELECT name, pgsize FROM dbstat('main', 1)`).all() as { name: string; pgsize: number }[]) {
      const table = tableOf.get(row.name);
      if (table !== undefined) sizes.set(table, (sizes.get(table) ?? 0) + row.pgsize);
    }
    return sizes;
  } catch {
    return undefined;
  }
}

function tableStats(db: Db, name: string, sizes: Map<string, number> | undefined): TableStats {
  // A table of no pages (a virtual table) has no dbstat row.
  const sizeBytes = sizes === undefined ? null : (sizes.get(name) ?? 0);
  let info: { name: string; type: string }[];
  let rows: number;
  try {
    // Generated columns too (table_info leaves them out; export writes them): not a virtual
    // table's hidden ones (hidden 1).
    info = catalogue<{ name: string; type: string; hidden: number }>(db, 'table_xinfo', name).filter((c) => c.hidden !== 1);
    rows = db.prepare(`SELECT COUNT(*) FROM ${quoteIdent(name)}`).pluck(true).get() as number;
  } catch (error) {
    // One table SQLite cannot read (a virtual table of a module it lacks: "no such module:
    // zipfile") failed the whole stats, exit 3: it is listed, its rows unknown, and why.
    if ((error as { code?: unknown }).code !== 'SQLITE_ERROR') throw error;
    return { name, rows: null, columns: [], sizeBytes, error: messageOf(error) };
  }
  let types: Record<string, { type: ColumnType }> | undefined;
  try {
    types = schemaFromTable(db, name)?.columns;
  } catch {
    types = undefined; // a damaged kept schema: stats still shows the declared types
  }
  return {
    name,
    rows,
    columns: info.map((column) => ({ name: column.name, declaredType: column.type, type: types?.[column.name]?.type ?? null })),
    sizeBytes,
    error: null,
  };
}

function jobSummary(db: Db, table: string | undefined): JobSummary {
  const byStatus = Object.fromEntries(JOB_STATUSES.map((status) => [status, 0])) as Record<JobStatus, number>;
  const summary: JobSummary = {
    total: 0, byStatus, finished: 0, successRate: null, recordsImported: 0, recordsRejected: 0, medianRecordsPerSecond: null,
  };
  if (!jobsTableExists(db)) return summary;
  const where = table === undefined ? '' : 'WHERE table_name = ? COLLATE NOCASE';
  const params = table === undefined ? [] : [table];
  const groups = db
    .prepare(
      `SELECT status, COUNT(*) AS jobs, TOTAL(inserted + updated) AS imported, TOTAL(rejected) AS rejected
         FROM _barge_jobs ${where} GROUP BY status`,
    )
    .all(...params) as { status: string; jobs: number; imported: number; rejected: number }[];
  for (const group of groups) {
    if (group.status in byStatus) byStatus[group.status as JobStatus] += group.jobs;
    summary.total += group.jobs;
    summary.recordsImported += group.imported;
    summary.recordsRejected += group.rejected;
  }
  summary.finished = FINISHED.reduce((sum, status) => sum + byStatus[status], 0);
  summary.successRate = summary.finished > 0 ? byStatus.succeeded / summary.finished : null;
  // The middle one or two rates, picked by SQLite: all of them read into an array took 1.26 s and
  // 163 MB for a history of 1M jobs.
  const rated = `FROM _barge_jobs WHERE status IN (${FINISHED.map(() => '?').join(', ')}) AND records_per_second IS NOT NULL ${table === undefined ? '' : 'AND table_name = ? COLLATE NOCASE'}`;
  const count = db.prepare(`SELECT count(*) ${rated}`).pluck(true).get(...FINISHED, ...params) as number;
  const middle = db
    .prepare(`SELECT records_per_second ${rated} ORDER BY records_per_second LIMIT ? OFFSET ?`)
    .pluck(true)
    .all(...FINISHED, ...params, count % 2 === 1 ? 1 : 2, Math.max(0, Math.floor((count - 1) / 2))) as number[];
  summary.medianRecordsPerSecond = median(middle);
  return summary;
}

/** The middle value of sorted numbers (the mean of the two middle ones for an even count), rounded. */
export function median(sorted: number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return Math.round(value);
}

function recentJobs(db: Db, table: string | undefined, limit: number): RecentJob[] {
  // Filtered and limited in SQL: a job history of 200,000 cron runs read whole took 5 s and 530 MB.
  return listJobs(db, { limit, table }).map((job) => ({
    id: job.id,
    status: job.status,
    table: job.table,
    mode: job.mode,
    counts: job.counts,
    startedAt: job.startedAt,
    durationMs: job.durationMs,
    recordsPerSecond: job.recordsPerSecond,
  }));
}
