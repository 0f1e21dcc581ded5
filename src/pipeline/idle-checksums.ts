import { FileSha256 } from './file-sha256.js';

/**
 * The inputs' sha256 for an atomic import's job record, taken a step at a time while the
 * import thread waits for the validation worker's next chunk, instead of all before the first
 * record is written. An atomic job cannot be resumed, so nothing needs the checksum before it
 * ends. Measured on the 1M-row benchmark: hashed beforehand, the CSV (145 MB) kept this thread
 * from its first write for 100-170 ms; NDJSON's (238 MB) hashed by the worker as it read cost
 * that thread, the slower one there, ~135 ms. This thread waits for the worker most of an
 * NDJSON run: enough to hash it. A CSV-only import has the worker hash as it reads instead
 * (choose-source.ts): with the worker started early, this thread has few waits left.
 */
export class IdleChecksums {
  private index = 0;
  private current: FileSha256 | undefined;
  private readonly sums: Array<string | undefined>;

  /** `sizes`: what each input is read to (its size when the job opened it), which is what is hashed. */
  constructor(private readonly paths: readonly string[], private readonly sizes: ReadonlyArray<number | undefined> = []) {
    this.sums = paths.map(() => undefined);
  }

  /** Hashes the next step; false once every input is hashed (one that cannot be read gets none). */
  step(): boolean {
    while (this.index < this.paths.length) {
      const path = this.paths[this.index]!;
      if (path !== '-') {
        try {
          this.current ??= new FileSha256(path, this.sizes[this.index]);
          if (this.current.step()) return true;
          this.sums[this.index] = this.current.digest();
        } catch {
          // Gone, unreadable, or not a regular file: no checksum for it.
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
    this.current?.close();
    this.current = undefined;
  }
}
