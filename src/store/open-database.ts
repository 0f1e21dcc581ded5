import fs from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { BargeError, messageOf } from '../errors.js';
import { statOrUndefined } from '../file-stat.js';

export type Db = Database.Database;

export interface OpenDatabaseOptions {
  /** Open read-only (export, validate, stats): the file must exist. */
  readonly?: boolean;
  /** --busy-timeout: how long a write waits for another process's lock. */
  busyTimeoutMs: number;
}

/**
 * The page size of a database barge creates (SQLite's default is 4096). A bulk load in WAL
 * mode writes every page twice (to the WAL, then the checkpoint copies it into the database),
 * two system calls per WAL frame: with 16 KB pages a quarter of the frames. Measured (import of
 * the benchmark CSV, atomic): 1M rows 1.80-1.81 s against 1.86-2.01 s, 10M rows 16.3 s against
 * 19.9 s (system time 5.7 s against 10.6 s); 32 and 64 KB were no faster at 10M. What it costs:
 * a random lookup by key ~13% slower (200k lookups in the 1M-row table, warm), a full scan 25%
 * faster, an export the same. An existing database keeps its own page size.
 */
const NEW_DATABASE_PAGE_BYTES = 16384;
/** The WAL's size at which a writer checkpoints it. */
const WAL_CHECKPOINT_BYTES = 4 << 20;

/**
 * Opens the database with the pragmas every command relies on.
 * WAL lets readers (export, stats) run beside a writer and lets several barge
 * processes share one file (SPEC §11). synchronous=NORMAL in WAL mode keeps the
 * database consistent on power loss and only risks the last committed
 * transactions; the README's performance section says so.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions): Db {
  // better-sqlite3 opens "" as a temporary database deleted on close: the import would
  // "succeed" and keep nothing.
  if (path === '') throw new BargeError('usage', 'the database path is empty; pass a file path with --db');
  const stat = statOrUndefined(path);
  if (stat?.isDirectory()) {
    throw new BargeError('usage', `database "${path}" is a directory; pass a file path with --db`);
  }
  if (options.readonly && !stat) {
    throw new BargeError('usage', `database "${path}" does not exist; import something first or pass --db`);
  }
  let db: Db;
  try {
    db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (cause) {
    throw (options.readonly ? undefined : whyNotWritable(path, cause)) ??
      new BargeError('database', `cannot open database "${path}": ${messageOf(cause)}`, { cause });
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs))}`);
    if (!options.readonly) {
      // Set before WAL mode, which fixes it: only a database this creates gets it.
      if (stat === undefined || stat.size === 0) db.pragma(`page_size = ${NEW_DATABASE_PAGE_BYTES}`);
      whileBusy(() => db.pragma('journal_mode = WAL'), options.busyTimeoutMs);
      db.pragma('synchronous = NORMAL');
      // SQLite checkpoints every 1000 WAL frames, ~4 MB at its default 4 KB pages: the same
      // ~4 MB whatever the page size (16 KB pages would let the WAL grow to 16 MB between
      // checkpoints). Row mode, 1M rows: 1.83-1.88 s against 1.91-1.94 s with 1000 frames.
      const pageBytes = db.pragma('page_size', { simple: true }) as number;
      db.pragma(`wal_autocheckpoint = ${Math.max(1, Math.round(WAL_CHECKPOINT_BYTES / pageBytes))}`);
    }
    db.pragma('foreign_keys = ON');
    // A 32 MiB page cache: large enough for index updates of big batches,
    // small enough to keep peak RSS flat.
    db.pragma('cache_size = -32768');
    db.pragma('temp_store = MEMORY');
  } catch (cause) {
    db.close();
    throw (options.readonly ? undefined : whyNotWritable(path, cause)) ?? translateSqliteError(cause, `database "${path}"`);
  }
  return db;
}

/**
 * Runs `work` again while SQLite says the database is busy, until `timeoutMs` has passed.
 * Switching a new database to WAL needs every other connection out of the way, and SQLite
 * answers SQLITE_BUSY at once there, without its busy handler: two imports started together
 * on a database that did not exist yet failed 4 times in 40 (exit 3, "locked") whatever
 * --busy-timeout said.
 */
function whileBusy<T>(work: () => T, timeoutMs: number): T {
  const deadline = Date.now() + timeoutMs;
  for (let pauseMs = 1; ; pauseMs = Math.min(pauseMs * 2, 50)) {
    try {
      return work();
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (!code.startsWith('SQLITE_BUSY') || Date.now() >= deadline) throw error;
      Atomics.wait(PAUSE, 0, 0, pauseMs);
    }
  }
}

/** Something to wait on for whileBusy's pauses (Atomics.wait sleeps this thread). */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/**
 * A clear reason when a database cannot be opened for writing, instead of SQLite's
 * "unable to open database file" (SQLITE_CANTOPEN, also what switching to WAL gives on a
 * read-only file system, where the -wal and -shm files cannot be made). Undefined when the
 * file system shows no reason: the caller keeps SQLite's message.
 */
function whyNotWritable(path: string, cause: unknown): BargeError | undefined {
  const dir = dirname(path);
  const dirStat = statOrUndefined(dir);
  if (dirStat === undefined) {
    return new BargeError('usage', `database "${path}": the directory "${dir}" does not exist; create it or pass another --db`, { cause });
  }
  if (!dirStat.isDirectory()) {
    return new BargeError('usage', `database "${path}": "${dir}" is not a directory; pass another --db`, { cause });
  }
  const code = (cause as { code?: string }).code ?? '';
  if (!code.startsWith('SQLITE_CANTOPEN') && !code.startsWith('SQLITE_READONLY') && !code.startsWith('SQLITE_IOERR')) {
    return undefined;
  }
  // SQLite writes the -wal and -shm files beside the database: the directory must be writable too.
  for (const target of [dir, path]) {
    try {
      fs.accessSync(target, fs.constants.W_OK);
    } catch (error) {
      const errno = (error as NodeJS.ErrnoException).code;
      if (errno === 'ENOENT') continue; // the database file itself is created on open
      if (errno === 'EROFS') {
        return new BargeError('database', `database "${path}" is on a read-only file system; pass a --db on a writable one`, { cause });
      }
      return new BargeError(
        'database',
        `database "${path}" cannot be written: no write permission on ${target === dir ? `its directory "${dir}" (SQLite keeps its -wal and -shm files there)` : 'the file'}; check the permissions`,
        { cause },
      );
    }
  }
  return undefined;
}

/** Maps a better-sqlite3 error of the run itself (not of one record) to a BargeError. */
export function translateSqliteError(error: unknown, what: string): BargeError {
  if (error instanceof BargeError) return error;
  const code = (error as { code?: string }).code ?? '';
  const message = messageOf(error);
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY') || code === 'SQLITE_LOCKED') {
    return new BargeError('busy', `${what} is locked by another process; retry later or raise --busy-timeout`, { cause: error });
  }
  if (code === 'SQLITE_FULL') {
    return new BargeError('database', `${what}: the disk is full; free space and resume the job`, { cause: error });
  }
  if (code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY')) {
    return new BargeError('database', `${what} is read-only; check the file's permissions`, { cause: error });
  }
  if (code === 'SQLITE_NOTADB') {
    return new BargeError('database', `${what} is not a SQLite database (or is encrypted); pass another --db`, { cause: error });
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_CORRUPT') {
    return new BargeError('database', `${what}: ${message}`, { cause: error });
  }
  return new BargeError('database', `${what}: ${message}`, { cause: error });
}

export function tableExists(db: Db, table: string): boolean {
  // NOCASE: SQLite's names are case-insensitive (ASCII), so "Products" exists when "products" does;
  // a case-sensitive test made barge CREATE it again ("table already exists", exit 3).
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE").get(table) !== undefined;
}
