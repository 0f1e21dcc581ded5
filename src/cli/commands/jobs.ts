import { shellWord } from '../../shell-word.js';
import { isDefaultDb } from '../default-db.js';
import { Command } from 'commander';
import { BargeError, EXIT } from '../../errors.js';
import { getJob, JOB_STATUSES, listJobs, type JobStatus } from '../../store/jobs.js';
import type { Db } from '../../store/open-database.js';
import { addBusyTimeout, addCommonOptions, integerFlag, valueOption, type CommonOptions } from '../options.js';
import type { CommandOutcome } from '../outcome.js';
import { throwIfInterrupted } from '../signals.js';
import { jobDetail, jobJson, jobsTable } from '../render/job-report.js';
import { oneLine } from '../../one-line.js';

interface JobsFlags extends CommonOptions {
  limit?: string;
  status?: JobStatus;
  busyTimeout: string;
}

export function jobsCommand(run: (outcome: Promise<CommandOutcome>) => void): Command {
  const command = new Command('jobs')
    .description('the job history, newest first; or one job in full')
    .argument('[id]', 'a job id: show that job in full')
    // The default is applied in jobsAction: a --limit given with a job id is refused, so it must stay undefined here.
    .addOption(valueOption('--limit <n>', 'list at most n jobs, 1 to 1000000', '20'))
    .addOption(valueOption('--status <status>', 'list only jobs with this status', 'every status').choices([...JOB_STATUSES]));
  addBusyTimeout(command);
  addCommonOptions(command, { showsProgress: false });
  return command.action((id: string | undefined, flags: JobsFlags) => run(jobsAction(id, flags)));
}

const INTERRUPTED = 'jobs interrupted; nothing was printed';

async function jobsAction(id: string | undefined, flags: JobsFlags): Promise<CommandOutcome> {
  if (id !== undefined && (flags.limit !== undefined || flags.status !== undefined)) {
    throw new BargeError('usage', '--limit and --status filter the list; do not give them with a job id');
  }
  const limit = integerFlag('--limit', flags.limit, 1, 1_000_000) ?? 20;
  const busyTimeoutMs = integerFlag('--busy-timeout', flags.busyTimeout, 0, 3_600_000)!;
  // Loaded here: better-sqlite3 is not needed to start the other commands.
  const [{ openForReadingPatiently }, { asDatabaseError }] = await Promise.all([
    import('../../store/open-for-reading-patiently.js'),
    import('../../store/sqlite-errors.js'),
  ]);
  throwIfInterrupted();
  const db = await openForReadingPatiently(flags.db, busyTimeoutMs, () => throwIfInterrupted(INTERRUPTED));
  try {
    return listOrShow(db, id, limit, flags);
  } catch (error) {
    // SQLite's failures named with the database (a damaged one was an "unexpected failure").
    throw asDatabaseError(error, flags.db);
  } finally {
    db.close();
  }
}

/** The job `id` in full, or the list; throws as the command does. */
function listOrShow(db: Db, id: string | undefined, limit: number, flags: JobsFlags): CommandOutcome {
  if (id !== undefined) {
    const job = getJob(db, id);
    if (job === undefined) throw new BargeError('usage', `no job ${JSON.stringify(id)} in ${oneLine(flags.db)}; list jobs with: barge jobs${isDefaultDb(flags.db) ? '' : ` --db ${shellWord(flags.db)}`}`);
    throwIfInterrupted(INTERRUPTED);
    process.stdout.write(flags.json ? JSON.stringify(jobJson(job)) + '\n' : jobDetail(job));
    return { exitCode: EXIT.accepted };
  }
  const jobs = listJobs(db, { limit, status: flags.status });
  // Its queries are synchronous: a signal meanwhile is seen now, and wins over the output.
  throwIfInterrupted(INTERRUPTED);
  if (flags.json) process.stdout.write(JSON.stringify(jobs.map(jobJson)) + '\n');
  else if (jobs.length === 0) process.stdout.write(flags.status ? `no ${flags.status} jobs in ${oneLine(flags.db)}\n` : `no jobs yet in ${oneLine(flags.db)}\n`);
  else process.stdout.write(jobsTable(jobs));
  return { exitCode: EXIT.accepted };
}
