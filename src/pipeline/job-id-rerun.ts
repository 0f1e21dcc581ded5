import fs from 'node:fs';
import path from 'node:path';
import { BargeError } from '../errors.js';
import { groupDigits } from '../group-digits.js';
import { getJob, type JobRecord } from '../store/jobs.js';
import type { Db } from '../store/open-database.js';
import type { ImportConfig } from './import-config.js';
import { describeOwner, jobOwnerAlive } from './job-owner.js';
import { optionsNotUsedOnResume, prepareResume } from './resume.js';

/** What an import given the --job-id of a job already in the database does (SPEC §6). */
export type JobIdRerun =
  /** No such job: a new one under that id. */
  | { kind: 'new' }
  /** The job already finished: nothing is done; the warning says when the input is not the one it loaded. */
  | { kind: 'done'; previous: JobRecord; warning?: string }
  /** An interrupted batch/row job with committed batches: continued, with its own options. */
  | { kind: 'resume'; config: ImportConfig; job: JobRecord; notice: string }
  /** A job that failed before (not resumed): its row is replaced when this run claims the job. */
  | { kind: 'replace'; previous: JobRecord };

export async function planJobIdRerun(db: Db, config: ImportConfig, jobId: string): Promise<JobIdRerun> {
  const previous = getJob(db, jobId);
  if (previous === undefined) return { kind: 'new' };
  if (previous.status === 'succeeded' || previous.status === 'partial') {
    const changed = changedSince(previous, config.inputs);
    return {
      kind: 'done', previous,
      warning: changed === undefined ? undefined : `${changed}: job "${previous.id}" already ${previous.status === 'succeeded' ? 'succeeded' : 'finished'}, so nothing of it was loaded; to load it, use a new --job-id`,
    };
  }
  if (previous.status === 'running' && jobOwnerAlive(previous)) {
    throw new BargeError('usage', `job "${previous.id}" is still running in ${describeOwner(previous)}; wait for it to finish, or stop it and run again`);
  }
  // A job left "running" by a process that is gone (kill -9, a full disk) counts as interrupted.
  if (previous.checkpoint && previous.checkpoint.batches > 0 && previous.mode !== 'atomic') {
    // A cron retry of an interrupted batch/row job continues it rather than loading its batches twice.
    const prepared = await prepareResume(db, { ...config, resume: previous.id });
    const notUsed = optionsNotUsedOnResume(config, prepared.config);
    // "had failed", "was interrupted", "was left running" (by a killed process; it read "was failed").
    const was = previous.status === 'failed' ? 'had failed' : previous.status === 'running' ? 'was left running' : `was ${previous.status}`;
    const notice = `job "${previous.id}" ${was}: resuming it after batch ${previous.checkpoint.batches}` +
      (notUsed.length > 0 ? `, with its own options: not used ${notUsed.join(', ')}` : '');
    return { kind: 'resume', config: prepared.config, job: prepared.job, notice };
  }
  return { kind: 'replace', previous };
}

/**
 * An input given again under a finished job's --job-id that is not the file the job loaded (its
 * size differs): a retry of the night after the first run saw a half-written file was "nothing
 * to do" without a word. By size only: a checksum would read the whole file for a run that loads
 * nothing.
 */
function changedSince(job: JobRecord, inputs: readonly string[]): string | undefined {
  for (const given of inputs) {
    if (given === '-') continue;
    const absolute = path.resolve(given);
    const loaded = job.inputs.find((input) => input.path === given || path.resolve(input.path) === absolute);
    if (loaded === undefined || loaded.size === null) continue;
    let size: number;
    try {
      const stat = fs.statSync(absolute);
      if (!stat.isFile()) continue;
      size = stat.size;
    } catch {
      continue;
    }
    if (size !== loaded.size) return `input ${JSON.stringify(given)} is not the file the job loaded (${groupDigits(size)} bytes now, ${groupDigits(loaded.size)} then)`;
  }
  return undefined;
}
