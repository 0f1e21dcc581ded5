import { readHead } from '../file-head.js';
import type { ReportFormat } from './error-report.js';

/** Enough of a report's start for its header and first entry's job id (an id is short). */
const HEAD_BYTES = 64 * 1024;

/**
 * The job id of the first entry of the report at `file`: what a resume checks before it cuts the
 * report back to its checkpoint and appends to it. Another run may have written the file since
 * the job stopped (a `barge validate` of the same input writes the same default report): cut at
 * the job's byte count, its entry was glued to the job's next one, one line of invalid JSON.
 * Undefined when there is no entry to tell by (no file, an empty one, a CSV header alone, a
 * header or first entry longer than the head read); null when the file does not start as a
 * report does.
 */
export function firstEntryJob(file: string, format: ReportFormat): string | null | undefined {
  const head = readHead(file, HEAD_BYTES);
  if (head === undefined || head.trim() === '') return undefined;
  if (format === 'csv') return csvFirstField(head);
  const json = format === 'json' ? /^\[\s*(?:\]\s*$|\{"_barge_job":("(?:[^"\\\n]|\\.)*"))/.exec(head) : /^\{"_barge_job":("(?:[^"\\\n]|\\.)*")/.exec(head);
  if (json === null) return null;
  // An empty JSON array: no entry.
  return json[1] === undefined ? undefined : (JSON.parse(json[1]) as string);
}

/**
 * The first field of a CSV report's first row after its header, which names `_barge_job` first
 * (error-report.ts writes REPORT_META_FIELDS first). Quotes are honoured: a field may hold a
 * comma or a line break.
 */
function csvFirstField(head: string): string | null | undefined {
  const records = splitCsvRecords(head, 2);
  const header = records[0];
  // A header longer than the head read (a wide table's): nothing to tell by, yet.
  if (header === undefined) return head.startsWith('_barge_job,') ? undefined : null;
  if (!header.startsWith('_barge_job,')) return null;
  const row = records[1];
  if (row === undefined) return undefined;
  const field = /^(?:"((?:[^"]|"")*)"|([^,"]*)),/.exec(row);
  if (field === null) return null;
  return field[1] !== undefined ? field[1].replace(/""/g, '"') : field[2]!;
}

/** The first `count` whole records of CSV text (line breaks inside quotes kept in their record). */
function splitCsvRecords(text: string, count: number): string[] {
  const records: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length && records.length < count; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\n' && !quoted) {
      records.push(text.slice(start, i).replace(/\r$/, ''));
      start = i + 1;
    }
  }
  return records;
}
