import { sniffedNote, type ImportConfig, type ImportResult } from '../../pipeline/import-config.js';
import { groupDigits } from '../../group-digits.js';
import { oneLine } from '../../one-line.js';
import { isDefaultDb } from '../default-db.js';
import { shellWord } from '../../shell-word.js';

/** The --json summary of import (its shape is documented in the README and kept stable). */
export function importJson(result: ImportResult, config: Pick<ImportConfig, 'inputs' | 'dbPath'>, warnings: readonly string[] = []) {
  return {
    command: 'import',
    // A dry run records no job: its id would name nothing `barge jobs` knows.
    jobId: result.dryRun && !result.alreadyFinished ? null : result.jobId,
    status: result.status,
    alreadySucceeded: result.alreadySucceeded,
    alreadyFinished: result.alreadyFinished,
    dryRun: result.dryRun,
    table: result.table,
    mode: result.mode,
    db: config.dbPath,
    inputs: result.inputs,
    counts: result.counts,
    batchesCommitted: result.batchesCommitted,
    rolledBack: result.rolledBack,
    reportPath: result.reportPath,
    durationMs: result.durationMs,
    recordsPerSecond: result.recordsPerSecond,
    stoppedEarly: result.stoppedEarly ?? null,
    firstErrors: result.firstErrors,
    // The warnings stderr shows (also under --quiet, which hides them there): a script reading
    // the JSON learns that a finished --job-id was given a file that is not the one it loaded.
    warnings: [...warnings],
  };
}

/**
 * The short human summary on stderr (SPEC §9): what happened in one headline,
 * the counts by outcome, duration, rate and job id, the first rejections and
 * the report's path.
 *
 *   barge: import of products.csv into "products": partial: 1 record rejected, 11 loaded
 *     read 12, inserted 11, rejected 1
 *     0.1 s, 211 records/s, job 20261123-142345-d9834f
 *     products.csv:line 7, column "price": expected a number >= 0, got "-3"
 *     report: /home/me/products.errors.ndjson (fix the records and import it again)
 */
export function printImportSummary(stream: NodeJS.WritableStream, result: ImportResult, config: Pick<ImportConfig, 'inputs' | 'dbPath'>): void {
  const lines: string[] = [];
  if (result.alreadyFinished) {
    lines.push(`barge: job ${oneLine(result.jobId)} already ${result.status === 'succeeded' ? 'succeeded' : `finished (${result.status})`}; nothing to do`);
    if (result.reportPath) lines.push(`  report: ${oneLine(result.reportPath)}`);
    stream.write(lines.join('\n') + '\n');
    return;
  }
  const c = result.counts;
  lines.push(firstLine(result, config));
  // A dry run wrote nothing: its counts are what it would have done.
  const would = result.dryRun ? 'would be ' : '';
  const counts = [`read ${groupDigits(c.read)}`, `${would}inserted ${groupDigits(c.inserted)}`];
  if (c.updated) counts.push(`${would}updated ${groupDigits(c.updated)}`);
  if (c.ignored) counts.push(`${would}ignored ${groupDigits(c.ignored)}`);
  counts.push(`rejected ${groupDigits(c.rejected)}`);
  lines.push(`  ${counts.join(', ')}`);
  const job = result.dryRun ? 'no job recorded (dry run)' : `job ${oneLine(result.jobId)}`;
  lines.push(`  ${(result.durationMs / 1000).toFixed(1)} s, ${groupDigits(result.recordsPerSecond)} records/s, ${job}`);
  if (result.stoppedEarly && result.stoppedEarly !== 'interrupted' && !stoppedBeforeTheEnd(result)) lines.push(`  ${result.stoppedEarly}`);
  // Each names its input, whose name may hold a newline: the summary's lines stay its own.
  for (const error of result.firstErrors) lines.push(`  ${oneLine(error)}`);
  const unshown = c.rejected - result.firstErrors.length;
  if (unshown > 0 && result.firstErrors.length > 0) lines.push(`  ... and ${plural(unshown, 'more rejected record')}${result.reportPath ? ' in the report' : ''}`);
  // The rejections of records after the sample may be the schema's doing, not the records'.
  if (result.inferredFrom !== undefined && c.rejected > 0) {
    const inferred = `the schema was inferred from the first ${plural(result.inferredFrom, 'record')} (--infer-rows)`;
    // Kept (batch, row), the table made from it holds the inferred types: a --schema that changes
    // one was then refused (exit 2), as the advice alone led to.
    lines.push(result.rolledBack || c.inserted + c.updated === 0
      ? `  ${inferred}; for records that do not fit it, write it out with barge schema infer, edit it, and pass --schema`
      : `  ${inferred}, and "${oneLine(result.table)}" was made with it; for records that do not fit it, write it out with barge schema infer, edit it, and import with --schema into a new table (--table), or into "${oneLine(result.table)}" once it is dropped`);
  }
  if (result.sniffed !== undefined && c.rejected > 0) lines.push(`  ${oneLine(sniffedNote(result.sniffed))}`);
  if (result.reportPath) lines.push(`  report: ${oneLine(result.reportPath)} (${reportHint(result)})`);
  stream.write(lines.join('\n') + '\n');
}

/** `barge: import of products.csv into "products": <headline>` */
function firstLine(result: ImportResult, config: Pick<ImportConfig, 'dbPath'>): string {
  const what = result.dryRun ? 'dry run of' : 'import of';
  const inputs = inputList(result.inputs) || `job ${oneLine(result.jobId)}`;
  return `barge: ${what} ${inputs} into "${oneLine(result.table)}": ${headline(result, result.inputs, config.dbPath)}`;
}

/**
 * An interrupted import under --quiet: the summary's first line alone, naming the job (what to
 * resume, or what `barge jobs` shows) when that line does not.
 */
export function printImportInterrupted(stream: NodeJS.WritableStream, result: ImportResult, config: Pick<ImportConfig, 'dbPath'>): void {
  const line = firstLine(result, config);
  const named = [shellWord(result.jobId), oneLine(result.jobId)].some((word) => line.includes(word));
  const job = result.dryRun || named ? '' : ` (job ${oneLine(result.jobId)})`;
  stream.write(`${line}${job}\n`);
}

function headline(result: ImportResult, inputs: string[], dbPath: string): string {
  const c = result.counts;
  const rejected = plural(c.rejected, 'record');
  if (result.status === 'interrupted') {
    if (result.rolledBack) return 'interrupted; rolled back, nothing was written';
    const stdin = inputs.includes('-');
    // Before its first commit a batch/row job has loaded nothing, as an atomic job rolled back
    // (a job that read a pipe was told its batches "stay" then: there were none).
    if (result.batchesCommitted === 0 && (stdin || result.canResume === false)) return 'interrupted before its first batch was committed; nothing was written';
    const stopped = result.batchesCommitted === 0
      ? 'interrupted before its first batch was committed'
      : `interrupted after ${plural(result.batchesCommitted, 'committed batch', 'committed batches')}`;
    // stdin cannot be read again, so a job that read it cannot be resumed (resume.ts refuses it),
    // nor one that read a pipe (`<(…)`).
    if (stdin) return `${stopped}, which stay; a job that read stdin cannot be resumed`;
    if (result.canResume === false) return `${stopped}, which stay; a job that read a pipe cannot be resumed`;
    return `${stopped}; continue with: ${resumeCommand(result.jobId, dbPath)}`;
  }
  if (stoppedBeforeTheEnd(result)) {
    const loaded = c.inserted + c.updated;
    const stopped = `${result.stoppedEarly}, ${loaded > 0 ? `${groupDigits(loaded)} loaded` : 'nothing loaded'}`;
    if (inputs.includes('-')) return `${stopped}; the rest of stdin was not read`;
    if (result.canResume === false) return `${stopped}; the rest of the input was not read (a pipe, which cannot be read again)`;
    return `${stopped}; the rest of the input was not read: continue with: ${resumeCommand(result.jobId, dbPath)}`;
  }
  if (result.dryRun) return c.rejected > 0 ? `${rejected} would be rejected; rolled back, nothing was written` : 'every record would load; rolled back, nothing was written';
  if (result.mode === 'atomic' && c.rejected > 0) return `failed: ${rejected} rejected, rolled back, nothing was written`;
  if (c.rejected > 0) {
    const loaded = c.inserted + c.updated;
    return loaded > 0 ? `partial: ${rejected} rejected, ${groupDigits(loaded)} loaded` : `partial: ${rejected} rejected, nothing loaded`;
  }
  return 'succeeded';
}

/** A batch/row job that --max-errors stopped (failed): what it committed stays, the rest was not read. */
function stoppedBeforeTheEnd(result: ImportResult): boolean {
  return result.status === 'failed' && !result.rolledBack && !result.dryRun && result.stoppedEarly !== undefined && result.stoppedEarly !== 'interrupted';
}

/**
 * `barge import --resume <id>`, with the database too unless it is the one the command finds
 * without --db ($BARGE_DB, else barge.db): the command must work as printed, in the same environment.
 */
function resumeCommand(jobId: string, dbPath: string): string {
  const db = isDefaultDb(dbPath) ? '' : ` --db ${shellWord(dbPath)}`;
  return `barge import --resume ${shellWord(jobId)}${db}`;
}

/**
 * What to do with the report. Its records are the rejected ones only: after a rollback (atomic,
 * or a dry run) the input's other records were not loaded either, and importing the fixed
 * report alone left them out.
 */
function reportHint(result: ImportResult): string {
  if (result.rolledBack || result.dryRun) return 'fix these records in the input and import it again: nothing was written';
  // A job to resume (interrupted, stopped by --max-errors) is finished first: the report grows.
  if (result.status === 'interrupted' || result.stoppedEarly !== undefined) return 'fix the records and import it again once the job is finished';
  return 'fix the records and import it again';
}

/** "1 record", "2 records"; `many` for irregular plurals. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${groupDigits(n)} ${n === 1 ? one : many}`;
}

/** The few inputs a summary's first line names (10,000 files made it 220,039 characters; --json has them all). */
export function inputList(inputs: readonly string[], shown = 5): string {
  const names = inputs.slice(0, inputs.length > shown ? shown - 1 : shown).map((input) => (input === '-' ? 'stdin' : oneLine(input)));
  const more = inputs.length - names.length;
  return more > 0 ? `${names.join(', ')} and ${groupDigits(more)} more` : names.join(', ');
}

