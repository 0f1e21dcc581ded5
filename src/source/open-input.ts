import { shellWord } from '../shell-word.js';
import { createHash } from 'node:crypto';
import { closeSync, constants, createReadStream, fstatSync, open, openSync } from 'node:fs';
import { onAbruptExit } from '../exit-cleanups.js';
import { Socket } from 'node:net';
import { stat } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { BargeError, InputFailed } from '../errors.js';
import { systemErrorText } from '../system-error-text.js';
import { normalizeEncoding } from './decode-text.js';
import { formatFromPath } from './format-from-path.js';
import { NOT_TEXT_MAGIC_BYTES, headTellsText, notTextFile } from './not-text-files.js';
import type { InputFormat, OpenedInput, SourceOptions } from './types.js';

/** How much decoded input the format sniffer may look at before deciding. */
const SNIFF_BYTES = 64 * 1024;
/**
 * File reads of 64 KB. Larger reads made `barge validate` slower (1M benchmark rows:
 * 1.34-1.61 s at 64 KB, 1.57-1.58 s at 128 KB, 2.5 s at 256 KB), and a read kept in flight
 * ahead of the parser made no measurable difference (10 interleaved runs each).
 */
const READ_CHUNK_BYTES = 64 * 1024;
/** The longest byte order mark (UTF-8's). */
const BOM_BYTES = 3;

/**
 * Opens an input for reading: a path, or "-" for stdin. Undoes gzip (by the .gz
 * extension or the 1f 8b magic bytes) and settles the format: --format, else the
 * extension, else sniffed from the first bytes. Reads the first chunk eagerly, so
 * a file that cannot be read fails here rather than in the middle of a run.
 */
export async function openInput(path: string, options: SourceOptions, readUpTo?: number): Promise<OpenedInput> {
  normalizeEncoding(options.encoding); // a bad --encoding is a usage error before any read
  if (path === '-') {
    // Redirected from a directory (`< dir`), stdin read as empty: an import of nothing, exit 0.
    if (stdinIsDirectory()) throw new BargeError('usage', 'cannot read stdin: it is a directory (redirected from one with <)', { input: 'stdin' });
    return openReadable(process.stdin, { name: 'stdin', path: '-' }, options);
  }
  let size: number | undefined;
  let fifo = false;
  try {
    const info = await stat(path);
    if (info.isDirectory()) {
      throw new BargeError('usage', `cannot read input "${path}": it is a directory`, { input: path });
    }
    // A FIFO or process substitution (`<(zcat x)`) has no meaningful size.
    size = info.isFile() ? info.size : undefined;
    fifo = info.isFIFO();
    // A file reopened for the same job (the worker's, an input's turn) is read to the size it had
    // when the job first opened it: bytes appended since are not the job's.
    if (size !== undefined && readUpTo !== undefined) size = readUpTo;
  } catch (error) {
    throw toInputError(error, path);
  }
  const range = options.range;
  // A small file gets a read buffer its size (+1 to see its end in one read), not 64 KB: a glob
  // of thousands of small inputs allocated 64 KB for each opening (3,000 inputs: ~150 MB peak).
  const readBytes = size === undefined || range !== undefined ? READ_CHUNK_BYTES : Math.min(READ_CHUNK_BYTES, Math.max(4096, size + 1));
  // A regular file is read to the size it had when opened, not to wherever its end is by then: a
  // line a producer was still appending (`12` of `12.5\n`) was loaded cut short, exit 0, and a
  // rerun of the job's id said it was done. What is appended is the next job's to load.
  const end = range?.end ?? size;
  const file = end === 0 ? Readable.from([]) : fifo ? await pipeStream(path) : createReadStream(path, { highWaterMark: readBytes, start: range?.start, end: end === undefined ? undefined : end - 1 });
  if (range !== undefined && size !== undefined) size = (range.end ?? size) - range.start;
  return openReadable(file, { name: path, path, size, startOffset: range?.start }, options);
}

/**
 * A named pipe or a process substitution (`<(zcat x)`), read as stdin's pipe is: by Node's event
 * loop (libuv makes the descriptor non-blocking), not by a read() blocked in libuv's thread pool.
 * A stream of the file waited in such a read for the producer's next bytes: SIGINT or SIGTERM
 * (cron's timeout) was not acted on until the producer wrote again or ended (18 s of a `sleep
 * 20` producer), and neither was the second signal's quit, as the process's exit waits for the
 * thread pool. The open itself still waits for a writer, as any reader of a FIFO does.
 */
async function pipeStream(path: string): Promise<Readable> {
  let fd: number;
  // Waiting for a producer that has not opened the pipe yet, the open blocks a thread of the
  // pool, which the process's exit waits for: a signal then (or the second one's quit at once)
  // left barge waiting. Waking it (wakePipeOpens) lets the run stop and the process exit.
  pendingPipeOpens.add(path);
  const unregister = onAbruptExit(() => wakePipeOpen(path));
  try {
    fd = await new Promise<number>((resolve, reject) => open(path, 'r', (error, opened) => (error ? reject(error) : resolve(opened))));
  } catch (error) {
    throw toInputError(error, path);
  } finally {
    pendingPipeOpens.delete(path);
    unregister();
  }
  return new Socket({ fd, readable: true, writable: false });
}

const pendingPipeOpens = new Set<string>();

/** Ends the waits of pipeStream's opens for a producer: an interrupted run does not wait for one. */
export function wakePipeOpens(): void {
  for (const path of pendingPipeOpens) wakePipeOpen(path);
}

/** Opens the pipe for writing and closes it at once: the reader's open returns, and reads its end. */
function wakePipeOpen(path: string): void {
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // Opened by its producer meanwhile (or gone): nothing waits.
  }
}

/**
 * The part of openInput after the source exists; takes any byte source (a file
 * stream, stdin, or a test's Readable.from([...])).
 */
export async function openReadable(
  source: AsyncIterable<Buffer | Uint8Array | string>,
  meta: { name: string; path: string; size?: number; startOffset?: number },
  options: SourceOptions,
): Promise<OpenedInput> {
  const { name } = meta;
  let bytesRead = 0;
  // stdin can be read only once, so a resume could never compare it: no checksum.
  const hash = options.sha256 === true && meta.path !== '-' ? createHash('sha256') : undefined;
  let sha256: string | undefined;
  const raw = new ChunkReader(watchChunks(source, (bytes) => {
    bytesRead += bytes.length;
    hash?.update(bytes);
  }, () => {
    // A file that ends before the size it had when opened was cut short while read, by another
    // process: its last record as read (cut mid-line) loaded as if whole, exit 0.
    if (meta.size !== undefined && bytesRead < meta.size) {
      throw new InputFailed(
        `input "${name}" was cut short while it was read (it ended after ${bytesRead} of its ${meta.size} bytes): another process truncated or rewrote it`,
        'put the complete file back',
        name,
      );
    }
    sha256 = hash?.digest('hex');
  }));
  let decompressed: ChunkReader;
  let gunzip: ReturnType<typeof createGunzip> | undefined;
  /** gzip: whether the input starts with its magic bytes (else it was taken for gzip by its .gz name). */
  let gzipMagic: boolean | undefined;
  try {
    const head = await raw.peek(2);
    const magic = isGzipMagic(head);
    if (isGzipPath(meta.path) || magic) {
      gzipMagic = magic;
      // Output chunks as large as file reads: fewer, larger record batches downstream.
      // (zlib's own 16 KB for a small file: a glob of small .gz inputs allocated 64 KB each.)
      gunzip = createGunzip({ chunkSize: meta.size !== undefined && meta.size < 16 * 1024 ? 16 * 1024 : READ_CHUNK_BYTES });
      // pipeline carries an error of the source into gunzip, so iterating gunzip sees it.
      pipeline(Readable.from(raw.chunks()), gunzip, () => {});
      decompressed = new ChunkReader(gunzip);
      // Decoded, gzip's magic bytes are invalid UTF-8: the message said to try latin1.
      if (isGzipMagic(await decompressed.peek(2))) throw gzipTwice(meta.path, name);
    } else {
      decompressed = raw;
    }
    // A workbook, a SQLite database, a Parquet file, an archive or another compression, under
    // any name: said what it is and what to do, not taken for text in another encoding.
    const notText = notTextFile(await decompressed.peek(NOT_TEXT_MAGIC_BYTES, headTellsText), { name, path: meta.path, gzipped: gunzip !== undefined, format: options.format });
    if (notText !== undefined) throw notText;
    let format = options.format ?? formatFromPath(meta.path);
    if (format === undefined) {
      const sniffed = await decompressed.peek(SNIFF_BYTES, hasLineAfterContent);
      format = sniffFormat(sniffText(sniffed, options.encoding));
    } else {
      // The decoder looks for a byte order mark in the first chunk: make sure it
      // is all there even when stdin trickles in a byte at a time.
      await decompressed.peek(BOM_BYTES);
    }
    const destroyable = [source, gunzip];
    const stream = Readable.from(guard(decompressed.chunks(), name, destroyable, gzipMagic), { objectMode: false });
    // Destroyed before it was read (abandonInput), the stream never starts guard(), whose
    // finally then never runs: the file stayed open (EMFILE after ~350 inputs of a glob).
    stream.once('close', () => { for (const d of destroyable) destroy(d); });
    return {
      name,
      path: meta.path,
      size: meta.size,
      startOffset: meta.startOffset,
      format,
      stream,
      bytesRead: () => bytesRead,
      sha256: () => sha256,
      abandon: () => {
        stream.destroy();
        for (const d of destroyable) destroy(d);
      },
    };
  } catch (error) {
    destroy(source);
    gunzip?.destroy();
    throw toInputError(error, name, gzipMagic);
  }
}

function stdinIsDirectory(): boolean {
  try {
    return fstatSync(0).isDirectory();
  } catch {
    return false;
  }
}

function isGzipMagic(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** gzip data whose content is gzip again: say so, and how to undo one layer. */
function gzipTwice(path: string, name: string): BargeError {
  const how =
    path === '-'
      ? 'add one more zcat to the pipe (… | zcat | barge import -)'
      : `decompress one layer first (zcat ${shellWord(path)} > ${shellWord(isGzipPath(path) ? path.slice(0, -3) : `${path}.gz`)}) and import that file`;
  return new BargeError('input', `${name}: gzip inside gzip (the data was compressed twice); ${how}`, { input: name });
}

export function isGzipPath(path: string): boolean {
  return path.toLowerCase().endsWith('.gz');
}

/**
 * Guesses the format from the first text of an input: `[` is a JSON array, `{` is
 * NDJSON, a first line with a tab and no comma is TSV, anything else CSV (including
 * an empty input, which then simply has no records).
 */
export function sniffFormat(text: string): InputFormat {
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0xfeff) i++;
    else break;
  }
  if (i === n) return 'csv';
  const first = text.charCodeAt(i);
  if (first === 0x5b /* [ */) return 'json';
  if (first === 0x7b /* { */) return 'ndjson';
  // The line that holds the first content (leading blank lines are skipped above,
  // but a first line that starts with tabs must keep them: back up to its start).
  let lineStart = i;
  while (lineStart > 0 && text.charCodeAt(lineStart - 1) !== 0x0a && text.charCodeAt(lineStart - 1) !== 0x0d) {
    lineStart--;
  }
  let lineEnd = text.indexOf('\n', i);
  if (lineEnd === -1) lineEnd = n;
  const cr = text.indexOf('\r', i);
  if (cr !== -1 && cr < lineEnd) lineEnd = cr;
  const line = text.slice(lineStart, lineEnd);
  return line.includes('\t') && !line.includes(',') ? 'tsv' : 'csv';
}

/** Decodes the sniffed head loosely: it only has to show the first characters. */
function sniffText(head: Buffer, encoding: string | undefined): string {
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return head.toString('utf16le', 2);
  // A UTF-8 byte order mark, dropped under any encoding (decode-text.ts), as under latin1 it
  // would read "ï»¿" and hide a JSON input's `[` or `{`.
  const start = head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  const name = normalizeEncoding(encoding);
  // Sniffing looks only at ASCII (`[`, `{`, delimiters), the same in both.
  return head.toString(name === 'windows1252' ? 'latin1' : name, start);
}

/** Peek condition for sniffing: some content and the end of the line holding it. */
function hasLineAfterContent(head: Buffer): boolean {
  if (head.length < BOM_BYTES) return false;
  let i = 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0)) {
    i++;
  }
  if (i === head.length) return false;
  const lf = head.indexOf(0x0a, i);
  return lf !== -1 || head.indexOf(0x0d, i) !== -1;
}

/** The source's chunks as Buffers, each shown to `seen` as it passes; `ended` once the last has. */
async function* watchChunks(
  source: AsyncIterable<Buffer | Uint8Array | string>,
  seen: (bytes: Buffer) => void,
  ended: () => void,
): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    seen(bytes);
    yield bytes;
  }
  ended();
}

/** Lets the first bytes be looked at without losing them. */
class ChunkReader {
  private readonly iterator: AsyncIterator<Buffer>;
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private done = false;

  constructor(source: AsyncIterable<Buffer>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** Reads ahead until `minBytes` are buffered, `enough` says so, or the input ends. */
  async peek(minBytes: number, enough?: (head: Buffer) => boolean): Promise<Buffer> {
    for (;;) {
      const head = this.head.length === 1 ? this.head[0]! : Buffer.concat(this.head);
      if (this.done || this.headBytes >= minBytes || (enough !== undefined && enough(head))) return head;
      const next = await this.iterator.next();
      if (next.done === true) {
        this.done = true;
      } else {
        this.head.push(next.value);
        this.headBytes += next.value.length;
      }
    }
  }

  /** Everything peeked (as one chunk), then the rest of the source. */
  async *chunks(): AsyncGenerator<Buffer> {
    if (this.head.length > 0) {
      const head = this.head.length === 1 ? this.head[0]! : Buffer.concat(this.head);
      this.head.length = 0;
      yield head;
    }
    if (this.done) return;
    for (;;) {
      const next = await this.iterator.next();
      if (next.done === true) return;
      yield next.value;
    }
  }
}

async function* guard(
  chunks: AsyncGenerator<Buffer>,
  name: string,
  destroyable: unknown[],
  gzipMagic: boolean | undefined,
): AsyncGenerator<Buffer> {
  try {
    yield* chunks;
  } catch (error) {
    throw toInputError(error, name, gzipMagic);
  } finally {
    // Also runs when the consumer stops early: release the file handle.
    for (const d of destroyable) destroy(d);
  }
}

/**
 * Stops reading an input at once, for an interrupted run: a read waiting on
 * stdin (an idle producer) only wakes when stdin itself is destroyed.
 */
export function abandonInput(input: OpenedInput): void {
  if (input.abandon !== undefined) input.abandon();
  else input.stream.destroy();
  if (input.path === '-') process.stdin.destroy();
}

function destroy(stream: unknown): void {
  if (stream !== undefined && stream !== process.stdin && typeof (stream as Readable).destroy === 'function') {
    (stream as Readable).destroy();
  }
}

/**
 * One clear line for anything that goes wrong while opening or reading an input; `gzipMagic`
 * says, for an input read as gzip, whether it starts with gzip's magic bytes.
 */
export function toInputError(error: unknown, name: string, gzipMagic?: boolean): BargeError {
  if (error instanceof BargeError) return error;
  const e = error as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code.startsWith('Z_') || code === 'ERR_ZLIB_INITIALIZATION_FAILED') {
    return new BargeError('input', `${name}: not a valid gzip file (${e.message}): ${gzipAdvice(code, name, gzipMagic)}`, { input: name, cause: error });
  }
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new BargeError('usage', `cannot read input "${name}": no such file`, { input: name, cause: error });
    case 'EISDIR':
      return new BargeError('usage', `cannot read input "${name}": it is a directory`, { input: name, cause: error });
    case 'EACCES':
    case 'EPERM':
      return new BargeError('input', `cannot read input "${name}": permission denied`, { input: name, cause: error });
    // A path that names no file it can reach, as ENOENT: usage errors (they were exit 3, Node's words).
    case 'ELOOP':
      return new BargeError('usage', `cannot read input "${name}": its symbolic links lead round in a loop; check the path`, { input: name, cause: error });
    case 'ENAMETOOLONG':
      return new BargeError('usage', `cannot read input "${name}": the name is too long for the file system; check the path`, { input: name, cause: error });
  }
  // A read that failed (EIO) may be fixed and the job resumed: said as for a database's I/O error.
  return new InputFailed(`cannot read input "${name}": ${systemErrorText(error)}`, 'fix that', name, error);
}

/** What a gzip error means, and what to do: after "not a valid gzip file (<zlib's reason>): ". */
function gzipAdvice(code: string, name: string, gzipMagic: boolean | undefined): string {
  // Read as gzip for its name alone: most likely plain text under a .gz name.
  if (gzipMagic === false) return 'its name ends in .gz, but it does not start as gzip data does; if it is not compressed, rename it without .gz';
  // zlib's "unexpected end of file": the data stops inside the compressed stream.
  if (code === 'Z_BUF_ERROR') return 'the compressed data stops short, so the file looks truncated (an unfinished download or copy?); get a complete copy';
  return `the compressed data is damaged; get an intact copy${name === 'stdin' ? '' : ` (gzip -t ${shellWord(name)} checks one)`}`;
}
