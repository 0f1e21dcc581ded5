import { BargeError } from '../errors.js';
import { groupDigits } from '../group-digits.js';
import { wordList } from '../word-list.js';
import { jobsOfTableNewestFirst, type JobRecord } from '../store/jobs.js';
import type { Db } from '../store/open-database.js';
import { resumeCommandOf } from '../store/resume-command.js';
import type { ImportConfig } from './import-config.js';
import { sameInputs } from './job-id-rerun.js';
import { describeOwner, jobOwnerAlive } from './job-owner.js';
import { checksumFile } from './record-source.js';

/**
 * A new import (no --job-id, no --resume) of the very files an unfinished batch/row job of the
 * same table committed batches of: after a Ctrl-C, the command run again as typed loaded those
 * batches a second time and said "succeeded" (3,000,000 rows became 4,591,000). Refused, with
 * the resume. `sizes`: the inputs' sizes now (undefined for a pipe, which is never refused).
 *
 * Not refused: --truncate (the rows are replaced), an --on-conflict other than error (a key makes
 * the rows loaded again update or skip theirs), a job that a newer job of the same files and
 * table followed (the user went on: a resume that succeeded, or a new --job-id), a file changed
 * since (its size, or its sha256 where the job kept one: read only when the rest matched, so the
 * usual run reads nothing more).
 */
export async function refuseLoadingAgain(db: Db, config: ImportConfig, table: string, sizes: ReadonlyArray<number | undefined>): Promise<void> {
  if (config.resume !== undefined || config.jobId !== undefined || config.truncate || config.onConflict !== 'error') return;
  if (config.inputs.some((input, i) => input === '-' || sizes[i] === undefined)) return;
  const job = latestLoadOf(db, table, config.inputs);
  if (job === undefined || job.mode === 'atomic' || job.status === 'succeeded' || job.status === 'partial') return;
  const counts = job.checkpoint?.counts ?? job.counts;
  const kept = counts.inserted + counts.updated + counts.ignored;
  if (kept === 0) return;
  for (const [i, input] of job.inputs.entries()) {
    if (input.size !== sizes[i]) return;
    if (input.sha256 !== null && (await checksumFile(config.inputs[i]!)) !== input.sha256) return;
  }
  const files = wordList(job.inputs.map((input) => input.path), 'and');
  const records = `${groupDigits(kept)} record${kept === 1 ? '' : 's'}`;
  const anyway = `to load ${job.inputs.length === 1 ? 'the file' : 'the files'} whole again anyway, give this import a new --job-id; to replace the table's rows, --truncate`;
  if (job.status === 'running' && jobOwnerAlive(job)) {
    throw new BargeError('usage', `job "${job.id}" is loading ${files} into "${job.table}" now (${records} so far, in ${describeOwner(job)}): this import would load them a second time; wait for it to finish (or, ${anyway})`);
  }
  const how = job.status === 'failed' ? 'before it failed' : job.status === 'interrupted' ? 'before it was interrupted' : 'before its process was killed (it is left "running")';
  const resume = resumeCommandOf({ id: job.id, dbPath: config.dbIsDefault === true ? undefined : config.dbPath });
  throw new BargeError('usage', `job "${job.id}" already loaded ${records} of ${files} into "${job.table}" ${how}: this import would load them a second time; resume the job instead: ${resume} (or, ${anyway})`);
}

/** The newest job of `table` that read `inputs` (the same files, in the same order). */
function latestLoadOf(db: Db, table: string, inputs: readonly string[]): JobRecord | undefined {
  for (const job of jobsOfTableNewestFirst(db, table)) if (sameInputs(job, inputs)) return job;
  return undefined;
}
