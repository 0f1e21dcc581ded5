import { BargeError } from '../errors.js';
import { shellWord } from '../shell-word.js';
import { formatFromPath } from './format-from-path.js';
import type { InputFormat } from './types.js';

/**
 * Files that are not text, known by their first bytes (their magic numbers). Read as text, their
 * bytes said "invalid UTF-8 … pass --encoding windows-1252", a tar's zero-padded header "looks
 * like UTF-16 … pass --encoding utf16le" (with a column name of 500 escaped characters), and a
 * Parquet file "no readable records", or with --schema "succeeded, read 0", exit 0.
 */

/** How many first bytes tell them all: a tar header's "ustar" is at 257. */
export const NOT_TEXT_MAGIC_BYTES = 262;

export interface HeadOf {
  /** The input's name in messages ("stdin" for "-"). */
  name: string;
  /** The path as given, "-" for stdin. */
  path: string;
  /** Whether these are the bytes inside gzip. */
  gzipped: boolean;
  /** --format, when given. */
  format?: InputFormat;
}

/**
 * Enough of the head has been read when a line break comes before any zero byte (text, and
 * every magic number below is whole by then, none holding a line break), or at
 * NOT_TEXT_MAGIC_BYTES: a stdin producer's first line is not held up for 262 bytes.
 */
export function headTellsText(head: Buffer): boolean {
  if (head.length >= NOT_TEXT_MAGIC_BYTES) return true;
  for (const byte of head) {
    if (byte === 0) return false;
    if (byte === 0x0a || byte === 0x0d) return true;
  }
  return false;
}

/** The error for an input whose first bytes (after gzip) say it is no text file; undefined for any other. */
export function notTextFile(head: Buffer, input: HeadOf): BargeError | undefined {
  const { name, path } = input;
  const what = path === '-' ? 'stdin' : `input "${name}"`;
  const refuse = (message: string) => new BargeError('input', message, { input: name });
  const notData = 'not CSV, TSV, NDJSON or JSON';
  const gzipped = input.gzipped ? ' (gzipped)' : '';
  /** The file as a tool other than barge needs it: gunzipped first. */
  const plain = input.gzipped && path !== '-' && path.toLowerCase().endsWith('.gz') ? path.slice(0, -3) : path;
  const gunzipFirst = input.gzipped && path !== '-' ? `gunzip -k ${shellWord(path)}, then ` : '';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) {
    // Its bytes read as "invalid UTF-8 … pass --encoding latin1", and under latin1 as a stray quote in the header.
    return refuse(`${name} is a zip archive (an Excel .xlsx workbook is one), not text: save the sheet as CSV (UTF-8), or unzip it first`);
  }
  if (startsWith(head, Buffer.from('SQLite format 3\0', 'latin1'))) {
    const db = path === '-' ? 'file.db' : shellWord(plain);
    return refuse(`${what} is a SQLite database${gzipped}, ${notData}: ${gunzipFirst}export a table from it first (sqlite3 -header -csv ${db} 'SELECT * FROM t' > t.csv)`);
  }
  // "PAR1" then a Thrift page header, binary: a CSV whose header starts "PAR1," is text.
  if (startsWith(head, Buffer.from('PAR1', 'latin1')) && head.length > 4 && head[4]! < 0x20 && head[4] !== 0x09 && head[4] !== 0x0a && head[4] !== 0x0d) {
    const file = path !== '-' && /^[\w./-]+$/.test(plain) ? plain : 'file.parquet';
    const csv = /\.parquet$/i.test(file) ? file.replace(/\.parquet$/i, '.csv') : `${file}.csv`;
    return refuse(`${what} is a Parquet file${gzipped}, ${notData}: ${gunzipFirst}convert it first (duckdb -c "COPY (SELECT * FROM '${file}') TO '${csv}' (HEADER)")`);
  }
  const compressor = compressorOf(head);
  if (compressor !== undefined) {
    const [kind, tool] = compressor;
    if (path === '-') return refuse(`stdin is ${kind}-compressed: barge reads gzip; decompress it in the pipe (… | ${tool} -dc | barge import -)`);
    const inner = plain.replace(/\.(xz|bz2|zst|zstd)$/i, '');
    const format = input.format ?? formatFromPath(inner);
    const base = inner.slice(Math.max(inner.lastIndexOf('/'), inner.lastIndexOf('\\')) + 1);
    const dot = base.lastIndexOf('.');
    const table = dot > 0 ? base.slice(0, dot) : base;
    const into = `${format === undefined ? '' : ` --format ${format}`}${table === '' ? '' : ` --table ${shellWord(table)}`}`;
    return refuse(`${what} is ${kind}-compressed${gzipped}: barge reads gzip; ${gunzipFirst}decompress it (${tool} -dc ${shellWord(plain)} | barge import -${into})`);
  }
  // The header's fields before "ustar" are zero-padded (its name's, its mode's): text holding
  // "ustar" at 257 ("mustard") has no zero byte there.
  if (head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar' && head.subarray(0, 257).includes(0)) {
    // Its first member's name ends at the first zero byte of the header's first 100.
    const end = head.subarray(0, 100).indexOf(0);
    const member = head.toString('utf8', 0, end === -1 ? 100 : end);
    const first = /^[\w./-]+$/.test(member) ? `; its first file is ${member}` : '';
    const tar = path === '-' ? '' : ` (tar -x${input.gzipped ? 'z' : ''}f ${shellWord(path)}${first})`;
    return refuse(`${what} is a ${input.gzipped ? 'gzipped ' : ''}tar archive, ${notData}: extract its files first${tar}`);
  }
  if (startsWith(head, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) {
    return refuse(`${what} is a 7z archive${gzipped}, ${notData}: extract its files first${path === '-' ? '' : ` (${gunzipFirst}7z x ${shellWord(plain)})`}`);
  }
  if (startsWith(head, Buffer.from('%PDF-', 'latin1'))) {
    return refuse(`${what} is a PDF document${gzipped}, ${notData}: export its table as CSV from the program that made it`);
  }
  return undefined;
}

/** bzip2, xz or zstd, by their magic numbers: the compression and the tool that undoes it. */
function compressorOf(head: Buffer): [kind: string, tool: string] | undefined {
  // "BZh", the block size 1-9, then a block's or the stream end's magic (pi, or sqrt(pi)).
  if (startsWith(head, Buffer.from('BZh', 'latin1')) && head.length >= 10 && head[3]! >= 0x31 && head[3]! <= 0x39) {
    const block = head.subarray(4, 10);
    if (block.equals(Buffer.from([0x31, 0x41, 0x59, 0x26, 0x53, 0x59])) || block.equals(Buffer.from([0x17, 0x72, 0x45, 0x38, 0x50, 0x90]))) return ['bzip2', 'bzip2'];
  }
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return ['xz', 'xz'];
  if (startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) return ['zstd', 'zstd'];
  return undefined;
}

function startsWith(head: Buffer, magic: ArrayLike<number>): boolean {
  if (head.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (head[i] !== magic[i]) return false;
  return true;
}
