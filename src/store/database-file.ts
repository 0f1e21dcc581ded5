import fs from 'node:fs';
import { BargeError } from '../errors.js';

/**
 * The database file a job writes, as it was when opened: deleted (or replaced) while the job
 * runs, SQLite goes on writing to the old file, which is gone once barge closes it, and the
 * import said "succeeded" with exit 0 with nothing left on disk.
 */
export class DatabaseFile {
  private readonly identity: string | undefined;

  constructor(readonly path: string) {
    // Undefined for what is no file (":memory:"): nothing to check.
    this.identity = identityOf(path);
  }

  /** Throws DatabaseGone when the path no longer names the file opened. */
  check(): void {
    if (this.identity === undefined) return;
    const now = identityOf(this.path);
    if (now === this.identity) return;
    throw new DatabaseGone(
      `database "${this.path}" was ${now === undefined ? 'deleted' : 'replaced'} while the import ran: what it wrote went with the old file; import again`,
    );
  }
}

/** The database file gone from under a job: its committed batches (and the job's record) went with it. */
export class DatabaseGone extends BargeError {
  constructor(message: string) {
    super('database', message);
  }
}

function identityOf(path: string): string | undefined {
  try {
    const stat = fs.statSync(path);
    return `${stat.dev}:${stat.ino}`;
  } catch {
    return undefined;
  }
}
