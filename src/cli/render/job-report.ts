import type { JobRecord } from '../../store/jobs.js';
import { formatCount, formatDuration, formatTime, textTable } from './text-table.js';

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
    lines.push([`input ${i + 1}`, `${input.path} (${input.format}, ${size}, sha256 ${input.sha256 ?? '-'})`]);
  });
  for (const [key, value] of Object.entries(job.options)) lines.push([`option ${key}`, JSON.stringify(value)]);
  const width = Math.max(...lines.map(([key]) => key.length)) + 1;
  return lines.map(([key, value]) => `${(key + ':').padEnd(width)} ${value}`).join('\n') + '\n';
}
