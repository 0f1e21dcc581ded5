import zlib from 'node:zlib';
import { CsvTokenizer } from '../source/csv-tokenizer.js';
import { getJob, type JobRecord } from '../store/jobs.js';
import type { Db } from '../store/open-database.js';
import { headBytes, readHead } from '../file-head.js';

/** How much of a file is read to find the job its first report entry names. */
const HEAD_BYTES = 64 * 1024;

/**
 * The job whose report `file` is (its first entry's `_barge_job`), when that job is in `db`:
 * a report fed back (`barge import orders-2024-05-03.errors.ndjson`) loads into the table
 * its records were meant for. Named after the file, they went into a new table
 * "orders-2024-05-03" (or "stdin"), whose schema, inferred from them, took them unfixed.
 */
export function reportJob(db: Db | undefined, file: string): JobRecord | undefined {
  if (db === undefined || file === '-') return undefined;
  const id = reportJobId(file);
  return id === undefined ? undefined : getJob(db, id);
}

/** The `_barge_job` of a report's first entry (NDJSON, JSON or CSV), read from the file's head. */
export function reportJobId(file: string): string | undefined {
  const head = readHead(file, HEAD_BYTES);
  if (head === undefined || !head.includes('_barge_job')) return undefined;
  const json = /"_barge_job"\s*:\s*("(?:[^"\\]|\\.)*")/.exec(head);
  if (json !== null) {
    try {
      const id = JSON.parse(json[1]!) as unknown;
      return typeof id === 'string' && id !== '' ? id : undefined;
    } catch {
      return undefined;
    }
  }
  // A CSV report: its header, then its first entry.
  const records: string[][] = [];
  try {
    new CsvTokenizer({ delimiter: ',', quote: '"', maxRecordChars: HEAD_BYTES }).push(head, (fields) => {
      records.push(fields);
    });
  } catch {
    return undefined;
  }
  const [header, first] = records;
  const at = header?.indexOf('_barge_job') ?? -1;
  const id = at >= 0 ? first?.[at] : undefined;
  return id === undefined || id === '' ? undefined : id;
}

/**
 * Whether `file` (a regular file, gzipped or not) begins as a report barge writes does: a CSV
 * header starting with _barge_job, or an NDJSON or JSON record whose first field is _barge_job.
 * Its head, not "_barge_job" anywhere in it: a file that mentions the name is no report.
 */
export function looksLikeReport(file: string): boolean {
  let head = headBytes(file, HEAD_BYTES);
  if (head === undefined) return false;
  try {
    if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) head = zlib.gunzipSync(head, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  } catch {
    return false;
  }
  return /^\uFEFF?(?:_barge_job,|\s*\[?\s*\{\s*"_barge_job"\s*:)/.test(head.toString('utf8'));
}
