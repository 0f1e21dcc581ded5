import type { FieldError } from '../schema/types.js';
import type { SourceRecord } from '../source/types.js';
import type { RecordRef, ValidatedChunk } from './validated-source.js';

/** A batch as it is gathered from validated chunks: per record, its row or its errors. */
export interface GatheredBatch {
  /**
   * Where each record is (its chunk, and its index there), to fetch it as read when it must be
   * reported: two arrays rather than an object per record, which a 1M-record import made and
   * dropped a million times for a handful of reports (refsOf makes them when asked).
   */
  chunks: ValidatedChunk[];
  indexes: number[];
  /** The row to insert, or null when the record was rejected. */
  rows: (unknown[] | null)[];
  /** The record's errors, or null when it was accepted. */
  errors: (FieldError[] | null)[];
  invalid: number;
}

export function newBatch(): GatheredBatch {
  return { chunks: [], indexes: [], rows: [], errors: [], invalid: 0 };
}

/** The places of these records of the batch (all of them when not given). */
export function refsOf(batch: GatheredBatch, places?: readonly number[]): RecordRef[] {
  return (places ?? batch.indexes.map((_, i) => i)).map((i) => ({ chunk: batch.chunks[i]!, index: batch.indexes[i]! }));
}

export function addToBatch(batch: GatheredBatch, chunk: ValidatedChunk, index: number): void {
  batch.chunks.push(chunk);
  batch.indexes.push(index);
  batch.rows.push(chunk.rows[index]!);
  const errors = chunk.errors[index]!;
  batch.errors.push(errors);
  if (errors) batch.invalid++;
}

/** A record that goes to the report, with the errors to report for it. */
export interface Rejection {
  record: SourceRecord;
  errors: FieldError[];
  /** True for the record that caused the rejection (counts toward --max-errors). */
  culprit: boolean;
}

/**
 * Batch mode: the whole batch is rejected. Culprits keep their own errors;
 * every other record gets `batch_rolled_back` naming the first culprit. `written`: whether
 * the batch's rows were written (and the other records met the table's constraints) before
 * the rollback, or never written because a record failed validation, so that the others
 * passed validation only.
 */
export function rollBackWhole(records: SourceRecord[], culpritErrors: Map<number, FieldError[]>, batchNo: number, written: boolean): Rejection[] {
  // A loop, not Math.min(...keys): one argument a culprit overflowed the stack past ~125,000
  // (--batch-size 1000000 of bad records: "Maximum call stack size exceeded", exit 3).
  let first = Infinity;
  for (const index of culpritErrors.keys()) if (index < first) first = index;
  const firstRecord = records[first]!;
  const what = written ? 'it was written, then rolled back with its batch' : 'it passed validation but was not written';
  const rolledBack: FieldError = {
    column: null,
    code: 'batch_rolled_back',
    message: `batch ${batchNo} was rolled back because of record ${firstRecord.recordNo} (${firstRecord.input}:${firstRecord.line}); ${what}: re-import it`,
    value: firstRecord.recordNo,
  };
  return records.map((record, index) => {
    const errors = culpritErrors.get(index);
    return errors ? { record, errors, culprit: true } : { record, errors: [rolledBack], culprit: false };
  });
}
