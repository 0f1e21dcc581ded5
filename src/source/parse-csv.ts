import { shellWord } from '../shell-word.js';
import { BargeError } from '../errors.js';
import { CsvSyntaxError, CsvTokenizer, type StrayQuote } from './csv-tokenizer.js';
import { blankNullFields, type CsvDialect } from './csv-record-text.js';
import { textChunks, withLine } from './decode-text.js';
import { nameKey } from '../schema/names.js';
import { MAX_RECORD_CHARS, MAX_TSV_QUOTED_FIELD_CHARS } from './limits.js';
import { charsPerRecordOf, pieceEnd } from './text-pieces.js';
import type { OpenedInput, SourceOptions, SourceRecord } from './types.js';
import { generatedOrPlain } from '../generated-or-plain.js';

/**
 * Parses a CSV or TSV input into records, one array per chunk of input.
 *
 * The tokenizer (csv-tokenizer.ts, hand-written: csv-parse was the bottleneck) gives
 * each record with the exact line where it starts. Blank lines are skipped (they still
 * count as lines). A row with too few or too many fields is a record with parseError
 * `ragged_row`; a quote inside an unquoted field (`5" screen`), one with `stray_quote`
 * (csv-tokenizer.ts, StrayQuote, says why it need not stop the input). Quoting that makes
 * the rest unreadable (an unterminated quoted field, text after a closing quote) stops the
 * input with a BargeError naming the line.
 */
export async function* parseCsv(input: OpenedInput, options: SourceOptions): AsyncGenerator<SourceRecord[]> {
  const name = input.name;
  const delimiter = csvDelimiter(input, options);
  // TSV (as written by databases and spreadsheets' "tab-separated" export) rarely quotes,
  // so its quoting is relaxed (relaxQuotes below; csv-tokenizer.ts): a quote is literal
  // except at the start of a field, and a field starting with one is read as a quoted
  // field only when it closes as one (its closing quote followed by a tab, a line break or
  // the end of the input); otherwise it is plain text up to the next tab or line break.
  // So `Bench Vise "Pro"` and a lone `"Great product` read as written, while the quoted
  // fields a spreadsheet (or barge's export) writes, `"a<TAB>b"`, `"x""y"`, `"two<LF>lines"`,
  // still read as quoted. The CLI always gives a quote (--quote defaults to '"', for TSV
  // too); without one (`quote` undefined, callers of this module only) nothing is special
  // in TSV but the tab and line breaks.
  const tsv = input.format === 'tsv';
  const quote = options.quote ?? (tsv ? '' : '"');
  checkQuoting(delimiter, quote);
  const renames = checkColumnsOption(options);
  let names: string[] | undefined = options.header ? undefined : renames;

  const keepSource = options.keepSource === true;
  // Every line break outside quotes ends a record (LF, CRLF or a lone CR, as each line has
  // it), so a range read from the middle of a file (options.range, validate-split.ts) needs
  // nothing more than to start at a line break outside quotes.
  const tokenizer = createTokenizer(delimiter, quote, tsv, keepSource);
  let recordNo = 0;
  /** How long a record of the last piece given to the tokenizer ran (text-pieces.ts). */
  let perRecord: number | undefined;
  let batch: SourceRecord[] = [];

  let dataOf: ((fields: string[]) => Record<string, string>) | undefined = names && recordBuilder(names);
  const nullText = options.nullText;
  // Every record with the header's fields carries this (its keys are dialect.names, exactly);
  // with keepSource, also its text as read (see packed-records.ts).
  let dialect: CsvDialect | undefined = names && { delimiter, quote, relaxQuotes: tsv, names, nullText };
  // Dropped once it watches for nothing more (a CSV's first 1000 records looked at).
  let warnings = options.onWarning === undefined ? undefined : new InputWarnings(name, tsv && quote !== '', nullText, options.onWarning);
  /** A header of one unquoted name holding another delimiter, checked with the first record, or alone at the end (checkHeaderDelimiter). */
  let suspectHeader: { name: string; line: number } | undefined;
  /** Whether the input's first field starts with the quote: a quoted header name is meant as written. */
  let headerQuoted = false;
  /** The header's fields as read, watched for among the records (RepeatedHeader); warned of once. */
  let headerAgain: RepeatedHeader | undefined;
  let headerAgainTold = false;
  const push = (fields: string[], line: number, raw: string | undefined, stray: StrayQuote | undefined): void => {
    if (warnings !== undefined && !warnings.record(fields, line, names, recordNo)) warnings = undefined;
    if (names === undefined) {
      // A header's stray quote stops the input, unless --columns replaces its names anyway.
      if (stray !== undefined && renames === undefined) {
        throw new BargeError('input', `${name}:${line}: in the header, ${strayQuoteMessage(fields[stray.field]!, quote)}`, { input: name, line });
      }
      // Excel's "sep=;" line, before the header, names the delimiter: read as the header, it made
      // one column named "sep=;" holding whole lines (exit 0), or with --delimiter, a header with
      // an empty name, whose --columns advice loaded the real header as a row.
      const first = fields.join(delimiter);
      if (line === 1 && /^sep=.$/u.test(first)) {
        const sep = [...first][4]!;
        const shown = sep === '\t' ? "$'\\t'" : `'${sep}'`;
        throw new BargeError('input', `${name}:1: the file starts with Excel's "${first}" line, which barge does not read: import the lines after it with --delimiter ${shown}, e.g. tail -n +2 ${shellWord(name)} | barge import - --format ${tsv ? 'tsv' : 'csv'} --delimiter ${shown} …`, { input: name, line: 1 });
      }
      if (renames === undefined && options.delimiter === undefined && fields.length === 1 && !headerQuoted) suspectHeader = { name: fields[0]!, line };
      headerAgain = new RepeatedHeader(fields);
      names = headerNames(fields, renames, name, line, delimiter, tsv);
      dataOf = recordBuilder(names);
      dialect = { delimiter, quote, relaxQuotes: tsv, names, nullText };
      options.onHeader?.(names);
      return;
    }
    if (suspectHeader !== undefined) {
      checkHeaderDelimiter(suspectHeader.name, fields, name, suspectHeader.line, delimiter, tsv);
      suspectHeader = undefined;
    }
    // Cheap enough for every record: a string compare of the first field, short and unequal
    // (in length or first characters) for all but a repeated header (RepeatedHeader.first).
    const repeatsHeader = headerAgain !== undefined && headerAgain.first(fields[0]!) && headerAgain.all(fields);
    if (repeatsHeader && !headerAgainTold) {
      headerAgainTold = true;
      options.onWarning?.(repeatedHeaderWarning(name, line));
    }
    if (nullText !== undefined) blankNullFields(fields, nullText);
    const record = stray === undefined ? toRecord(fields, names, line, ++recordNo, raw) : strayRecord(fields, names, line, ++recordNo, stray);
    // Marked for inference, which takes no sample of it (only such records carry the key).
    if (repeatsHeader) record.repeatsHeader = true;
    batch.push(record);
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
    return {
      input: name,
      line,
      recordNo: no,
      text: true,
      data: fieldsByName(fields, header),
      raw: recordLine(fields, delimiter, quote),
      parseError: { code: 'ragged_row', message: `expected ${expected} ${expected === 1 ? 'field' : 'fields'}, got ${got}` },
    };
  };

  // A record with a stray quote: rejected, its fields (the quotes read as data) kept as a
  // ragged row's are, and its text exactly as read, to fix and import again. Kept as it is by
  // the validation worker (a parseError: packed-records.ts), never read again from its text.
  const strayRecord = (fields: string[], header: string[], line: number, no: number, stray: StrayQuote): SourceRecord => ({
    input: name,
    line,
    recordNo: no,
    text: true,
    data: fieldsByName(fields, header),
    raw: stray.text,
    // The field's column: its key in `data` (a field beyond the header's has a name of its own there).
    parseError: { code: 'stray_quote', message: strayQuoteMessage(fields[stray.field]!, quote), column: fieldName(stray.field, header) },
  });

  try {
    let first = true;
    for await (const text of textChunks(input, options.encoding)) {
      if (first) {
        first = false;
        headerQuoted = quote !== '' && (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).startsWith(quote);
      }
      // Short records are tokenized a piece of the chunk at a time (RECORDS_PER_BATCH).
      for (let at = 0; at < text.length;) {
        const end = pieceEnd(text, at, perRecord, false);
        const before = recordNo;
        tokenizer.push(text.slice(at, end), push);
        perRecord = charsPerRecordOf(end - at, recordNo - before);
        at = end;
        // A TSV field read again after a stray quote (up to MAX_TSV_QUOTED_FIELD_CHARS) is a
        // backlog, drained a piece at a time so that its records go on in batches of the size
        // a chunk of input gives, not all at once.
        for (;;) {
          if (batch.length > 0) {
            const out = batch;
            batch = [];
            yield out;
          }
          if (!tokenizer.hasBacklog()) break;
          tokenizer.drain(push);
        }
      }
    }
    tokenizer.finish(push);
    // A header and no record: the header is all there is to judge by (a table of one wrong column).
    if (suspectHeader !== undefined) checkHeaderDelimiter(suspectHeader.name, undefined, name, suspectHeader.line, delimiter, tsv);
    warnings?.end(tokenizer.currentLine());
    while (tokenizer.hasBacklog()) {
      if (batch.length > 0) {
        const out = batch;
        batch = [];
        yield out;
      }
      tokenizer.drain(push);
    }
    options.onEnd?.(tokenizer.currentLine());
    if (batch.length > 0) yield batch;
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw malformed(error, name, names);
    throw withLine(error, tokenizer.currentLine());
  }
}

/**
 * A CSV/TSV header met again as a record: files joined with `cat a.csv b.csv > all.csv`. The
 * record is not dropped or refused: it goes through validation as any record (a typed column
 * rejects `id` as an integer anyway, and an all-text table loads it), since a record whose
 * values are the column names can be data (a one-column list of words holding its own title),
 * and refusing it would roll back a whole atomic job for what may be meant. The warning, once
 * per input, says where it is and how the files load as meant.
 */
class RepeatedHeader {
  private readonly names: readonly string[];
  /** The first name with a UTF-8 BOM before it: the second file's header, when each file had one. */
  private readonly firstWithBom: string;

  constructor(header: readonly string[]) {
    this.names = [...header];
    this.firstWithBom = `\ufeff${header[0]!}`;
  }

  /** Whether a record's first field is the header's first name: all that most records are compared by. */
  first(field: string): boolean {
    return field === this.names[0] || field === this.firstWithBom;
  }

  /** Whether a record whose first field matched holds every other name of the header, and no more fields. */
  all(fields: readonly string[]): boolean {
    if (fields.length !== this.names.length) return false;
    for (let i = 1; i < fields.length; i++) if (fields[i] !== this.names[i]) return false;
    return true;
  }
}

/** The warning for a header met again: where, and that the files load as meant given apart. */
function repeatedHeaderWarning(input: string, line: number): string {
  // No command to copy: the run may be a validate, or name its table with --table.
  return `${input}:${line}: this record repeats the header (files joined with cat?) and is validated as any other (a text column loads it); give the files as separate inputs instead of one joined file`;
}

/** Records of an input looked at for a `\N` (NULL_MARKER) field, when --null is not given. */
const NULL_MARKER_SAMPLE = 1000;
/** What PostgreSQL's COPY text format and MySQL's SELECT … INTO OUTFILE write for NULL. */
const NULL_MARKER = '\\N';

/**
 * Signs that an input needs an option it was not given, each told once, as a warning (the
 * records still load as read, which may be what is meant):
 * - TSV: a quoted field holding line breaks and tabs. Writers that never quote (sqlite3's
 *   `.mode tabs`, PostgreSQL's COPY text, MySQL) write `"Deluxe` as it is, and its quote,
 *   read as an opening one, joined the lines up to the next quote before a tab into one field:
 *   records merged, one gone, exit 0. `--quote none` reads such files. Found where a record
 *   starts more than one line after the one before (a blank line, or a field with line
 *   breaks): a subtraction per record, and the fields looked at only then.
 * - A field `\N` among an input's first NULL_MARKER_SAMPLE records, without --null: the NULL of
 *   PostgreSQL's and MySQL's text dumps, loaded as that text (and a nullable integer column
 *   inferred as text). `--null '\N'` reads it as missing.
 * - With `--null '\N'`, a backslash in a field among those records (other than `\N`): such
 *   dumps escape every backslash, tab and line break in a value (`\\`, `\t`, `\n`; MySQL a
 *   tab or line break with a backslash before it), which barge does not decode: they load as
 *   written. A CSV dump of the same table loads them exactly.
 */
class InputWarnings {
  private lastFields: string[] | undefined;
  private lastLine = 0;
  private columns = 0;
  private watchNullMarker: boolean;
  private watchEscapes: boolean;

  constructor(
    private readonly input: string,
    private watchJoins: boolean,
    nullText: string | undefined,
    private readonly warn: (message: string) => void,
  ) {
    this.watchNullMarker = nullText === undefined;
    this.watchEscapes = nullText === NULL_MARKER;
  }

  /**
   * A record (or the header, names undefined) as the tokenizer gives it; `before` records came
   * before it. False once there is nothing more to watch for: the caller stops calling.
   */
  record(fields: string[], line: number, names: readonly string[] | undefined, before: number): boolean {
    if (this.watchJoins) {
      if (this.lastFields !== undefined && line - this.lastLine > 1) this.checkJoin();
      // The header's own lines are not looked at (no column count yet).
      this.lastFields = names === undefined ? undefined : fields;
      this.lastLine = line;
      this.columns = names?.length ?? 0;
    }
    if (before >= NULL_MARKER_SAMPLE) this.watchNullMarker = this.watchEscapes = false;
    if (names !== undefined) this.lookAtFields(fields, line, names);
    return this.watchJoins || this.watchNullMarker || this.watchEscapes;
  }

  /** A record among the first NULL_MARKER_SAMPLE: a `\N`, or (with --null '\N') a backslash. */
  private lookAtFields(fields: string[], line: number, names: readonly string[]): void {
    if (this.watchNullMarker) {
      const at = fields.indexOf(NULL_MARKER);
      if (at === -1) return;
      this.watchNullMarker = false;
      this.warn(`${this.input}:${line}, column ${JSON.stringify(fieldName(at, names))}: the field \\N, which PostgreSQL and MySQL write for NULL, is read as the text \\N; pass --null '\\N' to read it as missing (NULL)`);
    } else if (this.watchEscapes) {
      const at = fields.findIndex((field) => field !== NULL_MARKER && field.includes('\\'));
      if (at === -1) return;
      this.watchEscapes = false;
      this.warn(`${this.input}:${line}, column ${JSON.stringify(fieldName(at, names))}: a backslash, which PostgreSQL's and MySQL's text dumps write before each backslash, tab and line break of a value (\\\\, \\t, \\n), is loaded as written: barge does not decode those escapes; dump the table as CSV to load such values exactly`);
    }
  }

  /** The input's end: `nextLine` is the line after its last. */
  end(nextLine: number): void {
    if (this.watchJoins && this.lastFields !== undefined && nextLine - this.lastLine > 1) this.checkJoin();
  }

  /**
   * A field that joined whole lines of the file holds each joined line's tabs: the rest of the
   * first line's, every line between's, and the last one's up to the closing quote, which for
   * C columns make C - 1 tabs per line break. A spreadsheet's cell with a tab and a line break
   * in it seldom has that many (one with one tab in a 5-column file is not warned of).
   */
  private checkJoin(): void {
    const step = this.columns - 1;
    const joined = step > 0 && this.lastFields!.some((field) => {
      if (!field.includes('\t')) return false;
      const breaks = field.split(/\r\n|\r|\n/).length - 1;
      return breaks > 0 && field.split('\t').length - 1 === step * breaks;
    });
    if (!joined) return;
    this.watchJoins = false;
    this.lastFields = undefined;
    this.warn(`${this.input}:${this.lastLine}: a quoted field holds line breaks and tabs, so lines were read as one record; if the file's writer never quotes fields (sqlite3 -tabs, PostgreSQL's COPY, MySQL), pass --quote none`);
  }
}

/** The name of a record's field `index` in data: the header's, or `(extra field N)` beyond it (fieldsByName). */
function fieldName(index: number, header: readonly string[]): string {
  return index < header.length ? header[index]! : extraFieldName(index - header.length + 1, header);
}

/**
 * `(extra field N)`, or with `'` after it until no header name is it (as SQLite compares names):
 * a header with a column "(extra field 1)" had its own value replaced by the extra one in the
 * report's fields.
 */
function extraFieldName(n: number, header: readonly string[]): string {
  let name = `(extra field ${n})`;
  if (!header.some((column) => nameKey(column).startsWith('(extra field '))) return name;
  const taken = new Set(header.map(nameKey));
  while (taken.has(nameKey(name))) name += "'";
  return name;
}

/**
 * A ragged (or stray-quoted) row's data: the header's names, then `(extra field N)` for fields
 * beyond them. Not `_barge…`, which the report's reader ignores: with such names the extra
 * values were dropped from the report, and importing it unfixed loaded the record without
 * them. As fields of their own they stay in the report, and an unfixed retry rejects the
 * record again (a column not in the schema) until the user moves or removes them.
 */
function fieldsByName(fields: string[], header: string[]): Record<string, string> {
  const data: Record<string, string> = {};
  const kept = fields.length < header.length ? fields.length : header.length;
  for (let i = 0; i < kept; i++) data[header[i]!] = fields[i]!;
  for (let i = kept; i < fields.length; i++) data[extraFieldName(i - kept + 1, header)] = fields[i]!;
  return data;
}

/**
 * A ragged row's fields written back as one CSV/TSV record: a field holding the delimiter, the
 * quote or a line break is quoted, its quotes doubled. Joined bare, `1,"a,b"` read back as
 * `1,a,b`, three fields beside "expected 3 fields, got 2". The same in both threads (the
 * worker has the text as read only for some records).
 */
function recordLine(fields: string[], delimiter: string, quote: string): string {
  if (quote === '') return fields.join(delimiter);
  return fields
    .map((field) => (field.includes(delimiter) || field.includes(quote) || field.includes('\n') || field.includes('\r') ? quoted(field, quote) : field))
    .join(delimiter);
}

/** A field as a quoted CSV field: in quotes, its quotes doubled. */
function quoted(field: string, quote: string): string {
  return quote + field.replaceAll(quote, quote + quote) + quote;
}

/** A field longer than this, or holding a line break, is not quoted back in a message. */
const SHOWN_FIELD_CHARS = 80;

/**
 * What is wrong with a field holding a stray quote, and how to fix it, in one line: spaces
 * before an opening quote (`1, "x"`), else a quote inside an unquoted field (`5" screen`),
 * with the field as it should be written when it is short.
 */
function strayQuoteMessage(field: string, quote: string): string {
  const shown = (text: string) => text.length <= SHOWN_FIELD_CHARS && !/[\r\n]/.test(text);
  let spaces = 0;
  while (field.charCodeAt(spaces) === 32) spaces++;
  if (spaces > 0 && field.startsWith(quote, spaces)) {
    const rest = field.slice(spaces);
    const what = spaces === 1 ? 'a space before its opening quote: remove it' : `${spaces} spaces before its opening quote: remove them`;
    // The field as it reads without them, when that is a well-formed quoted field.
    const inner = rest.slice(quote.length, rest.length - quote.length);
    const wellFormed = rest.length >= 2 * quote.length && rest.endsWith(quote) && !inner.split(quote + quote).join('').includes(quote);
    return `a field has ${what}${wellFormed && shown(rest) ? `, so that the field reads ${rest}` : ''}`;
  }
  const quotes = field.split(quote).length - 1;
  const fixed = quoted(field, quote);
  return `a quote inside an unquoted field: quote the whole field and double the ${quotes === 1 ? 'quote' : 'quotes'}${shown(fixed) ? ` (${fixed})` : ' inside it'}`;
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
  return generatedOrPlain(
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    () => new Function('f', `return { ${properties} };`) as (fields: string[]) => Record<string, string>,
    () => (fields) => {
      const record: Record<string, string> = {};
      for (let i = 0; i < header.length; i++) record[header[i]!] = fields[i]!;
      return record;
    },
  );
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

function createTokenizer(delimiter: string, quote: string, tsv: boolean, keepRaw: boolean): CsvTokenizer {
  try {
    return new CsvTokenizer({
      delimiter,
      quote,
      relaxQuotes: tsv,
      maxRecordChars: MAX_RECORD_CHARS,
      relaxedQuoteChars: MAX_TSV_QUOTED_FIELD_CHARS,
      keepRaw,
      reportStrayQuotes: true,
    });
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
  // Names as SQLite compares them: "id" and "ID" are one column.
  const seen = new Map<string, string>();
  for (const column of columns) {
    if (column === '') throw new BargeError('usage', '--columns has an empty name');
    if (column === '__proto__') throw new BargeError('usage', '--columns cannot name a column "__proto__"');
    const same = seen.get(nameKey(column));
    if (same === column) throw new BargeError('usage', `--columns names "${column}" twice`);
    if (same !== undefined) throw new BargeError('usage', `--columns names "${same}" and "${column}", one column to SQLite, which ignores case in names`);
    seen.set(nameKey(column), column);
  }
  return columns;
}

/** The header's names, or with --columns the names replacing them (then only their number matters). */
function headerNames(fields: string[], renames: string[] | undefined, input: string, line: number, delimiter: string, tsv: boolean): string[] {
  if (renames !== undefined) {
    if (renames.length !== fields.length) {
      throw new BargeError(
        'usage',
        `--columns gives ${renames.length} ${renames.length === 1 ? 'name' : 'names'} but the header of ${input} has ${fields.length} ${fields.length === 1 ? 'column' : 'columns'}`,
        { input },
      );
    }
    return renames;
  }
  const seen = new Map<string, string>();
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (field === '') {
      throw new BargeError('input', `${input}:${line}: column ${i + 1} has an empty name in the header; ${RENAME_HINT}`, { input, line });
    }
    // Spaces only: a column no one can name in a schema or a query without seeing the header.
    if (field.trim() === '') {
      throw new BargeError('input', `${input}:${line}: column ${i + 1} has an empty name (only whitespace) in the header; ${RENAME_HINT}`, { input, line });
    }
    // A tab in a name (a control character, which no column name may hold) is most often TSV
    // read as CSV: stdin sniffed as CSV for a comma in its first line, or --format csv.
    if (delimiter !== '\t' && field.includes('\t')) {
      // Read as TSV already: the --delimiter given is what keeps the tabs apart from it.
      const fix = tsv ? `leave --delimiter ${JSON.stringify(delimiter)} out (TSV's is the tab)` : 'pass --format tsv';
      throw new BargeError(
        'input',
        `${input}:${line}: column name ${JSON.stringify(field)} in the header holds a tab, so the input looks like TSV; ${fix} (or rename the columns with --columns a,b,c)`,
        { input, line },
      );
    }
    // Names as SQLite compares them: "id" and "ID" are one column.
    const same = seen.get(nameKey(field));
    if (same !== undefined) {
      const what = same === field ? `duplicate column "${field}"` : `columns "${same}" and "${field}", one column to SQLite, which ignores case in names,`;
      throw new BargeError('input', `${input}:${line}: ${what} in the header; ${RENAME_HINT}`, {
        input,
        line,
        column: field,
      });
    }
    seen.set(nameKey(field), field);
  }
  if (fields.includes('__proto__')) {
    // A plain object cannot hold this key as data; rename it with --columns.
    throw new BargeError('input', `${input}:${line}: column "__proto__" in the header is not supported; rename it with --columns`, {
      input,
      line,
    });
  }
  return fields;
}

const RENAME_HINT = 'rename the columns with --columns a,b,c';

/** Other delimiters a header's name may hold, each with its word. */
const OTHER_DELIMITERS: readonly { char: string; word: string }[] = [
  { char: ';', word: 'semicolon' },
  { char: ',', word: 'comma' },
  { char: '|', word: 'pipe' },
];

/**
 * A header of one unquoted name that splits on another delimiter into two or more names
 * ("id;name;qty") is a file read with the wrong delimiter: Excel's CSV in a locale whose list
 * separator is ";", a CSV named .tsv (DuckDB's COPY TO writes commas whatever the extension).
 * It loaded as a table of one column holding whole lines, exit 0 (or, where a record split on
 * the delimiter in use, "expected 1 field, got 2", with those lines committed in row mode).
 * Refused before any record is loaded, naming the delimiter to pass. The header's own evidence
 * decides, not a count matched against the first record: a value holding the other delimiter
 * ("1;Foo;1,5", `1,"Foo, Inc",15`) made the counts differ and let the file through. One
 * exception keeps a one-column file whose name holds a comma ("full name (last, first)"): a
 * first record of one field without that delimiter says the header is meant. Not for a header
 * of two or more columns or a quoted name; --delimiter given (even the default) or --columns
 * says the header is meant. A tab has its own check (headerNames).
 */
function checkHeaderDelimiter(header: string, record: string[] | undefined, input: string, line: number, delimiter: string, tsv: boolean): void {
  for (const other of OTHER_DELIMITERS) {
    if (other.char === delimiter) continue;
    if (header.split(other.char).filter((part) => part.trim() !== '').length < 2) continue;
    if (record !== undefined && record.length === 1 && !record[0]!.includes(other.char)) continue;
    const fix = other.char === ',' && tsv ? 'pass --format csv' : `pass --delimiter '${other.char}'`;
    const keep = delimiter === '\t' ? "--delimiter '\\t'" : `--delimiter '${delimiter}'`;
    throw new BargeError(
      'input',
      `${input}:${line}: the header is one column, ${JSON.stringify(header)}, holding ${other.word}s, so the input looks ${other.word}-separated; ${fix} (or, if the header is right as read, ${keep})`,
      { input, line },
    );
  }
}

const MALFORMED_REASONS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'unterminated quoted field',
  CSV_INVALID_CLOSING_QUOTE: 'a closing quote is followed by something other than a delimiter or the end of the line',
  // Met inside a quoted field: one that never closes, or a value that long (a 50 MB cell,
  // closed, was called "most likely an unterminated quoted field" alone).
  CSV_MAX_RECORD_SIZE: `a record longer than ${MAX_RECORD_CHARS} characters, most likely an unterminated quoted field (or a value that long)`,
};

/**
 * A tokenizer error as one line naming the input, line and column (when the fault is in one
 * field: the header's name for it, or its number in the header itself), with what to check.
 */
function malformed(error: CsvSyntaxError, input: string, names: readonly string[] | undefined): BargeError {
  const code = error.code;
  // An unterminated quote is noticed only at the end of the input (or the size
  // limit): the tokenizer gives the line where that record starts. Other errors
  // give the line where they are.
  const line = error.line;
  const field = error.field;
  // Too long with no quote open (a 100 MB line without a line break) is no quoting problem.
  if (code === 'CSV_MAX_RECORD_SIZE' && field < 0) {
    return new BargeError('input', `${input}:${line}: a record longer than ${MAX_RECORD_CHARS} characters, the most one record may hold (${code}); check that the input's lines end in line breaks, and that no value is that long`, { input, line, cause: error });
  }
  const reason = MALFORMED_REASONS[code] ?? error.message;
  const column = field < 0 || names === undefined ? undefined : fieldName(field, names);
  const where = column !== undefined ? `, column ${JSON.stringify(column)}` : field >= 0 ? `, column ${field + 1} of the header` : '';
  return new BargeError('input', `${input}:${line}${where}: ${reason} (${code}); check the quoting on that line`, { input, line, column, cause: error });
}
