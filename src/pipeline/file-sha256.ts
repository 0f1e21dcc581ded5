import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';

/** Read and hashed in one step: ~0.5 ms, so that whoever steps it is not held up long. */
const STEP_BYTES = 1 << 20;

/**
 * The sha256 of a regular file's bytes, taken a step at a time through one reused buffer (a
 * fresh buffer per read left ~25-30 MB of garbage that an import's peak RSS carried). Only a
 * regular file: stdin, a named pipe or a process substitution can be read only once, and
 * opening a named pipe with no writer would block. Throws when the file cannot be read.
 */
export class FileSha256 {
  private fd: number | undefined;
  private readonly hash: Hash = createHash('sha256');
  private readonly buffer: Buffer;
  private sum: string | undefined;

  /** Bytes left to hash: `upTo` (the size the job read the file to), else the whole file. */
  private left: number;

  constructor(path: string, upTo?: number) {
    const info = fs.statSync(path);
    this.left = upTo ?? Number.POSITIVE_INFINITY;
    if (!info.isFile()) throw new Error(`${path} is not a regular file`);
    // A small file's buffer is its size (+1 to see the end in one read): 1 MB for each of a
    // glob's thousands of small inputs made ~1 GB of garbage per 1,000 files.
    this.buffer = Buffer.allocUnsafe(Math.min(STEP_BYTES, info.size + 1));
    this.fd = fs.openSync(path, 'r');
  }

  /** Hashes the next step; false once the whole file is hashed (then digest() has it). */
  step(): boolean {
    if (this.fd === undefined) return false;
    const bytes = fs.readSync(this.fd, this.buffer, 0, Math.min(this.buffer.length, this.left), null);
    if (bytes > 0) {
      this.left -= bytes;
      this.hash.update(this.buffer.subarray(0, bytes));
      return true;
    }
    this.sum = this.hash.digest('hex');
    this.close();
    return false;
  }

  /** The sha256 (hex), once step() has returned false. */
  digest(): string | undefined {
    return this.sum;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/** The sha256 of a small file (a schema file: read whole), or undefined when it cannot be read. */
export function smallFileSha256(path: string): string | undefined {
  try {
    return createHash('sha256').update(fs.readFileSync(path)).digest('hex');
  } catch {
    return undefined;
  }
}
