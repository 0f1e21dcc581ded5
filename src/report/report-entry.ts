import type { FieldError } from '../schema/types.js';
import { jsonNumberChange, stringifyNonFinite } from '../schema/coerce-value.js';
import type { SourceRecord } from '../source/types.js';

/**
 * One rejected record, as the report stores it: barge's own fields, all named
 * `_barge_…` so that importing the report ignores them, then the record's
 * fields exactly as read, so the user can fix them in place and re-import.
 */
export interface ReportEntry {
  _barge_job: string;
  _barge_input: string;
  _barge_line: number;
  _barge_record: number;
  _barge_batch: number;
  _barge_errors: FieldError[];
  /** Present when the values are text (CSV/TSV): re-importing coerces them. */
  _barge_text?: true;
  /** The line as read, when it could not be split into fields. */
  _barge_raw?: string;
  [field: string]: unknown;
}

export const REPORT_META_FIELDS = ['_barge_job', '_barge_input', '_barge_line', '_barge_record', '_barge_batch', '_barge_errors'] as const;

export function reportEntry(jobId: string, batch: number, record: SourceRecord, errors: FieldError[]): ReportEntry {
  const entry: ReportEntry = {
    _barge_job: jobId,
    _barge_input: record.input,
    _barge_line: record.line,
    _barge_record: record.recordNo,
    _barge_batch: batch,
    _barge_errors: errors,
  };
  if (record.text) entry._barge_text = true;
  if (record.raw !== undefined) entry._barge_raw = record.raw;
  // A report's entry rejected again unfixed (unread_record) keeps its text: without it, the
  // next round's report would load as a row of NULLs.
  else if (typeof record.data?._barge_raw === 'string' && record.data._barge_raw !== '') entry._barge_raw = record.data._barge_raw;
  let overflow = false;
  const named = new Set(errors.map((error) => error.column));
  for (const key in record.data) {
    // A record that is itself from a report keeps only its own fields.
    if (key.startsWith('_barge')) continue;
    const value = record.data[key];
    // JSON's 1e309 is read as Infinity, which JSON.stringify would write as null (or a string
    // column would take as the text "Infinity"): a report fed back would load the record changed.
    // Only in a field an error names: a field the schema ignores is not loaded, whatever it holds.
    if (named.has(key) && (typeof value === 'number' ? !Number.isFinite(value) : typeof value === 'object' && value !== null && jsonNumberChange(value) === 'overflow')) {
      overflow = true;
    }
    entry[key] = typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
  }
  // So the entry keeps the record's text, and is rejected again (unread_record) until fixed.
  // Else its JSON with such numbers as ±1e999, which JSON.parse reads back as ±Infinity.
  if (overflow && entry._barge_raw === undefined) entry._barge_raw = record.source ?? stringifyNonFinite(record.data, (n) => (n > 0 ? '1e999' : '-1e999'));
  return entry;
}

/** `line 42, column "price": expected a number >= 0, got "-3"` */
export function describeError(line: number, error: FieldError): string {
  return error.column === null ? `line ${line}: ${error.message}` : `line ${line}, column "${error.column}": ${error.message}`;
}
