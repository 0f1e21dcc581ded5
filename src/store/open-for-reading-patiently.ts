import { openDatabase, setBusyTimeout, type Db } from './open-database.js';
import { translateSqliteError } from './sqlite-errors.js';

/** SQLite's own wait per attempt: the thread is blocked this long at most before JS runs again. */
const STEP_MS = 50;
/** The pause between attempts, in which the event loop (a signal's handler) runs. */
const PAUSE_MS = 10;

/**
 * A reading connection whose read transaction has begun, for commands whose reads are
 * synchronous (stats, jobs): what they read after this is one snapshot, and waits for no lock.
 *
 * Another process's lock is waited for up to `busyTimeoutMs`, in steps: SQLite's own wait
 * blocks the thread, and a Ctrl-C in it was not seen until it ended (up to --busy-timeout), or,
 * with the handlers put aside, ended the process silently (143, no line, no --json error).
 * Between steps `stopIfInterrupted` runs, and throws to stop.
 */
export async function openForReadingPatiently(path: string, busyTimeoutMs: number, stopIfInterrupted: () => void): Promise<Db> {
  const deadline = performance.now() + busyTimeoutMs;
  for (;;) {
    const step = Math.max(0, Math.min(STEP_MS, deadline - performance.now()));
    let db: Db | undefined;
    try {
      db = openDatabase(path, { readonly: true, busyTimeoutMs: step });
      db.exec('BEGIN');
      // The first read takes the snapshot (WAL) or the shared lock (a rollback journal).
      db.prepare('SELECT count(*) FROM sqlite_schema').get();
      setBusyTimeout(db, busyTimeoutMs);
      return db;
    } catch (error) {
      db?.close();
      const failure = translateSqliteError(error, `database "${path}"`);
      if (failure.code !== 'busy' || performance.now() >= deadline) throw failure;
    }
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    stopIfInterrupted();
  }
}
