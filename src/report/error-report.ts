import fs from 'node:fs';
import { linkTarget, plantedByOtherUser } from '../file-stat.js';
import path from 'node:path';
import { createRequire } from 'node:module';
import { BargeError } from '../errors.js';
import { systemErrorText } from '../system-error-text.js';
import { groupDigits } from '../group-digits.js';
import { thenGoOn, type FailedJob } from '../store/sqlite-errors.js';
import { nameKey } from '../schema/names.js';
import { REPORT_META_FIELDS, type ReportEntry } from './report-entry.js';
import { firstCsvRecord, widenCsvReport } from './widen-csv-report.js';

// csv-stringify and csv-parse are loaded when a CSV report is first written: most reports are
// NDJSON, and loading the two took ~20 ms of every import's start (of ~110 ms for all modules).
const require = createRequire(import.meta.url);
let csvStringify: typeof import('csv-stringify/sync').stringify | undefined;
let csvParse: typeof import('csv-parse/sync').parse | undefined;
const stringify: typeof import('csv-stringify/sync').stringify = (...args) =>
  (csvStringify ??= (require('csv-stringify/sync') as typeof import('csv-stringify/sync')).stringify)(...args);
const parse = ((...args: Parameters<typeof import('csv-parse/sync').parse>) =>
  (csvParse ??= (require('csv-parse/sync') as typeof import('csv-parse/sync')).parse)(...args)) as typeof import('csv-parse/sync').parse;

export type ReportFormat = 'ndjson' | 'csv' | 'json';

export function reportFormatOf(file: string): ReportFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.json') return 'json';
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  throw new BargeError('usage', `--errors "${file}": the report must end in .ndjson, .jsonl, .csv or .json`);
}

/**
 * Entries are gathered up to this many characters before they are written. Written one by one
 * (a write(2) each), an import of 1M records all rejected spent 2.3 s of its 6.8 s in the
 * writes.
 */
const GATHER_CHARS = 64 * 1024;

/**
 * The error report (SPEC §5). The file is created on the first rejected
 * record only, so a clean run leaves no file behind. Writes are synchronous, gathered
 * (GATHER_CHARS) and written out by flush(), which the import calls once a batch's entries
 * are added, before the batch commits: the entries of every committed batch are on disk with it.
 */
export class ErrorReport {
  private fd: number | undefined;
  private csvHeader: string[] | undefined;
  /** The header's names, to find an entry's fields beyond them. */
  private csvHeaderNames = new Set<string>();
  // The header's record fields by their names as SQLite compares them (case aside), each name
  // one field only: an entry's "ID" goes in the header's "id" (see csvRow).
  private csvFieldAtKey = new Map<string, number>();
  /**
   * A CSV report may hold rows with fields beyond its header (name/value pairs, see
   * widen-csv-report.ts): written by this run, or kept from a resumed job's earlier run.
   */
  private mayBeRagged = false;
  /** Why widen() could not widen the header (the report is complete, its wider rows ragged). */
  private notWidened: string | undefined;
  private count = 0;
  private readonly format: ReportFormat;
  /** The file's size as this job has written it (see `size`). */
  private bytes = 0;
  /** Entries gathered and not yet written (see GATHER_CHARS). */
  private gathered = '';
  /** A resumed JSON report: the size its array of committed entries ends at, continued from there. */
  private jsonFrom: number | undefined;
  /** That array holds no entry yet: the first new one takes no comma. */
  private jsonEmpty = false;
  /** A resumed job's report as found: missing (undefined), or its size, when shorter than `resumeAt`. */
  private shortfall: { found: number | undefined; expected: number } | undefined;

  constructor(
    private file: string,
    /** The target table's columns, so a CSV report has them all in its header. */
    private readonly columns: readonly string[],
    /** A resumed job adds to the report its first run wrote. */
    private readonly append = false,
    /**
     * A resumed job: the report's size at its last committed batch. What lies beyond was written
     * for a batch that never committed (the process was killed between the two), and the resumed
     * run reads those records again: kept, they would be in the report twice.
     */
    resumeAt?: number,
    /**
     * The import job the report is for, when it is one: a report that fails midway says how the
     * job goes on (a batch/row job is resumed, and --resume takes no --errors).
     */
    private readonly job?: FailedJob,
    /**
     * A default report that steps aside from existing ones (stdin's): the next name after one
     * taken. The name is claimed as the file is made (O_EXCL): chosen at the start only, two
     * runs started together took one name and wrote into one file (torn lines, lost entries).
     */
    private readonly stepAside?: (taken: string) => string,
  ) {
    this.format = reportFormatOf(file);
    if (!append) return;
    if (resumeAt !== undefined && resumeAt > 0) {
      const found = sizeOf(file);
      if (found === undefined || found < resumeAt) this.shortfall = { found, expected: resumeAt };
    }
    if (this.format !== 'json') this.bytes = this.shortfall ? this.cutToLastEntry() : this.cutTo(resumeAt);
    else this.continueJsonAt(resumeAt);
    // An earlier run stopped before widening its header: its wider rows are widened with this run's.
    if (this.format === 'csv' && this.bytes > 0) this.mayBeRagged = true;
  }

  /**
   * A resumed job whose report was deleted, or cut shorter than its last checkpoint recorded, has
   * lost the entries of records rejected before it stopped, and nothing reads those records again:
   * a warning says so, since the summary's count of rejected records still includes them.
   */
  lostEntriesWarning(rejectedBefore: number): string | undefined {
    if (this.shortfall === undefined) return undefined;
    const records = `${groupDigits(rejectedBefore)} record${rejectedBefore === 1 ? '' : 's'}`;
    const what = this.shortfall.found === undefined
      ? `is missing: the entries of the ${records}`
      : `is shorter than the ${groupDigits(this.shortfall.expected)} bytes the job had written: entries of the ${records}`;
    return `the error report ${this.path} ${what} rejected before the job stopped are lost from it (the job's counts still include them)`;
  }

  /** Where the report is (or will be) written. */
  get path(): string {
    return this.file;
  }

  get entries(): number {
    return this.count;
  }

  /**
   * Bytes of the report so far, every entry written out first: saved with each batch's
   * checkpoint, in the batch's transaction, so that a resumed job knows where the committed
   * batches' entries end.
   */
  get size(): number {
    this.flush();
    return this.bytes;
  }

  /**
   * Writes out the entries gathered so far. The import calls it once a batch's entries are
   * added, before the batch commits: a report that cannot be written (a full disk) stops the
   * job there, with the batch not committed, as it did when every entry was written at once.
   */
  flush(): void {
    if (this.gathered === '') return;
    const bytes = Buffer.from(this.gathered);
    this.gathered = '';
    const before = this.bytes;
    try {
      // A write may take part of the bytes (a disk filling up): the rest goes on, or fails.
      // At the position this report has reached (an append goes to the end, the same place).
      for (let at = 0; at < bytes.length;) {
        const written = fs.writeSync(this.fd!, bytes, at, bytes.length - at, this.bytes);
        at += written;
        this.bytes += written;
      }
    } catch (cause) {
      // Cut back to its last whole entry: cut mid-entry by a full disk, the report could not be
      // fed back (its last line not JSON), and it kept the disk full.
      try {
        fs.ftruncateSync(this.fd!, before);
        this.bytes = before;
      } catch {
        // Left as it is; the failure below is what matters.
      }
      throw this.cannotWrite(cause);
    }
  }

  add(entry: ReportEntry): void {
    if (this.fd === undefined) this.open(entry);
    this.count++;
    switch (this.format) {
      case 'ndjson':
        this.write(JSON.stringify(entry) + '\n');
        break;
      case 'json':
        this.write((this.count === 1 && (this.jsonFrom === undefined || this.jsonEmpty) ? '\n  ' : ',\n  ') + JSON.stringify(entry));
        break;
      case 'csv':
        this.write(stringify([this.csvRow(entry)]));
        break;
    }
  }

  /** Ends the report's writing (a JSON report's array closed); see widen(). */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    let written = false;
    try {
      if (this.format === 'json') this.write('\n]\n');
      this.flush();
      written = true;
    } finally {
      this.fd = undefined;
      try {
        fs.closeSync(fd);
      } catch (cause) {
        // A close that fails (EIO: a network file system's deferred write) may have lost entries:
        // said as any failed write of the report is (it was Node's "EIO: i/o error, close", and
        // the job's error too). After a failed write, that failure is the one told.
        if (written) throw this.cannotWrite(cause);
      }
    }
  }

  /**
   * After close(), for a job that is over: a CSV report's header is fixed by its first entry; a
   * later entry's fields beyond it were written as name/value pairs beyond the header
   * (widen-csv-report.ts), and are given columns of their own here: the file is rewritten once
   * with the header widened (streamed, a temporary file renamed over it). The caller does not
   * when the job may be resumed (a batch/row job that failed or was interrupted, or one whose end
   * could not be recorded): a resume cuts the report back to the byte size its checkpoint saved
   * and appends to it, and rewritten, those sizes would fall mid-row. Its wider rows stay ragged
   * meanwhile (imported, rejected rather than loaded without the fields), and the run that
   * completes the job widens them with its own.
   */
  widen(): void {
    if (this.fd !== undefined) this.close();
    if (this.format !== 'csv' || !this.mayBeRagged) return;
    this.mayBeRagged = false;
    try {
      const size = widenCsvReport(this.path, (text) => parseRecord(text), (fields) => stringify([fields]));
      if (size !== undefined) this.bytes = size;
    } catch (cause) {
      // Left as written: complete, its wider rows ragged. The run's outcome is what matters here.
      const why = (cause as NodeJS.ErrnoException).code === 'ENOSPC' ? 'the disk is full' : (cause as Error).message;
      this.notWidened = `the error report ${this.path} could not be rewritten with every entry's fields in its header (${why}): the rows of entries with fields beyond it are rejected when it is imported; move those fields into columns of their own`;
    }
  }

  /**
   * Set when widen() could not widen a CSV report's header (a full disk, a directory that takes
   * no new file): the report holds every entry, but its wider rows are rejected when imported.
   */
  get closeWarning(): string | undefined {
    return this.notWidened;
  }

  /** Whether entries are written as CSV (reportEntry's `csv`). */
  get isCsv(): boolean {
    return this.format === 'csv';
  }

  private open(first: ReportEntry): void {
    const continuing = this.jsonFrom !== undefined;
    // A resumed job's report, as the constructor found (and cut) it, is added to when not empty.
    const appending = this.append && this.bytes > 0;
    try {
      // Checked again as it is opened (reportPathFor checked it before the run): a symlink or a
      // FIFO another user put at the report's path since.
      const planted = plantedByOtherUser(this.path, { regularToo: !appending && !continuing });
      if (planted !== undefined) throw Object.assign(new Error(planted), { code: 'EPLANTED' });
      // The array's closing bracket goes again, to be written after the new entries.
      if (continuing) fs.truncateSync(this.path, this.jsonFrom);
      if (this.stepAside !== undefined && !appending && !continuing) this.fd = this.openFreeName();
      else this.fd = fs.openSync(this.path, appending ? 'a' : 'w');
    } catch (cause) {
      throw this.cannotWrite(cause);
    }
    if (this.format === 'json' && !continuing) this.write('[');
    if (this.format === 'csv') {
      // The table's columns, but one an entry's field names but for case ("Note" for "note": a
      // field the schema took for an extra one): both in the header, barge refused the report
      // as input (two names SQLite takes for one column).
      const keys = Object.keys(first);
      const columns = this.columns.filter((column) => !keys.some((key) => key !== column && nameKey(key) === nameKey(column)));
      const fields = new Set<string>([...REPORT_META_FIELDS, '_barge_text', '_barge_raw', ...columns]);
      for (const key of keys) fields.add(key);
      this.csvHeader = appending ? this.existingCsvHeader() ?? [...fields] : [...fields];
      this.csvHeaderNames = new Set(this.csvHeader);
      this.csvFieldAtKey = fieldsByKey(this.csvHeader);
      if (!appending) this.write(stringify([this.csvHeader]));
    }
  }

  /** Creates the report under the first name no other file has (see stepAside). */
  private openFreeName(): number {
    for (;;) {
      try {
        return fs.openSync(this.file, 'wx');
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code !== 'EEXIST') throw cause;
        this.file = this.stepAside!(this.file);
      }
    }
  }

  /**
   * A JSON report is one array: a resumed job continues it after the entries of its committed
   * batches (the checkpoint's size is taken before the closing bracket), and the file stays a
   * whole array until the first new entry. A job of an older version (no size), one that had
   * committed no entry, or a deleted file gets the report rewritten; a file shorter than the
   * size (see lostEntriesWarning) is continued after its last whole entry.
   */
  private continueJsonAt(size: number | undefined): void {
    if (size === undefined || size <= 1) return;
    let from: number;
    if (!this.shortfall) {
      if (this.cutTo(size) !== size) return;
      from = size;
    } else {
      // Deleted: a new array, from the first new entry. Cut shorter: continued after its last
      // whole entry, or, when none can be found, made an empty array (it is no report as it is).
      if (this.shortfall.found === undefined) return;
      const found = jsonContinuation(this.readAll());
      try {
        if (found === undefined) fs.writeFileSync(this.path, '[');
        else fs.truncateSync(this.path, found.from);
      } catch (cause) {
        throw this.cannotWrite(cause);
      }
      from = found?.from ?? 1;
      this.jsonEmpty = found?.empty ?? true;
    }
    try {
      fs.appendFileSync(this.path, '\n]\n');
    } catch (cause) {
      throw this.cannotWrite(cause);
    }
    this.jsonFrom = from;
    this.bytes = from;
  }

  /**
   * An NDJSON or CSV report cut shorter than the checkpoint said (by hand, or a full disk) may
   * end inside an entry: it is cut back to the end of its last whole one (every entry ends with
   * a line break), so that the entries appended after it stay entries of their own. In CSV a
   * line break inside quotes is part of a field: a record ends at one after an even number of
   * quotes (a quote in a field is written doubled).
   */
  private cutToLastEntry(): number {
    if (this.shortfall?.found === undefined) return 0;
    const text = this.readAll();
    let end = 0;
    if (this.format === 'csv') {
      let quotes = 0;
      for (let i = 0; i < text.length; i++) {
        const byte = text[i];
        if (byte === 0x22) quotes++;
        else if (byte === 0x0a && quotes % 2 === 0) end = i + 1;
      }
    } else {
      end = text.lastIndexOf(0x0a) + 1;
    }
    return end === text.length ? end : this.cutTo(end);
  }

  private readAll(): Buffer {
    try {
      return fs.readFileSync(this.path);
    } catch (cause) {
      throw this.cannotWrite(cause);
    }
  }

  /** Cuts the existing report to `size` bytes when it is longer; returns its size after. */
  private cutTo(size: number | undefined): number {
    let found: number;
    try {
      found = fs.statSync(this.path).size;
    } catch {
      return 0; // no report yet
    }
    if (size === undefined || found <= size) return found;
    try {
      fs.truncateSync(this.path, size);
    } catch (cause) {
      throw this.cannotWrite(cause);
    }
    return size;
  }

  private cannotWrite(cause: unknown): BargeError {
    return new BargeError('io', `cannot write the error report "${this.path}": ${whyNot(cause, this.path, this.job)}`, { cause });
  }

  private existingCsvHeader(): string[] | undefined {
    // Parsed as CSV, as csv-stringify wrote it: a column name may hold a comma or a quote
    // ("a,b" is written "\"a,b\""), which splitting on commas cut in two, shifting every
    // value appended after it, or a line break (an NDJSON record's extra key "a\nb"). Only the
    // header is read, not the whole report.
    let first;
    try {
      first = firstCsvRecord(this.path);
    } catch (cause) {
      throw this.cannotWrite(cause);
    }
    const text = first?.bytes.toString('utf8');
    if (!text || text === '\n') return undefined;
    return parseRecord(text);
  }

  private csvRow(entry: ReportEntry): string[] {
    // _barge_text (true) comes out "true", as before.
    const row = this.csvHeader!.map((field) => csvField(entry[field]));
    // Fields the header lacks (it was written with the first entry): name and value beyond it,
    // given columns of their own when the job is over (see widen()).
    for (const key of Object.keys(entry)) {
      if (this.csvHeaderNames.has(key)) continue;
      // A name the header has but for case, which this entry does not have as written ("ID"
      // where the first entry had "id"): its value in that column. As a pair beyond the header,
      // it became a column of its own, and barge refused the report as input (two names SQLite
      // takes for one column), the records that only wanted a value fixed with the rest.
      const folded = nameKey(key);
      const at = this.csvFieldAtKey.get(folded);
      // Only the entry's one spelling of it: "ID" and "Id" both there, the second overwrote the first.
      if (at !== undefined && !Object.hasOwn(entry, this.csvHeader![at]!) && Object.keys(entry).filter((other) => nameKey(other) === folded).length === 1) {
        row[at] = csvField(entry[key]);
        continue;
      }
      row.push(key, csvField(entry[key]));
      this.mayBeRagged = true;
    }
    return row;
  }

  private write(text: string): void {
    this.gathered += text;
    if (this.gathered.length >= GATHER_CHARS) this.flush();
  }
}

/**
 * A value of a record as a CSV report's field: the text that the CSV reader gives back as the
 * value the record had, column type by column type (coerce-value.ts). Converted here rather than
 * left to csv-stringify, which writes true as "1" and false as an empty field: fed back, a false
 * became a missing value (NULL, or "is required").
 * - null and a missing field: an empty field, missing either way.
 * - true/false: "true"/"false", the words a boolean column reads (and a string column keeps, as
 *   it keeps a JSON boolean's JSON text).
 * - an object or array: its JSON text, which a json column parses and a string column keeps.
 * - a number: its JSON text (String(-0) is "0", 1e21 is "1e+21"), except an integer beyond
 *   2^53, which JSON.parse had already rounded: its digits ("9007199254740993" read as
 *   9007199254740992) would load into an integer column as a wrong value instead of being
 *   rejected again, so it is written in exponent form ("9.007199254740992e+15"), which a
 *   number column reads as the same double and an integer column rejects, as it did.
 */
function csvField(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return '';
    case 'string':
      return value;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Number.isInteger(value) && !Number.isSafeInteger(value) ? value.toExponential() : String(value);
    case 'bigint':
      return String(value);
    case 'object':
      return value === null ? '' : JSON.stringify(value);
    default:
      return String(value);
  }
}

/** One CSV record (a header, a row) as its fields. */
function parseRecord(text: string): string[] {
  const [fields] = parse(text, { relax_column_count: true, bom: true }) as string[][];
  return fields ?? [];
}

function sizeOf(file: string): number | undefined {
  try {
    return fs.statSync(file).size;
  } catch {
    return undefined;
  }
}

/**
 * Where a JSON report cut shorter than its checkpoint said can be continued: a whole array (edited
 * by hand) before its closing bracket; an array cut midway after its last whole entry, each being
 * on a line of its own ending with a comma (`[\n  {…},\n  {…}`). Undefined when neither fits.
 */
function jsonContinuation(text: Buffer): { from: number; empty: boolean } | undefined {
  let whole: unknown;
  try {
    whole = JSON.parse(text.toString('utf8'));
  } catch {
    whole = undefined;
  }
  if (Array.isArray(whole)) {
    let from = text.lastIndexOf(0x5d); // ]
    while (from > 0 && [0x20, 0x09, 0x0a, 0x0d].includes(text[from - 1]!)) from--;
    return { from, empty: whole.length === 0 };
  }
  if (text[0] !== 0x5b) return undefined; // [
  const comma = text.lastIndexOf(',\n');
  return comma > 0 ? { from: comma, empty: false } : undefined;
}

/**
 * What went wrong and how to fix it, in words rather than an errno. Another --errors is the way
 * out for a run that left nothing (validate, an atomic job); a resumable job keeps its report's
 * path, so its way out is to fix the problem, then resume it.
 */
function whyNot(cause: unknown, file: string, job: FailedJob | undefined): string {
  const { what, fix, instead } = problemOf(cause, file);
  // A full disk is fixed in place whatever the job: its advice says how the job goes on. A
  // problem with no fix in place cannot be resumed past.
  if (fix !== undefined && (job?.resumable || (cause as NodeJS.ErrnoException).code === 'ENOSPC')) return `${what}; ${thenGoOn(fix, job)}`;
  return `${what}; ${instead}`;
}

/** A failure to write the report: what it is, the fix in place, and what to do instead. */
function problemOf(cause: unknown, file: string): { what: string; fix?: string; instead: string } {
  // Through a symlink, the directory the file would be created in is its target's.
  const dir = path.dirname(linkTarget(file));
  switch ((cause as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      // A directory that exists but where no file can be created (/proc, as root past the access
      // check): it said the directory did not exist, and to create it.
      if (fs.existsSync(dir)) return { what: `no file can be created in ${dir}`, instead: 'pass another --errors (a resume keeps the job\'s report path: load the rest under a new --job-id)' };
      return { what: `the directory ${dir} does not exist`, fix: 'create it', instead: 'create it or pass another --errors' };
    case 'EACCES': case 'EPERM': return { what: 'permission denied', fix: 'fix the permissions', instead: 'pass another --errors' };
    case 'EISDIR': return { what: 'it is a directory', fix: 'move it away', instead: 'pass a file path to --errors' };
    case 'ENOTDIR': return { what: `${dir} is not a directory`, fix: 'make it one', instead: 'pass another --errors' };
    case 'ENOSPC': return { what: 'the disk is full', fix: 'free space', instead: 'free space' };
    case 'EROFS': return { what: 'the file system is read-only', fix: 'make it writable', instead: 'pass another --errors' };
    case 'EPLANTED': return { what: (cause as Error).message, fix: 'remove it', instead: 'remove it or pass another --errors' };
    default: return { what: systemErrorText(cause), fix: 'fix that', instead: 'pass another --errors' };
  }
}

/** A CSV report header's record fields (not barge's own) by nameKey, leaving out names two fields share. */
function fieldsByKey(header: readonly string[]): Map<string, number> {
  const byKey = new Map<string, number>();
  const shared = new Set<string>();
  header.forEach((field, at) => {
    if (field.startsWith('_barge_')) return;
    const key = nameKey(field);
    if (byKey.has(key)) shared.add(key);
    byKey.set(key, at);
  });
  for (const key of shared) byKey.delete(key);
  return byKey;
}
