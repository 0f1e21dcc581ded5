import { shellWord } from '../../shell-word.js';
import { isDefaultDb } from '../default-db.js';
import { typeFromDeclared } from '../../schema/from-table.js';
import type { ColumnStats, DatabaseStats } from '../../store/stats.js';
import { oneLine } from '../../one-line.js';
import { formatBytes, formatCount, formatDuration, formatTime, textTable } from './text-table.js';

/**
 * The --json of stats: the DatabaseStats as collected, with the database path.
 * Its fields are named one by one so that the shape stays as the README gives it.
 */
export function statsJson(stats: DatabaseStats, db: string, table: string | undefined) {
  const j = stats.jobs;
  return {
    command: 'stats',
    db,
    table: table ?? null,
    sizeBytes: stats.sizeBytes,
    tables: stats.tables.map((t) => ({
      name: t.name,
      rows: t.rows,
      columns: t.columns.map((c) => ({ name: c.name, declaredType: c.declaredType, type: c.type })),
      sizeBytes: t.sizeBytes,
      error: t.error,
    })),
    jobs: {
      total: j.total,
      byStatus: { running: j.byStatus.running, succeeded: j.byStatus.succeeded, partial: j.byStatus.partial, failed: j.byStatus.failed, interrupted: j.byStatus.interrupted },
      finished: j.finished,
      successRate: j.successRate,
      recordsImported: j.recordsImported,
      recordsRejected: j.recordsRejected,
      medianRecordsPerSecond: j.medianRecordsPerSecond,
    },
    lastJobs: stats.lastJobs.map((job) => ({
      id: job.id,
      status: job.status,
      table: job.table,
      mode: job.mode,
      counts: { read: job.counts.read, inserted: job.counts.inserted, updated: job.counts.updated, ignored: job.counts.ignored, rejected: job.counts.rejected },
      startedAt: job.startedAt,
      durationMs: job.durationMs,
      recordsPerSecond: job.recordsPerSecond,
    })),
  };
}

/** The human report of stats. It is the command's data, so it goes to stdout. */
export function statsReport(stats: DatabaseStats, db: string, table: string | undefined): string {
  const out: string[] = [];
  const count = stats.tables.length;
  out.push(`${oneLine(db)}: ${table === undefined ? `${count} ${count === 1 ? 'table' : 'tables'}, ` : ''}${formatBytes(stats.sizeBytes)}\n`);
  if (count === 0) {
    out.push(`no tables yet; load one with: barge import <file>${isDefaultDb(db) ? '' : ` --db ${shellWord(db)}`}\n`);
  } else {
    out.push(textTable(
      [{ header: 'table' }, { header: 'rows', align: 'right' }, { header: 'size', align: 'right' }, { header: 'columns' }],
      stats.tables.map((t) => [
        t.name,
        t.rows === null ? '?' : formatCount(t.rows),
        formatBytes(t.sizeBytes),
        t.error !== null ? `(cannot be read: ${oneLine(t.error)})` : t.columns.map(columnText).join(', '),
      ]),
    ));
  }
  const jobs = stats.jobs;
  const scope = table === undefined ? '' : ` into "${oneLine(stats.tables[0]?.name ?? table)}"`;
  if (jobs.total === 0) {
    out.push(`jobs${scope}: none yet\n`);
    return out.join('\n');
  }
  // Grouped like the other counts (2,034 records; it said "jobs: 2011").
  const statuses = Object.entries(jobs.byStatus).filter(([, n]) => n > 0).map(([status, n]) => `${formatCount(n)} ${status}`);
  out.push(`jobs${scope}: ${formatCount(jobs.total)} (${statuses.join(', ')})`);
  const rate = jobs.successRate === null
    ? 'n/a (no job has finished)'
    : `${percent(jobs.byStatus.succeeded, jobs.finished)} (${formatCount(jobs.byStatus.succeeded)} of ${formatCount(jobs.finished)} finished jobs succeeded)`;
  const facts: [string, string][] = [
    ['success rate', rate],
    ['records imported', `${formatCount(jobs.recordsImported)} (inserted + updated)`],
    ['records rejected', formatCount(jobs.recordsRejected)],
    ['median rate', jobs.medianRecordsPerSecond === null ? '-' : `${formatCount(jobs.medianRecordsPerSecond)} records/s`],
  ];
  out.push(facts.map(([key, value]) => `  ${key.padEnd(17)} ${value}`).join('\n') + '\n');
  out.push(`last ${stats.lastJobs.length} ${stats.lastJobs.length === 1 ? 'job' : 'jobs'}:`);
  out.push(textTable(
    [
      { header: 'id' }, { header: 'status' }, { header: 'table' }, { header: 'mode' },
      { header: 'read', align: 'right' }, { header: 'inserted', align: 'right' }, { header: 'updated', align: 'right' },
      { header: 'ignored', align: 'right' }, { header: 'rejected', align: 'right' }, { header: 'duration', align: 'right' },
      { header: 'started' },
    ],
    stats.lastJobs.map((job) => [
      job.id, job.status, job.table, job.mode, formatCount(job.counts.read), formatCount(job.counts.inserted),
      formatCount(job.counts.updated), formatCount(job.counts.ignored), formatCount(job.counts.rejected),
      formatDuration(job.durationMs), formatTime(job.startedAt),
    ]),
    '  ',
  ));
  return out.join('\n');
}

/** "price REAL", or "active INTEGER (boolean)" when barge knows more than the declared type says. */
function columnText(column: ColumnStats): string {
  const declared = column.declaredType || '(no type)';
  // A STRICT table's ANY column is `any` (kept as given) where elsewhere ANY is a string of
  // NUMERIC affinity: the column's own `any` is what its declared type says, not more.
  const said = typeFromDeclared(column.declaredType, column.type === 'any');
  const extra = column.type !== null && column.type !== said ? ` (${column.type})` : '';
  return `${column.name} ${declared}${extra}`;
}

/**
 * part ÷ whole as a percent: whole when exact, else to one decimal, or more where one decimal
 * would round to 0% or 100%, which it is not (202 of 203 was "100%"): 99.5%, 99.95%, 0.03%.
 */
export function percent(part: number, whole: number): string {
  if ((part * 100) % whole === 0) return `${(part * 100) / whole}%`;
  const value = (part * 100) / whole;
  for (let digits = 1; ; digits++) {
    const text = value.toFixed(digits);
    if (Number(text) !== 0 && Number(text) !== 100) return `${text}%`;
  }
}
