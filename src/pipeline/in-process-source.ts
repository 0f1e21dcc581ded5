import type { Validator } from '../schema/index.js';
import type { SourceRecord } from '../source/types.js';
import type { RecordRef, ValidatedChunk, ValidatedSource } from './validated-source.js';
import { validateChunk } from './validate-chunk.js';

/** Parses and validates in this thread: stdin, small inputs, and `validate`. */
export class InProcessSource implements ValidatedSource {
  private nextId = 0;
  private pending: SourceRecord[] | undefined;

  constructor(
    /** Records already read (to infer the schema) that come first. */
    pending: SourceRecord[],
    private readonly records: AsyncGenerator<SourceRecord[]>,
    private readonly validator: Validator,
    /** Records to pass over unvalidated (--resume). */
    private skip: number,
    private readonly countBytes: () => number,
    /** false: the caller needs no rows (`barge validate`), see validateChunk. */
    private readonly rowsNeeded = true,
  ) {
    this.pending = pending.length > 0 ? pending : undefined;
  }

  async next(): Promise<ValidatedChunk | undefined> {
    for (;;) {
      let records: SourceRecord[];
      if (this.pending) {
        records = this.pending;
        this.pending = undefined;
      } else {
        const next = await this.records.next();
        if (next.done) return undefined;
        records = next.value;
      }
      if (this.skip > 0) {
        const skipped = Math.min(this.skip, records.length);
        this.skip -= skipped;
        records = skipped === records.length ? [] : records.slice(skipped);
      }
      if (records.length > 0) return validateChunk(this.nextId++, records, this.validator, true, this.rowsNeeded);
    }
  }

  bytesRead(): number {
    return this.countBytes();
  }

  async recordsAt(refs: readonly RecordRef[]): Promise<SourceRecord[]> {
    return refs.map((ref) => ref.chunk.records[ref.index]!);
  }

  release(): void {}

  async close(): Promise<void> {
    await this.records.return(undefined).catch(() => undefined);
  }
}
