import { BargeError, messageOf } from '../errors.js';
import { oneLine } from '../one-line.js';
import { shellWord } from '../shell-word.js';
import { resumeCommandOf } from './resume-command.js';

// SQLite's failures of a run (not of one record) as barge's one-line errors, with the advice
// on how the job goes on.

/**
 * An import job whose run failed, for the message's advice on how to go on (SPEC §6): an atomic
 * job rolled back and is run again; a batch/row job keeps its committed batches and is resumed.
 */
export interface FailedJob {
  id: string;
  mode: 'atomic' | 'batch' | 'row';
  /** `barge import --resume` can continue it: a batch/row job of files (not stdin, not a pipe), not a dry run. */
  resumable: boolean;
  /** Its database, as the command named it, when a command without --db would not find it: the resume command must find the job. */
  dbPath?: string;
}

/** `<fix> and <how to go on>`: the job run again or resumed; without a job, "try again". */
export function thenGoOn(fix: string, job: FailedJob | undefined): string {
  if (job === undefined) return `${fix} and try again`;
  if (job.mode === 'atomic') return `${fix} and run the import again (an atomic job rolled back and left nothing)`;
  if (job.resumable) return `${fix} and resume it: ${resumeCommandOf(job)}`;
  return `${fix} and load the rest under a new --job-id (a job that read stdin or a pipe cannot be resumed)`;
}

/**
 * Maps a better-sqlite3 error of the run itself (not of one record) to a BargeError. `job`: the
 * import job it stopped, when there is one (a full disk's advice depends on it).
 */
export function translateSqliteError(error: unknown, what: string, job?: FailedJob): BargeError {
  if (error instanceof BargeError) return error;
  const code = (error as { code?: string }).code ?? '';
  const message = messageOf(error);
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY') || code === 'SQLITE_LOCKED') {
    // With a job, how to go on: a plain retry of a batch/row job loaded its committed batches twice.
    const goOn = job === undefined ? 'retry later or raise --busy-timeout' : thenGoOn('wait for it to finish (or raise --busy-timeout)', job);
    return new BargeError('busy', `${what} is locked by another process; ${goOn}`, { cause: error });
  }
  if (code === 'SQLITE_FULL') {
    // Not only the database's disk: an export's sort (--order-by, a --query's ORDER BY) spills to
    // SQLite's temporary files (etilqs_*), and a full $TMPDIR was blamed on the database.
    return new BargeError('database', `${what}: the disk is full (the database's, or the one SQLite's sorts spill to: SQLITE_TMPDIR, else TMPDIR, else /var/tmp); ${thenGoOn('free space', job)}`, { cause: error });
  }
  // "unable to open database file" alone, of a database that opened: its -wal and -shm files are
  // opened at its first read (out of file descriptors, EMFILE, under a low `ulimit -n`).
  if (code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_CANTOPEN_')) {
    return new BargeError('database', `${what}: cannot open it or its -wal/-shm files (SQLite: ${message}; too many files open, see ulimit -n, or its directory's permissions); ${thenGoOn('fix that', job)}`, { cause: error });
  }
  if (code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY')) {
    return new BargeError('database', `${what} is read-only; check the file's permissions`, { cause: error });
  }
  if (code === 'SQLITE_CORRUPT' || code.startsWith('SQLITE_CORRUPT')) return damagedDatabase(what, message, error);
  // "disk I/O error" alone named no cause and no way on (a file size limit, `ulimit -f`, gives it).
  if (code === 'SQLITE_IOERR' || code.startsWith('SQLITE_IOERR_')) {
    return new BargeError('database', `${what}: ${message} (a read or write of the file failed: a full disk, a file size limit such as ulimit -f, or a failing device); ${thenGoOn('fix that', job)}`, { cause: error });
  }
  // A foreign key of another table into this one on columns that are not its primary key or a
  // unique key: SQLite refuses to compile a write of either table while foreign keys are
  // enforced (barge enforces them). Not a runtime failure a retry or a resume gets past (exit 3
  // said so): the database's schema needs fixing.
  const mismatch = /^foreign key mismatch - "(.*)" referencing "(.*)"$/.exec(message);
  if (mismatch !== null) {
    const [, child, parent] = mismatch;
    return new BargeError(
      'usage',
      `${what}: table "${child}" has a foreign key into "${parent}" on columns that are not "${parent}"'s primary key or a unique key (SQLite: ${message}), so SQLite, with foreign keys enforced as barge has them, cannot write "${parent}" or "${child}"; give "${parent}" a unique index on those columns, or fix "${child}"'s foreign key`,
      { cause: error },
    );
  }
  if (code === 'SQLITE_NOTADB') {
    return new BargeError('database', `${what} is not a SQLite database (or is encrypted); pass another --db`, { cause: error });
  }
  return new BargeError('database', `${what}: ${message}`, { cause: error });
}

/**
 * `error` named with the database when it is SQLite's (a damaged database was "an unexpected
 * failure"); any other error as it is.
 */
export function asDatabaseError(error: unknown, dbPath: string): unknown {
  const code = (error as { code?: unknown }).code;
  return !(error instanceof BargeError) && typeof code === 'string' && code.startsWith('SQLITE') ? translateSqliteError(error, `database "${dbPath}"`) : error;
}

/**
 * A database whose pages contradict themselves (SQLITE_CORRUPT, or rows read out of order):
 * what SQLite said and how to look. `what` is `database "x.db"`.
 */
export function damagedDatabase(what: string, detail: string, cause?: unknown): BargeError {
  const file = /^database "(.*)"$/.exec(what)?.[1];
  const check = file === undefined ? 'PRAGMA integrity_check' : `sqlite3 ${shellWord(file)} "PRAGMA integrity_check"`;
  return new BargeError('database', `${what} is damaged (${oneLine(detail)}); see what is wrong with: ${check}, and restore it from a backup or recover it (sqlite3's .recover)`, { cause });
}
