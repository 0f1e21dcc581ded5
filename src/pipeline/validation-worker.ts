import { parentPort, workerData } from 'node:worker_threads';
import { BargeError } from '../errors.js';
import { compileValidator } from '../schema/index.js';
import type { SourceRecord } from '../source/types.js';
import { openInputs, recordsOf } from './record-source.js';
import { validateChunk } from './validate-chunk.js';
import { CHUNKS_IN_FLIGHT, type FromWorker, type ToWorker, type WorkerStart } from './worker-protocol.js';

/**
 * The validation worker: reads, parses and validates the inputs and sends the
 * rows to the import, which only writes. On 2 cores this puts parsing and
 * validation beside SQLite's inserts instead of before them.
 */
const start = workerData as WorkerStart;
const port = parentPort!;
const post = (message: FromWorker) => port.postMessage(message);

/** Accepted records stay here until the import says it will not report them. */
const kept = new Map<number, SourceRecord[]>();
let credits = CHUNKS_IN_FLIGHT;
let wake: (() => void) | undefined;

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'ack':
      credits++;
      wake?.();
      break;
    case 'fetch':
      post({ type: 'records', requestId: message.requestId, records: message.refs.map(([id, index]) => kept.get(id)![index]!) });
      break;
    case 'release':
      for (const id of kept.keys()) if (id < message.beforeId) kept.delete(id);
      break;
  }
});

async function run(): Promise<void> {
  const validator = compileValidator(start.spec);
  const inputs = await openInputs(start.paths, start.source);
  const bytesRead = () => inputs.reduce((sum, input) => sum + input.bytesRead(), 0);
  let skip = start.skip;
  let id = 0;
  for await (let records of recordsOf(inputs, start.source)) {
    if (skip > 0) {
      const skipped = Math.min(skip, records.length);
      skip -= skipped;
      if (skipped === records.length) continue;
      records = records.slice(skipped);
    }
    while (credits === 0) await new Promise<void>((resolve) => { wake = resolve; });
    wake = undefined;
    credits--;
    const chunk = validateChunk(id, records, validator, false);
    kept.set(id, records);
    id++;
    post({ type: 'chunk', chunk, bytesRead: bytesRead() });
  }
  post({ type: 'end', bytesRead: bytesRead() });
}

run().catch((error: unknown) => {
  const barge = error instanceof BargeError;
  post({
    type: 'error',
    error: {
      barge,
      code: barge ? error.code : undefined,
      message: error instanceof Error ? error.message : String(error),
      input: barge ? error.input : undefined,
      line: barge ? error.line : undefined,
      column: barge ? error.column : undefined,
      stack: error instanceof Error ? error.stack : undefined,
    },
  });
});
