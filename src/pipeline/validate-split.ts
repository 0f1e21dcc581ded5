import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { normalizeEncoding } from '../source/decode-text.js';
import { isGzipPath } from '../source/open-input.js';
import { formatFromPath } from '../source/format-from-path.js';
import type { InputFormat, SourceOptions } from '../source/types.js';
import { workerSetting, type WorkerSetting } from '../worker-setting.js';
import type { FromTail, TailStart } from './validate-tail-worker.js';
import { EarlyWorker, fileSize } from './early-worker.js';

/**
 * `barge validate` of one big file on two threads: this thread reads and validates the
 * first half, a worker (validate-tail-worker.ts) the second, from a line break near the
 * middle; the worker's rejected records are reported after this thread's, their lines and
 * record numbers moved on by the first half's. 1M benchmark rows: see bench/RESULTS.md.
 *
 * The split must fall where the whole file's parse has a record boundary:
 * - NDJSON: any line feed.
 * - CSV/TSV: the line break must be the file's record delimiter (LF, or CRLF) and outside
 *   quotes. The delimiter is read from the first line, which must hold no quote; whether the
 *   break is outside quotes is known only when this thread's parse of the first half ends:
 *   inside a quoted field, that parse fails (an unclosed quote at its end). Any failure of
 *   either half (that one, or a malformed or undecodable input) makes the run start again
 *   on one thread, which gives the error exactly as a one-thread run does.
 * Only a plain file qualifies: not stdin, not gzipped, UTF-8 or latin1, the format known from
 * --format or the extension, TSV without --quote (its quoting is relaxed).
 */

/** Below this size the worker's start-up (~80 ms) costs more than it saves. */
const SPLIT_MIN_BYTES = 16 << 20;
/** How far past the middle a line break is looked for. */
const SEARCH_BYTES = 1 << 20;

export interface SplitPlan {
  /** Byte offset where the worker's part starts (just after a line break). */
  at: number;
  format: InputFormat;
}

export function planSplit(paths: readonly string[], source: SourceOptions): SplitPlan | undefined {
  const setting = workerSetting();
  if (setting === 'never' || paths.length !== 1) return undefined;
  const path = paths[0]!;
  const format = source.format ?? formatFromPath(path);
  if (path === '-' || isGzipPath(path) || format === undefined || format === 'json') return undefined;
  if (format === 'tsv' && source.quote !== undefined && source.quote !== '') return undefined;
  let encoding;
  try {
    encoding = normalizeEncoding(source.encoding);
  } catch {
    return undefined; // a bad --encoding: the one-thread run says so
  }
  if (encoding === 'utf16le') return undefined;
  let fd: number;
  try {
    // Only a regular file is split: a named pipe opened here (to be found no file, and closed)
    // held this thread until its producer came, which then wrote to a pipe with no reader left:
    // EPIPE, or SIGPIPE ending a shell's `producer > fifo`.
    if (!fs.statSync(path).isFile()) return undefined;
    fd = fs.openSync(path, 'r');
  } catch {
    return undefined; // the one-thread run reports it
  }
  try {
    return splitAt(fd, format, source, setting);
  } catch {
    return undefined; // a read that fails (EIO): the one-thread run reads it again, and reports it
  } finally {
    fs.closeSync(fd);
  }
}

/** Where the open file `fd` can be split, if it can. */
function splitAt(fd: number, format: InputFormat, source: SourceOptions, setting: WorkerSetting): SplitPlan | undefined {
  const info = fs.fstatSync(fd);
  if (!info.isFile() || info.size < (setting === 'always' ? 2 : SPLIT_MIN_BYTES)) return undefined;
  const head = read(fd, 0, Math.min(info.size, SEARCH_BYTES));
  // gzip magic, or a UTF-16 byte order mark (the decoder would switch to UTF-16LE).
  if ((head[0] === 0x1f && head[1] === 0x8b) || (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) return undefined;
  const quote = format === 'csv' ? (source.quote ?? '"') : '';
  if (quote.length > 1) return undefined;
  const recordDelimiter = format === 'ndjson' ? undefined : firstLineBreak(head, quote === '' ? -1 : quote.charCodeAt(0));
  if (recordDelimiter === null) return undefined;
  const middle = Math.floor(info.size / 2);
  const window = read(fd, middle, Math.min(info.size - middle, SEARCH_BYTES));
  for (let i = window.indexOf(0x0a); i !== -1; i = window.indexOf(0x0a, i + 1)) {
    if (recordDelimiter === 'crlf' && (i === 0 || window[i - 1] !== 0x0d)) continue;
    const at = middle + i + 1;
    if (at >= info.size) return undefined;
    // The worker's decoder and tokenizer would take a byte order mark there as one.
    const next = read(fd, at, 3);
    if ((next[0] === 0xef && next[1] === 0xbb && next[2] === 0xbf) || next[0] === 0xff || next[0] === 0xfe) return undefined;
    return { at, format };
  }
  return undefined;
}


function read(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  const bytes = fs.readSync(fd, buffer, 0, length, position);
  return buffer.subarray(0, bytes);
}

/** The first line's break, `null` when it cannot be relied on (a quote on the line, a lone CR, none). */
function firstLineBreak(head: Buffer, quote: number): 'lf' | 'crlf' | null {
  for (let i = 0; i < head.length; i++) {
    const byte = head[i];
    if (byte === quote) return null;
    if (byte === 0x0a) return 'lf';
    if (byte === 0x0d) return head[i + 1] === 0x0a ? 'crlf' : null;
  }
  return null;
}

/** Rejected records the tail may have waiting before it is held back (memory). */
const TAIL_REJECTED_BUFFERED = 10_000;
/** As for the import's worker: a small young generation keeps the RSS down at no CPU cost. */
const TAIL_YOUNG_GENERATION_MB = 16;

export type TailChunk = Extract<FromTail, { type: 'chunk' }>;

function newTailWorker(start: TailStart | null): Worker {
  return new Worker(new URL('./validate-tail-worker.js', import.meta.url), {
    workerData: start,
    resourceLimits: { maxYoungGenerationSizeMb: TAIL_YOUNG_GENERATION_MB },
  });
}

/** A tail worker started before `validate` knew its work (startTailEarly). */
const earlyTail = new EarlyWorker();

/**
 * Starts the tail worker from bin/barge.js, before this thread loads the CLI's modules, when
 * `barge validate`'s arguments name one file big enough to be split: it loads its own modules
 * (~0.15 s) meanwhile, instead of after. Unused (no split after all), it ends with the process.
 */
export function startTailEarly(args: readonly string[]): void {
  const setting = workerSetting();
  if (setting === 'never') return;
  // The arguments that name a file big enough (an option's value, a report's name, is not).
  const minBytes = setting === 'always' ? 2 : SPLIT_MIN_BYTES;
  const big = args.filter((arg) => !arg.startsWith('-') && /\.(csv|tsv|tab|txt|ndjson|jsonl)$/i.test(arg) && fileSize(arg) >= minBytes);
  if (big.length !== 1) return;
  earlyTail.start(() => newTailWorker(null));
}

/** The worker validating the file from the split on, its chunks kept in order until asked for. */
export class TailReader {
  private readonly worker: Worker;
  private readonly queue: FromTail[] = [];
  private waiting: (() => void) | undefined;
  private failure: string | undefined;
  private bytes = 0;
  private buffered = 0;
  private heldAcks = 0;
  private closed = false;

  constructor(start: TailStart) {
    this.worker = earlyTail.adopt({ start }) ?? newTailWorker(start);
    this.worker.on('message', (message: FromTail) => this.receive(message));
    this.worker.on('error', (error) => this.fail(error.message));
    this.worker.on('exit', () => this.fail('the validation worker stopped'));
  }

  bytesRead(): number {
    return this.bytes;
  }

  /** The next chunk, or the end (with the line after the last), or a failure. */
  async next(): Promise<FromTail> {
    while (this.queue.length === 0 && this.failure === undefined) {
      await new Promise<void>((resolve) => { this.waiting = resolve; });
    }
    const message = this.queue.shift();
    if (message === undefined) return { type: 'failed', message: this.failure! };
    if (message.type === 'chunk') {
      this.buffered -= message.rejected.length;
      while (this.heldAcks > 0 && this.buffered < TAIL_REJECTED_BUFFERED) {
        this.heldAcks--;
        this.worker.postMessage('ack');
      }
    }
    return message;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker.terminate();
  }

  private receive(message: FromTail): void {
    if (message.type === 'chunk') {
      this.bytes = message.bytes;
      this.buffered += message.rejected.length;
      // Counts are small: the worker runs on while few rejected records wait here.
      if (this.buffered < TAIL_REJECTED_BUFFERED) this.worker.postMessage('ack');
      else this.heldAcks++;
    }
    if (message.type === 'failed') this.failure ??= message.message;
    this.queue.push(message);
    this.wakeUp();
  }

  private fail(reason: string): void {
    if (this.closed) return;
    this.failure ??= reason;
    this.wakeUp();
  }

  private wakeUp(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }
}
