import fs from 'node:fs';
import path from 'node:path';

/**
 * A CSV report's header is written with its first entry, but a later entry may hold a field the
 * header lacks (an NDJSON record with an extra key, a second CSV input with one more column, a
 * ragged row's `(extra field N)`). error-report.ts writes such an entry's header fields and then,
 * beyond them, each field the header lacks as two more fields, its name and its value:
 *
 *     _barge_job,…,_barge_raw,id,name
 *     j1,…,,2,b,note,keep me
 *
 * When the report is complete, widenCsvReport rewrites it once with the names added to the header
 * and every row given a field per added column (empty where its entry had none):
 *
 *     _barge_job,…,_barge_raw,id,name,note
 *     j1,…,,2,b,keep me
 *
 * Until then (killed, or interrupted for a resume) such a row has more fields than the header, so
 * importing the report rejects it (ragged_row, its text kept in the retry's report) rather than
 * loading the record without the fields. Names are written beside the values so that the row
 * says on its own which fields they are: a resumed job's run, which never saw the first run's
 * entries, can still widen them, and a reader can fix them by hand.
 */

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const CHUNK = 1 << 16;

export interface CsvRecord {
  /** The record's bytes, with its line break (the last one of a file may have none). */
  bytes: Buffer;
  /** How many fields it holds: its commas outside quotes, plus one. */
  fields: number;
}

/**
 * The records of a CSV file as csv-stringify writes them, one at a time, read in chunks: memory
 * holds one record, not the file. A record ends at a line break outside quotes; a quote inside a
 * field is written doubled, so counting quotes tells inside from outside. UTF-8 never uses these
 * bytes inside a character.
 */
export function* csvRecords(file: string): Generator<CsvRecord> {
  const fd = fs.openSync(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(CHUNK);
    let pieces: Buffer[] = [];
    let inQuotes = false;
    let fields = 1;
    let position = 0;
    for (;;) {
      const read = fs.readSync(fd, chunk, 0, CHUNK, position);
      if (read === 0) break;
      position += read;
      let start = 0;
      for (let i = 0; i < read; i++) {
        const byte = chunk[i];
        if (byte === QUOTE) inQuotes = !inQuotes;
        else if (inQuotes) continue;
        else if (byte === COMMA) fields++;
        else if (byte === LF) {
          const tail = Buffer.from(chunk.subarray(start, i + 1));
          const bytes = pieces.length === 0 ? tail : Buffer.concat([...pieces, tail]);
          pieces = [];
          start = i + 1;
          const record = { bytes, fields };
          fields = 1;
          yield record;
        }
      }
      if (start < read) pieces.push(Buffer.from(chunk.subarray(start, read)));
    }
    if (pieces.length > 0) yield { bytes: Buffer.concat(pieces), fields };
  } finally {
    fs.closeSync(fd);
  }
}

/** The first record of a CSV file (its header), or undefined when the file is empty. */
export function firstCsvRecord(file: string): CsvRecord | undefined {
  const records = csvRecords(file);
  try {
    const first = records.next();
    return first.done ? undefined : first.value;
  } finally {
    records.return(undefined);
  }
}

type ParseRecord = (text: string) => string[];
type StringifyRecord = (fields: string[]) => string;

/**
 * A row written beyond the header's `width` fields as name/value pairs: its fields by name.
 * Undefined when what lies beyond is not such pairs (an odd number, a name the header has, a name
 * twice): a row edited by hand is left as it is, more fields than the header, rejected when
 * imported, rather than guessed at.
 */
function pairsOf(fields: string[], header: ReadonlySet<string>, width: number): Map<string, string> | undefined {
  const beyond = fields.length - width;
  if (beyond <= 0 || beyond % 2 !== 0) return undefined;
  const pairs = new Map<string, string>();
  for (let i = width; i < fields.length; i += 2) {
    const name = fields[i]!;
    if (header.has(name) || pairs.has(name)) return undefined;
    pairs.set(name, fields[i + 1]!);
  }
  return pairs;
}

/** A record's bytes with `extra` empty fields added before its line break. */
function padded(bytes: Buffer, extra: number): Buffer {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === LF) end--;
  if (end > 0 && bytes[end - 1] === CR) end--;
  return Buffer.concat([bytes.subarray(0, end), Buffer.from(','.repeat(extra)), bytes.subarray(end)]);
}

/**
 * Rewrites a CSV report whose rows hold name/value pairs beyond the header (see above) with those
 * names in its header, each row padded to it. Two passes over the file, each a record at a time:
 * the first finds the names (none: the file is left alone), the second writes the new file beside
 * the report and renames it over the report, so that the report is at every moment either the
 * file as it was or the whole new one. Returns the new size, or undefined when nothing was to be
 * widened. A report that is a symbolic link has its target rewritten (the link stays); one with
 * other hard links is left as it is (a rename would part them), as is one whose directory takes no
 * new file: its rows stay ragged, rejected rather than loaded short when imported.
 */
export function widenCsvReport(file: string, parse: ParseRecord, stringify: StringifyRecord): number | undefined {
  const headerRecord = firstCsvRecord(file);
  if (headerRecord === undefined) return undefined;
  const header = parse(headerRecord.bytes.toString('utf8'));
  const width = header.length;
  const known = new Set(header);
  const added: string[] = [];
  const addedSet = new Set<string>();
  let first = true;
  for (const record of csvRecords(file)) {
    if (first) { first = false; continue; }
    if (record.fields <= width) continue;
    const pairs = pairsOf(parse(record.bytes.toString('utf8')), known, width);
    if (pairs === undefined) continue;
    for (const name of pairs.keys()) {
      if (!addedSet.has(name)) { addedSet.add(name); added.push(name); }
    }
  }
  if (added.length === 0) return undefined;

  const target = fs.realpathSync(file);
  const stat = fs.statSync(target);
  if (stat.nlink > 1) return undefined;
  const { fd, temp } = createTemp(target);
  let size = 0;
  try {
    const out = new BufferedWriter(fd);
    out.write(Buffer.from(stringify([...header, ...added])));
    first = true;
    for (const record of csvRecords(target)) {
      if (first) { first = false; continue; }
      if (record.fields === width) {
        out.write(padded(record.bytes, added.length));
        continue;
      }
      const fields = record.fields > width ? parse(record.bytes.toString('utf8')) : undefined;
      const pairs = fields && pairsOf(fields, known, width);
      if (fields === undefined || pairs === undefined) {
        out.write(record.bytes);
        continue;
      }
      out.write(Buffer.from(stringify([...fields.slice(0, width), ...added.map((name) => pairs.get(name) ?? '')])));
    }
    out.flush();
    size = out.written;
    try {
      fs.fchmodSync(fd, stat.mode & 0o7777);
    } catch {
      // The default mode, as a new report gets.
    }
    // On disk before it takes the report's place: a crash right after the rename must not leave
    // an empty or partial file where the report was.
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(temp, target);
  } catch (error) {
    try { fs.closeSync(fd); } catch { /* closed already */ }
    fs.rmSync(temp, { force: true });
    throw error;
  }
  return size;
}

/** A new file beside the report, never one that exists (it could be anything, an input even). */
function createTemp(target: string): { fd: number; temp: string } {
  const dir = path.dirname(target);
  const base = path.basename(target);
  for (let attempt = 0; ; attempt++) {
    const temp = path.join(dir, `.${base}.widening-${process.pid}${attempt === 0 ? '' : `-${attempt}`}.tmp`);
    try {
      return { fd: fs.openSync(temp, 'wx'), temp };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 100) throw error;
    }
  }
}

/** Writes gathered into chunks of about CHUNK bytes. */
class BufferedWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  written = 0;

  constructor(private readonly fd: number) {}

  write(bytes: Buffer): void {
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= CHUNK) this.flush();
  }

  flush(): void {
    if (this.pendingBytes === 0) return;
    const bytes = Buffer.concat(this.pending, this.pendingBytes);
    let offset = 0;
    while (offset < bytes.length) offset += fs.writeSync(this.fd, bytes, offset, bytes.length - offset);
    this.written += bytes.length;
    this.pending = [];
    this.pendingBytes = 0;
  }
}
