import fs from 'node:fs';
import { BargeError } from '../errors.js';
import { compileValidator, createTableStatements, saveSchema, quoteIdent } from '../schema/index.js';
import type { Validator } from '../schema/index.js';
import { isEffectivelyRequired } from '../schema/zod-schema.js';
import type { FieldError, SchemaSpec } from '../schema/types.js';
import type { OpenedInput, SourceRecord } from '../source/types.js';
import { abandonInput } from '../source/open-input.js';
import { formatFromPath } from '../source/format-from-path.js';
import { BatchWriter } from '../store/batch-writer.js';
import {
  checkpointWriter, finishJob, getJobLease, renewJobLease, setJobInputs,
  type JobCheckpoint, type JobCounts, type JobRecord, type JobStatus,
} from '../store/jobs.js';
import { openDatabase, tableExists, type Db } from '../store/open-database.js';
import { translateSqliteError, asDatabaseError, type FailedJob } from '../store/sqlite-errors.js';
import { DatabaseFile, DatabaseGone } from '../store/database-file.js';
import { emptyStaleWal, isEmpty, removeIfAlone } from '../store/leave-database.js';
import { ErrorReport } from '../report/error-report.js';
import { describeError, reportEntry } from '../report/report-entry.js';
import { groupDigits } from '../group-digits.js';
import { addToBatch, newBatch, refsOf, rollBackWhole, type GatheredBatch, type Rejection } from './batch-outcome.js';
import { chooseSource } from './choose-source.js';
import type { ValidatedSource } from './validated-source.js';
import { emptyCounts, sniffedNote, type ImportConfig, type ImportEvents, type ImportResult } from './import-config.js';
import { prepareResume } from './resume.js';
import { planJobIdRerun } from './job-id-rerun.js';
import { refuseLoadingAgain } from './loaded-before.js';
import { jobOptions } from './job-options.js';
import { checkImportTarget } from './import-target.js';
import { alreadyDoneResult, endNotRecorded, sayWhatStays, withHowToGoOn, withSniffedNote, type JobSoFar } from './import-outcome.js';
import { describeInputs, emptyInputWarnings, openInputsUnlessAborted, recordsOf } from './record-source.js';
import { IdleChecksums } from './idle-checksums.js';
import { inferredSchemaWarnings, schemaBeforeReading, schemaFromSamples, type ResolvedSchema } from './resolve-schema.js';
import { TransactionScope } from './transaction-scope.js';
import { LEASE_RENEWAL_MS, ownedByThisProcess, pidNamespace, thisHost } from './job-owner.js';
import { newJobId } from './job-id.js';
import { nextFreeReportPath, reportMoved, reportPathFor } from './report-path.js';
import { refuseDatabaseAsInput } from './input-is-database.js';
import { ABORTED, interruptedWhileInferring, readUnlessAborted } from './until-aborted.js';
import { conflictTarget, checkTableMatchesSchema } from './table-checks.js';
import { describeReference, orphansLeft, referencesInto, type Reference } from './truncate-references.js';
import { claimJob, confirmJobStillOurs, JobFinishedMeanwhile } from './job-claim.js';
import { dropCreatedTable } from './drop-created-table.js';
import { discardEarlyWorker } from './validation-worker-start.js';

const FIRST_ERRORS_KEPT = 5;
/** Atomic: at most this many rows wait for their parent rows (holdForJob), records and all. */
const HELD_ROWS_KEPT = 100_000;

/**
 * One `barge import` run: inputs -> records -> validation -> batches -> the
 * table, per the mode (SPEC §4), with the report and the job record.
 * Reports through `events`; never touches the terminal or the process.
 */
export async function runImport(config: ImportConfig, events: ImportEvents = {}, signal?: AbortSignal): Promise<ImportResult> {
  const started = Date.now();
  refuseDatabaseAsInput(config.inputs, config.dbPath);
  const fresh = !fs.existsSync(config.dbPath);
  const db = openDatabase(config.dbPath, { busyTimeoutMs: config.busyTimeoutMs, keepJournalMode: config.dryRun });
  let discard = false;
  const run = new ImportRun(db, config, events, signal, started);
  try {
    const result = await run.run();
    // A dry run into a database that did not exist leaves none (its work was rolled back).
    discard = fresh && config.dryRun && isEmpty(db);
    return result;
  } catch (caught) {
    if (caught instanceof DatabaseGone) emptyStaleWal(db);
    // SQLite's failures outside a batch (the job history read for --job-id or --resume, say, from
    // a damaged database) named with the database, not "an unexpected failure".
    const error = run.withSniffedNote(asDatabaseError(caught, config.dbPath));
    // A usage error leaves nothing behind: not even the empty database file this run created.
    discard = fresh && error instanceof BargeError && ['usage', 'schema', 'input', 'interrupted'].includes(error.code) && isEmpty(db);
    throw error;
  } finally {
    if (discard) removeIfAlone(db, config.dbPath);
    db.close();
  }
}

class ImportRun {
  private counts: JobCounts = emptyCounts();
  /** Atomic: rows waiting for their parent rows, written or rejected at the end (settleHeld). */
  private held: Array<{ row: readonly unknown[]; record: SourceRecord; batchNo: number }> = [];
  private batchNo = 0;
  private batchesCommitted = 0;
  private recordsConsumed = 0;
  private culprits = 0;
  /** How many records the schema was inferred from, when it was (the table is new, no --schema). */
  private inferredFrom?: number;
  /** Culprits rejected by the schema, not for input that could not be read (a syntax error): only those may be the inferred schema's doing. */
  private unfitting = 0;
  /** ImportResult.sniffed. */
  private sniffed?: { input: string; format: string };
  /** Culprits of the job's earlier runs that --max-errors does not count (see run()). */
  private culpritsBefore = 0;
  private readonly firstErrors: string[] = [];
  private report!: ErrorReport;
  private jobId!: string;
  private scope!: TransactionScope;
  private writer!: BatchWriter;
  private validator!: Validator;
  private saveCheckpoint?: (id: string, checkpoint: JobCheckpoint, durationMs: number, reportPath: string | null) => void;
  private stoppedEarly?: string;
  private interrupted = false;
  /** --truncate (atomic): the other tables' foreign keys into the table, checked before COMMIT. */
  private truncatedReferences: Reference[] = [];
  /**
   * --truncate (batch, row): the table to empty in the first transaction that loads rows (see
   * truncateInTransaction); undefined once one has, or when there is nothing to empty.
   */
  private pendingTruncate: string | undefined;
  /**
   * batch/row, an existing table and a schema file: the schema to keep for the table, saved in
   * the first batch that loads rows (as pendingTruncate). Saved before the first batch, it was
   * kept by a job that loaded nothing (every record rejected, a malformed input): the next
   * import then judged the table's rows by a schema none of them was loaded with.
   */
  private pendingSchema: SchemaSpec | undefined;
  /** batch/row: the table this run created (in its own transaction), dropped if no batch commits. */
  private createdTable: string | undefined;
  /** --job-id of a job that failed before (and is not resumed): its row, replaced when this run claims the job. */
  private replaces: JobRecord | undefined;
  /** A resumed job: the time its earlier runs took (as far as they recorded it). */
  private earlierRunsMs = 0;
  /** A resumed job: the records its earlier runs rejected, whose entries are in its report. */
  private earlierRejected = 0;
  /** This job, for the advice of a failure's message (run again, or resume); none for a dry run. */
  private failedJob: FailedJob | undefined;
  /** The file written, checked after each commit: deleted meanwhile, the job is not a success. */
  private readonly databaseFile: DatabaseFile;
  /**
   * When this run started by the monotonic clock: durations are measured on it, since the wall
   * clock may step (NTP, a VM resumed): stepped back an hour mid-run, a job's duration was
   * -3596.9 s, its rate nonsense, and a resume added the negative time to its own.
   */
  private readonly clockStarted = performance.now();
  /** The inputs' warnings told so far: this thread's read for the schema and a worker's read of the same records tell the same ones. */
  private readonly toldOfInputs = new Set<string>();
  private readonly inputWarning = (message: string): void => {
    if (this.toldOfInputs.has(message)) return;
    this.toldOfInputs.add(message);
    this.events.onWarning?.(message);
  };

  constructor(
    private readonly db: Db,
    private config: ImportConfig,
    private readonly events: ImportEvents,
    private readonly signal: AbortSignal | undefined,
    private readonly started: number,
  ) {
    this.databaseFile = new DatabaseFile(config.dbPath);
  }

  async run(): Promise<ImportResult> {
    let resumeFrom: JobRecord | undefined;
    let resumeNotice: string | undefined;
    if (this.config.resume) {
      const prepared = await prepareResume(this.db, this.config);
      this.config = prepared.config;
      resumeFrom = prepared.job;
    } else if (this.config.jobId) {
      const rerun = await planJobIdRerun(this.db, this.config, this.config.jobId);
      if (rerun.kind === 'done') {
        if (rerun.warning !== undefined) this.events.onWarning?.(rerun.warning);
        return alreadyDoneResult(rerun.previous, this.config.dryRun);
      }
      if (rerun.kind === 'resume') {
        // Said once the resume is checked (below, with its report): a refused one only says why.
        resumeNotice = rerun.notice;
        this.config = rerun.config;
        resumeFrom = rerun.job;
      } else if (rerun.kind === 'replace') {
        // Replaced when this run claims the job (job-claim.ts), if it is still this row then.
        this.replaces = rerun.previous;
      }
    }

    const config = this.config;
    // A bad --errors is a usage error before anything is read or recorded (startJob opens it).
    const reportPath = reportPathFor(config);
    const moved = reportMoved(config, reportPath);
    if (moved !== undefined) this.events.onWarning?.(moved);
    if (resumeNotice !== undefined) this.events.onWarning?.(resumeNotice);
    const inputs = await openInputsUnlessAborted(config.inputs, config.source, this.signal, 'interrupted while waiting for the input\'s first bytes; nothing was written');
    // (Every input empty under --truncate is refused, in words of its own.)
    if (!(config.truncate && inputs.every((input) => input.size === 0))) for (const warning of emptyInputWarnings(inputs)) this.inputWarning(warning);
    // The checks between opening the inputs and reading them throw (a schema that does not fit,
    // --truncate refused): the inputs, a worker not yet given them, are let go.
    // Records of a resumed job's committed batches, read past again.
    const skip = resumeFrom?.checkpoint?.records ?? 0;
    const { resolved, totalBytes, existed, target, source } = await this.prepareSource(inputs, skip).catch((error: unknown) => {
      for (const input of inputs) abandonInput(input);
      discardEarlyWorker();
      throw error;
    });
    const spec = resolved.spec;
    // An atomic job cannot be resumed, so its inputs' checksums only inform (barge jobs): with a
    // worker, they are taken while this thread waits for it (idle-checksums.ts), not before.
    // On CSV the worker takes them as it reads (choose-source.ts).
    const hashedBySource = source.hashesInputs === true;
    const idleChecksums = config.mode === 'atomic' && !config.dryRun && source.whileWaiting !== undefined && !hashedBySource ? new IdleChecksums(config.inputs, inputs.map((input) => input.size)) : undefined;
    if (idleChecksums) source.whileWaiting!(() => idleChecksums.step());
    let job: JobRecord;
    try {
      if (existed) await refuseLoadingAgain(this.db, config, spec.table, inputs.map((input) => input.size));
      job = await this.startJob(inputs, resumeFrom, spec.table, existed, reportPath, !config.dryRun && idleChecksums === undefined && !hashedBySource);
    } catch (error) {
      await source.close().catch(() => undefined);
      if (error instanceof JobFinishedMeanwhile) return alreadyDoneResult(error.job, this.config.dryRun);
      throw error;
    }
    if (resumeFrom) this.earlierRunsMs = resumeFrom.durationMs ?? 0;
    if (resumeFrom?.checkpoint) {
      // --max-errors counts the whole job's rejections: a resumed run went on to n more. A
      // checkpoint of an older version has no culprits: in row mode every rejection is one.
      this.culprits = resumeFrom.checkpoint.culprits ?? (config.mode === 'row' ? resumeFrom.checkpoint.counts.rejected : 0);
      // A job that stopped at its --max-errors is resumed to read on: it gets n more. (It read no
      // more at all, and the records after the stop could be loaded by no run of the job.)
      if (config.maxErrors !== undefined && this.culprits >= config.maxErrors) this.culpritsBefore = this.culprits;
      this.earlierRejected = resumeFrom.checkpoint.counts.rejected;
      this.counts = { ...resumeFrom.checkpoint.counts };
      this.batchNo = resumeFrom.checkpoint.batches;
      // Rolled-back batches (batch mode) are numbered but not committed.
      this.batchesCommitted = resumeFrom.checkpoint.committed ?? resumeFrom.checkpoint.batches;
      this.recordsConsumed = skip;
    }
    this.events.onStart?.({ jobId: this.jobId, table: spec.table, totalBytes, resumedFrom: resumeFrom ? skip : undefined });

    let failure: unknown;
    let stopRenewals: (() => void) | undefined;
    try {
      this.write(() => {
        this.scope.beginJob();
        if (!existed) this.createTable(spec, resolved.origin);
        else if (resolved.origin === 'file') {
          if (this.scope.outer) saveSchema(this.db, spec);
          else this.pendingSchema = spec;
        }
        if (config.truncate && this.scope.outer) {
          // Atomic only (truncateProblem): the references into the table are checked once the
          // reload is done, before COMMIT (orphansLeft); SQLite turns this off at COMMIT/ROLLBACK.
          if (this.truncatedReferences.length > 0) this.db.pragma('defer_foreign_keys = ON');
          this.db.exec(`DELETE FROM ${quoteIdent(spec.table)}`);
        } else if (config.truncate) {
          // Emptied in its own transaction, a reload that failed before its first batch (a
          // malformed record, an interrupt) left the table empty: the old rows lost, none loaded.
          this.pendingTruncate = spec.table;
        }
      });
      this.writer = new BatchWriter(this.db, spec.table, this.validator.columns, {
        onConflict: config.onConflict,
        conflictColumns: target,
        holdForJob: config.mode === 'atomic',
        // What a record's replace or update may break: the keys of rows that refer to its row.
        referencedBy: existed && (config.onConflict === 'replace' || config.onConflict === 'update')
          ? referencesInto(this.db, spec.table, true).map(describeReference).join(', ') || undefined
          : undefined,
        required: Object.keys(spec.columns).filter((name) => isEffectivelyRequired(spec, name) && !target.includes(name)),
        tableDefaults: new Map(Object.entries(spec.columns).flatMap(([name, column]) => (column.sqlDefault === undefined ? [] : [[name, column.sqlDefault] as const]))),
      });
      this.saveCheckpoint = config.dryRun ? undefined : checkpointWriter(this.db);
      stopRenewals = this.renewLeaseWhileIdle();
      await this.load(source, totalBytes);
      // Stopped early (--max-errors), the parents of held rows may be in the input not read: the
      // job fails anyway, without those rows called orphans.
      if (!this.interrupted && this.stoppedEarly === undefined) this.settleHeld();
      // Inputs of 0 bytes (not even a header) are more often a failed download than a reload of
      // nothing: emptying the table for them (exit 0, nothing saying rows were deleted) wiped a
      // seed table in CI. A file of just its header still empties it.
      if (config.truncate && !this.interrupted && this.counts.read === 0 && source.bytesRead() === 0) {
        throw new BargeError('input', `every input was empty (0 bytes), and --truncate would empty "${spec.table}" with nothing in its place: refused, nothing changed; to empty the table, import a file with no records (a CSV header alone, or [] as JSON)`);
      }
      // An input with no records commits no batch: a reload of nothing still empties the table.
      // (Not when records were rejected: a reload that loaded nothing leaves the old rows.)
      if (!this.interrupted && this.pendingTruncate !== undefined && this.counts.rejected === 0) {
        this.commitAlone(() => {
          // As a batch's commit (checkpoint): not a table another took this job for dead beside.
          if (this.saveCheckpoint && !this.scope.outer) confirmJobStillOurs(this.db, this.jobId);
          this.truncateInTransaction();
        });
      }
    } catch (error) {
      failure = error;
    } finally {
      stopRenewals?.();
      // An interrupted read may still be waiting on its stream (stdin): end it, so closing does not wait.
      if (this.interrupted) for (const input of inputs) abandonInput(input);
      await source.close().catch(() => undefined);
    }
    // An atomic job's rows commit in finish(): a signal that came while the source closed still
    // rolls them back, as one a moment earlier would have.
    if (failure === undefined && this.stoppedEarly === undefined && this.scope.outer && this.signal?.aborted) this.interrupted = true;
    // Read to the end: the checksums of all of it; stopped early: those already taken.
    const readAll = failure === undefined && !this.interrupted && this.stoppedEarly === undefined;
    const checksums = hashedBySource ? source.checksums?.() : idleChecksums && (readAll ? idleChecksums.finish() : idleChecksums.taken());
    idleChecksums?.close();
    return this.finish(job, failure, checksums);
  }

  /**
   * From opened inputs to the source of validated records: the schema (from --schema, the
   * table, or the first records), the checks of it against the database, and where parsing
   * and validation run.
   */
  private async prepareSource(inputs: OpenedInput[], skip: number) {
    const config = this.config;
    // Said with the rejections: a one-column TSV from stdin sniffed as CSV was rejected as ragged rows, with no word of the format.
    const sniffed = config.source.format === undefined ? inputs.find((input) => formatFromPath(input.path) === undefined) : undefined;
    if (sniffed !== undefined) this.sniffed = { input: sniffed.path === '-' ? 'stdin' : sniffed.name, format: sniffed.format };
    const totalBytes = inputs.every((input) => input.size !== undefined) ? inputs.reduce((sum, input) => sum + input.size!, 0) : undefined;
    // A worker reads the files again with its own options; these records stay in this thread.
    const records = recordsOf(inputs, { ...config.source, keepJsonSource: true, onWarning: this.inputWarning });

    // The schema: from --schema, the existing table, or the first records.
    const before = schemaBeforeReading(this.db, { schemaPath: config.schemaPath, table: config.table, firstInput: config.inputs[0]! });
    const pending: SourceRecord[] = [];
    let resolved: ResolvedSchema;
    if ('spec' in before) {
      resolved = before;
    } else {
      // Pulled by hand: breaking out of a for-await would close the generator.
      while (pending.length < config.inferRows) {
        // An idle stdin (`tail -f … | barge import -`) may not give the sample for minutes.
        const next = await readUnlessAborted(records.next(), this.signal, (read) => read.done === true);
        if (next === ABORTED) throw interruptedWhileInferring();
        if (next.done) break;
        for (const record of next.value) pending.push(record);
      }
      const sample = pending.slice(0, config.inferRows);
      try {
        resolved = schemaFromSamples(before.table, sample);
      } catch (error) {
        // Unreadable records of a sniffed input may be a format taken for another (TSV for CSV).
        if (!(error instanceof BargeError) || this.sniffed === undefined || !sample.some((record) => record.parseError !== undefined)) throw error;
        throw new BargeError(error.code, `${error.message} (${sniffedNote(this.sniffed)})`, { cause: error, input: error.input });
      }
      if (resolved.origin === 'inferred') {
        this.inferredFrom = Math.min(config.inferRows, pending.length);
        for (const warning of inferredSchemaWarnings(resolved, sample)) this.events.onWarning?.(warning);
      }
    }
    // The report's job's schema file, read in place of --schema: this job's own, recorded with
    // it, so that its report fed back in turn (or a resume) is checked by it too.
    if (resolved.schemaPath !== undefined) this.config = { ...this.config, schemaPath: resolved.schemaPath };
    const spec = resolved.spec;
    const target = conflictTarget(spec, this.db);
    this.validator = compileValidator(spec, config.onConflict === 'update' ? { upsertKey: target } : {});
    const { existed, truncatedReferences } = checkImportTarget(this.db, spec, resolved.origin, config, target);
    this.truncatedReferences = truncatedReferences;

    // The source starts before the inputs' checksums are taken: a worker's start-up (~80 ms
    // to its first chunk) then overlaps the checksum (~110 ms per 1M benchmark rows)
    // instead of following it.
    const source = await chooseSource({ config, spec, validator: this.validator, inputs, pending, records, skip, totalBytes, onWarning: this.inputWarning });
    return { resolved, totalBytes, existed, target, source };
  }

  /** The job's row (new, or the resumed one marked running again), its report and its transaction scope. */
  private async startJob(inputs: OpenedInput[], resumeFrom: JobRecord | undefined, table: string, existed: boolean, reportPath: string, checksums: boolean): Promise<JobRecord> {
    const config = this.config;
    const jobInputs = resumeFrom ? resumeFrom.inputs : await describeInputs(inputs, checksums);
    this.jobId = resumeFrom?.id ?? config.jobId ?? newJobId();
    this.failedJob = config.dryRun ? undefined : {
      id: this.jobId,
      mode: config.mode,
      resumable: config.mode !== 'atomic' && jobInputs.every((input) => input.path !== '-' && input.size !== null),
      dbPath: config.dbIsDefault === true ? undefined : config.dbPath,
    };
    this.scope = new TransactionScope(this.db, config.mode === 'atomic' || config.dryRun, config.mode === 'batch');

    const job: JobRecord = {
      id: this.jobId, command: config.commandLine, inputs: jobInputs, table, mode: config.mode,
      options: jobOptions(config, reportPath), status: 'running', counts: emptyCounts(), batchesCommitted: 0,
      reportPath: null, startedAt: new Date(this.started).toISOString(), finishedAt: null, durationMs: null,
      recordsPerSecond: null, error: null, checkpoint: null,
    };
    // A dry run records nothing: its job row lives and dies in its rolled-back transaction.
    if (!config.dryRun) {
      try {
        // A table found at the start may have been dropped since by a job that made it and then
        // failed (drop-created-table.ts, which spares the tables of running jobs): this run then
        // failed at its first batch with "no such table". Checked under the claim's lock.
        const tableGone = () => {
          if (existed && !tableExists(this.db, table)) {
            throw new BargeError('usage', `table "${table}" was dropped by another process while this run started (a job that made it and failed removes it); run again`);
          }
        };
        claimJob(this.db, resumeFrom ? { resume: resumeFrom } : { create: job, replaces: this.replaces }, tableGone);
      } catch (error) {
        // Finished by another process meanwhile: the caller says so, as for a finished job.
        if (error instanceof JobFinishedMeanwhile || error instanceof BargeError) throw error;
        throw translateSqliteError(error, `database "${config.dbPath}"`);
      }
    }
    // Opened once the job is this run's: a resumed report is cut back to its checkpoint here,
    // which, before the claim, could cut the entries of a run that had just claimed it. With no
    // batch committed, everything in it came from batches that were not (an older checkpoint has
    // no size).
    const reportAt = resumeFrom === undefined ? undefined : resumeFrom.checkpoint === null ? 0 : resumeFrom.checkpoint.reportBytes;
    this.report = new ErrorReport(reportPath, this.validator.columns, resumeFrom !== undefined, reportAt, this.failedJob, resumeFrom === undefined ? nextFreeReportPath(config) : undefined);
    const lost = this.report.lostEntriesWarning(resumeFrom?.checkpoint?.counts.rejected ?? 0);
    if (lost !== undefined) this.events.onWarning?.(lost);
    return job;
  }

  /** The checksums taken while the import ran, into the job's record (see IdleChecksums). */
  private recordChecksums(job: JobRecord, checksums: Array<string | undefined>): void {
    if (this.config.dryRun || !checksums.some((sum) => sum !== undefined)) return;
    job.inputs = job.inputs.map((input, i) => ({ ...input, sha256: input.sha256 ?? checksums[i] ?? null }));
    try {
      setJobInputs(this.db, this.jobId, job.inputs);
    } catch {
      // The job keeps no checksum; the import's own outcome is what matters.
    }
  }

  /** The main loop: take validated chunks, flush full batches, stop when told. */
  private async load(source: ValidatedSource, totalBytes: number | undefined): Promise<void> {
    const { batchSize, maxErrors } = this.config;
    let batch = newBatch();
    // At the limit on the input's last record, the job read it all: it did not stop early (it
    // said "the rest of the input was not read", and was failed where it was partial). Files
    // only: stdin or a pipe (no size) may not say for minutes whether more is coming.
    const limitReached = async (index: number, count: number) => {
      // A next chunk that fails to parse (an unterminated quote past the limit) is more input,
      // not the job's failure: the job stopped before it (it exited 2 for a record it never
      // was to read; validate stopped as told).
      const more = index < count - 1 || totalBytes === undefined || (await source.next().then((next) => next !== undefined, () => true));
      if (more) this.stoppedEarly = `stopped after ${maxErrors} rejected record${maxErrors === 1 ? '' : 's'} (--max-errors)`;
    };
    const reached = (more: number) => maxErrors !== undefined && this.culprits - this.culpritsBefore + more >= maxErrors;
    for (;;) {
      if (this.signal?.aborted) { this.interrupted = true; return; }
      // The signal wins over an end of the input (or a record cut off) that comes with it.
      const chunk = await readUnlessAborted(source.next(), this.signal, (read) => !read);
      if (chunk === ABORTED) { this.interrupted = true; return; }
      if (!chunk) break;
      const count = chunk.rows.length;
      for (let index = 0; index < count; index++) {
        this.counts.read++;
        addToBatch(batch, chunk, index);
        if (reached(batch.invalid)) {
          await this.flush(batch, source);
          await limitReached(index, count);
          return;
        }
        if (batch.rows.length >= batchSize) {
          await this.flush(batch, source);
          batch = newBatch();
          // Records of earlier chunks are all flushed: the worker may forget them.
          source.release(chunk.id);
          if (reached(0)) {
            await limitReached(index, count);
            return;
          }
        }
      }
      this.events.onProgress?.({ bytesRead: source.bytesRead(), totalBytes, records: this.counts.read, rejected: this.counts.rejected });
    }
    if (this.signal?.aborted) { this.interrupted = true; return; }
    if (batch.rows.length > 0) await this.flush(batch, source);
    this.events.onProgress?.({ bytesRead: source.bytesRead(), totalBytes, records: this.counts.read, rejected: this.counts.rejected });
  }

  /**
   * Writes one gathered batch per the mode. The writes are synchronous, so a
   * batch is never half-applied; only fetching the records to report (from the
   * worker) waits, with the batch's transaction still open.
   */
  private async flush(batch: GatheredBatch, source: ValidatedSource): Promise<void> {
    // The counts say what is committed: a batch whose commit fails (a full disk) is not. They
    // were counted first, and the message and the job said one batch more than the table held.
    const before = { counts: { ...this.counts }, batchesCommitted: this.batchesCommitted, recordsConsumed: this.recordsConsumed };
    try {
      await this.flushBatch(batch, source);
    } catch (error) {
      this.counts = before.counts;
      this.batchesCommitted = before.batchesCommitted;
      this.recordsConsumed = before.recordsConsumed;
      throw error;
    }
  }

  private async flushBatch(batch: GatheredBatch, source: ValidatedSource): Promise<void> {
    this.batchNo++;
    this.recordsConsumed += batch.rows.length;
    const batchNo = this.batchNo;
    const all = batch.rows.length;
    if (this.config.mode === 'batch' && batch.invalid > 0) {
      const culprits = new Map<number, FieldError[]>();
      batch.errors.forEach((errors, index) => errors && culprits.set(index, errors));
      this.reject(rollBackWhole(await source.recordsAt(refsOf(batch)), culprits, batchNo, false), batchNo);
      this.commitAlone(() => this.checkpoint());
      return;
    }
    // The rows to write, and where each is in the batch (the same place when none was rejected).
    let rows = batch.rows as unknown[][];
    let rowIndex: number[] | undefined;
    if (batch.invalid > 0) {
      rows = [];
      rowIndex = [];
      for (let index = 0; index < all; index++) {
        const row = batch.rows[index];
        if (row) { rows.push(row); rowIndex.push(index); }
      }
    }
    const given = this.config.onConflict === 'update' ? this.givenColumns(batch, rowIndex) : undefined;
    const outcome = this.write(() => {
      this.scope.beginBatch();
      if (rows.length === 0) return this.writer.write(rows, given);
      // A reload's emptying and the kept schema go with the first batch that loads rows. In row
      // mode a batch whose every row failed at the write commits all the same: the emptying is
      // undone then (a reload whose records all failed a CHECK left the table empty, "nothing
      // loaded"), and the schema is saved only after rows were written with it.
      const reload = this.pendingTruncate !== undefined;
      if (reload) this.db.exec('SAVEPOINT barge_reload');
      this.truncateInTransaction();
      const written = this.writer.write(rows, given);
      const loaded = written.inserted + written.updated + written.ignored > 0;
      if (reload) this.db.exec(loaded ? 'RELEASE barge_reload' : 'ROLLBACK TO barge_reload; RELEASE barge_reload');
      if (loaded && this.pendingSchema !== undefined) saveSchema(this.db, this.pendingSchema);
      return written;
    });
    const failed = new Map<number, FieldError[]>();
    for (const failure of outcome.failures) failed.set(rowIndex === undefined ? failure.index : rowIndex[failure.index]!, [failure.error]);
    if (outcome.held.length > 0) await this.holdForJob(outcome.held, rows, rowIndex, batch, batchNo, source, failed);
    if (this.config.mode === 'batch' && failed.size > 0) {
      this.write(() => this.scope.rollbackBatch());
      this.reject(rollBackWhole(await source.recordsAt(refsOf(batch)), failed, batchNo, true), batchNo);
      this.commitAlone(() => this.checkpoint());
      return;
    }
    if (batch.invalid > 0 || failed.size > 0) {
      const places: number[] = [];
      for (let index = 0; index < all; index++) if (batch.errors[index] || failed.has(index)) places.push(index);
      const records = await source.recordsAt(refsOf(batch, places));
      this.reject(places.map((index, i) => ({ record: records[i]!, errors: batch.errors[index] ?? failed.get(index)!, culprit: true })), batchNo);
    }
    this.counts.inserted += outcome.inserted;
    this.counts.updated += outcome.updated;
    this.counts.ignored += outcome.ignored;
    this.batchesCommitted++;
    this.write(() => {
      this.checkpoint();
      this.scope.commitBatch();
    });
    this.databaseFile.check();
    // Emptied for good once a batch has loaded rows; until then each batch that writes does it
    // again (a DELETE that found the table empty already costs nothing).
    if (outcome.inserted + outcome.updated + outcome.ignored > 0) {
      this.pendingTruncate = undefined;
      this.pendingSchema = undefined;
    }
  }

  /**
   * --on-conflict update: per row to write, the columns its record gives. The records are in
   * this thread (choose-source.ts keeps an upsert's parsing here).
   */
  private givenColumns(batch: GatheredBatch, rowIndex: number[] | undefined): boolean[][] {
    const places = rowIndex ?? batch.indexes.map((_, i) => i);
    return places.map((place) => {
      const record = batch.chunks[place]!.records[batch.indexes[place]!];
      if (record === undefined) throw new Error('an upsert needs its records in this thread');
      return this.validator.given(record.data, record.text);
    });
  }

  private reject(rejections: Rejection[], batchNo: number): void {
    for (const { record, errors, culprit } of rejections) {
      const described = errors.map((error) => ({ ...error, message: describeError(record.line, error) }));
      this.report.add(reportEntry(this.jobId, batchNo, record, described, { csv: this.report.isCsv }));
      this.counts.rejected++;
      if (culprit) {
        this.culprits++;
        if (record.parseError === undefined) this.unfitting++;
        if (this.firstErrors.length < FIRST_ERRORS_KEPT) this.firstErrors.push(`${record.input}:${described[0]!.message}`);
      }
    }
    this.report.flush();
  }

  /**
   * Atomic: rows whose parent row (in this table) has not come yet wait for the end of the job
   * (settleHeld), with their records for the report. Past HELD_ROWS_KEPT waiting, a row is
   * rejected at once, so that memory stays flat. (Only --on-conflict error holds rows: no upsert's given columns.)
   */
  private async holdForJob(
    held: readonly number[], rows: readonly (readonly unknown[])[],
    rowIndex: readonly number[] | undefined, batch: GatheredBatch, batchNo: number, source: ValidatedSource, failed: Map<number, FieldError[]>,
  ): Promise<void> {
    const places = held.map((i) => (rowIndex === undefined ? i : rowIndex[i]!));
    const kept = Math.max(0, Math.min(held.length, HELD_ROWS_KEPT - this.held.length));
    for (let i = kept; i < held.length; i++) {
      const error = this.writer.referenceProblem(rows[held[i]!]!) ?? { column: null, code: 'foreign_key', message: 'its parent row was not there yet', value: null };
      failed.set(places[i]!, [{ ...error, message: `${error.message}; more than ${groupDigits(HELD_ROWS_KEPT)} records waited for rows later in the input: put parent rows first` }]);
    }
    if (kept === 0) return;
    const records = await source.recordsAt(refsOf(batch, places.slice(0, kept)));
    for (let i = 0; i < kept; i++) this.held.push({ row: rows[held[i]!]!, record: records[i]!, batchNo });
  }

  /** Atomic, at the end of the input: the rows held for their parent rows written, or rejected. */
  private settleHeld(): void {
    if (this.held.length === 0) return;
    const held = this.held;
    this.held = [];
    const rows = held.map((h) => h.row);
    const outcome = this.write(() => this.writer.writeLast(rows));
    this.counts.inserted += outcome.inserted;
    this.counts.updated += outcome.updated;
    this.counts.ignored += outcome.ignored;
    for (const { index, error } of outcome.failures) this.reject([{ record: held[index]!.record, errors: [error], culprit: true }], held[index]!.batchNo);
  }

  /**
   * batch/row: every LEASE_RENEWAL_MS without a committed batch (a slow pipe, a batch of a million
   * records), the job's lease is renewed, so that a process of another host or container does
   * not take it for dead after OTHER_HOST_LEASE_MS and load it a second time beside this one
   * (job-owner.ts). An atomic job holds the write lock throughout: no other process can take it.
   * Returns what stops the renewals.
   */
  private renewLeaseWhileIdle(): (() => void) | undefined {
    if (!this.saveCheckpoint || this.scope.outer) return undefined;
    let last = performance.now();
    let batches = this.batchesCommitted;
    const timer = setInterval(() => {
      if (this.batchesCommitted !== batches) {
        batches = this.batchesCommitted;
        last = performance.now();
        return;
      }
      if (performance.now() - last < LEASE_RENEWAL_MS || this.db.inTransaction) return;
      if (renewJobLease(this.db, this.jobId, new Date().toISOString(), this.config.busyTimeoutMs, { pid: process.pid, host: thisHost(), pidns: pidNamespace() })) last = performance.now();
    }, LEASE_RENEWAL_MS / 6);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** The resume point, in the same transaction as the batch it follows (SPEC §6). */
  private checkpoint(): void {
    if (!this.saveCheckpoint || this.scope.outer) return;
    confirmJobStillOurs(this.db, this.jobId);
    this.saveCheckpoint(this.jobId, {
      records: this.recordsConsumed, batches: this.batchNo, committed: this.batchesCommitted, counts: { ...this.counts }, reportBytes: this.report.size, culprits: this.culprits, savedAt: new Date().toISOString(),
    }, this.elapsedMs() + this.earlierRunsMs, this.report.entries > 0 || this.earlierRejected > 0 ? this.report.path : null);
  }

  /**
   * --truncate (batch, row): empties the table in the transaction open now, so that it commits
   * with the first batch that loads rows, and a job that stops before that leaves the old rows. A
   * batch rolled back takes the DELETE with it: the next transaction does it again.
   */
  private truncateInTransaction(): void {
    if (this.pendingTruncate !== undefined) this.db.exec(`DELETE FROM ${quoteIdent(this.pendingTruncate)}`);
  }

  /**
   * Work with no rows of its own (a rolled-back batch's checkpoint) in its own transaction. It
   * does not empty the table for a pending --truncate: a reload stopped by its rejected records
   * (--fail-fast in the first batch) would have deleted the old rows and loaded none.
   */
  private commitAlone(work: () => void): void {
    this.write(() => this.inOwnTransaction(work));
  }

  private inOwnTransaction(work: () => void): void {
    if (this.scope.outer || this.db.inTransaction) { work(); return; }
    this.db.transaction(work).immediate();
  }

  /**
   * Creates the table under the write lock. It is looked for again there: two
   * imports started at once both saw no table, and the second to take the lock
   * must use the first's table rather than fail on CREATE TABLE.
   */
  private createTable(spec: SchemaSpec, origin: ResolvedSchema['origin']): void {
    this.inOwnTransaction(() => {
      if (tableExists(this.db, spec.table)) {
        checkTableMatchesSchema(this.db, spec, { replacingRows: this.config.truncate });
        if (origin === 'file') saveSchema(this.db, spec);
        return;
      }
      for (const statement of createTableStatements(spec)) this.db.exec(statement);
      saveSchema(this.db, spec);
      if (!this.scope.outer) this.createdTable = spec.table;
    });
  }

  /** Runs database work, turning SQLite failures of the run into BargeErrors. */
  private write<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      if (error instanceof BargeError) throw error;
      throw translateSqliteError(error, `database "${this.config.dbPath}"`, this.failedJob);
    }
  }

  private finish(job: JobRecord, failure: unknown, checksums: Array<string | undefined> | undefined): ImportResult {
    const config = this.config;
    let status: JobStatus;
    let rolledBack = false;
    if (failure !== undefined || this.interrupted) {
      // A batch/row job's records read are those of its batches (committed, or rolled back and
      // reported): the batch being read when it stopped is discarded, and a resume reads it
      // again. Counted, the job said "read 102,203" beside 102,000 loaded or rejected.
      if (config.mode !== 'atomic') this.counts.read = this.recordsConsumed;
      this.scope.abandon();
      rolledBack = this.scope.outer;
      status = this.interrupted ? 'interrupted' : 'failed';
      // Nothing committed: the new table goes too (an atomic job's went with its ROLLBACK).
      if (this.createdTable !== undefined && this.batchesCommitted === 0) dropCreatedTable(this.db, this.createdTable, this.jobId);
    } else {
      const commit = !config.dryRun && !(config.mode === 'atomic' && this.counts.rejected > 0);
      try {
        // An atomic job's row says it succeeded in the transaction that commits its rows. Marked
        // after, a job killed in between (the COMMIT's WAL checkpoint: ~0.3 s per 1M rows) kept
        // every row but said "running", and a retry of its --job-id loaded them all again.
        // A dry run checks too: it must fail where the real run would.
        if (this.truncatedReferences.length > 0 && this.counts.rejected === 0) {
          const orphans = orphansLeft(this.db, job.table, this.truncatedReferences);
          if (orphans) throw orphans;
        }
        if (commit && this.scope.outer) {
          // Paused before its transaction began, past the lease, the job may be another's now.
          confirmJobStillOurs(this.db, this.jobId);
          this.recordFinish('succeeded', undefined);
        }
        this.scope.endJob(commit);
        this.databaseFile.check();
      } catch (error) {
        this.scope.abandon();
        failure = translateSqliteError(error, `database "${config.dbPath}"`, this.failedJob);
      }
      // A failed COMMIT of the outer transaction undid the job as surely as a ROLLBACK.
      rolledBack = this.scope.outer && (!commit || failure !== undefined);
      if (failure !== undefined) status = 'failed';
      else if (config.mode === 'atomic' && this.counts.rejected > 0) status = 'failed';
      // Stopped by --max-errors, it did not finish: the records after the stop were not read
      // (SPEC §6: failed, "aborted"), and a resume reads them (the job said "partial", which a
      // retry of its --job-id took as finished, and --resume refused).
      else if (this.stoppedEarly !== undefined) status = 'failed';
      else status = this.counts.rejected > 0 ? 'partial' : 'succeeded';
    }
    // An atomic job that was undone wrote nothing; a dry run keeps what it would have written,
    // which for an atomic job that would not succeed (a rejected record, a failure, an interrupt)
    // is nothing either, and for a batch/row job the batches before its stop (a dry run stopped
    // by --max-errors said 0 inserted where the real run kept 3).
    const realRunKeeps = config.mode !== 'atomic' || status === 'succeeded';
    if (rolledBack && (!config.dryRun || !realRunKeeps)) {
      this.counts.inserted = 0;
      this.counts.updated = 0;
      this.counts.ignored = 0;
      this.batchesCommitted = 0;
    }
    try {
      this.report?.close();
    } catch (error) {
      // A JSON report's closing bracket that cannot be written (a full disk): the job failed, and
      // says so in its row like any other failure (it was left "running").
      if (failure === undefined) {
        failure = error;
        status = 'failed';
      }
    }
    const { durationMs, recordsPerSecond, reportPath } = this.figures();
    // The database file gone or replaced: no record more is written (runImport then only empties
    // the WAL into the old file).
    const gone = failure instanceof DatabaseGone;
    // Outside the job's transaction, ended above: a rolled-back atomic job keeps them too.
    if (checksums !== undefined && !gone) this.recordChecksums(job, checksums);
    let recorded = false;
    let notRecorded: BargeError | undefined;
    try {
      if (!gone) this.recordFinish(status, failure, { durationMs, recordsPerSecond, reportPath });
      recorded = true;
    } catch (error) {
      // The job row was not updated (a lock held past --busy-timeout at that moment). A failure
      // of the run is what the user must see. An atomic job that succeeded said so in the
      // transaction of its rows: only its figures are missing. A batch/row job that read all its
      // input said "succeeded", exit 0, while its row said "running": a retry under its --job-id
      // was refused (stdin) or resumed. One that stopped early keeps its exit code, and says so.
      if (failure === undefined && !config.dryRun && !(config.mode === 'atomic' && status === 'succeeded')) {
        const cause = translateSqliteError(error, `database "${config.dbPath}"`);
        if (config.mode !== 'atomic' && (status === 'succeeded' || status === 'partial')) notRecorded = endNotRecorded(this.soFar(), status, cause);
        else this.events.onWarning?.(`the record of job ${this.jobId} could not be updated (${cause.message}): barge jobs shows it "running"`);
      }
    }
    // A CSV report's header is widened only when the job cannot be resumed: a resume continues
    // the report from the byte size its last checkpoint saved, which a rewrite would move. A
    // batch/row job of files can be, when it failed or was interrupted, or when its end could not
    // be recorded (left "running" by a held lock).
    const canResume = config.mode !== 'atomic' && !config.dryRun && job.inputs.every((input) => input.path !== '-' && input.size !== null);
    const resumable = canResume && (status === 'failed' || status === 'interrupted' || !recorded);
    if (!resumable) {
      this.report?.widen();
      const notWidened = this.report?.closeWarning;
      if (notWidened !== undefined) this.events.onWarning?.(notWidened);
    }
    if (failure !== undefined) throw sayWhatStays(failure, this.soFar(), rolledBack, config.dryRun);
    if (notRecorded !== undefined) throw notRecorded;
    return {
      jobId: this.jobId, status, table: job.table, mode: config.mode, counts: this.counts,
      batchesCommitted: this.batchesCommitted, rolledBack, reportPath, durationMs, recordsPerSecond,
      dryRun: config.dryRun, alreadySucceeded: false, alreadyFinished: false, inputs: config.inputs, firstErrors: this.firstErrors,
      stoppedEarly: this.interrupted ? 'interrupted' : this.stoppedEarly,
      // After syntax errors alone, the advice to write the schema out and edit it led nowhere.
      inferredFrom: this.unfitting > 0 ? this.inferredFrom : undefined,
      canResume,
      sniffed: this.sniffed,
    };
  }

  /** This run's time so far, in whole ms. */
  private elapsedMs(): number {
    return Math.round(performance.now() - this.clockStarted);
  }

  /** The job's duration, rate and report so far. */
  private figures(): { durationMs: number; recordsPerSecond: number; reportPath: string | null } {
    // A resumed job's time is its runs' together (not the pause between them), so that its
    // rate is records over the time spent reading them.
    const durationMs = this.elapsedMs() + this.earlierRunsMs;
    return {
      durationMs,
      recordsPerSecond: durationMs > 0 ? Math.round((this.counts.read * 1000) / durationMs) : this.counts.read,
      // A resumed job's report holds its earlier runs' entries too, even when this run adds none.
      reportPath: this.report && (this.report.entries > 0 || this.earlierRejected > 0) ? this.report.path : null,
    };
  }

  /** The job's outcome into its row (a dry run records nothing). */
  private recordFinish(status: JobStatus, failure: unknown, figures = this.figures()): void {
    if (this.config.dryRun || !this.jobId) return;
    // Taken over while this process was paused (confirmJobStillOurs): the row is the other's.
    const lease = getJobLease(this.db, this.jobId);
    if (lease !== undefined && !ownedByThisProcess(lease)) return;
    finishJob(this.db, this.jobId, {
      status, counts: this.counts, batchesCommitted: this.batchesCommitted, ...figures,
      finishedAt: new Date().toISOString(),
      error: failure === undefined ? this.stoppedEarly ?? null : (withHowToGoOn(failure, this.failedJob) as Error).message,
    });
  }

  withSniffedNote(error: unknown): unknown {
    return withSniffedNote(error, this.sniffed);
  }

  /** What a failure's message says of the job so far. */
  private soFar(): JobSoFar {
    return { jobId: this.jobId, counts: this.counts, batchesCommitted: this.batchesCommitted, failedJob: this.failedJob, reportPath: this.figures().reportPath };
  }
}
