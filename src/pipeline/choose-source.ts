import type { Validator } from '../schema/index.js';
import type { SchemaSpec } from '../schema/types.js';
import type { OpenedInput, SourceRecord } from '../source/types.js';
import type { ImportConfig } from './import-config.js';
import { InProcessSource } from './in-process-source.js';
import { bytesReadOf } from './record-source.js';
import type { ValidatedSource } from './validated-source.js';
import { WorkerSource } from './worker-source.js';
import { discardEarlyWorker, WORKER_MIN_BYTES } from './validation-worker-start.js';
import { workerSetting } from '../worker-setting.js';


export interface SourceChoice {
  config: ImportConfig;
  spec: SchemaSpec;
  validator: Validator;
  inputs: OpenedInput[];
  pending: SourceRecord[];
  records: AsyncGenerator<SourceRecord[]>;
  skip: number;
  totalBytes: number | undefined;
  /** Told the worker's warnings about the inputs (this thread's own parse tells its own). */
  onWarning?(message: string): void;
}

/**
 * Where parsing and validation run. Files are re-read from the start by a
 * worker thread (so the writes in this thread overlap them); stdin cannot be
 * read twice and stays in this thread, as do small inputs and upserts.
 */
export async function chooseSource(choice: SourceChoice): Promise<ValidatedSource> {
  const setting = workerSetting();
  const fromStdin = choice.config.inputs.includes('-');
  const big = choice.totalBytes !== undefined && choice.totalBytes >= WORKER_MIN_BYTES;
  // --on-conflict update writes each row by the columns its record gives (Validator.given),
  // which needs the records in this thread; a worker keeps them on its side.
  const givenNeeded = choice.config.onConflict === 'update';
  // A pipe or process substitution (`<(cat x)`, no size) can be read once: the worker, opening
  // it again, found it drained (BARGE_WORKER=always: "succeeded", 0 records read).
  const regularFiles = choice.inputs.every((input) => input.size !== undefined);
  const useWorker = !fromStdin && regularFiles && !givenNeeded && setting !== 'never' && (setting === 'always' || big);
  const countBytes = bytesReadOf(choice.inputs);
  if (!useWorker) {
    discardEarlyWorker();
    return new InProcessSource(choice.pending, choice.records, choice.validator, choice.skip, countBytes);
  }
  // An atomic job's checksums only inform (it cannot be resumed), so they may come at its end.
  // On CSV the import thread is the slower one, and the worker hashes as it reads: the import
  // thread's own hashing in its waits (idle-checksums.ts), with the worker started early, had too
  // few waits to hide in. On NDJSON and JSON the worker (JSON.parse) is the slower thread, and
  // hashing there cost it ~135 ms per 1M benchmark rows: the import thread hashes in its waits.
  const config = choice.config;
  const checksums = config.mode === 'atomic' && !config.dryRun && choice.inputs.every((input) => input.format === 'csv' || input.format === 'tsv');
  let source: WorkerSource;
  try {
    source = new WorkerSource({ paths: config.inputs, sizes: choice.inputs.map((input) => input.size), source: config.source, spec: choice.spec, skip: choice.skip, checksums }, choice.onWarning);
  } catch {
    // No thread to be had (EAGAIN under `ulimit -u` or a cgroup's pids.max): this thread reads
    // on, as with BARGE_WORKER=never. The inputs are let go only once the worker exists.
    return new InProcessSource(choice.pending, choice.records, choice.validator, choice.skip, countBytes);
  }
  // The worker opens the inputs itself; what this thread read for the schema is let go.
  await choice.records.return(undefined).catch(() => undefined);
  for (const input of choice.inputs) input.stream.destroy();
  return source;
}
