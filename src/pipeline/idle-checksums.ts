import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';

/** Read and hashed in one step: ~0.5 ms, so a chunk that arrives meanwhile waits no longer. */
const STEP_BYTES = 1 << 20;

/**
 * The inputs' sha256 for an atomic import's job record, taken a step at a time while the
 * import thread waits for the validation worker's next chunk, instead of all before the first
 * record is written. An atomic job cannot be resumed, so nothing needs the checksum before it
 * ends. Measured on the 1M-row benchmark: hashed beforehand, the CSV (145 MB) kept this thread
 * from its first write for 100-170 ms; NDJSON's (238 MB) hashed by the worker as it read cost
 * that thread, the slower one there, ~135 ms. This thread waits for the worker ~0.1-0.2 s at
 * the start (CSV) and most of the run (NDJSON): enough to hash either.
 */
export class IdleChecksums {
  private index = 0;
  private fd: number | undefined;
  private hash: Hash | undefined;
  private readonly sums: Array<string | undefined>;
  private readonly buffer = Buffer.allocUnsafe(STEP_BYTES);

  constructor(private readonly paths: readonly string[]) {
    this.sums = paths.map(() => undefined);
  }

  /** Hashes the next step; false once every input is hashed (one that cannot be read gets none). */
  step(): boolean {
    while (this.index < this.paths.length) {
      const path = this.paths[this.index]!;
      if (path !== '-') {
        try {
          if (this.fd === undefined) {
            this.fd = fs.openSync(path, 'r');
            // Only a regular file can be read beside the import (see describeInputs).
            if (!fs.fstatSync(this.fd).isFile()) throw new Error('not a regular file');
            this.hash = createHash('sha256');
          }
          const bytes = fs.readSync(this.fd, this.buffer, 0, STEP_BYTES, null);
          if (bytes > 0) {
            this.hash!.update(this.buffer.subarray(0, bytes));
            return true;
          }
          this.sums[this.index] = this.hash!.digest('hex');
        } catch {
          // Gone or unreadable now: no checksum for it.
        }
      }
      this.close();
      this.index++;
    }
    return false;
  }

  /** The checksums taken so far: undefined for an input not hashed to its end. */
  taken(): Array<string | undefined> {
    return [...this.sums];
  }

  /** Every input's checksum, hashing now what is left. */
  finish(): Array<string | undefined> {
    while (this.step());
    return this.taken();
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    this.hash = undefined;
  }
}
