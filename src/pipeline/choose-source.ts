import type { Validator } from '../schema/index.js';
import type { SchemaSpec } from '../schema/types.js';
import type { OpenedInput, SourceRecord } from '../source/types.js';
import type { ImportConfig } from './import-config.js';
import { InProcessSource } from './in-process-source.js';
import type { ValidatedSource } from './validated-source.js';
import { WorkerSource } from './worker-source.js';
import { workerSetting } from '../worker-setting.js';

/**
 * Below this much input a worker's start-up (~40 ms) costs more than it saves.
 * BARGE_WORKER=always|never overrides (tests and the benchmark use it).
 */
const WORKER_MIN_BYTES = 1 << 20;

export interface SourceChoice {
  config: ImportConfig;
  spec: SchemaSpec;
  validator: Validator;
  inputs: OpenedInput[];
  pending: SourceRecord[];
  records: AsyncGenerator<SourceRecord[]>;
  skip: number;
  totalBytes: number | undefined;
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
  const useWorker = !fromStdin && !givenNeeded && setting !== 'never' && (setting === 'always' || big);
  const countBytes = () => choice.inputs.reduce((sum, input) => sum + input.bytesRead(), 0);
  if (!useWorker) return new InProcessSource(choice.pending, choice.records, choice.validator, choice.skip, countBytes);
  // The worker opens the inputs itself; what this thread read for the schema is let go.
  await choice.records.return(undefined).catch(() => undefined);
  for (const input of choice.inputs) input.stream.destroy();
  return new WorkerSource({ paths: choice.config.inputs, source: choice.config.source, spec: choice.spec, skip: choice.skip });
}
