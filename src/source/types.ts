import type { TextEncodingName } from './decode-text.js';
import type { Readable } from 'node:stream';
import type { CsvDialect } from './csv-record-text.js';

export type InputFormat = 'csv' | 'tsv' | 'ndjson' | 'json';

/** How to read one input; shared by every parser. */
export interface SourceOptions {
  /** --format: overrides detection from the extension. */
  format?: InputFormat;
  /** CSV/TSV field delimiter (default "," for csv, "\t" for tsv). */
  delimiter?: string;
  /** CSV/TSV quote character (default '"'); '' for none (--quote none). */
  quote?: string;
  /** CSV/TSV: a field that is exactly this text is missing, as an empty field is (--null). */
  nullText?: string;
  /** false with --no-header: the first line is data; `columns` names the fields. */
  header: boolean;
  /** --columns a,b,c: field names when there is no header (or to rename them). */
  columns?: string[];
  /** --encoding: utf8 (default), utf16le, latin1, windows1252. */
  encoding: TextEncodingName;
  /**
   * Not a flag: JSON records carry `source`, the text they were parsed from. Set by the
   * validation worker, which keeps that text instead of the parsed record (packed-records.ts).
   */
  keepSource?: boolean;
  /**
   * Not a flag: NDJSON/JSON records carry `source` (keepSource for those formats only, where the
   * text is at hand anyway), so that a rejected record's report entry can keep what JSON.parse
   * changed (report-entry.ts). CSV's would cost the tokenizer work for every record.
   */
  keepJsonSource?: boolean;
  /**
   * Not flags: for `validate` on two threads (pipeline/validate-split.ts). Bytes [start, end)
   * of the file only (CSV/TSV from a line break outside quotes); told the header's names
   * (CSV/TSV), and the line after the last one read.
   */
  range?: { start: number; end?: number };
  onHeader?(names: readonly string[]): void;
  onEnd?(nextLine: number): void;
  /**
   * Not a flag: told what the input looks like it needs and was not given (parse-csv.ts: a
   * TSV quoted field joining lines, a `\N` NULL marker, backslash escapes left as written
   * under `--null '\N'`). Never set in the copy given to a
   * worker, which cannot take a function: the validation worker posts its warnings instead.
   */
  onWarning?(message: string): void;
  /**
   * Not a flag: the sha256 of each file's bytes (before gunzip) as they are read, given by
   * OpenedInput.sha256() once read to the end. Set by the validation worker for an atomic
   * import's job record (see run-import.ts).
   */
  sha256?: boolean;
}

/** An opened input: bytes already gunzipped, with a counter of compressed bytes read. */
export interface OpenedInput {
  /** The name used in messages and reports: the path as given, or "stdin". */
  name: string;
  /** The path as given ("-" for stdin). */
  path: string;
  /** Size in bytes on disk (compressed size for .gz); undefined for stdin. */
  size?: number;
  /** Where in the file `stream` starts: 0 (or undefined) but for a split validate's second half (SourceOptions.range). */
  startOffset?: number;
  /** The format, from --format, the extension, or sniffed from the first bytes. */
  format: InputFormat;
  /** Decoded-from-gzip bytes (not yet decoded from the text encoding). */
  stream: Readable;
  /** Bytes read so far from the file (before gunzip): feeds the progress bar. */
  bytesRead(): number;
  /** With SourceOptions.sha256, a file's sha256 (hex) once its last byte is read; else undefined. */
  sha256?(): string | undefined;
  /**
   * An input after the first of several, opened to learn its format and closed again until it
   * is read (pipeline/record-source.ts): this opens it for reading, once; `stream`, bytesRead()
   * and sha256() are then that opening's.
   */
  reopen?(): Promise<OpenedInput>;
  /**
   * Ends the reading at once, the byte source's too: a read waiting on a pipe (a FIFO, a process
   * substitution) wakes only so; `stream`'s own destroy waits for that read to settle.
   */
  abandon?(): void;
}

/**
 * One record as read. `data` maps field names to values: strings for CSV/TSV
 * (empty string = missing), parsed JSON values for NDJSON/JSON.
 * When the record could not even be shaped into fields (ragged row, a line that
 * is not JSON, not an object), `parseError` says why and `data` holds what could
 * be kept (`raw` holds the text as read).
 */
export interface SourceRecord {
  input: string;
  /** 1-based line where the record starts. */
  line: number;
  /** 1-based record number within its input. */
  recordNo: number;
  /** true when values are text to be coerced (CSV/TSV, or a CSV-born report). */
  text: boolean;
  data: Record<string, unknown>;
  raw?: string;
  /**
   * With `keepSource`: NDJSON/JSON, the exact text JSON.parse read (JSON.parse of it gives
   * `data` again); CSV/TSV, the record's text as read when it holds no line break (read
   * again with `csv`, it gives `data` again: source/csv-record-text.ts).
   */
  source?: string;
  /**
   * CSV/TSV, a record with as many fields as the header: how its input was read, shared by
   * all such records. Its `names` are exactly the keys of `data` (the validator checks them
   * for extra columns once, not per record); with `source`, it reads the text again.
   */
  csv?: CsvDialect;
  parseError?: { code: string; message: string; column?: string };
  /** CSV/TSV: the record's fields are the header's, as read (files joined with cat): no sample for inference. */
  repeatsHeader?: true;
}
