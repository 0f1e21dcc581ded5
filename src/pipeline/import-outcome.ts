import { BargeError, InputFailed } from '../errors.js';
import { groupDigits } from '../group-digits.js';
import type { JobCounts, JobRecord, JobStatus } from '../store/jobs.js';
import { thenGoOn, type FailedJob } from '../store/sqlite-errors.js';
import { resumeCommandOf } from '../store/resume-command.js';
import { DatabaseGone } from '../store/database-file.js';
import { sniffedNote, type ImportResult } from './import-config.js';

/** What an import's failure message adds about the job (see ImportRun.finish). */
export interface JobSoFar {
  jobId: string;
  counts: JobCounts;
  batchesCommitted: number;
  /** The job for a failure's advice (run again, or resume); none for a dry run. */
  failedJob: FailedJob | undefined;
  /** The report, when it holds entries. */
  reportPath: string | null;
}

/** A batch/row job that read all its input but whose end could not be recorded (exit 3): what it did, and how its record is mended. */
export function endNotRecorded(job: JobSoFar, status: JobStatus, cause: BargeError): BargeError {
  const c = job.counts;
  const did = `read ${groupDigits(c.read)}, inserted ${groupDigits(c.inserted)}, updated ${groupDigits(c.updated)}, ignored ${groupDigits(c.ignored)}, rejected ${groupDigits(c.rejected)}`;
  const mend = job.failedJob?.resumable === true
    ? `resume it to record its end (it loads nothing more): ${resumeCommandOf(job.failedJob)}`
    : 'its record alone is wrong (this job cannot be resumed to mend it)';
  return new BargeError(cause.code, `job ${job.jobId} ran to its end (${status}: ${did}), but its record could not be updated (${cause.message}); barge jobs shows it "running": ${mend}`, { cause });
}

/**
 * An input that changed or failed to read, worded with how its job goes on (resumed once fixed, or
 * run again) in place of "try again": the message printed and the one its job row keeps.
 */
export function withHowToGoOn(caught: unknown, job: FailedJob | undefined): unknown {
  if (!(caught instanceof InputFailed)) return caught;
  return new BargeError(caught.code, `${caught.what}; ${thenGoOn(caught.fix, job)}`, { cause: caught, input: caught.input });
}

/**
 * A batch/row job that fails midway keeps the batches it committed (SPEC §4):
 * the one-line error says so, since exit 2 or 3 alone would not tell.
 */
export function sayWhatStays(caught: unknown, job: JobSoFar, rolledBack: boolean, dryRun: boolean): unknown {
  const failure = withHowToGoOn(caught, job.failedJob);
  if (!(failure instanceof BargeError) || failure instanceof DatabaseGone || rolledBack || dryRun || job.batchesCommitted === 0) return failure;
  const kept = job.counts.inserted + job.counts.updated + job.counts.ignored;
  // The records rejected before the stop are in the report: named, since once the input is fixed
  // the job cannot be resumed, and the one line was all a run stopped so printed.
  const { reportPath } = job;
  const rejected = job.counts.rejected;
  // Not when the report is what failed (a full disk): what it holds is then in doubt.
  const report = reportPath === null || rejected === 0 || failure.message.includes(reportPath) ? '' : `; the ${groupDigits(rejected)} ${rejected === 1 ? 'record rejected before it is' : 'records rejected before it are'} in ${reportPath}`;
  const batches = job.batchesCommitted;
  return new BargeError(failure.code, `${failure.message} (job ${job.jobId}: the ${groupDigits(batches)} ${batches === 1 ? 'batch' : 'batches'} committed before this, ${groupDigits(kept)} record${kept === 1 ? '' : 's'}, stay${report})`, {
    cause: failure.cause ?? failure, input: failure.input, line: failure.line, column: failure.column,
  });
}

/**
 * An input whose format was sniffed that failed to parse as that format says so: a `.txt` or
 * stdin whose CSV header is `[id],[name]` (SQL Server's) was "invalid JSON … put text in double
 * quotes", with no word of --format.
 */
export function withSniffedNote(error: unknown, sniffed: { input: string; format: string } | undefined): unknown {
  // 'usage' too: a header a sniffed format cannot read ("column 1 has an empty name").
  if (!(error instanceof BargeError) || !['input', 'usage'].includes(error.code) || sniffed === undefined || error.message.includes('sniffed') || error.message.includes('--format')) return error;
  if (error.input !== sniffed.input) return error;
  return new BargeError(error.code, `${error.message} (${sniffedNote(sniffed)})`, { cause: error.cause ?? error, input: error.input, line: error.line, column: error.column });
}

/** The result of a run given the --job-id of a job that already finished: the job's own figures, nothing done. */
export function alreadyDoneResult(previous: JobRecord, dryRun: boolean): ImportResult {
  return {
    jobId: previous.id, status: previous.status, table: previous.table, mode: previous.mode as ImportResult['mode'],
    counts: previous.counts, batchesCommitted: previous.batchesCommitted, rolledBack: false,
    // The job's own figures (its runs' time, its rate): 0 read as a job that took no time.
    reportPath: previous.reportPath, durationMs: previous.durationMs ?? 0, recordsPerSecond: previous.recordsPerSecond ?? 0, dryRun,
    alreadySucceeded: previous.status === 'succeeded', alreadyFinished: true, inputs: previous.inputs.map((input) => input.path), firstErrors: [],
  };
}
