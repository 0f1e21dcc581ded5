import type { ResultColumn } from './typed-values.js';

/** What the CSV page worker is started with. */
export interface PageWorkerStart {
  dbPath: string;
  busyTimeoutMs: number;
  table: string;
  columns: Array<{ name: string; type: ResultColumn['type'] }>;
  delimiter: ',' | '\t';
}

/** Format the rows with rowids in [first, last]. (The export stops the worker with terminate().) */
export type ToPageWorker = { type: 'page'; id: number; first: bigint; last: bigint };

export type FromPageWorker =
  /** The worker's read transaction has its snapshot: the gate can let writers in again. */
  | { type: 'ready' }
  /** A page's text, or `rewrite`: the exporting thread formats it itself. */
  | { type: 'page'; id: number; rows: number; data: string | undefined; rewrite: boolean }
  | { type: 'error'; message: string };
