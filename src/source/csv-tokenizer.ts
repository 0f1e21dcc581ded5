/**
 * A streaming CSV/TSV tokenizer over decoded text.
 *
 * Hand-written because csv-parse was measured to be the bottleneck of a CSV import.
 * On bench/data/bench-v1-1000000.csv (1M rows, 145 MB, quoted fields with commas and
 * doubled quotes; 2-core Xeon, Node 20, file read in 64 KB chunks):
 *   - parse-only: csv-parse 211-234k records/s here (its synchronous core, fed the
 *     bytes, records dropped), this tokenizer 1.6-2.2M records/s (fed the decoded
 *     text, records dropped); barge's parseCsv with records built: 190-197k records/s
 *     on csv-parse, 770-960k records/s on this tokenizer;
 *   - whole `barge import --mode atomic` (bench/run.js, medians of 3): 84k -> 187k
 *     records/s; `--mode row` 89k -> 195k; `barge validate` 159k -> 435k
 *     (sqlite3 .import: 481k).
 * That is why this is hand-written.
 *
 * Semantics are csv-parse's as barge configured it (relax_column_count,
 * skip_empty_lines, bom, max_record_size, escape = quote; test/unit/source-csv-tokenizer
 * compares the two on thousands of random documents split at random places):
 *
 * - The record delimiter is detected from the first line break outside quotes: CRLF,
 *   LF or CR, and is then fixed for the input. Any other CR or LF (a lone LF in a
 *   CRLF file, a CR in an LF file) is data, in a quoted field or not.
 * - A field that starts with the quote is quoted: it runs to the next quote that is not
 *   doubled, which must be followed by the delimiter, the record delimiter or the end of
 *   the input (else CSV_INVALID_CLOSING_QUOTE). A quote inside an unquoted field is
 *   INVALID_OPENING_QUOTE, or, with `reportStrayQuotes` (barge's own reading), data of a
 *   record handed on with a StrayQuote (see there). With `relaxQuotes` (TSV given --quote)
 *   both are data instead: a quote opens a quoted field only at its start, and a closing
 *   quote followed by something else turns the field back into text, quotes included.
 * - Without a quote (`quote: ''`, TSV's default) no character is special but the
 *   delimiter and the record delimiter.
 * - A line with nothing on it is skipped (`""` alone is a record of one empty field);
 *   a last line without a line break is a record; an input ending right after a
 *   delimiter has a last empty field.
 * - One leading U+FEFF is dropped (the decoder drops the byte order mark itself; this
 *   is the second one csv-parse's `bom: true` dropped).
 *
 * Lines are exact: a record's line is where it starts; every CRLF, LF or lone CR counts
 * as one line break, whether it ends a record, is a blank line, or is data inside a
 * field (a CRLF inside a quoted field is one). Breaks that are data are counted field by
 * field, as barge always did: in a file whose line ending is LF, a line ending in CRLF
 * keeps its CR as data at the end of the last field, and counts as two lines.
 *
 * A record longer than `maxRecordChars` characters as read (quotes and delimiters
 * included) is CSV_MAX_RECORD_SIZE, noticed at the end of the record or of the push, so
 * an unclosed quote holds at most about that much text (plus one push) in memory.
 *
 * How it is fast: an unquoted field is found with indexOf of the delimiter and of the
 * line break characters (their next positions are remembered, so each is searched once
 * per occurrence, not once per field); only quoted fields are scanned quote to quote.
 * The only allocations are the field strings and one array per record.
 *
 * Streaming: a record may be split anywhere across pushes. The state between pushes is
 * the fields of the open record, the text of its open field so far, and a few
 * characters held back where a decision needs to see what follows (a CR that may start a
 * CRLF, a quote that may be doubled). As csv-parse did, a record whose line break is the
 * very last character of a push is handed on with the next push.
 */

export type CsvErrorCode =
  | 'CSV_QUOTE_NOT_CLOSED'
  | 'CSV_INVALID_CLOSING_QUOTE'
  | 'INVALID_OPENING_QUOTE'
  | 'CSV_MAX_RECORD_SIZE';

/** Malformed input; `line` is where the record starts (unclosed quote, size) or where the fault is. */
export class CsvSyntaxError extends Error {
  readonly code: CsvErrorCode;
  readonly line: number;

  constructor(code: CsvErrorCode, line: number, message: string) {
    super(`${message} at line ${line}`);
    this.name = 'CsvSyntaxError';
    this.code = code;
    this.line = line;
  }
}

export interface CsvTokenizerOptions {
  /** Field delimiter: non-empty, without CR or LF. */
  delimiter: string;
  /** Quote; '' for none. Doubled inside a quoted field it stands for itself. */
  quote: string;
  /** A quote is data except at the start of a field; a bad closing quote is data too. */
  relaxQuotes?: boolean;
  /** Longest record, in characters of text as read; longer is CSV_MAX_RECORD_SIZE. */
  maxRecordChars: number;
  /**
   * The record delimiter, when the text starts mid-input (a range read by a second thread,
   * after the first line): the one the input's start decided, instead of detecting it again.
   */
  recordDelimiter?: 'lf' | 'crlf';
  /**
   * Give the sink each record's text as read (see CsvRecordSink), for the validation worker
   * to keep instead of its fields (pipeline/packed-records.ts).
   */
  keepRaw?: boolean;
  /**
   * A quote inside an unquoted field is data, and its record goes to the sink with a
   * StrayQuote, instead of stopping the input with INVALID_OPENING_QUOTE (csv-parse's way).
   */
  reportStrayQuotes?: boolean;
}

/**
 * A record that held a quote inside an unquoted field (with `reportStrayQuotes`). The quote
 * was read as data (the rest of the record as usual: a quote at the start of a later field
 * still opens a quoted field), so the record's fields are those of a relaxed reading.
 *
 * Why a record and not the end of the input: an unquoted field cannot hold a record
 * delimiter, so where the bad field, and its record, end is not in doubt; the records after
 * it read as they would have. A bad closing quote (CSV_INVALID_CLOSING_QUOTE, `"a "b" c"`)
 * stays fatal: it is most often an undoubled quote inside a quoted field, and then where the
 * field was meant to end, and so the record, is unknown (its rest may hold delimiters and
 * line breaks that were meant as data), so the records after it cannot be trusted either.
 */
export interface StrayQuote {
  /** Index of the first field holding a stray quote. */
  field: number;
  /** The record's text exactly as read (line breaks inside it included), without its record delimiter. */
  text: string;
}

/**
 * Receives each record's fields (a fresh array it may keep) and the line it starts on.
 * With `keepRaw`, also the record's exact text, without its record delimiter, when that text
 * holds no line break and lies in one push (nearly every record): tokenized again on its own,
 * it gives the same fields. Otherwise undefined.
 */
export type CsvRecordSink = (fields: string[], line: number, raw: string | undefined, stray?: StrayQuote) => void;

const LF = 10;
const CR = 13;

const EOL_UNKNOWN = 0;
const EOL_LF = 1;
const EOL_CR = 2;
const EOL_CRLF = 3;

/** At the start of a field (after a delimiter, or of a record when `fields` is empty). */
const FIELD_START = 0;
/** Inside an unquoted field; `part` holds its text so far. */
const UNQUOTED = 1;
/** Inside a quoted field; `part` holds its (unescaped) text so far. */
const QUOTED = 2;

export class CsvTokenizer {
  private readonly delimiter: string;
  private readonly quote: string;
  /** The quote's first code unit, -1 without quoting. */
  private readonly quoteCode: number;
  private readonly relaxQuotes: boolean;
  private readonly maxRecordChars: number;
  private readonly keepRaw: boolean;
  private readonly reportStrayQuotes: boolean;

  private bomChecked = false;
  /** Text received but not yet consumed, put before the next push. */
  private carry = '';
  private mode = FIELD_START;
  private part = '';
  private fields: string[] = [];
  /** Line where the open record starts (or the next one will). */
  private recordLine = 1;
  /** Characters of the open record consumed by earlier pushes. */
  private recordChars = 0;
  /** The open record has a line break inside a field. */
  private breaks = false;
  private eol = EOL_UNKNOWN;
  private ended = false;
  /** The open record's first field with a stray quote (reportStrayQuotes), -1 for none. */
  private strayField = -1;
  /**
   * reportStrayQuotes: the open record's text consumed by earlier pushes (`recordChars` long),
   * for its StrayQuote. Slices of the pushed text, so it shares their memory.
   */
  private recordHead = '';

  constructor(options: CsvTokenizerOptions) {
    const { delimiter, quote } = options;
    if (delimiter.length === 0) throw new Error('the CSV delimiter cannot be empty');
    if (/[\r\n]/.test(delimiter) || /[\r\n]/.test(quote)) {
      throw new Error('the CSV delimiter and quote cannot contain a line break');
    }
    if (quote !== '' && (delimiter.startsWith(quote) || quote.startsWith(delimiter))) {
      throw new Error('the CSV delimiter and quote cannot be the same');
    }
    this.delimiter = delimiter;
    this.quote = quote;
    this.quoteCode = quote === '' ? -1 : quote.charCodeAt(0);
    this.relaxQuotes = options.relaxQuotes === true;
    this.maxRecordChars = options.maxRecordChars;
    this.keepRaw = options.keepRaw === true;
    this.reportStrayQuotes = options.reportStrayQuotes === true;
    if (options.recordDelimiter !== undefined) this.eol = options.recordDelimiter === 'lf' ? EOL_LF : EOL_CRLF;
  }


  /** Tokenizes the next piece of text, calling `sink` for each record it completes. */
  push(text: string, sink: CsvRecordSink): void {
    if (this.ended) throw new Error('CsvTokenizer.push after end');
    if (text.length === 0) return;
    this.run(text, false, sink);
  }

  /** The end of the input: completes the last record, or throws for an open quote. */
  end(sink: CsvRecordSink): void {
    if (this.ended) return;
    this.ended = true;
    this.run('', true, sink);
  }

  /** The line of the position just after all text pushed so far. */
  currentLine(): number {
    let line = this.recordLine;
    if (this.fields.length > 0) line += countLineBreaks(this.fields);
    if (this.part !== '') line += lineBreaksIn(this.part);
    if (this.carry !== '') line += lineBreaksIn(this.carry);
    return line;
  }

  /** The line where the record being read starts. */
  pendingRecordLine(): number {
    return this.recordLine;
  }

  /** The StrayQuote of a record ending in this push: `tail` is its text in this push. */
  private strayQuote(field: number, carried: number, tail: string): StrayQuote {
    return { field, text: carried > 0 ? this.recordHead + tail : tail };
  }

  private run(chunk: string, final: boolean, sink: CsvRecordSink): void {
    let text = this.carry === '' ? chunk : this.carry + chunk;
    this.carry = '';
    if (!this.bomChecked && text.length > 0) {
      this.bomChecked = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const len = text.length;
    const delimiter = this.delimiter;
    const dlen = delimiter.length;
    const quote = this.quote;
    const qlen = quote.length;
    const quoteCode = this.quoteCode;
    const strictQuotes = quoteCode !== -1 && !this.relaxQuotes;
    const maxRecordChars = this.maxRecordChars;
    const keepRaw = this.keepRaw;
    const reportStray = this.reportStrayQuotes;
    // What a closing quote needs to see after it: a doubled quote, the delimiter, a CRLF
    // (and, as csv-parse, a line break that is the last character waits for the next push).
    const afterQuote = Math.max(qlen, dlen, 2);
    // What an unquoted field's text may end with that the next push could make a
    // delimiter, or a quote where a quote is an error.
    const holdBack = Math.max(dlen, strictQuotes ? qlen : 1) - 1;

    let mode = this.mode;
    let part = this.part;
    let fields = this.fields;
    let recordLine = this.recordLine;
    let breaks = this.breaks;
    let eol = this.eol;
    let stray = this.strayField;
    /** Characters of the open record before `recordStart`. */
    let carried = this.recordChars;
    /** Where the open record starts in `text` (0 when it started in an earlier push). */
    let recordStart = 0;
    let pos = 0;
    /** Where consuming stopped for want of text; only when not final. */
    let stopAt = len;

    // Next delimiter, LF, CR and quote at or after the scan position; len when none.
    let nextDelimiter = -1;
    let nextLf = -1;
    let nextCr = -1;
    let nextQuote = -1;

    main: for (;;) {
      if (mode === FIELD_START) {
        if (pos >= len) break;
        if (quoteCode !== -1 && text.charCodeAt(pos) === quoteCode) {
          if (qlen > 1 && pos + qlen > len && !final) {
            stopAt = pos;
            break;
          }
          if (qlen === 1 || text.startsWith(quote, pos)) {
            mode = QUOTED;
            part = '';
            pos += qlen;
          } else {
            mode = UNQUOTED;
            part = '';
          }
        } else {
          mode = UNQUOTED;
          part = '';
        }
      }

      if (mode === UNQUOTED) {
        const start = pos;
        let from = pos;
        for (;;) {
          if (nextDelimiter < from) nextDelimiter = indexOrEnd(text, delimiter, from, len);
          if (nextLf < from) nextLf = indexOrEnd(text, '\n', from, len);
          if (nextCr < from) nextCr = indexOrEnd(text, '\r', from, len);
          const lineBreak = nextLf < nextCr ? nextLf : nextCr;
          const end = nextDelimiter < lineBreak ? nextDelimiter : lineBreak;
          if (strictQuotes) {
            if (nextQuote < from) nextQuote = indexOrEnd(text, quote, from, len);
            if (nextQuote < end) {
              if (reportStray) {
                // Data; the record goes on (and is handed on with a StrayQuote).
                if (stray < 0) stray = fields.length;
                from = nextQuote + qlen;
                continue;
              }
              const content = part + text.slice(start, nextQuote);
              throw new CsvSyntaxError(
                'INVALID_OPENING_QUOTE',
                recordLine + countLineBreaks(fields) + lineBreaksIn(content),
                'a quote inside an unquoted field',
              );
            }
          }
          if (end === len) {
            if (final) {
              // The last record, without a line break.
              fields.push(part === '' ? text.slice(start) : part + text.slice(start));
              part = '';
              mode = FIELD_START;
              pos = len;
              if (carried + (len - recordStart) > maxRecordChars) throw recordTooLong(recordLine, maxRecordChars);
              const line = recordLine;
              const done = fields;
              const raw = keepRaw && !breaks && carried === 0 ? text.slice(recordStart, len) : undefined;
              let found: StrayQuote | undefined;
              if (stray >= 0) {
                found = this.strayQuote(stray, carried, text.slice(recordStart, len));
                stray = -1;
              }
              recordLine = breaks ? line + 1 + countLineBreaks(done) : line + 1;
              fields = [];
              breaks = false;
              carried = 0;
              sink(done, line, raw, found);
              break main;
            }
            // Hold back what may be the start of a delimiter (or quote) split across pushes.
            stopAt = Math.max(start, len - holdBack);
            if (stopAt > start) part += text.slice(start, stopAt);
            if (part === '') mode = FIELD_START;
            break main;
          }
          if (end === nextDelimiter) {
            fields.push(part === '' ? text.slice(start, end) : part + text.slice(start, end));
            part = '';
            mode = FIELD_START;
            pos = end + dlen;
            continue main;
          }
          // A CR or LF: the record delimiter, or data.
          let eolLength: number;
          if (text.charCodeAt(end) === LF) {
            if (eol === EOL_UNKNOWN) eol = EOL_LF;
            eolLength = eol === EOL_LF ? 1 : 0;
          } else if (eol === EOL_LF) {
            eolLength = 0;
          } else if (eol === EOL_CR) {
            eolLength = 1;
          } else {
            if (end + 1 >= len && !final) {
              // CR or CRLF? The next push says.
              stopAt = end;
              if (end > start) part += text.slice(start, end);
              if (part === '') mode = FIELD_START;
              break main;
            }
            const crlf = text.charCodeAt(end + 1) === LF;
            if (eol === EOL_UNKNOWN) eol = crlf ? EOL_CRLF : EOL_CR;
            eolLength = eol === EOL_CR ? 1 : crlf ? 2 : 0;
          }
          if (eolLength === 0) {
            breaks = true;
            from = end + 1;
            continue;
          }
          if (end + eolLength === len && !final) {
            stopAt = end;
            if (end > start) part += text.slice(start, end);
            if (part === '') mode = FIELD_START;
            break main;
          }
          pos = end + eolLength;
          mode = FIELD_START;
          if (fields.length === 0 && part === '' && end === start) {
            // A blank line: skipped, counted.
            recordLine++;
            recordStart = pos;
            carried = 0;
            continue main;
          }
          fields.push(part === '' ? text.slice(start, end) : part + text.slice(start, end));
          part = '';
          if (carried + (end - recordStart) > maxRecordChars) throw recordTooLong(recordLine, maxRecordChars);
          const line = recordLine;
          const done = fields;
          const raw = keepRaw && !breaks && carried === 0 ? text.slice(recordStart, end) : undefined;
          let found: StrayQuote | undefined;
          if (stray >= 0) {
            found = this.strayQuote(stray, carried, text.slice(recordStart, end));
            stray = -1;
          }
          recordLine = breaks ? line + 1 + countLineBreaks(done) : line + 1;
          fields = [];
          breaks = false;
          carried = 0;
          sink(done, line, raw, found);
          recordStart = pos;
          continue main;
        }
      }

      // mode === QUOTED: pos is inside the quotes.
      for (;;) {
        const close = text.indexOf(quote, pos);
        if (close === -1) {
          if (final) throw new CsvSyntaxError('CSV_QUOTE_NOT_CLOSED', recordLine, 'unterminated quoted field');
          stopAt = qlen === 1 ? len : Math.max(pos, len - (qlen - 1));
          if (!breaks && hasLineBreak(text, pos, stopAt)) breaks = true;
          part += text.slice(pos, stopAt);
          break main;
        }
        if (!breaks) {
          if (nextLf < pos) nextLf = indexOrEnd(text, '\n', pos, len);
          if (nextCr < pos) nextCr = indexOrEnd(text, '\r', pos, len);
          if (nextLf < close || nextCr < close) breaks = true;
        }
        const after = close + qlen;
        if (after + afterQuote > len && !final) {
          stopAt = close;
          part += text.slice(pos, close);
          break main;
        }
        if (qlen === 1 ? text.charCodeAt(after) === quoteCode : text.startsWith(quote, after)) {
          // A doubled quote: one quote of data.
          part += text.slice(pos, after);
          pos = after + qlen;
          continue;
        }
        const content = part === '' ? text.slice(pos, close) : part + text.slice(pos, close);
        part = '';
        if (after >= len) {
          // The end of the input right after the closing quote.
          fields.push(content);
          mode = FIELD_START;
          pos = len;
          if (carried + (len - recordStart) > maxRecordChars) throw recordTooLong(recordLine, maxRecordChars);
          const line = recordLine;
          const done = fields;
          const raw = keepRaw && !breaks && carried === 0 ? text.slice(recordStart, len) : undefined;
          let found: StrayQuote | undefined;
          if (stray >= 0) {
            found = this.strayQuote(stray, carried, text.slice(recordStart, len));
            stray = -1;
          }
          recordLine = breaks ? line + 1 + countLineBreaks(done) : line + 1;
          fields = [];
          breaks = false;
          carried = 0;
          sink(done, line, raw, found);
          break main;
        }
        if (text.startsWith(delimiter, after)) {
          fields.push(content);
          mode = FIELD_START;
          pos = after + dlen;
          continue main;
        }
        const next = text.charCodeAt(after);
        let eolLength = 0;
        if (next === LF) {
          if (eol === EOL_UNKNOWN) eol = EOL_LF;
          eolLength = eol === EOL_LF ? 1 : 0;
        } else if (next === CR) {
          const crlf = text.charCodeAt(after + 1) === LF;
          if (eol === EOL_UNKNOWN) eol = crlf ? EOL_CRLF : EOL_CR;
          eolLength = eol === EOL_CR ? 1 : eol === EOL_CRLF && crlf ? 2 : 0;
        }
        if (eolLength > 0) {
          fields.push(content);
          mode = FIELD_START;
          pos = after + eolLength;
          if (carried + (after - recordStart) > maxRecordChars) throw recordTooLong(recordLine, maxRecordChars);
          const line = recordLine;
          const done = fields;
          const raw = keepRaw && !breaks && carried === 0 ? text.slice(recordStart, after) : undefined;
          let found: StrayQuote | undefined;
          if (stray >= 0) {
            found = this.strayQuote(stray, carried, text.slice(recordStart, after));
            stray = -1;
          }
          recordLine = breaks ? line + 1 + countLineBreaks(done) : line + 1;
          fields = [];
          breaks = false;
          carried = 0;
          sink(done, line, raw, found);
          recordStart = pos;
          continue main;
        }
        if (strictQuotes) {
          throw new CsvSyntaxError(
            'CSV_INVALID_CLOSING_QUOTE',
            recordLine + countLineBreaks(fields) + lineBreaksIn(content),
            'a closing quote followed by something other than a delimiter or a line break',
          );
        }
        // Relaxed: the quotes were data after all; the field goes on unquoted.
        part = quote + content + quote;
        mode = UNQUOTED;
        pos = after;
        continue main;
      }
    }

    if (final) {
      // An input ending right after a delimiter: the record's last field is empty.
      if (mode === FIELD_START && fields.length > 0) {
        fields.push('');
        if (carried + (len - recordStart) > maxRecordChars) throw recordTooLong(recordLine, maxRecordChars);
        const line = recordLine;
        const done = fields;
        const raw = keepRaw && !breaks && carried === 0 ? text.slice(recordStart, len) : undefined;
        let found: StrayQuote | undefined;
        if (stray >= 0) {
          found = this.strayQuote(stray, carried, text.slice(recordStart, len));
          stray = -1;
        }
        recordLine = breaks ? line + 1 + countLineBreaks(done) : line + 1;
        fields = [];
        breaks = false;
        carried = 0;
        sink(done, line, raw, found);
      }
      this.fields = [];
      this.part = '';
      this.recordLine = recordLine;
      this.mode = FIELD_START;
      this.strayField = -1;
      this.recordHead = '';
      return;
    }
    const consumed = carried + (stopAt - recordStart);
    if (consumed > maxRecordChars) throw recordTooLong(recordLine, maxRecordChars);
    if (reportStray) {
      // One slice per push: the open record's text so far, should it turn out to hold a stray quote.
      const head = text.slice(recordStart, stopAt);
      this.recordHead = carried === 0 ? head : this.recordHead + head;
    }
    this.strayField = stray;
    this.carry = stopAt < len ? text.slice(stopAt) : '';
    this.mode = mode;
    this.part = part;
    this.fields = fields;
    this.recordLine = recordLine;
    this.recordChars = consumed;
    this.breaks = breaks;
    this.eol = eol;
  }
}

function indexOrEnd(text: string, search: string, from: number, len: number): number {
  const i = text.indexOf(search, from);
  return i === -1 ? len : i;
}

function hasLineBreak(text: string, from: number, to: number): boolean {
  const lf = text.indexOf('\n', from);
  if (lf !== -1 && lf < to) return true;
  const cr = text.indexOf('\r', from);
  return cr !== -1 && cr < to;
}

function recordTooLong(line: number, max: number): CsvSyntaxError {
  return new CsvSyntaxError('CSV_MAX_RECORD_SIZE', line, `a record longer than ${max} characters`);
}

/** Line breaks in a text: LF, CRLF and a lone CR count one each. */
export function lineBreaksIn(text: string): number {
  let breaks = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) breaks++;
  for (let i = text.indexOf('\r'); i !== -1; i = text.indexOf('\r', i + 1)) {
    if (text.charCodeAt(i + 1) !== LF) breaks++;
  }
  return breaks;
}

/** Line breaks inside a record's fields (each field counted on its own). */
export function countLineBreaks(fields: string[]): number {
  let breaks = 0;
  for (let i = 0; i < fields.length; i++) breaks += lineBreaksIn(fields[i]!);
  return breaks;
}
