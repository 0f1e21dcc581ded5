import type { Worker } from 'node:worker_threads';
import { BargeError, InputFailed, type BargeErrorCode } from '../errors.js';
import type { SourceRecord } from '../source/types.js';
import type { RecordRef, ValidatedChunk, ValidatedSource } from './validated-source.js';
import { unpackChunk, type PackedChunk } from './packed-chunk.js';
import type { FromWorker, NewChecksums, SerializedError, ToWorker, WorkerStart } from './worker-protocol.js';
import { startValidationWorker } from './validation-worker-start.js';

/** How long the import may run on the worker's chunks without giving the event loop (signals) a turn. */
const YIELD_EVERY_MS = 50;

/**
 * The import's side of the validation worker (validation-worker.ts): chunks
 * arrive as the worker makes them, at most CHUNKS_IN_FLIGHT ahead.
 */
export class WorkerSource implements ValidatedSource {
  private readonly worker: Worker;
  private readonly queue: PackedChunk[] = [];
  /** Per queued chunk, the bytes the worker had read when it sent it. */
  private readonly queueBytes: number[] = [];
  private ended = false;
  private failure: Error | undefined;
  private waiting: (() => void) | undefined;
  private bytes = 0;
  private endBytes: number | undefined;
  private requestId = 0;
  private yieldedAt = Date.now();
  /** recordsAt() calls waiting for the worker's answer: failed with it if it stops first. */
  private readonly requests = new Map<number, { resolve(records: SourceRecord[]): void; reject(error: Error): void }>();
  private idleWork: (() => boolean) | undefined;
  private sums: Array<string | undefined> | undefined;

  whileWaiting(work: () => boolean): void {
    this.idleWork = work;
  }

  readonly hashesInputs: boolean;

  /** `onWarning` is told the worker's warnings about its inputs (SourceOptions.onWarning). */
  constructor(start: WorkerStart, private readonly onWarning?: (message: string) => void) {
    this.hashesInputs = start.checksums;
    this.worker = startValidationWorker(start);
    this.worker.on('message', (message: FromWorker) => this.receive(message));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => {
      if (!this.ended && !this.failure) this.fail(new Error(`the validation worker stopped (exit code ${code})`));
    });
  }

  async next(): Promise<ValidatedChunk | undefined> {
    // While the worker stays ahead, each chunk arrives before it is asked for, and the
    // import runs on from one message to the next inside the port's delivery without the
    // event loop ever getting a turn: a SIGINT would wait for the end of the input.
    if (Date.now() - this.yieldedAt > YIELD_EVERY_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      this.yieldedAt = Date.now();
    }
    while (this.queue.length === 0 && !this.ended && !this.failure) {
      if (this.idleWork?.()) {
        // A step done: let the worker's messages in before the next one.
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      this.idleWork = undefined;
      await new Promise<void>((resolve) => { this.waiting = resolve; });
    }
    const packed = this.queue.shift();
    if (packed) {
      // Progress follows the chunk being written, not the worker's read-ahead (up to
      // CHUNKS_IN_FLIGHT chunks ahead: 22% shown at 6% written on a slow import).
      this.bytes = this.queueBytes.shift()!;
      const chunk = unpackChunk(packed);
      // The rows hold no view of the buffer: it goes back to the worker for its next chunk.
      if (!this.failure) this.worker.postMessage({ type: 'ack', buffer: packed.buffer } satisfies ToWorker, [packed.buffer]);
      return chunk;
    }
    if (this.failure) throw this.failure;
    return undefined;
  }

  bytesRead(): number {
    // Every chunk taken: all the worker read (the end of the input holds no records).
    return this.endBytes !== undefined && this.queue.length === 0 ? this.endBytes : this.bytes;
  }

  /** Started with `checksums`: each input's sha256, for those the worker has read to their end. */
  checksums(): Array<string | undefined> | undefined {
    return this.sums;
  }

  recordsAt(refs: readonly RecordRef[]): Promise<SourceRecord[]> {
    const missing = refs.filter((ref) => ref.chunk.records[ref.index] === undefined);
    if (missing.length === 0) return Promise.resolve(refs.map((ref) => ref.chunk.records[ref.index]!));
    const requestId = this.requestId++;
    return new Promise<SourceRecord[]>((resolve, reject) => {
      if (this.failure) { reject(this.failure); return; }
      this.requests.set(requestId, {
        resolve: (fetched) => {
          missing.forEach((ref, i) => { ref.chunk.records[ref.index] = fetched[i]; });
          resolve(refs.map((ref) => ref.chunk.records[ref.index]!));
        },
        reject,
      });
      this.send({ type: 'fetch', requestId, refs: missing.map((ref) => [ref.chunk.id, ref.index]) });
    });
  }

  release(beforeId: number): void {
    this.send({ type: 'release', beforeId });
  }

  async close(): Promise<void> {
    this.ended = true;
    await this.worker.terminate();
  }

  private receive(message: FromWorker): void {
    switch (message.type) {
      case 'chunk':
        this.queue.push(message.chunk);
        this.queueBytes.push(message.bytesRead);
        this.addChecksums(message.sha256);
        break;
      case 'end':
        this.endBytes = message.bytesRead;
        this.addChecksums(message.sha256);
        this.ended = true;
        break;
      case 'error':
        this.fail(revive(message.error));
        break;
      case 'records':
        this.requests.get(message.requestId)?.resolve(message.records);
        this.requests.delete(message.requestId);
        break;
      case 'warning':
        this.onWarning?.(message.message);
        break;
    }
    this.wakeUp();
  }

  private addChecksums(found: NewChecksums | undefined): void {
    if (found === undefined) return;
    this.sums ??= [];
    for (const [index, sum] of found) this.sums[index] = sum;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    // A worker that stopped will not answer: without this, the import waited on a promise
    // nothing would settle, and Node exited (code 13) without a word.
    for (const request of this.requests.values()) request.reject(this.failure);
    this.requests.clear();
    this.wakeUp();
  }

  private wakeUp(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }

  private send(message: ToWorker): void {
    if (!this.failure) this.worker.postMessage(message);
  }
}

function revive(error: SerializedError): Error {
  const revived = error.failed !== undefined
    ? new InputFailed(error.failed.what, error.failed.fix, error.input ?? '')
    : error.barge
      ? new BargeError(error.code as BargeErrorCode, error.message, { input: error.input, line: error.line, column: error.column })
      : new Error(error.message);
  if (error.stack) revived.stack = error.stack;
  return revived;
}
