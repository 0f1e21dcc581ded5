import { BargeError } from '../errors.js';
import { CsvSyntaxError, CsvTokenizer } from './csv-tokenizer.js';
import type { CsvDialect } from './csv-record-text.js';
import { textChunks, withLine } from './decode-text.js';
import { MAX_RECORD_CHARS } from './limits.js';
import type { OpenedInput, SourceOptions, SourceRecord } from './types.js';

/**
 * Parses a CSV or TSV input into records, one array per chunk of input.
 *
 * The tokenizer (csv-tokenizer.ts, hand-written: csv-parse was the bottleneck) gives
 * each record with the exact line where it starts. Blank lines are skipped (they still
 * count as lines). A row with too few or too many fields is a record with parseError
 * `ragged_row`; malformed quoting stops the input with a BargeError naming the line.
 */
export async function* parseCsv(input: OpenedInput, options: SourceOptions): AsyncGenerator<SourceRecord[]> {
  const name = input.name;
  const delimiter = csvDelimiter(input, options);
  // TSV (as written by databases and spreadsheets' "tab-separated" export) has no
  // quoting: a field may hold a literal `"` anywhere. --quote turns quoting on, and
  // even then a quote inside a TSV field is taken literally (relaxQuotes below).
  const tsv = input.format === 'tsv';
  const quote = options.quote ?? (tsv ? '' : '"');
  checkQuoting(delimiter, quote);
  const renames = checkColumnsOption(options);
  let names: string[] | undefined = options.header ? undefined : renames;

  const keepSource = options.keepSource === true;
  const tokenizer = createTokenizer(delimiter, quote, tsv, options.recordDelimiter, keepSource);
  let recordNo = 0;
  let batch: SourceRecord[] = [];

  let dataOf: ((fields: string[]) => Record<string, string>) | undefined = names && recordBuilder(names);
  // Every record with the header's fields carries this (its keys are dialect.names, exactly);
  // with keepSource, also its text as read (see packed-records.ts).
  let dialect: CsvDialect | undefined = names && { delimiter, quote, relaxQuotes: tsv, names };
  const push = (fields: string[], line: number, raw: string | undefined): void => {
    if (names === undefined) {
      names = headerNames(fields, renames, name, line);
      dataOf = recordBuilder(names);
      dialect = { delimiter, quote, relaxQuotes: tsv, names };
      options.onHeader?.(names);
      return;
    }
    batch.push(toRecord(fields, names, line, ++recordNo, raw));
  };

  const toRecord = (fields: string[], header: string[], line: number, no: number, raw: string | undefined): SourceRecord => {
    const expected = header.length;
    const got = fields.length;
    if (got === expected) {
      // A text starting with a BOM would lose it when read again alone: kept by its fields.
      return raw !== undefined && raw.charCodeAt(0) !== 0xfeff
        ? { input: name, line, recordNo: no, text: true, data: dataOf!(fields), csv: dialect, source: raw }
        : { input: name, line, recordNo: no, text: true, data: dataOf!(fields), csv: dialect };
    }
    const data: Record<string, string> = {};
    const kept = got < expected ? got : expected;
    for (let i = 0; i < kept; i++) data[header[i]!] = fields[i]!;
    for (let i = kept; i < got; i++) data[`_barge_extra_${i - kept + 1}`] = fields[i]!;
    return {
      input: name,
      line,
      recordNo: no,
      text: true,
      data,
      raw: fields.join(delimiter),
      parseError: { code: 'ragged_row', message: `expected ${expected} fields, got ${got}` },
    };
  };

  try {
    for await (const text of textChunks(input, options.encoding)) {
      tokenizer.push(text, push);
      if (batch.length > 0) {
        const out = batch;
        batch = [];
        yield out;
      }
    }
    tokenizer.end(push);
    options.onEnd?.(tokenizer.currentLine());
    if (batch.length > 0) yield batch;
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw malformed(error, name);
    throw withLine(error, tokenizer.currentLine());
  }
}

/**
 * A record's data from its fields, for one header: an object literal generated for the
 * header's names instead of a store per field with the name in a variable. Building 1M
 * records of the benchmark's 10 columns: 107-193 ms with the stores, 4-8 ms with the
 * literal (alone, in a loop); `barge validate` of the benchmark CSV, 8 interleaved runs:
 * median 1.48 s vs 1.59 s. The names go into the code only as JSON string literals
 * (JSON.stringify: nothing can end the literal early), the values as `f[i]`. A name
 * `__proto__`, which a literal would take as the prototype, never gets here: headerNames
 * and --columns refuse it.
 */
function recordBuilder(header: readonly string[]): (fields: string[]) => Record<string, string> {
  const properties = header.map((key, i) => `${JSON.stringify(key)}: f[${i}]`).join(', ');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('f', `return { ${properties} };`) as (fields: string[]) => Record<string, string>;
}

function csvDelimiter(input: OpenedInput, options: SourceOptions): string {
  const given = options.delimiter;
  if (given === undefined || given === '') return input.format === 'tsv' ? '\t' : ',';
  // A shell makes typing a real tab awkward; accept the escape as written.
  return given === '\\t' ? '\t' : given;
}

/** Options that would make every line misread. */
function checkQuoting(delimiter: string, quote: string): void {
  if (delimiter.includes('\n') || delimiter.includes('\r')) {
    throw new BargeError('usage', '--delimiter cannot contain a line break');
  }
  if (quote !== '' && delimiter === quote) {
    throw new BargeError('usage', `--delimiter and --quote cannot be the same character (${quote})`);
  }
}

function createTokenizer(delimiter: string, quote: string, tsv: boolean, recordDelimiter: SourceOptions['recordDelimiter'], keepRaw: boolean): CsvTokenizer {
  try {
    return new CsvTokenizer({ delimiter, quote, relaxQuotes: tsv, maxRecordChars: MAX_RECORD_CHARS, recordDelimiter, keepRaw });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new BargeError('usage', `invalid CSV options: ${reason}`, { cause: error });
  }
}

/** --columns: with --no-header they name the fields, with a header they rename them. */
function checkColumnsOption(options: SourceOptions): string[] | undefined {
  const columns = options.columns;
  if (!options.header && (columns === undefined || columns.length === 0)) {
    throw new BargeError('usage', '--no-header needs --columns a,b,c');
  }
  if (columns === undefined || columns.length === 0) return undefined;
  const seen = new Set<string>();
  for (const column of columns) {
    if (column === '') throw new BargeError('usage', '--columns has an empty name');
    if (column === '__proto__') throw new BargeError('usage', '--columns cannot name a column "__proto__"');
    if (seen.has(column)) throw new BargeError('usage', `--columns names "${column}" twice`);
    seen.add(column);
  }
  return columns;
}

function headerNames(fields: string[], renames: string[] | undefined, input: string, line: number): string[] {
  const seen = new Set<string>();
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (field === '') {
      throw new BargeError('input', `${input}:${line}: column ${i + 1} has an empty name in the header`, { input, line });
    }
    if (seen.has(field)) {
      throw new BargeError('input', `${input}:${line}: duplicate column "${field}" in the header`, {
        input,
        line,
        column: field,
      });
    }
    seen.add(field);
  }
  if (renames !== undefined) {
    if (renames.length !== fields.length) {
      throw new BargeError(
        'usage',
        `--columns gives ${renames.length} names but the header of ${input} has ${fields.length} columns`,
        { input },
      );
    }
    return renames;
  }
  if (seen.has('__proto__')) {
    // A plain object cannot hold this key as data; rename it with --columns.
    throw new BargeError('input', `${input}:${line}: column "__proto__" in the header is not supported; rename it with --columns`, {
      input,
      line,
    });
  }
  return fields;
}

const MALFORMED_REASONS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'unterminated quoted field',
  CSV_INVALID_CLOSING_QUOTE: 'a closing quote is followed by something other than a delimiter or the end of the line',
  INVALID_OPENING_QUOTE: 'a quote inside an unquoted field',
  CSV_MAX_RECORD_SIZE: `a record longer than ${MAX_RECORD_CHARS} characters, most likely an unterminated quoted field`,
};

/** A tokenizer error as one line naming the input and line, with what to check. */
function malformed(error: CsvSyntaxError, input: string): BargeError {
  const code = error.code;
  // An unterminated quote is noticed only at the end of the input (or the size
  // limit): the tokenizer gives the line where that record starts. Other errors
  // give the line where they are.
  const line = error.line;
  const reason = MALFORMED_REASONS[code] ?? error.message;
  const advice =
    code === 'INVALID_OPENING_QUOTE'
      ? 'quote the whole field and double the quotes inside it'
      : 'check the quoting on that line';
  return new BargeError('input', `${input}:${line}: ${reason} (${code}); ${advice}`, { input, line, cause: error });
}
