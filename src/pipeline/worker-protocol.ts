import type { SchemaSpec } from '../schema/types.js';
import type { SourceOptions, SourceRecord } from '../source/types.js';
import type { PackedChunk } from './packed-chunk.js';

/** What the import gives its validation worker to start. */
export interface WorkerStart {
  paths: string[];
  /** The sizes the inputs had when the import opened them: the worker reads each to its size. */
  sizes?: Array<number | undefined>;
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
  /** An InputFailed's parts, so the import words how its job goes on. */
  failed?: { what: string; fix: string };
}

/**
 * With WorkerStart.checksums, the sha256 of the inputs read to their end since the last message,
 * by input index. Only those: all of them with every chunk made a glob of 10,000 small files
 * post 10,000 arrays of 10,000.
 */
export type NewChecksums = Array<[index: number, sha256: string]>;

export type FromWorker =
  | { type: 'chunk'; chunk: PackedChunk; bytesRead: number; sha256?: NewChecksums }
  | { type: 'end'; bytesRead: number; sha256?: NewChecksums }
  | { type: 'error'; error: SerializedError }
  /** What the input looks like it needs (SourceOptions.onWarning), to be told as the import's warning. */
  | { type: 'warning'; message: string }
  | { type: 'records'; requestId: number; records: SourceRecord[] };

export type ToWorker =
  | { type: 'start'; start: WorkerStart }
  | { type: 'ack'; buffer?: ArrayBuffer }
  | { type: 'fetch'; requestId: number; refs: Array<[chunkId: number, index: number]> }
  | { type: 'release'; beforeId: number };

/** Chunks the worker may have sent and the import not yet taken: bounds memory (backpressure). */
export const CHUNKS_IN_FLIGHT = 8;
