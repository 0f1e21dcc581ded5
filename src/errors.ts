/**
 * The one error class of barge. A rejected record is data, not an exception:
 * BargeError is for the run itself failing (usage, input that cannot be read,
 * the database). Exit codes are mapped from the code in exactly one place.
 */
export type BargeErrorCode =
  | 'usage' // bad option or argument
  | 'schema' // bad schema file or schema that cannot be used
  | 'input' // an input that cannot be parsed or decoded (bad JSON, invalid UTF-8, a zip); a missing one is 'usage'
  | 'io' // reading or writing a file failed at run time
  | 'database' // the database failed (disk full, corrupt, ...)
  | 'busy' // the database stayed locked past --busy-timeout
  | 'interrupted'; // SIGINT / SIGTERM / SIGHUP

export interface BargeErrorDetails {
  cause?: unknown;
  input?: string;
  line?: number;
  column?: string;
}

export class BargeError extends Error {
  readonly code: BargeErrorCode;
  readonly input?: string;
  readonly line?: number;
  readonly column?: string;

  constructor(code: BargeErrorCode, message: string, details: BargeErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'BargeError';
    this.code = code;
    this.input = details.input;
    this.line = details.line;
    this.column = details.column;
  }
}

/**
 * SPEC §10's exit codes, the one table of them: every place that ends a run (a command's
 * outcome, an exception, a signal, a failed write to stdout) takes its code from here.
 */
export const EXIT = {
  /** Every record accepted, or the job id had already succeeded; also --help and --version. */
  accepted: 0,
  /** Some records were rejected (validate found invalid ones; import rejected or rolled back for them). */
  rejected: 1,
  /** A usage or configuration error: nothing written. */
  usage: 2,
  /** A runtime failure (I/O, the database, a lock held past --busy-timeout). */
  failure: 3,
  /** SIGINT, SIGTERM or SIGHUP. */
  interrupted: 130,
} as const;

/** SPEC §10: the exit code for a run that ended in an exception. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof BargeError) {
    switch (error.code) {
      case 'usage':
      case 'schema':
      case 'input':
        return EXIT.usage;
      case 'interrupted':
        return EXIT.interrupted;
      default:
        return EXIT.failure;
    }
  }
  return EXIT.failure;
}

/** "input:line" or "input" when the line is not known. */
export function where(input: string, line?: number): string {
  return line === undefined ? input : `${input}:${line}`;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * An input that failed under the job (changed: cut short while read, removed or replaced before
 * its turn; or a read that failed, EIO): `what` happened and the `fix` in place. Its message says
 * to try again; an import words how its job goes on instead (resume it, or run it again), since a
 * new import of a batch/row job's input would load its committed batches a second time.
 */
export class InputFailed extends BargeError {
  constructor(readonly what: string, readonly fix: string, input: string, cause?: unknown) {
    super('io', `${what}; ${fix} and try again`, { input, cause });
  }
}
