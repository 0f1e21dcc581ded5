import type { OnConflict } from '../store/batch-writer.js';
import type { JobCounts, JobStatus } from '../store/jobs.js';
import type { SourceOptions } from '../source/types.js';

export type ImportMode = 'atomic' | 'batch' | 'row';

/** Everything an import needs, already checked by the command that built it. */
export interface ImportConfig {
  inputs: string[];
  dbPath: string;
  /** --table; else the schema's table; else the first input's base name. */
  table?: string;
  schemaPath?: string;
  source: SourceOptions;
  inferRows: number;
  batchSize: number;
  mode: ImportMode;
  /** Stop after this many rejected records (undefined: never). */
  maxErrors?: number;
  onConflict: OnConflict;
  truncate: boolean;
  dryRun: boolean;
  /** --errors; default `<first input's base name>.errors.ndjson` in the working directory. */
  errorsPath?: string;
  jobId?: string;
  /** --resume: the id of an interrupted or failed batch/row job to continue. */
  resume?: string;
  busyTimeoutMs: number;
  /** Whether a command without --db finds `dbPath` ($BARGE_DB, else barge.db): a resume command printed in a message then leaves --db out. */
  dbIsDefault?: boolean;
  /** The command line, kept in the job record. */
  commandLine: string;
}

export interface ImportProgress {
  bytesRead: number;
  /** Sum of the input sizes; undefined when reading stdin. */
  totalBytes?: number;
  records: number;
  rejected: number;
}

export interface ImportEvents {
  onStart?(info: { jobId: string; table: string; totalBytes?: number; resumedFrom?: number }): void;
  onProgress?(progress: ImportProgress): void;
  onWarning?(message: string): void;
}

export interface ImportResult {
  jobId: string;
  status: JobStatus;
  table: string;
  mode: ImportMode;
  counts: JobCounts;
  batchesCommitted: number;
  /** True for an atomic job (or a dry run) whose writes were all undone. */
  rolledBack: boolean;
  reportPath: string | null;
  durationMs: number;
  recordsPerSecond: number;
  dryRun: boolean;
  /** --job-id named a job that had already succeeded: nothing was done. */
  alreadySucceeded: boolean;
  /** --job-id named a job that had already finished (succeeded, or partial): nothing was done. */
  alreadyFinished: boolean;
  /** The inputs the job read (a resumed job's own, which its command line does not name). */
  inputs: string[];
  /** The first few rejections, as one-line messages, for the human summary. */
  firstErrors: string[];
  /** Why the run stopped early (--max-errors, interrupt), if it did. */
  stoppedEarly?: string;
  /** How many records the table's schema was inferred from, when this run inferred it. */
  inferredFrom?: number;
  /** Whether --resume could continue the job: batch/row, every input a file read again (not stdin, not a pipe). */
  canResume?: boolean;
  /** The first input whose format was sniffed from its first bytes (stdin, an unknown extension, no --format). */
  sniffed?: { input: string; format: string };
}

export function emptyCounts(): JobCounts {
  return { read: 0, inserted: 0, updated: 0, ignored: 0, rejected: 0 };
}

/** What is said of a sniffed input whose records were rejected or unreadable (ImportResult.sniffed). */
export function sniffedNote(sniffed: { input: string; format: string }): string {
  return `${sniffed.input} was read as ${sniffed.format.toUpperCase()}, its format sniffed from its first bytes; if it is not, pass --format`;
}
