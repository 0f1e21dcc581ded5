import type { SchemaSpec } from '../schema/types.js';
import type { SourceOptions, SourceRecord } from '../source/types.js';
import type { PackedChunk } from './packed-chunk.js';

/** What the import gives its validation worker to start. */
export interface WorkerStart {
  paths: string[];
  source: SourceOptions;
  spec: SchemaSpec;
  skip: number;
  /** Whether the worker takes the inputs' sha256 as it reads them (given with `end`). */
  checksums: boolean;
}

export interface SerializedError {
  barge: boolean;
  code?: string;
  message: string;
  input?: string;
  line?: number;
  column?: string;
  stack?: string;
}

export type FromWorker =
  /** `sha256`: with WorkerStart.checksums, the inputs read to their end so far (the others undefined). */
  | { type: 'chunk'; chunk: PackedChunk; bytesRead: number; sha256?: Array<string | undefined> }
  | { type: 'end'; bytesRead: number; sha256: Array<string | undefined> }
  | { type: 'error'; error: SerializedError }
  | { type: 'records'; requestId: number; records: SourceRecord[] };

export type ToWorker =
  | { type: 'start'; start: WorkerStart }
  | { type: 'ack'; buffer?: ArrayBuffer }
  | { type: 'fetch'; requestId: number; refs: Array<[chunkId: number, index: number]> }
  | { type: 'release'; beforeId: number };

/** Chunks the worker may have sent and the import not yet taken: bounds memory (backpressure). */
export const CHUNKS_IN_FLIGHT = 8;
