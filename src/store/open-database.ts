import fs from 'node:fs';
import os from 'node:os';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { BargeError, messageOf } from '../errors.js';
import { onAbruptExit } from '../exit-cleanups.js';
import { translateSqliteError } from './sqlite-errors.js';
import { systemErrorText } from '../system-error-text.js';
import { runtimeProblem } from '../runtime-problem.js';
import { checkedOwnTables } from './own-tables.js';
import { linkTarget, lstatOrUndefined, plantedByOtherUser, statOrUndefined, writeProblem } from '../file-stat.js';

export type Db = Database.Database;

export interface OpenDatabaseOptions {
  /** Open read-only (export, validate, stats): the file must exist. */
  readonly?: boolean;
  /** --busy-timeout: how long a write waits for another process's lock. */
  busyTimeoutMs: number;
  /**
   * --dry-run: an existing database keeps its journal mode. WAL is a property of the file, kept
   * after barge closes it: a dry run that "leaves the database unchanged" switched a DELETE-mode
   * database to WAL for every program that uses it.
   */
  keepJournalMode?: boolean;
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
  // better-sqlite3 opens ":memory:" as a database in memory, gone when barge exits: an import
  // said "succeeded", with a job id, and kept nothing.
  if (path === ':memory:') throw new BargeError('usage', '--db :memory: is a database in memory, gone when barge exits (each command opens its own): an import would keep nothing; pass a file path with --db (to try an import without writing, --dry-run)');
  // `--db -` made a file named "-"; `--db newdir/` a file named newdir.
  if (path === '-') throw new BargeError('usage', 'a database cannot be stdin or stdout ("-"); pass a file path with --db');
  const stat = statOrUndefined(path);
  if ((process.platform === 'win32' ? /[\\/]$/ : /\/$/).test(path) && !stat?.isDirectory()) {
    throw new BargeError('usage', `database "${path}" ends in "/", as a directory's name does; pass a file path with --db`);
  }
  if (stat?.isDirectory()) {
    throw new BargeError('usage', `database "${path}" is a directory; pass a file path with --db`);
  }
  // A named pipe hung in open() until a writer came, deaf to SIGTERM; /dev/null left a
  // /dev/null-journal behind and gave "disk I/O error".
  if (stat !== undefined && !stat.isFile()) {
    const what = stat.isFIFO() ? 'a named pipe' : stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : stat.isSocket() ? 'a socket' : 'not a regular file';
    throw new BargeError('usage', `database "${path}" is ${what}, not a file; pass a file path with --db`);
  }
  // A symbolic link that leads nowhere barge can make the file: "unable to open database file"
  // (exit 3) for a missing directory, "no write permission on the file" for a loop.
  if (stat === undefined && lstatOrUndefined(path)?.isSymbolicLink() === true) {
    if (linkLoops(path)) throw new BargeError('usage', `database "${path}" is a symbolic link that leads back to itself (a loop); pass another --db`);
    const target = linkTarget(path);
    if (!fs.existsSync(dirname(target))) throw new BargeError('usage', `database "${path}" is a link to ${target}, whose directory ${dirname(target)} does not exist; create it, or pass another --db`);
  }
  if (options.readonly && !stat) {
    throw new BargeError('usage', `database "${path}" does not exist; check --db (or $BARGE_DB), or import into it first`);
  }
  if (options.readonly) return openForReading(path, options.busyTimeoutMs);
  // A symlink another user planted at --db (in a shared directory) made barge turn the empty
  // file it named (a ~/.profile) into a database. (A reading command writes nothing through it.)
  const planted = plantedByOtherUser(path);
  if (planted !== undefined) throw new BargeError('usage', `database "${path}": ${planted}; remove it, or pass another --db`);
  checkCompanionFiles(path);
  let db: Db;
  try {
    db = new Database(path);
  } catch (cause) {
    throw whyNotWritable(path, cause) ?? cannotOpen(path, cause);
  }
  try {
    setBusyTimeout(db, options.busyTimeoutMs);
    // Set before WAL mode, which fixes it: only a database this creates gets it.
    if (stat === undefined || stat.size === 0) db.pragma(`page_size = ${NEW_DATABASE_PAGE_BYTES}`);
    if (!(options.keepJournalMode === true && stat !== undefined && stat.size > 0)) whileBusy(() => db.pragma('journal_mode = WAL'), options.busyTimeoutMs);
    db.pragma('synchronous = NORMAL');
    // SQLite checkpoints every 1000 WAL frames, ~4 MB at its default 4 KB pages: the same
    // ~4 MB whatever the page size (16 KB pages would let the WAL grow to 16 MB between
    // checkpoints). Row mode, 1M rows: 1.83-1.88 s against 1.91-1.94 s with 1000 frames.
    const pageBytes = db.pragma('page_size', { simple: true }) as number;
    db.pragma(`wal_autocheckpoint = ${Math.max(1, Math.round(WAL_CHECKPOINT_BYTES / pageBytes))}`);
    setReadingPragmas(db);
    // An import's statement journals (a multi-row INSERT that may fail on a constraint) stay in
    // memory; it sorts nothing the size of a table.
    db.pragma('temp_store = MEMORY');
  } catch (cause) {
    db.close();
    throw whyNotWritable(path, cause) ?? translateSqliteError(cause, `database "${path}"`);
  }
  return checkedOwnTables(db, path);
}

/** The pragmas a reading connection needs as much as a writing one. */
function setReadingPragmas(db: Db): void {
  db.pragma('foreign_keys = ON');
  // A 32 MiB page cache: large enough for index updates of big batches,
  // small enough to keep peak RSS flat.
  db.pragma('cache_size = -32768');
  // Sorts (export --order-by, a --query with ORDER BY or GROUP BY) spill to temporary files
  // once past the page cache: with temp_store = MEMORY they grew with the table (an --order-by
  // export of 10M rows took 1.87 GB).
  db.pragma('temp_store = FILE');
}

/**
 * A read-only connection (export, validate --table, stats, jobs), read once here: SQLite opens the
 * file lazily, and reading a database in WAL mode (every database barge writes) needs its -shm
 * file, which SQLite creates beside the database when it is missing. In a directory this user
 * cannot write (or on a read-only file system) that fails: "unable to open database file", or
 * "attempt to write a readonly database" although the file is readable. The database is then
 * read from a private copy (see readFromCopy).
 */
function openForReading(path: string, busyTimeoutMs: number): Db {
  return checkedOwnTables(openForReadingAsIs(path, busyTimeoutMs), path);
}

function openForReadingAsIs(path: string, busyTimeoutMs: number): Db {
  const hadWalFiles = fs.existsSync(`${path}-wal`) || fs.existsSync(`${path}-shm`);
  let db: Db | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    startReading(db, busyTimeoutMs);
  } catch (cause) {
    db?.close();
    const code = (cause as { code?: string }).code ?? '';
    if (canRead(path) && needsCopyToRead(code, writeProblem(dirname(path)) !== undefined)) return readFromCopy(path, busyTimeoutMs);
    throw whyNotReadable(path, cause) ??
      (db === undefined ? cannotOpen(path, cause) : translateSqliteError(cause, `database "${path}"`));
  }
  if (!hadWalFiles) removeWalFilesOnClose(db, path);
  return db;
}

/** How long the connection waits for another's lock (SQLite's busy handler), in whole ms from 0. */
export function setBusyTimeout(db: Db, ms: number): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(ms))}`);
}

/** Pragmas, then the first read: SQLite's failures to open the file come from that read. */
function startReading(db: Db, busyTimeoutMs: number): void {
  setBusyTimeout(db, busyTimeoutMs);
  setReadingPragmas(db);
  db.pragma('schema_version');
}

/**
 * Whether a read-only open that failed with `sqliteCode` is read from a private copy instead:
 * when SQLite could not open (or create) the WAL's -shm and -wal files beside the database
 * (SQLITE_CANTOPEN, SQLITE_READONLY_DIRECTORY, SQLITE_READONLY_CANTINIT, ...) and the directory
 * is not writable by this user, so that no waiting or retrying would help. Where the directory
 * is writable, the failure is something else, and the copy could miss another process's writes.
 */
export function needsCopyToRead(sqliteCode: string, directoryNotWritable: boolean): boolean {
  return directoryNotWritable && (sqliteCode.startsWith('SQLITE_CANTOPEN') || sqliteCode.startsWith('SQLITE_READONLY'));
}

function canRead(path: string): boolean {
  try {
    fs.accessSync(path, fs.constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads the database from a copy in the temporary directory (removed on close), with its -wal
 * when that holds commits not yet checkpointed into the file. SQLite's own way, the URI
 * parameter immutable=1, is not available: better-sqlite3 is built with SQLITE_USE_URI=0 and
 * opens without SQLITE_OPEN_URI, so "file:x.db?immutable=1" is taken as a file name; and
 * locking_mode=EXCLUSIVE, which keeps the WAL index in memory, needs a write lock on the file.
 * Like immutable=1, this assumes that no one writes the database meanwhile: only used where
 * this user cannot write its directory (needsCopyToRead), where a writer would be another user
 * (or nobody, on a read-only file system). Costs a copy of the file: the time to read it, and
 * as much free space in the temporary directory (a reflink where the file system can).
 */
function readFromCopy(path: string, busyTimeoutMs: number): Db {
  let dir: string;
  try {
    dir = fs.mkdtempSync(join(os.tmpdir(), 'barge-read-'));
  } catch (cause) {
    // TMPDIR naming no directory (or one this user cannot write): Node's raw ENOENT, naming
    // mkdtemp and its template, was the whole message.
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such directory' : code === 'ENOTDIR' ? 'not a directory' : systemErrorText(cause);
    throw cannotReadFromCopy(path, why, cause);
  }
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  // A second Ctrl-C exits without closing the database: the copy goes then too.
  const forget = onAbruptExit(remove);
  const dropCopy = () => {
    forget();
    remove();
  };
  let db: Db | undefined;
  try {
    const copy = join(dir, basename(path));
    fs.copyFileSync(path, copy, fs.constants.COPYFILE_FICLONE);
    if ((statOrUndefined(`${path}-wal`)?.size ?? 0) > 0) fs.copyFileSync(`${path}-wal`, `${copy}-wal`, fs.constants.COPYFILE_FICLONE);
    db = new Database(copy, { readonly: true, fileMustExist: true });
    startReading(db, busyTimeoutMs);
  } catch (cause) {
    db?.close();
    dropCopy();
    const code = (cause as NodeJS.ErrnoException).code;
    throw cannotReadFromCopy(path, code === 'ENOSPC' ? 'the disk is full' : messageOf(cause), cause);
  }
  const close = db.close.bind(db);
  db.close = () => {
    try {
      return close();
    } finally {
      dropCopy();
    }
  };
  return db;
}

/** The first connection's failure; better-sqlite3's addon failing to load is no fault of the database. */
function cannotOpen(path: string, cause: unknown): BargeError {
  return new BargeError('database', runtimeProblem(cause) ?? `cannot open database "${path}": ${messageOf(cause)}`, { cause });
}

function cannotReadFromCopy(path: string, why: string, cause: unknown): BargeError {
  return new BargeError('database', `database "${path}" cannot be read where it is (its directory is not writable, and SQLite must create its -shm file there), nor from a copy in ${os.tmpdir()} (${why}); copy it to a writable directory and pass that --db`, { cause });
}

/**
 * A read-only connection creates the -wal and -shm files of a WAL database that had none (its
 * writer closed cleanly) and, read-only, cannot remove them when it closes: `barge stats` left
 * two files beside the database. A connection that may write, opened and closed after it,
 * removes them as SQLite does when the last connection closes: only if it gets the exclusive
 * lock, so never while another process has the database open.
 */
function removeWalFilesOnClose(db: Db, path: string): void {
  const close = db.close.bind(db);
  db.close = () => {
    close();
    if (!fs.existsSync(`${path}-wal`) && !fs.existsSync(`${path}-shm`)) return db;
    let cleaner: Db | undefined;
    try {
      cleaner = new Database(path, { fileMustExist: true, timeout: 0 });
      cleaner.pragma('schema_version');
    } catch {
      // Left as they are: harmless, and the next writer uses them.
    } finally {
      cleaner?.close();
    }
    return db;
  };
}

/** Why a database cannot be read, when the file system says: undefined when it does not. */
function whyNotReadable(path: string, cause: unknown): BargeError | undefined {
  if (canRead(path)) return undefined;
  return new BargeError('database', `database "${path}" cannot be read: no read permission on the file; check its permissions`, { cause });
}

/**
 * Runs `work` again while SQLite says the database is busy, until `timeoutMs` has passed.
 * Switching a new database to WAL needs every other connection out of the way, and SQLite
 * answers SQLITE_BUSY at once there, without its busy handler: two imports started together
 * on a database that did not exist yet failed 4 times in 40 (exit 3, "locked") whatever
 * --busy-timeout said.
 */
function whileBusy<T>(work: () => T, timeoutMs: number): T {
  const deadline = performance.now() + timeoutMs;
  for (let pauseMs = 1; ; pauseMs = Math.min(pauseMs * 2, 50)) {
    try {
      return work();
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (!code.startsWith('SQLITE_BUSY') || performance.now() >= deadline) throw error;
      Atomics.wait(PAUSE, 0, 0, pauseMs);
    }
  }
}

/** Something to wait on for whileBusy's pauses (Atomics.wait sleeps this thread). */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/**
 * The -wal and -shm files beside the database, when there are any, must be writable too: SQLite
 * gives them the database's permissions when it makes them, and a run refused on a read-only
 * database left them read-only. Made writable again, the database was still "read-only; check
 * the file's permissions", with the file itself writable.
 */
function checkCompanionFiles(path: string): void {
  // The database itself first: opened read-write, SQLite made its -wal and -shm files (with
  // the database's read-only permissions) before it found it could not write, and the next run,
  // the database's permissions fixed, was refused for them.
  try {
    fs.accessSync(path, fs.constants.W_OK);
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    // A directory that takes no new file is named when the open fails (whyNotWritable).
    if ((errno === 'EACCES' || errno === 'EPERM') && writeProblem(dirname(path)) === undefined) {
      throw new BargeError('database', `database "${path}" cannot be written: no write permission on the file; check its permissions`, { cause: error });
    }
  }
  for (const [suffix, what] of [['-wal', 'write-ahead log'], ['-shm', 'shared-memory index']] as const) {
    try {
      fs.accessSync(path + suffix, fs.constants.W_OK);
    } catch (error) {
      const errno = (error as NodeJS.ErrnoException).code;
      if (errno !== 'EACCES' && errno !== 'EPERM') continue; // none (ENOENT), or a read-only file system: said on open
      throw new BargeError('database', `database "${path}" cannot be written: no write permission on its ${what} "${path}${suffix}"; check that file's permissions`, { cause: error });
    }
  }
}

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

/** Whether following `file`'s symbolic links never ends (ELOOP). */
function linkLoops(file: string): boolean {
  try {
    fs.statSync(file);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ELOOP';
  }
}

export function tableExists(db: Db, table: string): boolean {
  // NOCASE: SQLite's names are case-insensitive (ASCII), so "Products" exists when "products" does;
  // a case-sensitive test made barge CREATE it again ("table already exists", exit 3).
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE").get(table) !== undefined;
}
