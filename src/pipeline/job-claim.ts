import { BargeError } from '../errors.js';
import { ensureJobsTable, getJob, getJobLease, insertJob, jobsRecordedAfter, lastJobRow, listJobs, markJobRunning, type JobRecord } from '../store/jobs.js';
import type { Db } from '../store/open-database.js';
import { currentOwner, describeOwner, jobOwnerAlive, lastSignOfLife, ownedByThisProcess, OTHER_HOST_LEASE_MS } from './job-owner.js';

/**
 * A job another process finished between this run's first look at it and its claim: the
 * run does nothing, as for a job found finished at the start (`--job-id` of a succeeded job).
 */
export class JobFinishedMeanwhile extends Error {
  constructor(readonly job: JobRecord) {
    super(`job "${job.id}" finished meanwhile`);
  }
}

/** What this run decided from its first look at the job: a new row (replacing a dead one), or a resume. */
export type JobPlan = { resume: JobRecord } | { create: JobRecord; replaces: JobRecord | undefined };

/**
 * Takes the job for this process under the write lock (BEGIN IMMEDIATE), after checking that
 * its row is still what the run decided from (`plan`). The checks before it read the row
 * without the lock: two retries of one job started together both passed them, and both loaded
 * it (a 200,000-row job left 269,000-344,500 rows; an atomic retry 500,000). Now the second
 * to take the lock finds the job running in the first's process and stops (exit 2) before
 * writing anything.
 */
export function claimJob(db: Db, plan: JobPlan, stillSo: () => void = () => undefined): void {
  db.transaction(() => {
    // What the run decided before the lock, checked again under it (throws when no longer so).
    stillSo();
    ensureJobsTable(db);
    const id = 'resume' in plan ? plan.resume.id : plan.create.id;
    const current = getJob(db, id);
    if ('resume' in plan) {
      if (current === undefined) throw new BargeError('usage', `job "${id}" was removed while this run started; run the import again`);
      refuseIfTaken(current);
      if (JSON.stringify(current.checkpoint) !== JSON.stringify(plan.resume.checkpoint)) {
        throw new BargeError('usage', `job "${id}" was continued by another process while this run started; run again to resume it from where that one stopped`);
      }
      refuseBesideReload(db, current);
      markJobRunning(db, id, { ...currentOwner(), after: lastJobRow(db) });
      return;
    }
    if (current !== undefined) {
      const same = plan.replaces !== undefined && current.startedAt === plan.replaces.startedAt && current.status === plan.replaces.status;
      if (!same) {
        refuseIfTaken(current);
        // Started by another process since this run looked, which then died having committed
        // batches: loading anew would load those twice; a new run resumes it.
        if (current.mode !== 'atomic' && (current.checkpoint?.batches ?? 0) > 0) {
          throw new BargeError('usage', `job "${id}" was started by another process while this run started, and stopped after committing batches; run again to resume it`);
        }
      }
      db.prepare('DELETE FROM _barge_jobs WHERE id = ?').run(id);
    }
    refuseBesideReload(db, plan.create);
    const owner = plan.create.options.owner;
    if (owner !== null && typeof owner === 'object') (owner as { after?: number }).after = lastJobRow(db);
    insertJob(db, plan.create);
  }).immediate();
}

/** A job that commits more than once (batch, row): its rows go in at many points, not one. */
function commitsByBatch(job: JobRecord): boolean {
  return job.mode !== 'atomic';
}

/**
 * A reload (--truncate) that has yet to empty the table: a batch/row job empties it with its
 * first batch that loads rows (run-import.ts), and a resumed one past that appends only
 * (prepareResume), as one after it would.
 */
function reloads(job: JobRecord): boolean {
  if (job.options.truncate !== true) return false;
  const counts = job.checkpoint?.counts;
  return counts === undefined || counts.inserted + counts.updated + counts.ignored === 0;
}

/**
 * A reload (--truncate) and another load of its table at once, where the reload's emptying can
 * fall between two commits of a job that commits batch by batch: that job's batches before it
 * are emptied with the old rows, those after it kept, a mix no order of the two jobs gives (two
 * batch reloads of 50,000 rows each left 94,400, both "succeeded"). Refused for whichever job
 * starts second. Two atomic jobs are serialized by SQLite whole, and an atomic load beside a
 * reload goes in before its emptying or after it.
 */
function refuseBesideReload(db: Db, mine: JobRecord): void {
  const running = listJobs(db, { status: 'running', table: mine.table }).filter((job) => job.id !== mine.id && jobOwnerAlive(job));
  const other = running.find((job) => (reloads(job) && commitsByBatch(mine)) || (reloads(mine) && commitsByBatch(job)));
  if (other === undefined) return;
  if (reloads(other) && commitsByBatch(mine)) {
    throw new BargeError('usage', `table "${mine.table}" is being reloaded by job "${other.id}" (--truncate, in ${describeOwner(other)}): rows loaded beside it batch by batch would be mixed into the reload; wait for it to finish and run again, or load with --mode atomic (in one transaction, before the reload empties the table or after)`);
  }
  throw new BargeError('usage', `--truncate: job "${other.id}" is loading table "${mine.table}" batch by batch (in ${describeOwner(other)}), and a reload beside it would empty some of its rows and keep others; wait for it to finish and run again`);
}

/** A job that runs in another live process, or that has finished: not this run's to take. */
function refuseIfTaken(job: JobRecord): void {
  if (job.status === 'succeeded' || job.status === 'partial') throw new JobFinishedMeanwhile(job);
  if (job.status === 'running' && jobOwnerAlive(job)) {
    throw new BargeError('usage', `job "${job.id}" is still running in ${describeOwner(job)}; wait for it to finish, or stop it and run again`);
  }
}

/**
 * Checks, in the transaction about to commit a batch (or an atomic job's rows), that the job is
 * still this process's to load. A process paused past the lease (SIGSTOP, Ctrl-Z, `docker
 * pause`, a VM suspended) is taken for dead by the processes of other hosts and containers: one
 * resumed its job, or reloaded its table, and when the paused one went on, it loaded its
 * batches beside that one's (a 1,000,000-row job left 1,671,000 rows, both "succeeded"; beside a
 * reload, 880,000 of 200,000). Throws, so that this batch is rolled back and the run stops.
 */
export function confirmJobStillOurs(db: Db, id: string, now = Date.now()): void {
  const lease = getJobLease(db, id);
  if (lease !== undefined && lease.status === 'running' && ownedByThisProcess(lease) && now < lastSignOfLife(lease) + OTHER_HOST_LEASE_MS) return;
  const job = getJob(db, id);
  if (job === undefined || job.status !== 'running' || !ownedByThisProcess(job)) {
    const by = job === undefined ? 'its record was removed' : job.status !== 'running' ? `its record says it ${job.status}` : `it is now run by ${describeOwner(job, now)}`;
    throw new BargeError('database', `job "${id}" was taken from this process while it was paused past the ${OTHER_HOST_LEASE_MS / 1000} s lease (${by}): this batch was rolled back and this process stops, so that the job is not loaded twice`);
  }
  // The lease lapsed. A job recorded after this one's row on its table that a live one would
  // have been refused beside (refuseBesideReload) took this one for dead: a reload (whether or
  // not it has emptied the table by now) beside this batch by batch job, or a batch by batch job
  // beside this reload that has yet to empty it. Ordered by the rows, not by the hosts' clocks:
  // those written after this run claimed the job (JobOwner.after), not a reload that ran while
  // the job was stopped, before it was resumed.
  const since = lastSignOfLife(job);
  const after = (job.options.owner as { after?: unknown } | undefined)?.after;
  const beside = jobsRecordedAfter(db, id, job.table, typeof after === 'number' ? after : undefined).find((other) => (other.options.truncate === true && commitsByBatch(job)) || (reloads(job) && commitsByBatch(other)));
  if (beside !== undefined) {
    const seconds = Math.round((now - since) / 1000);
    throw new BargeError('database', `job "${id}" was paused for ${seconds} s, past the ${OTHER_HOST_LEASE_MS / 1000} s lease, and job "${beside.id}" (${beside.options.truncate === true ? 'a reload, --truncate' : 'batch by batch'}) started on table "${job.table}" meanwhile, taking this one for dead: this batch was rolled back and this process stops, so that its rows are not mixed with that job's`);
  }
}
