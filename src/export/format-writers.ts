import type { ExportFormat } from './export-format.js';
import { fieldTextFor, jsonTextFor, numberText, type ResultColumn } from './typed-values.js';
import { generatedOrPlain } from '../generated-or-plain.js';

/**
 * Turns rows (arrays of raw SQLite values, in column order) into the text of
 * one format. Each piece is a string; the caller joins many rows into one
 * chunk before writing it, so the sink sees few, large writes.
 */
export interface FormatWriter {
  /** What comes before the first row: the CSV header, `[` for json. */
  start(): string;
  /** One row with its separator and line end. */
  row(values: unknown[]): string;
  /** What comes after the last row. */
  end(rows: number): string;
}

export function createFormatWriter(format: ExportFormat, columns: ResultColumn[]): FormatWriter {
  switch (format) {
    case 'csv':
      return delimitedWriter(columns, ',');
    case 'tsv':
      return delimitedWriter(columns, '\t');
    case 'ndjson':
      return ndjsonWriter(columns);
    case 'json':
      return jsonArrayWriter(columns);
  }
}

// ---- CSV and TSV ---------------------------------------------------------------------------

/**
 * RFC 4180 fields, the way csv-stringify writes them (and barge's CSV/TSV reader,
 * csv-parse, reads them): a field holding the delimiter, a quote, CR or LF is
 * quoted and its quotes doubled; every other field is written bare. TSV is the
 * same with a tab, so a newline or tab inside a TSV value survives the round trip,
 * except that a quote is special only at a field's start, as TSV readers (barge's relaxed
 * quoting, spreadsheets) take it: `5" screen` is written bare. Quoted, such a text of over
 * 1 Mi characters (MAX_TSV_QUOTED_FIELD_CHARS) read back as `"5"" screen…"`, quotes and all.
 *
 * Written by hand rather than with csv-stringify because export speed is judged
 * against `sqlite3 -csv`: on a 200k-row, 10-column table (Node 20), csv-stringify's
 * sync API on 1000-row chunks of raw arrays ran at 100-190k rows/s, this at ~340k
 * rows/s (the read from SQLite alone is ~700k). The unit test checks that both give
 * the same bytes on awkward values.
 */
function delimitedWriter(columns: ResultColumn[], delimiter: string): FormatWriter {
  const needsQuotes = delimiter === ',' ? /[",\r\n]/ : /^"|[\t\r\n]/;
  const quote = (text: string): string => (needsQuotes.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  // With one column an empty field is a blank line, which readers (csv-parse's
  // skip_empty_lines, barge's import) drop: write it as "" so the row stays a row.
  // An empty field is missing either way (SPEC §3), so nothing else changes.
  const single = columns.length === 1;
  const fields = columns.map((column): Field => {
    const text = fieldTextFor(column.type);
    if (single) return (value) => (typeof value === 'string' ? quote(value) : text(value)) || '""';
    // The value's likely kind is tested first. Numbers, booleans and hex never need quotes.
    if (column.type === 'integer' || column.type === 'number') {
      return (value) => (typeof value === 'bigint' ? '' + value : typeof value === 'number' ? numberText(value) : typeof value === 'string' ? quote(value) : text(value));
    }
    return (value) => (typeof value === 'string' ? quote(value) : text(value));
  });
  return {
    start: () => columns.map((column) => quote(column.name) || (single ? '""' : '')).join(delimiter) + '\n',
    row: rowFormatter(fields, delimiter, '', '\n'),
    end: () => '',
  };
}

// ---- NDJSON and JSON -----------------------------------------------------------------------

/**
 * Objects are written as text, key by key (`{"id":` + value ...), from the raw
 * row arrays: no object per row, and a result with a column name used twice
 * keeps both values. The `ndjson` package's stringify (a Transform doing
 * JSON.stringify + "\n" per object) was measured at 4-5x slower than
 * JSON.stringify + "\n" joined into chunks (200k rows: 750-1070 ms against
 * ~200 ms), so it is not used; this key-by-key form is as fast as the latter.
 */
function objectFormatter(columns: ResultColumn[], prefix: string, suffix: string): (values: unknown[]) => string {
  const fields = columns.map((column) => jsonTextFor(column.type));
  const keys = columns.map((column, i) => (i === 0 ? '{' : ',') + JSON.stringify(column.name) + ':');
  if (columns.length === 0) return () => `${prefix}{}${suffix}`;
  return rowFormatter(fields, '', prefix, '}' + suffix, keys);
}

function ndjsonWriter(columns: ResultColumn[]): FormatWriter {
  return { start: () => '', row: objectFormatter(columns, '', '\n'), end: () => '' };
}

/** A top-level array, streamed: "[\n" + rows joined with ",\n" + "\n]\n", never whole in memory. */
function jsonArrayWriter(columns: ResultColumn[]): FormatWriter {
  const first = objectFormatter(columns, '', '');
  const next = objectFormatter(columns, ',\n', '');
  let written = false;
  return {
    start: () => '[\n',
    row: (values) => {
      if (written) return next(values);
      written = true;
      return first(values);
    },
    end: (rows) => (rows > 0 ? '\n]\n' : ']\n'),
  };
}

// ---- the row loop --------------------------------------------------------------------------

type Field = (value: unknown) => string;

/**
 * One row as `prefix + [key0] + f0(v0) + sep + [key1] + f1(v1) ... + suffix`.
 * The function is generated for the column count, so the row is one string
 * expression with no loop: ~10% faster than the loop on the 200k-row benchmark.
 * Its source holds only array indexes; names, values and separators are passed
 * in as data, never spliced into code.
 */
function rowFormatter(fields: Field[], separator: string, prefix: string, suffix: string, keys?: string[]): (values: unknown[]) => string {
  if (fields.length === 0) return () => prefix + suffix;
  const parts = fields.map((_, i) => `${keys ? `k[${i}] + ` : ''}f[${i}](r[${i}])`);
  const body = `return function row(r) { return p + ${parts.join(' + s + ')} + x; };`;
  return generatedOrPlain(() => {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const make = new Function('f', 'k', 's', 'p', 'x', body) as (
      f: Field[], k: string[] | undefined, s: string, p: string, x: string,
    ) => (values: unknown[]) => string;
    return make(fields, keys, separator, prefix, suffix);
  }, () => (values) => {
    let line = prefix;
    for (let i = 0; i < fields.length; i++) line += (i === 0 ? '' : separator) + (keys ? keys[i]! : '') + fields[i]!(values[i]);
    return line + suffix;
  });
}
