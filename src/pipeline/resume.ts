import { shellWord } from '../shell-word.js';
import { groupDigits } from '../group-digits.js';
import { catalogue } from '../schema/catalogue-pragma.js';
import { BargeError } from '../errors.js';
import { getJob, type JobRecord } from '../store/jobs.js';
import type { Db } from '../store/open-database.js';
import type { ImportConfig } from './import-config.js';
import { checksumFile } from './record-source.js';
import { smallFileSha256 } from './file-sha256.js';
import { reportFormatOf } from '../report/error-report.js';
import { firstEntryJob } from '../report/report-owner.js';
import fs from 'node:fs';
import path from 'node:path';
import { describeOwner, jobOwnerAlive } from './job-owner.js';

/**
 * Checks that a job can be resumed and rebuilds its configuration from the job
 * record, so the resumed run reads the same inputs with the same options.
 */
export async function prepareResume(db: Db, config: ImportConfig): Promise<{ config: ImportConfig; job: JobRecord }> {
  const id = config.resume!;
  const job = getJob(db, id);
  if (!job) throw new BargeError('usage', `no job "${id}" in ${config.dbPath}; list jobs with: barge jobs${config.dbIsDefault === false ? ` --db ${shellWord(config.dbPath)}` : ''}`);
  if (job.status === 'succeeded' || job.status === 'partial') {
    throw new BargeError('usage', `job "${id}" already finished (${job.status}); there is nothing to resume`);
  }
  if (job.status === 'running' && jobOwnerAlive(job)) {
    throw new BargeError('usage', `job "${id}" is still running in ${describeOwner(job)}; resume it only once that process is gone`);
  }
  if (job.mode === 'atomic') {
    throw new BargeError('usage', `job "${id}" ran in atomic mode, which leaves nothing to resume; run the import again`);
  }
  const saved = job.options as Partial<ImportConfig> & { inputs: string[] };
  for (const [index, input] of job.inputs.entries()) {
    const absolute = saved.inputs[index]!;
    // Named as the first run named it, as the resumed run's messages do (asTyped).
    const named = asTyped(absolute, input.path);
    if (input.path === '-' || absolute === '-') {
      throw new BargeError('usage', `job "${id}" read stdin, which cannot be read again, so it cannot be resumed; ${whatStays(db, job)}`);
    }
    // A named pipe or a process substitution (<(…)) was read once, with no size and no checksum.
    if (input.size === null && input.sha256 === null) {
      throw new BargeError('usage', `job "${id}" read "${named}" as a stream (a pipe), which cannot be read again, so it cannot be resumed; ${whatStays(db, job)}`);
    }
    let size: number;
    try {
      size = fs.statSync(absolute).size;
    } catch {
      throw new BargeError('usage', `cannot resume job "${id}": input "${named}" is gone; put it back at that path as it was and resume it, or: ${whatStays(db, job)}`);
    }
    if (size !== input.size || (await checksumFile(absolute)) !== input.sha256) {
      // Run again under its own --job-id, it was refused the same way each time (a cron retry's dead end).
      throw new BargeError('usage', `cannot resume job "${id}": input "${named}" changed since the job started (size or sha256 differ); ${whatStays(db, job)}`);
    }
  }
  // The job's report, cut back to its checkpoint and appended to: not another run's. A validate of
  // the same input writes the same default report; cut at the job's byte count, its entry was
  // glued to the job's next one (one line of invalid JSON), and the job's own entries were gone.
  // Where its entries went: the path its checkpoints recorded (a report that stepped aside from
  // a name taken meanwhile is not at the one chosen at the start, kept in its options).
  const reportPath = job.reportPath ?? saved.errorsPath;
  const reportBytes = job.checkpoint?.reportBytes ?? 0;
  if (reportBytes > 0 && reportPath !== undefined) {
    const owner = firstEntryJob(reportPath, reportFormatOf(reportPath));
    if (owner !== undefined && owner !== id) {
      const holds = owner === null ? 'no longer holds its entries' : `now holds the entries of another run (${JSON.stringify(owner)})`;
      throw new BargeError('usage', `cannot resume job "${id}": its error report "${reportPath}" ${holds}: another run wrote it since the job stopped (a validate or an import of the same input writes the same default report); move that file away and resume it (the report then starts anew, without the entries of the records the job rejected before it stopped)`);
    }
  }
  // The job's rules, not the file's new ones: an edited schema (a max added) rejected records the
  // job's first run had let through, and overwrote the schema kept for the table.
  const schemaSha256 = (saved as { schemaSha256?: string }).schemaSha256;
  if (saved.schemaPath !== undefined) {
    // A job of an older barge has no sha256 to compare: a schema file gone is still said so.
    const now = smallFileSha256(saved.schemaPath);
    if (now === undefined || (schemaSha256 !== undefined && now !== schemaSha256)) {
      const what = now === undefined ? 'is gone' : 'changed since the job started (sha256 differs)';
      throw new BargeError('usage', `cannot resume job "${id}": schema file "${saved.schemaPath}" ${what}; put it back as it was and resume it, or: ${whatStays(db, job)}`);
    }
  }
  // Refused, not honoured: a resume works on the job's error report in place (cut back to its
  // checkpoint, appended to, a CSV one rewritten at the end), which a dry run must leave as it
  // was. Dropped, as it used to be, the "dry run" committed the rest of the job.
  if (config.dryRun) {
    throw new BargeError('usage', `--dry-run cannot resume job "${id}": a resume continues the job's own error report, which a dry run must leave as it is; resume it without --dry-run, or dry-run its input as a new import (without --resume or --job-id)`);
  }
  return {
    job,
    config: {
      ...config,
      inputs: saved.inputs.map((absolute, i) => asTyped(absolute, job.inputs[i]?.path)),
      table: saved.table,
      schemaPath: saved.schemaPath,
      source: saved.source ?? config.source,
      inferRows: saved.inferRows ?? config.inferRows,
      batchSize: saved.batchSize ?? config.batchSize,
      mode: saved.mode ?? config.mode,
      maxErrors: saved.maxErrors,
      onConflict: saved.onConflict ?? config.onConflict,
      // Emptied with the job's first batch that loaded rows (run-import.ts): again only if none did.
      truncate: saved.truncate === true && (job.checkpoint === null || rowsLoaded(job.checkpoint.counts) === 0),
      errorsPath: reportPath,
      jobId: id,
      resume: id,
    },
  };
}

/**
 * An input as the job's first run named it (`in.csv`), when that name still finds the same file
 * from here: a resumed job's report entries and messages named it by its absolute path, so one
 * report held the one input under two names.
 */
function asTyped(absolute: string, typed: string | undefined): string {
  return typed !== undefined && typed !== '-' && path.resolve(typed) === absolute ? typed : absolute;
}

/**
 * What a job that cannot be resumed left, and how to load the rest. Running it again under
 * its own id would only try to resume it again (that was the advice, and it failed the same
 * way every time).
 */
function whatStays(db: Db, job: JobRecord): string {
  // Committed, not numbered: a batch job's rolled-back batches are numbered too (they were counted here).
  const batches = job.checkpoint === null ? job.batchesCommitted : job.checkpoint.committed ?? job.checkpoint.batches;
  const counts = job.checkpoint?.counts ?? job.counts;
  const loaded = counts.inserted + counts.updated;
  if (batches === 0) return `nothing of it was committed: run the import again under a new --job-id`;
  // Batches of rejected records only: nothing to load twice, no --truncate or key to advise.
  if (loaded === 0) return `its ${groupDigits(batches)} committed batch${batches === 1 ? '' : 'es'} loaded no record: run the import again under a new --job-id`;
  return `its ${groupDigits(batches)} committed batch${batches === 1 ? '' : 'es'} (${groupDigits(loaded)} record${loaded === 1 ? '' : 's'} loaded) stay in "${job.table}": ${howToLoadTheRest(job, hasAnyKey(db, job.table))}`;
}

/** Whether `table` has a primary key or a unique index: what --on-conflict ignore skips a record already loaded by. */
function hasAnyKey(db: Db, table: string): boolean {
  try {
    if (catalogue<{ pk: number }>(db, 'table_info', table).some((column) => column.pk > 0)) return true;
    return catalogue<{ unique: number }>(db, 'index_list', table).some((index) => index.unique === 1);
  } catch {
    return true; // Not known: the advice that names both cases.
  }
}

/**
 * A job's input loaded again whole under a new --job-id, with the job's own --on-conflict where
 * it takes the records already loaded: an upsert's (update, replace) loads them again to the same
 * values. `ignore` was the advice for every job, and for an upsert it skipped the records already
 * in the table from an earlier night, so their new values were never loaded ("succeeded", exit 0).
 */
function howToLoadTheRest(job: JobRecord, keyed: boolean): string {
  const onConflict = (job.options as { onConflict?: string }).onConflict ?? 'error';
  if (keyed && (onConflict === 'update' || onConflict === 'replace')) {
    return `load the input again, whole, under a new --job-id with --on-conflict ${onConflict} (the records already loaded are ${onConflict === 'update' ? 'updated' : 'replaced'} again, with the same values)`;
  }
  // A table with no key (every inferred one) took the records already loaded a second time.
  if (!keyed) return `"${job.table}" has no key to skip the records already loaded by, so loading the input again would add them twice: reload the table whole with --truncate under a new --job-id (if it holds only this input)`;
  return 'load the input again, whole, under a new --job-id with --on-conflict ignore (the table\'s key skips the records already loaded)';
}

/**
 * A re-run under the --job-id of an interrupted batch/row job resumes it with the job's own
 * inputs and options (prepareResume). Where the re-run asked for others (--errors b.ndjson,
 * --mode batch), they are not used: said, rather than dropped without a word. Options left
 * out of the re-run compare as their defaults, which is what that command line would mean.
 */
export function optionsNotUsedOnResume(given: ImportConfig, kept: ImportConfig): string[] {
  const differs: string[] = [];
  const note = (flag: string, asked: unknown, own: unknown) => {
    if (asked !== undefined && JSON.stringify(asked) !== JSON.stringify(own)) differs.push(`${flag} ${String(asked)} (the job's: ${own === undefined ? 'none' : String(own)})`);
  };
  // The job keeps its paths resolved; the re-run's are as typed.
  const resolved = (file: string | undefined) => (file === undefined || file === '-' ? file : path.resolve(file));
  if (given.inputs.map(resolved).join('\0') !== kept.inputs.map(resolved).join('\0')) differs.push(`inputs ${given.inputs.join(' ')} (the job's: ${kept.inputs.join(' ')})`);
  note('--table', given.table, kept.table);
  note('--schema', resolved(given.schemaPath), resolved(kept.schemaPath));
  note('--mode', given.mode, kept.mode);
  note('--batch-size', given.batchSize, kept.batchSize);
  note('--max-errors', given.maxErrors, kept.maxErrors);
  note('--on-conflict', given.onConflict, kept.onConflict);
  note('--errors', resolved(given.errorsPath), resolved(kept.errorsPath));
  return differs;
}

function rowsLoaded(counts: { inserted: number; updated: number; ignored: number }): number {
  return counts.inserted + counts.updated + counts.ignored;
}
