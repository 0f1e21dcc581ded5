import fs from 'node:fs';
import { setBusyTimeout, type Db } from './open-database.js';

/**
 * The database file deleted or replaced (another moved to its path) while the job wrote it: the
 * WAL beside the path still holds frames of the old file, which SQLite does not checkpoint on
 * close once the file has moved, and the next connection to the new file would apply them to it
 * (the replacement's pages overwritten: "row missing from index", a damaged b-tree). A TRUNCATE
 * checkpoint copies them into the old file, still open here, and empties the WAL.
 */
export function emptyStaleWal(db: Db): void {
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // Another connection (to the new file) reads the WAL: left as it is.
  }
}

/**
 * Removes the empty database a run created, unless another process has opened it meanwhile
 * (another import of a new database, started at the same time): deleting it from under that
 * one lost its whole import, which then said it had succeeded. Leaving WAL mode needs this
 * connection to be the only one, and the exclusive lock then keeps others out while the files
 * go. (A process that has opened the file but not yet read it is not seen: a window of
 * microseconds, against the 0.7 s in which the audit lost a database.)
 */
export function removeIfAlone(db: Db, dbPath: string): void {
  try {
    setBusyTimeout(db, 0);
    if (db.pragma('journal_mode = DELETE', { simple: true }) !== 'delete') return;
    db.exec('BEGIN EXCLUSIVE');
    try {
      if (isEmpty(db)) for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(dbPath + suffix, { force: true });
    } finally {
      db.exec('ROLLBACK');
    }
  } catch {
    // Busy: another connection has it. The empty file stays.
  }
}

/** No table, index or view at all: a database only this run has made. */
export function isEmpty(db: Db): boolean {
  return (db.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number }).n === 0;
}
