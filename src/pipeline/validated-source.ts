import type { FieldError } from '../schema/types.js';
import type { SourceRecord } from '../source/types.js';

/**
 * A chunk of records, parsed and validated: what the import loop consumes.
 * Produced in this thread (InProcessSource) or in a worker thread
 * (WorkerSource) so that parsing and validation run beside the writes.
 */
export interface ValidatedChunk {
  id: number;
  /** Per record: the row to insert (columns in schema order), or null when rejected. */
  rows: (unknown[] | null)[];
  /** Per record: its errors, or null when accepted. */
  errors: (FieldError[] | null)[];
  /**
   * Per record: the record as read, where this thread has it. Always present
   * for rejected records; a worker keeps accepted ones on its side (copying
   * them over would cost as much as the rows) until recordsAt() asks.
   */
  records: (SourceRecord | undefined)[];
}

export interface RecordRef {
  chunk: ValidatedChunk;
  index: number;
}

export interface ValidatedSource {
  /** The next chunk, or undefined at the end of the inputs. */
  next(): Promise<ValidatedChunk | undefined>;
  /** Bytes read from the inputs so far (for progress). */
  bytesRead(): number;
  /** The records as read at these places, for the report. */
  recordsAt(refs: readonly RecordRef[]): Promise<SourceRecord[]>;
  /** Chunks with an id below this one will not be asked about again. */
  release(beforeId: number): void;
  /**
   * Gives work to do while next() waits for a chunk, a step at a time (the work returns true
   * when it did a step, false when nothing is left). Only a source that waits for another
   * thread takes it.
   */
  whileWaiting?(work: () => boolean): void;
  /** Whether it takes the inputs' sha256 as it reads them; checksums() gives them once all is read. */
  readonly hashesInputs?: boolean;
  checksums?(): Array<string | undefined> | undefined;
  close(): Promise<void>;
}
