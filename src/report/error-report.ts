import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { BargeError } from '../errors.js';
import { REPORT_META_FIELDS, type ReportEntry } from './report-entry.js';

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
 * The error report (SPEC §5). The file is created on the first rejected
 * record only, so a clean run leaves no file behind. Writes are synchronous:
 * rejects are rare next to rows, and a report must be complete on disk even
 * when the process is interrupted right after.
 */
export class ErrorReport {
  private fd: number | undefined;
  private csvHeader: string[] | undefined;
  private count = 0;
  private readonly format: ReportFormat;
  /** The file's size as this job has written it (see `size`). */
  private bytes = 0;
  /** A resumed JSON report: the size its array of committed entries ends at, continued from there. */
  private jsonFrom: number | undefined;

  constructor(
    readonly path: string,
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
  ) {
    this.format = reportFormatOf(path);
    if (!append) return;
    if (this.format !== 'json') this.bytes = this.cutTo(resumeAt);
    else this.continueJsonAt(resumeAt);
  }

  get entries(): number {
    return this.count;
  }

  /**
   * Bytes of the report so far: saved with each batch's checkpoint, in the batch's transaction,
   * so that a resumed job knows where the committed batches' entries end.
   */
  get size(): number {
    return this.bytes;
  }

  add(entry: ReportEntry): void {
    if (this.fd === undefined) this.open(entry);
    this.count++;
    switch (this.format) {
      case 'ndjson':
        this.write(JSON.stringify(entry) + '\n');
        break;
      case 'json':
        this.write((this.count === 1 && this.jsonFrom === undefined ? '\n  ' : ',\n  ') + JSON.stringify(entry));
        break;
      case 'csv':
        this.write(stringify([this.csvRow(entry)]));
        break;
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    if (this.format === 'json') this.write('\n]\n');
    fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private open(first: ReportEntry): void {
    const continuing = this.jsonFrom !== undefined;
    // A resumed job's report, as the constructor found (and cut) it, is added to when not empty.
    const appending = this.append && this.bytes > 0;
    try {
      // The array's closing bracket goes again, to be written after the new entries.
      if (continuing) fs.truncateSync(this.path, this.jsonFrom);
      this.fd = fs.openSync(this.path, appending ? 'a' : 'w');
    } catch (cause) {
      throw this.cannotWrite(cause);
    }
    if (this.format === 'json' && !continuing) this.write('[');
    if (this.format === 'csv') {
      const fields = new Set<string>([...REPORT_META_FIELDS, '_barge_text', '_barge_raw', ...this.columns]);
      for (const key of Object.keys(first)) fields.add(key);
      this.csvHeader = appending ? this.existingCsvHeader() ?? [...fields] : [...fields];
      if (!appending) this.write(stringify([this.csvHeader]));
    }
  }

  /**
   * A JSON report is one array: a resumed job continues it after the entries of its committed
   * batches (the checkpoint's size is taken before the closing bracket), and the file stays a
   * whole array until the first new entry. A job of an older version (no size), one that had
   * committed no entry, or a file shorter than that gets the report rewritten, as before.
   */
  private continueJsonAt(size: number | undefined): void {
    if (size === undefined || size <= 1 || this.cutTo(size) !== size) return;
    try {
      fs.appendFileSync(this.path, '\n]\n');
    } catch (cause) {
      throw this.cannotWrite(cause);
    }
    this.jsonFrom = size;
    this.bytes = size;
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
    return new BargeError('io', `cannot write the error report "${this.path}": ${whyNot(cause, this.path)}`, { cause });
  }

  private existingCsvHeader(): string[] | undefined {
    const firstLine = fs.readFileSync(this.path, 'utf8').split('\n', 1)[0];
    // Parsed as CSV, as csv-stringify wrote it: a column name may hold a comma or a quote
    // ("a,b" is written "\"a,b\""), which splitting on commas cut in two, shifting every
    // value appended after it. Names hold no line breaks (control characters are refused).
    if (!firstLine) return undefined;
    const [header] = parse(firstLine, { relax_column_count: true }) as string[][];
    return header;
  }

  private csvRow(entry: ReportEntry): unknown[] {
    return this.csvHeader!.map((field) => {
      const value = entry[field];
      if (value === undefined || value === null) return '';
      if (field === '_barge_text') return 'true';
      return typeof value === 'object' ? JSON.stringify(value) : value;
    });
  }

  private write(text: string): void {
    try {
      fs.writeSync(this.fd!, text);
      this.bytes += Buffer.byteLength(text);
    } catch (cause) {
      throw this.cannotWrite(cause);
    }
  }
}

/** What went wrong and how to fix it, in words rather than an errno. */
function whyNot(cause: unknown, file: string): string {
  const code = (cause as NodeJS.ErrnoException).code;
  const dir = path.dirname(file);
  switch (code) {
    case 'ENOENT': return `the directory ${dir} does not exist; create it or pass another --errors`;
    case 'EACCES': case 'EPERM': return 'permission denied; pass another --errors';
    case 'EISDIR': return 'it is a directory; pass a file path to --errors';
    case 'ENOTDIR': return `${dir} is not a directory; pass another --errors`;
    case 'ENOSPC': return 'the disk is full; free space and try again';
    case 'EROFS': return 'the file system is read-only; pass another --errors';
    default: return `${(cause as Error).message}; pass another --errors`;
  }
}
