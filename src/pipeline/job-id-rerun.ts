import fs from 'node:fs';
import path from 'node:path';
import { BargeError } from '../errors.js';
import { groupDigits } from '../group-digits.js';
import { wordList } from '../word-list.js';
import { nameKey } from '../schema/names.js';
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
    const other = otherImport(previous, config);
    if (other !== undefined) {
      // A cron line's `--job-id seed-$(date +%F)` given to two imports: the second was "already
      // succeeded; nothing to do", exit 0, and its file was never loaded.
      throw new BargeError('usage', `job "${previous.id}" already loaded ${wordList(previous.inputs.map((input) => input.path === '-' ? 'stdin' : JSON.stringify(input.path)), 'and')} into "${previous.table}" (${previous.status}); this import names ${other}: a job id names one import, and running it again does nothing; give this import another --job-id`);
    }
    const changed = changedSince(previous, config.inputs);
    return {
      kind: 'done', previous,
      warning: changed === undefined ? undefined : `${changed}: job "${previous.id}" already ${previous.status === 'succeeded' ? 'succeeded' : 'finished'}, so nothing of it was loaded; to load it, use a new --job-id (the rows it loaded stay: with --on-conflict ignore into a table with a key, or --truncate, they are not loaded twice)`,
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
 * What makes `config` another import than the finished `job` under the same --job-id: another
 * table, or other files (sameInputs). undefined when it is the same import.
 */
function otherImport(job: JobRecord, config: ImportConfig): string | undefined {
  if (config.table !== undefined && nameKey(config.table) !== nameKey(job.table)) return `table "${config.table}"`;
  return sameInputs(job, config.inputs) ? undefined : wordList(config.inputs.map((input) => input === '-' ? 'stdin' : JSON.stringify(input)), 'and');
}

/**
 * Whether `inputs` name the files `job` read, in its order: by the absolute paths the job kept (a
 * cron job run from another directory names the same file by another relative path), else, for a
 * job of an older barge, by the paths as given; a symlinked directory (a deploy's `current/`)
 * names the same file.
 */
export function sameInputs(job: JobRecord, inputs: readonly string[]): boolean {
  const kept = job.options.inputs;
  const absolute = Array.isArray(kept) && kept.length === job.inputs.length && kept.every((p) => typeof p === 'string') ? (kept as string[]) : undefined;
  const same = (given: string, at: number): boolean => {
    const loaded = job.inputs[at]!.path;
    if (given === '-' || loaded === '-') return given === loaded;
    const before = absolute?.[at] ?? path.resolve(loaded);
    const real = realPath(given);
    return path.resolve(given) === before || (real !== undefined && real === realPath(before));
  };
  return inputs.length === job.inputs.length && inputs.every(same);
}

/** The file's path with every symlink resolved, or undefined when it cannot be. */
function realPath(file: string): string | undefined {
  try {
    return fs.realpathSync(file);
  } catch {
    return undefined;
  }
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
