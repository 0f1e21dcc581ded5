import { groupDigits } from '../group-digits.js';
import fs from 'node:fs';
import { BargeError } from '../errors.js';
import { compileValidator } from '../schema/index.js';
import type { SchemaSpec } from '../schema/types.js';
import type { FieldError } from '../schema/types.js';
import type { SourceOptions, SourceRecord } from '../source/types.js';
import type { JobCounts } from '../store/jobs.js';
import { openDatabase, tableExists, type Db } from '../store/open-database.js';
import { ErrorReport } from '../report/error-report.js';
import { describeError, reportEntry } from '../report/report-entry.js';
import { ABORTED, interruptedWhileInferring, readUnlessAborted, untilAborted } from './until-aborted.js';
import { abandonInput } from '../source/open-input.js';
import { InProcessSource } from './in-process-source.js';
import { type ImportConfig, type ImportEvents } from './import-config.js';
import { newJobId } from './job-id.js';
import { bytesReadOf, emptyInputWarnings, openInputsUnlessAborted, recordsOf } from './record-source.js';
import { inferredSchemaWarnings, schemaBeforeReading, schemaFromSamples } from './resolve-schema.js';
import { checkTableMatchesSchema } from './table-checks.js';
import { nextFreeReportPath, reportMoved, reportPathFor } from './report-path.js';
import { planSplit, TailReader, type SplitPlan } from './validate-split.js';
import type { TailStart } from './validate-tail-worker.js';

export type ValidateConfig = Pick<ImportConfig, 'inputs' | 'dbPath' | 'table' | 'schemaPath' | 'source' | 'inferRows' | 'batchSize' | 'maxErrors' | 'errorsPath' | 'busyTimeoutMs'>;

export interface ValidateResult {
  /** The id stamped on the report's entries (a validate run is not recorded as a job). */
  runId: string;
  table: string;
  schemaOrigin: 'file' | 'table' | 'inferred';
  counts: Pick<JobCounts, 'read' | 'rejected'> & { valid: number };
  reportPath: string | null;
  durationMs: number;
  recordsPerSecond: number;
  firstErrors: string[];
  stoppedEarly?: string;
}

/**
 * `barge validate`: the import's reading and validation, batch by batch, with
 * the same report, and nothing written to the database (it is opened
 * read-only, and only when it exists, to take an existing table's schema).
 */
export async function runValidate(config: ValidateConfig, events: ImportEvents = {}, signal?: AbortSignal): Promise<ValidateResult> {
  // The monotonic clock: a wall clock stepped back mid-run gave a negative duration.
  const started = performance.now();
  // A split run that starts again on one thread must not say its warnings twice.
  const said = new Set<string>();
  const warn = events.onWarning;
  events = { ...events, onWarning: (message) => { if (!said.has(message)) { said.add(message); warn?.(message); } } };
  const plan = planSplit(config.inputs, config.source);
  if (plan !== undefined) {
    try {
      return await validateRun(config, events, signal, started, plan);
    } catch (error) {
      // The split fell inside a quoted field, or anything failed (a malformed input, a missing
      // table): one thread, from the start, gives exactly the one-thread run's result or error.
      // Not after a signal: Ctrl-C during the split run read the whole input again.
      if (signal?.aborted === true || (error instanceof BargeError && error.code === 'interrupted')) throw error;
    }
  }
  return validateRun(config, events, signal, started, undefined);
}

/** The split run cannot give what a one-thread run would. */
class SplitFailed extends Error {}

async function validateRun(
  config: ValidateConfig,
  events: ImportEvents,
  signal: AbortSignal | undefined,
  started: number,
  plan: SplitPlan | undefined,
): Promise<ValidateResult> {
  const db: Db | undefined = fs.existsSync(config.dbPath) ? openDatabase(config.dbPath, { readonly: true, busyTimeoutMs: config.busyTimeoutMs }) : undefined;
  let before;
  try {
    before = schemaBeforeReading(db, { schemaPath: config.schemaPath, table: config.table, firstInput: config.inputs[0]! });
    // What the import refuses before reading (exit 2), validate refuses too: a --schema that
    // the existing table cannot hold. (A reference to a table not imported yet is not refused:
    // files are validated before they are loaded, parents after children as well.)
    if ('spec' in before && db !== undefined && before.origin === 'file' && tableExists(db, before.spec.table)) {
      checkTableMatchesSchema(db, before.spec);
    }
  } finally {
    db?.close();
  }
  // `--table prodcts` or `--db typo.db`, mistyped: the records were checked against a schema
  // inferred from them and all passed, exit 0, with "(inferred schema)" the only hint.
  if (!('spec' in before) && config.table !== undefined && config.schemaPath === undefined) {
    const view = db !== undefined && isView(config.dbPath, config.table, config.busyTimeoutMs);
    const where = db === undefined ? `no database ${config.dbPath}, so no table ${JSON.stringify(config.table)}` : `no table ${JSON.stringify(config.table)} in ${config.dbPath}${view ? ` (it is a view; give --table the table it shows)` : ''}`;
    events.onWarning?.(`${where}: the records are checked against a schema inferred from them (give --schema to check them against one)`);
  }
  // Split: this thread reads up to the split, and learns the header and where its part ends.
  let header: readonly string[] | undefined;
  let nextLine = 1;
  const source: SourceOptions = plan === undefined ? config.source : {
    ...config.source,
    range: { start: 0, end: plan.at },
    onHeader: (names) => { header = names; },
    onEnd: (line) => { nextLine = line; },
  };
  const inputs = await openInputsUnlessAborted(config.inputs, source, signal, 'validate interrupted while waiting for the input\'s first bytes');
  for (const warning of emptyInputWarnings(inputs)) events.onWarning?.(warning);
  const totalBytes = plan !== undefined
    ? fs.statSync(config.inputs[0]!).size
    : inputs.every((input) => input.size !== undefined) ? inputs.reduce((sum, input) => sum + input.size!, 0) : undefined;
  const records = recordsOf(inputs, { ...source, keepJsonSource: true, onWarning: events.onWarning });
  const pending: SourceRecord[] = [];
  let spec: SchemaSpec;
  let origin: ValidateResult['schemaOrigin'];
  if ('spec' in before) {
    ({ spec, origin } = before);
  } else {
    while (pending.length < config.inferRows) {
      // An idle stdin may not give the sample for minutes: Ctrl-C must not wait for it.
      const next = await readUnlessAborted(records.next(), signal, (read) => read.done === true);
      if (next === ABORTED) {
        for (const input of inputs) abandonInput(input);
        throw interruptedWhileInferring();
      }
      if (next.done) {
        // The first part alone is too short to infer from as a one-thread run would.
        if (plan !== undefined) throw new SplitFailed();
        break;
      }
      for (const record of next.value) pending.push(record);
    }
    const sample = pending.slice(0, config.inferRows);
    const inferred = schemaFromSamples(before.table, sample);
    ({ spec, origin } = inferred);
    for (const warning of inferredSchemaWarnings(inferred, sample)) events.onWarning?.(warning);
  }
  const validator = compileValidator(spec);
  let tailStart: TailStart | undefined;
  if (plan !== undefined) {
    // The first chunk gives the header's names (and any error there makes runValidate fall back).
    if (pending.length === 0) {
      const first = await records.next();
      if (!first.done) for (const record of first.value) pending.push(record);
    }
    const csv = plan.format !== 'ndjson';
    const names = config.source.header ? header : config.source.columns;
    if (csv && names === undefined) {
      await records.return(undefined).catch(() => undefined);
      throw new SplitFailed();
    }
    // The worker's options: the user's (plain data, no hooks), from the split on, the header's names given.
    tailStart = {
      path: config.inputs[0]!,
      source: { ...config.source, keepJsonSource: true, format: plan.format, range: { start: plan.at }, ...(csv ? { header: false, columns: [...names!] } : {}) },
      spec,
    };
  }
  const runId = newJobId();
  const reportPath = reportPathFor(config);
  const moved = reportMoved(config, reportPath);
  if (moved !== undefined) events.onWarning?.(moved);
  const report = new ErrorReport(reportPath, validator.columns, false, undefined, undefined, nextFreeReportPath(config));
  events.onStart?.({ jobId: runId, table: spec.table, totalBytes });

  const counts = { read: 0, valid: 0, rejected: 0 };
  const firstErrors: string[] = [];
  let batchNo = 0;
  let stoppedEarly: string | undefined;
  // Rejected records are reported batch by batch, numbered as import would number them.
  let inBatch = 0;
  /** The --max-errors limit fell on the last record of its chunk: whether input follows is read next. */
  let lastOfChunk = false;
  let tail: TailReader | undefined;
  const inProcess = new InProcessSource(pending, records, validator, 0, bytesReadOf(inputs), false);
  const bytesRead = () => inProcess.bytesRead() + (tail?.bytesRead() ?? 0);

  /** Counts and reports one chunk's records; false once --max-errors is reached. */
  const take = (errorsOf: ReadonlyArray<FieldError[] | null | undefined>, recordOf: (index: number) => SourceRecord): boolean => {
    for (let index = 0; index < errorsOf.length; index++) {
      counts.read++;
      if (inBatch === 0) batchNo++;
      inBatch = (inBatch + 1) % config.batchSize;
      const errors = errorsOf[index];
      if (!errors) { counts.valid++; continue; }
      const record = recordOf(index);
      const described = errors.map((error) => ({ ...error, message: describeError(record.line, error) }));
      report.add(reportEntry(runId, batchNo, record, described, { csv: report.isCsv }));
      counts.rejected++;
      if (firstErrors.length < 5) firstErrors.push(`${record.input}:${described[0]!.message}`);
      if (config.maxErrors !== undefined && counts.rejected >= config.maxErrors) {
        stoppedEarly = `stopped after ${groupDigits(config.maxErrors)} invalid record${config.maxErrors === 1 ? '' : 's'} (--max-errors)`;
        lastOfChunk = index === errorsOf.length - 1;
        report.flush();
        return false;
      }
    }
    report.flush();
    return true;
  };

  let failed = false;
  try {
    // Started here, so that the finally below always stops it.
    if (tailStart !== undefined) tail = new TailReader(tailStart);
    reading: for (;;) {
      if (signal?.aborted) { stoppedEarly = 'interrupted'; break; }
      const chunk = await readUnlessAborted(inProcess.next(), signal, (read) => !read);
      if (chunk === ABORTED) { stoppedEarly = 'interrupted'; break; }
      if (!chunk) break;
      if (!take(chunk.errors, (index) => chunk.records[index]!)) {
        // A limit on the very last record read the input to its end, as import counts it: not
        // "stopped" (it said so of a file it had read whole). A next chunk that fails to parse
        // is more input. Of stdin (no size), as import, whatever follows is not waited for.
        if (lastOfChunk && totalBytes !== undefined && tail === undefined && (await inProcess.next().then((next) => next === undefined, () => false))) stoppedEarly = undefined;
        break reading;
      }
      events.onProgress?.({ bytesRead: bytesRead(), totalBytes, records: counts.read, rejected: counts.rejected });
    }
    // The worker's part: its lines and record numbers moved on by this part's.
    const lineOffset = nextLine - 1;
    const recordOffset = counts.read;
    while (tail !== undefined && stoppedEarly === undefined) {
      if (signal?.aborted) { stoppedEarly = 'interrupted'; break; }
      const message = await untilAborted(tail.next(), signal);
      if (message === ABORTED) { stoppedEarly = 'interrupted'; break; }
      if (message.type === 'end') break;
      if (message.type === 'failed') throw new SplitFailed(message.message);
      const errors: (FieldError[] | null)[] = new Array(message.count).fill(null);
      const rejected = new Map<number, SourceRecord>();
      for (const { index, record, errors: found } of message.rejected) {
        errors[index] = found;
        rejected.set(index, { ...record, line: record.line + lineOffset, recordNo: record.recordNo + recordOffset });
      }
      if (!take(errors, (index) => rejected.get(index)!)) {
        if (lastOfChunk && (await tail.next().then((next) => next.type === 'end', () => false))) stoppedEarly = undefined;
        break;
      }
      events.onProgress?.({ bytesRead: bytesRead(), totalBytes, records: counts.read, rejected: counts.rejected });
    }
  } catch (error) {
    // The split run gives way to a one-thread run (runValidate): its report goes.
    failed = plan !== undefined;
    throw error;
  } finally {
    try {
      // A JSON report's closing bracket may not go (a full disk): the readers are stopped all the same.
      report.close();
      if (!failed) {
        report.widen();
        if (report.closeWarning !== undefined) events.onWarning?.(report.closeWarning);
      }
      if (failed && report.entries > 0) fs.rmSync(report.path, { force: true });
    } finally {
      // An interrupted read may still be waiting on its stream (stdin): end it, so closing does not wait.
      if (stoppedEarly === 'interrupted') for (const input of inputs) abandonInput(input);
      await inProcess.close();
      await tail?.close();
    }
  }
  const durationMs = Math.round(performance.now() - started);
  return {
    runId, table: spec.table, schemaOrigin: origin, counts,
    reportPath: report.entries > 0 ? report.path : null, durationMs,
    recordsPerSecond: durationMs > 0 ? Math.round((counts.read * 1000) / durationMs) : counts.read,
    firstErrors, stoppedEarly,
  };
}

/** Whether `name` is a view of the database (read again: validate's connection is closed by then). */
function isView(dbPath: string, name: string, busyTimeoutMs: number): boolean {
  const db = openDatabase(dbPath, { readonly: true, busyTimeoutMs });
  try {
    return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'view' AND name = ? COLLATE NOCASE").get(name) !== undefined;
  } finally {
    db.close();
  }
}
