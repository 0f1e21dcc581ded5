import fs from 'node:fs';
import { compileValidator } from '../schema/index.js';
import type { SchemaSpec } from '../schema/types.js';
import type { SourceRecord } from '../source/types.js';
import type { JobCounts } from '../store/jobs.js';
import { openDatabase, type Db } from '../store/open-database.js';
import { ErrorReport } from '../report/error-report.js';
import { describeError, reportEntry } from '../report/report-entry.js';
import { ABORTED, untilAborted } from './until-aborted.js';
import { abandonInput } from '../source/open-input.js';
import { InProcessSource } from './in-process-source.js';
import { emptyCounts, type ImportConfig, type ImportEvents } from './import-config.js';
import { newJobId } from './job-id.js';
import { openInputs, recordsOf } from './record-source.js';
import { schemaBeforeReading, schemaFromSamples } from './resolve-schema.js';
import { reportPathFor } from './report-path.js';

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
  const started = Date.now();
  const db: Db | undefined = fs.existsSync(config.dbPath) ? openDatabase(config.dbPath, { readonly: true, busyTimeoutMs: config.busyTimeoutMs }) : undefined;
  let before;
  try {
    before = schemaBeforeReading(db, { schemaPath: config.schemaPath, table: config.table, firstInput: config.inputs[0]! });
  } finally {
    db?.close();
  }
  const inputs = await openInputs(config.inputs, config.source);
  const totalBytes = inputs.every((input) => input.size !== undefined) ? inputs.reduce((sum, input) => sum + input.size!, 0) : undefined;
  const records = recordsOf(inputs, config.source);
  const pending: SourceRecord[] = [];
  let spec: SchemaSpec;
  let origin: ValidateResult['schemaOrigin'];
  if ('spec' in before) {
    ({ spec, origin } = before);
  } else {
    while (pending.length < config.inferRows) {
      const next = await records.next();
      if (next.done) break;
      pending.push(...next.value);
    }
    ({ spec, origin } = schemaFromSamples(before.table, pending.slice(0, config.inferRows)));
  }
  const validator = compileValidator(spec);
  const runId = newJobId();
  const report = new ErrorReport(reportPathFor(config), validator.columns);
  events.onStart?.({ jobId: runId, table: spec.table, totalBytes });

  const counts = { read: 0, valid: 0, rejected: 0 };
  const firstErrors: string[] = [];
  let batchNo = 0;
  let stoppedEarly: string | undefined;
  // Rejected records are reported batch by batch, numbered as import would number them.
  let inBatch = 0;
  const source = new InProcessSource(pending, records, validator, 0, () => inputs.reduce((sum, input) => sum + input.bytesRead(), 0));
  try {
    reading: for (;;) {
      if (signal?.aborted) { stoppedEarly = 'interrupted'; break; }
      const chunk = await untilAborted(source.next(), signal);
      if (chunk === ABORTED) { stoppedEarly = 'interrupted'; break; }
      if (!chunk) break;
      for (let index = 0; index < chunk.rows.length; index++) {
        counts.read++;
        if (inBatch === 0) batchNo++;
        inBatch = (inBatch + 1) % config.batchSize;
        const errors = chunk.errors[index];
        if (!errors) { counts.valid++; continue; }
        const record = chunk.records[index]!;
        const described = errors.map((error) => ({ ...error, message: describeError(record.line, error) }));
        report.add(reportEntry(runId, batchNo, record, described));
        counts.rejected++;
        if (firstErrors.length < 5) firstErrors.push(`${record.input}:${described[0]!.message}`);
        if (config.maxErrors !== undefined && counts.rejected >= config.maxErrors) {
          stoppedEarly = `stopped after ${config.maxErrors} rejected record${config.maxErrors === 1 ? '' : 's'} (--max-errors)`;
          break reading;
        }
      }
      events.onProgress?.({ bytesRead: source.bytesRead(), totalBytes, records: counts.read, rejected: counts.rejected });
    }
  } finally {
    report.close();
    // An interrupted read may still be waiting on its stream (stdin): end it, so closing does not wait.
    if (stoppedEarly === 'interrupted') for (const input of inputs) abandonInput(input);
    await source.close();
  }
  const durationMs = Date.now() - started;
  return {
    runId, table: spec.table, schemaOrigin: origin, counts,
    reportPath: report.entries > 0 ? report.path : null, durationMs,
    recordsPerSecond: durationMs > 0 ? Math.round((counts.read * 1000) / durationMs) : counts.read,
    firstErrors, stoppedEarly,
  };
}
