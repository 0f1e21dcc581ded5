import { parentPort, workerData } from 'node:worker_threads';
import { compileValidator } from '../schema/index.js';
import type { SchemaSpec } from '../schema/types.js';
import type { FieldError } from '../schema/types.js';
import { openInput, readRecords } from '../source/index.js';
import type { SourceOptions, SourceRecord } from '../source/types.js';
import { validateChunk } from './validate-chunk.js';

/**
 * The second half of a split `barge validate` (validate-split.ts): reads the file from the
 * split on, validates, and sends each chunk's count and rejected records (lines and record
 * numbers counted from the split; the validating thread moves them on).
 */
export interface TailStart {
  path: string;
  source: SourceOptions;
  spec: SchemaSpec;
}

export type FromTail =
  | { type: 'chunk'; count: number; rejected: Array<{ index: number; record: SourceRecord; errors: FieldError[] }>; bytes: number }
  | { type: 'end' }
  | { type: 'failed'; message: string };

/** Chunks the tail may send before the validating thread takes them. */
export const TAIL_CHUNKS_AHEAD = 8;

const port = parentPort!;
let credits = TAIL_CHUNKS_AHEAD;
let wake: (() => void) | undefined;
port.on('message', (message: 'ack' | { start: TailStart }) => {
  if (message !== 'ack') {
    begin(message.start);
    return;
  }
  credits++;
  wake?.();
});

async function run(start: TailStart): Promise<void> {
  const validator = compileValidator(start.spec);
  const input = await openInput(start.path, start.source);
  let id = 0;
  for await (const records of readRecords(input, start.source)) {
    while (credits <= 0) await new Promise<void>((resolve) => { wake = resolve; });
    credits--;
    const chunk = validateChunk(id++, records, validator, false, false);
    const rejected: Array<{ index: number; record: SourceRecord; errors: FieldError[] }> = [];
    for (let i = 0; i < records.length; i++) {
      const errors = chunk.errors[i];
      if (errors) rejected.push({ index: i, record: chunk.records[i]!, errors });
    }
    port.postMessage({ type: 'chunk', count: records.length, rejected, bytes: input.bytesRead() } satisfies FromTail);
  }
  port.postMessage({ type: 'end' } satisfies FromTail);
}

function begin(start: TailStart): void {
  run(start).catch((error: unknown) => {
    port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies FromTail);
  });
}

if (workerData !== null) begin(workerData as TailStart);
