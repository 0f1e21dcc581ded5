import type { FieldError } from '../schema/types.js';
import { isWellFormed, jsonNumberChange, stringifyNonFinite } from '../schema/coerce-value.js';
import type { SourceRecord } from '../source/types.js';
import { oneLine } from '../one-line.js';

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

export interface ReportEntryOptions {
  /**
   * The report is CSV: UTF-8 text, in which half of a UTF-16 surrogate pair (a JSON escape
   * such as "\ud800" alone, which NDJSON and JSON reports keep as such) cannot be written.
   */
  csv?: boolean;
}

export function reportEntry(jobId: string, batch: number, record: SourceRecord, errors: FieldError[], options: ReportEntryOptions = {}): ReportEntry {
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
  let changed = false;
  const named = new Set(errors.map((error) => error.column));
  for (const key in record.data) {
    // A record that is itself from a report keeps only its own fields.
    if (key.startsWith('_barge')) continue;
    const value = record.data[key];
    // Only in a field an error names: a field the schema ignores is not loaded, whatever it holds.
    if (named.has(key)) {
      const change = typeof value === 'number' || (typeof value === 'object' && value !== null) ? jsonNumberChange(value) : undefined;
      // JSON's 1e309 is read as Infinity, which JSON.stringify would write as null (or a string
      // column would take as the text "Infinity"): a report fed back would load the record changed.
      if (change === 'overflow') overflow = true;
      // JSON.parse read 9007199254740993 as 9007199254740992: the report would hold only the
      // rounded digits, which a CSV report's string column loaded as text, and which a fix of
      // the entry (quoting the number, as its message says) loaded as a wrong id.
      else if (change === 'rounded') changed = true;
      // A CSV report is UTF-8: half of a surrogate pair would be written as U+FFFD, which the
      // report fed back loaded in its place (the very character the record was rejected for).
      else if (options.csv && (!isWellFormed(key) || (typeof value === 'string' && !isWellFormed(value)))) changed = true;
    }
    const kept = typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
    // An own field named __proto__ (JSON.parse makes one): assigned, it set the entry's prototype
    // and left the report without the field the record was rejected for. A CSV report cannot
    // have it as a column (barge refuses that header): the record's text is kept instead.
    if (key === '__proto__') {
      if (options.csv && record.source !== undefined) changed = true;
      else Object.defineProperty(entry, key, { value: kept, enumerable: true, writable: true, configurable: true });
    } else entry[key] = kept;
  }
  // So the entry keeps the record's text, and is rejected again (unread_record) until fixed.
  // Else its JSON with such numbers as ±1e999, which JSON.parse reads back as ±Infinity.
  if (overflow && entry._barge_raw === undefined) entry._barge_raw = record.source ?? stringifyNonFinite(record.data, (n) => (n > 0 ? '1e999' : '-1e999'));
  // The text as read holds what the fields cannot: only where there is such a text.
  else if (changed && entry._barge_raw === undefined && record.source !== undefined) entry._barge_raw = record.source;
  return entry;
}

/** `line 42, column "price": expected a number >= 0, got "-3"` */
export function describeError(line: number, error: FieldError): string {
  return error.column === null ? `line ${line}: ${error.message}` : `line ${line}, column "${oneLine(error.column)}": ${error.message}`;
}
