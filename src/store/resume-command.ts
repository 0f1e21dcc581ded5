import { shellWord } from '../shell-word.js';

/**
 * The command that resumes a job, with --db where a command without it would not find the job
 * (`dbPath` undefined when it would): `--resume RM` alone, run as printed, said there was no job
 * "RM" in barge.db. A module of its own: the CLI prints it without loading SQLite.
 */
export function resumeCommandOf(job: { id: string; dbPath?: string }): string {
  return `barge import --resume ${shellWord(job.id)}${job.dbPath === undefined ? '' : ` --db ${shellWord(job.dbPath)}`}`;
}
