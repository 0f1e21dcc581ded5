import { parentPort, workerData } from 'node:worker_threads';
import { BargeError, InputFailed } from '../errors.js';
import { compileValidator } from '../schema/index.js';
import type { SourceRecord } from '../source/types.js';
import { bytesReadOf, openInputs, recordsOf } from './record-source.js';
import { validateChunk } from './validate-chunk.js';
import { packChunk } from './packed-chunk.js';
import { RecordStore, unpackRecords, type PackedRecords } from './packed-records.js';
import { CHUNKS_IN_FLIGHT, type FromWorker, type NewChecksums, type ToWorker, type WorkerStart } from './worker-protocol.js';

/**
 * The validation worker: reads, parses and validates the inputs and sends the
 * rows to the import, which only writes. On 2 cores this puts parsing and
 * validation beside SQLite's inserts instead of before them.
 */

/** Given at the start, or (a worker started early) by a `start` message once the import knows it. */
let start = workerData as WorkerStart | null;
const port = parentPort!;
const post = (message: FromWorker) => port.postMessage(message);

/** Accepted records stay here until the import says it will not report them. */
const kept = new Map<number, PackedRecords>();
const store = new RecordStore();
let credits = CHUNKS_IN_FLIGHT;
/** Buffers of packed chunks the import is done with, reused. */
const spares: ArrayBuffer[] = [];
let wake: (() => void) | undefined;

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'start':
      start = message.start;
      begin();
      break;
    case 'ack':
      credits++;
      if (message.buffer) spares.push(message.buffer);
      wake?.();
      break;
    case 'fetch':
      post({ type: 'records', requestId: message.requestId, records: fetch(message.refs) });
      break;
    case 'release':
      for (const [id, packed] of kept) {
        if (id >= message.beforeId) continue;
        kept.delete(id);
        store.release(packed);
      }
      break;
  }
});

/** The kept records at these places, in order; each chunk is unpacked once. */
function fetch(refs: Array<[chunkId: number, index: number]>): SourceRecord[] {
  const byChunk = new Map<number, number[]>();
  for (const [id, index] of refs) {
    const indexes = byChunk.get(id);
    if (indexes) indexes.push(index);
    else byChunk.set(id, [index]);
  }
  const found = new Map<number, SourceRecord[]>();
  for (const [id, indexes] of byChunk) found.set(id, unpackRecords(kept.get(id)!, indexes));
  const taken = new Map<number, number>();
  return refs.map(([id]) => {
    const at = taken.get(id) ?? 0;
    taken.set(id, at + 1);
    return found.get(id)![at]!;
  });
}

async function run(start: WorkerStart): Promise<void> {
  const validator = compileValidator(start.spec);
  const width = validator.columns.length;
  const source = { ...start.source, keepSource: true, sha256: start.checksums, onWarning: (message: string) => post({ type: 'warning', message }) };
  const inputs = await openInputs(start.paths, source, start.sizes);
  const bytesRead = bytesReadOf(inputs);
  let skip = start.skip;
  let id = 0;
  /** The input being read, and the first whose checksum has not been sent. */
  let reading = 0;
  let unsent = 0;
  /** The checksums taken of inputs [from, upTo), by index. */
  const checksumsOf = (from: number, upTo: number): NewChecksums | undefined => {
    if (!start.checksums) return undefined;
    const found: NewChecksums = [];
    for (let index = from; index < upTo; index++) {
      const sum = inputs[index]!.sha256?.();
      if (sum !== undefined) found.push([index, sum]);
    }
    return found;
  };
  const send = async (records: SourceRecord[]): Promise<void> => {
    while (credits === 0) await new Promise<void>((resolve) => { wake = resolve; });
    wake = undefined;
    credits--;
    const chunk = validateChunk(id, records, validator, false);
    kept.set(id, store.pack(records));
    id++;
    const packed = packChunk(chunk, width, spares.pop());
    // The checksums of the inputs read so far go with the chunks: a job stopped early
    // (--max-errors, an interrupt) still records those of the inputs it read whole.
    const sha256 = checksumsOf(unsent, reading);
    unsent = reading;
    port.postMessage({ type: 'chunk', chunk: packed, bytesRead: bytesRead(), sha256 } satisfies FromWorker, [packed.buffer]);
  };
  for await (let records of recordsOf(inputs, source, (index) => { reading = index; })) {
    if (skip > 0) {
      const skipped = Math.min(skip, records.length);
      skip -= skipped;
      if (skipped === records.length) continue;
      records = records.slice(skipped);
    }
    // The parser's chunks (~450 records of the benchmark's CSV) go as they are: coalescing
    // them to 2000 made no measurable difference.
    await send(records);
  }
  // All of them at the end, once: one whose checksum came late is not left out.
  post({ type: 'end', bytesRead: bytesRead(), sha256: checksumsOf(0, inputs.length) });
}

function begin(): void {
  run(start!).catch(fail);
}

function fail(error: unknown): void {
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
      failed: error instanceof InputFailed ? { what: error.what, fix: error.fix } : undefined,
    },
  });
}

if (start !== null) begin();
