import { oneLine } from '../../one-line.js';
import type { JobRecord } from '../../store/jobs.js';
import { formatCount, formatDuration, formatTime, textTable } from './text-table.js';

/**
 * The --json of one job (jobs <id>, and each element of the jobs list): the
 * documented fields, named here one by one so that the shape stays as the
 * README gives it whatever the job record gains.
 */
export function jobJson(job: JobRecord) {
  return {
    id: job.id,
    command: job.command,
    inputs: job.inputs.map((input) => ({ path: input.path, name: input.name, format: input.format, size: input.size, sha256: input.sha256 })),
    table: job.table,
    mode: job.mode,
    options: job.options,
    status: job.status,
    counts: countsJson(job.counts),
    batchesCommitted: job.batchesCommitted,
    reportPath: job.reportPath,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    durationMs: job.durationMs,
    recordsPerSecond: job.recordsPerSecond,
    error: job.error,
    checkpoint: job.checkpoint === null
      ? null
      : { records: job.checkpoint.records, batches: job.checkpoint.batches, counts: countsJson(job.checkpoint.counts) },
  };
}

function countsJson(c: JobRecord['counts']) {
  return { read: c.read, inserted: c.inserted, updated: c.updated, ignored: c.ignored, rejected: c.rejected };
}

/** The job history as an aligned table (newest first, as listed). */
export function jobsTable(jobs: JobRecord[]): string {
  return textTable(
    [
      { header: 'id' }, { header: 'status' }, { header: 'table' }, { header: 'mode' },
      { header: 'read', align: 'right' }, { header: 'inserted', align: 'right' }, { header: 'updated', align: 'right' },
      { header: 'ignored', align: 'right' }, { header: 'rejected', align: 'right' }, { header: 'duration', align: 'right' },
      { header: 'started' },
    ],
    jobs.map((job) => [
      job.id, job.status, job.table, job.mode, formatCount(job.counts.read), formatCount(job.counts.inserted),
      formatCount(job.counts.updated), formatCount(job.counts.ignored), formatCount(job.counts.rejected),
      formatDuration(job.durationMs), formatTime(job.startedAt),
    ]),
  );
}

/** One job in full, as "key: value" lines. */
export function jobDetail(job: JobRecord): string {
  const c = job.counts;
  const lines: [string, string][] = [
    ['id', job.id],
    ['status', job.status],
    ['command', job.command],
    ['table', job.table],
    ['mode', job.mode],
    ['counts', `read ${formatCount(c.read)}, inserted ${formatCount(c.inserted)}, updated ${formatCount(c.updated)}, ignored ${formatCount(c.ignored)}, rejected ${formatCount(c.rejected)}`],
    ['batches committed', formatCount(job.batchesCommitted)],
    ['report', job.reportPath ?? '-'],
    ['started', formatTime(job.startedAt)],
    ['finished', formatTime(job.finishedAt)],
    ['duration', formatDuration(job.durationMs)],
    ['records/s', job.recordsPerSecond === null ? '-' : formatCount(Math.round(job.recordsPerSecond))],
    ['error', job.error ?? '-'],
    ['checkpoint', job.checkpoint === null
      ? '-'
      : `after record ${formatCount(job.checkpoint.records)}, batch ${formatCount(job.checkpoint.batches)}`],
  ];
  job.inputs.forEach((input, i) => {
    const size = input.size === null ? 'size unknown' : `${formatCount(input.size)} bytes`;
    lines.push([`input ${i + 1}`, `${oneLine(input.path)} (${input.format}, ${size}, sha256 ${input.sha256 ?? '-'})`]);
  });
  for (const [key, value] of Object.entries(job.options)) lines.push([`option ${key}`, JSON.stringify(value)]);
  const width = Math.max(...lines.map(([key]) => key.length)) + 1;
  // A value (a path, the command line, an error) may hold a newline: each stays on its line.
  return lines.map(([key, value]) => `${(key + ':').padEnd(width)} ${oneLine(value)}`).join('\n') + '\n';
}
