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
 * skip_empty_lines, bom, max_record_size, escape = quote), with every line break a record
 * delimiter (record_delimiter ['\r\n', '\n', '\r'], where barge let csv-parse detect one
 * and read the others as data), and relaxed quoting of its own (TSV, below);
 * test/unit/source-csv-tokenizer compares them on thousands of random documents split at
 * random places:
 *
 * - A record ends at a line break outside quotes: LF, CRLF or a lone CR, whichever each
 *   line uses (a file may mix them: a CRLF header over LF rows, a stray CRLF line in an
 *   LF file). Inside a quoted field a line break is data, as it is written.
 * - A field that starts with the quote is quoted: it runs to the next quote that is not
 *   doubled, which must be followed by the delimiter, a line break or the end of the
 *   input (else CSV_INVALID_CLOSING_QUOTE). A quote inside an unquoted field is
 *   INVALID_OPENING_QUOTE, or, with `reportStrayQuotes` (barge's own reading), data of a
 *   record handed on with a StrayQuote (see there).
 * - With `relaxQuotes` (TSV: its writers rarely quote, so a `"` is often just text) a
 *   quote is data except at the start of a field, and a field that starts with one is
 *   quoted only if it closes as a quoted field should: its closing quote followed by the
 *   delimiter, a line break or the end of the input, within `relaxedQuoteChars` of its
 *   opening quote (and `maxRecordChars` of its record's start). Otherwise (text after the
 *   closing quote, no closing quote before the input ends, or too far) the field is read
 *   again from its opening quote as unquoted text: the quotes are data as written (doubled
 *   ones too) and the field ends at the next delimiter or line break, so one stray quote
 *   never swallows the lines after it. The text read again (up to `relaxedQuoteChars`) is a
 *   backlog tokenized a piece at a time (drain()), so that a caller can hand on the records
 *   of one piece before the next: read at once, its records (up to one per two characters)
 *   would all be held together.
 * - Without a quote (`quote: ''`) no character is special but the delimiter and line
 *   breaks.
 * - A line with nothing on it is skipped (`""` alone is a record of one empty field);
 *   a last line without a line break is a record; an input ending right after a
 *   delimiter has a last empty field.
 * - One leading U+FEFF is dropped (the decoder drops the byte order mark itself; this
 *   is the second one csv-parse's `bom: true` dropped).
 *
 * Lines are exact: a record's line is where it starts; every CRLF, LF or lone CR counts
 * as one line break, whether it ends a record, is a blank line, or is data inside a
 * quoted field (a CRLF inside a quoted field is one).
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
 * the fields of the open record, the text of its open field so far (with `relaxQuotes`,
 * an open quoted field's text as read too, to read it again unquoted), and a few
 * characters held back where a decision needs to see what follows (a CR that may start a
 * CRLF, a quote that may be doubled). A record whose LF (or CRLF) is the last character of
 * a push is handed on at once; one whose CR is waits for the next push.
 */

export type CsvErrorCode =
  | 'CSV_QUOTE_NOT_CLOSED'
  | 'CSV_INVALID_CLOSING_QUOTE'
  | 'INVALID_OPENING_QUOTE'
  | 'CSV_MAX_RECORD_SIZE';

/**
 * Malformed input; `line` is where the record starts (unclosed quote, size) or where the fault
 * is; `field` the index in its record of the field at fault, -1 when it is the whole record.
 */
export class CsvSyntaxError extends Error {
  readonly code: CsvErrorCode;
  readonly line: number;
  readonly field: number;

  constructor(code: CsvErrorCode, line: number, message: string, field = -1) {
    super(`${message} at line ${line}`);
    this.name = 'CsvSyntaxError';
    this.code = code;
    this.line = line;
    this.field = field;
  }
}

export interface CsvTokenizerOptions {
  /** Field delimiter: non-empty, without CR or LF. */
  delimiter: string;
  /** Quote; '' for none. Doubled inside a quoted field it stands for itself. */
  quote: string;
  /**
   * A quote is data except at the start of a field, and a field that does not close as a
   * quoted field should is read again as unquoted text (see above).
   */
  relaxQuotes?: boolean;
  /** Longest record, in characters of text as read; longer is CSV_MAX_RECORD_SIZE. */
  maxRecordChars: number;
  /**
   * relaxQuotes: how far (in characters of text as read, from its opening quote) a quoted
   * field may run before it is read as text instead; default `maxRecordChars`.
   */
  relaxedQuoteChars?: number;
  /** The backlog's pieces (see drain()), in characters; for tests. */
  backlogPieceChars?: number;
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

/**
 * The backlog (text read again, relaxQuotes) is tokenized in pieces of this many characters,
 * as many as a 64 KB read of ASCII gives (open-input.ts): records are handed on in batches
 * no larger than the input's own chunks make.
 */
const BACKLOG_PIECE_CHARS = 64 * 1024;

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
  private readonly relaxedQuoteChars: number;
  private readonly backlogPieceChars: number;
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
  /** The open record has a line break inside a (quoted) field. */
  private breaks = false;
  /**
   * relaxQuotes, a quoted field open at the end of a push: its text as read by earlier
   * pushes, from its opening quote, and `breaks` as it was before it (to read it again).
   */
  private relaxHead = '';
  private relaxBreaks = false;
  private ended = false;
  /**
   * Text pushed but not yet tokenized, which follows `carry`: what a relaxed re-read took
   * back beyond the piece it tokenized at once (see drain()).
   */
  private backlog = '';
  /** end() was called and waits for the backlog to be drained. */
  private endPending = false;
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
    this.relaxedQuoteChars = options.relaxedQuoteChars ?? options.maxRecordChars;
    // The first piece, from the opening quote, must hold more than the delimiter's length
    // (what an unquoted field's end holds back): else the quote went back to the start of a
    // field, to open a quoted field again.
    this.backlogPieceChars = Math.max(options.backlogPieceChars ?? BACKLOG_PIECE_CHARS, delimiter.length + quote.length);
    this.keepRaw = options.keepRaw === true;
    this.reportStrayQuotes = options.reportStrayQuotes === true;
  }


  /**
   * Tokenizes the next piece of text, calling `sink` for each record it completes. It may
   * leave a backlog (hasBacklog()): drain it to hand records on between its pieces, else the
   * next push() or end() tokenizes it first, whole.
   */
  push(text: string, sink: CsvRecordSink): void {
    if (this.ended) throw new Error('CsvTokenizer.push after end');
    if (text.length === 0) return;
    if (this.backlog !== '') {
      this.backlog += text;
      while (this.backlog !== '') this.drain(sink);
      return;
    }
    this.run(text, false, sink);
  }

  /** The end of the input: completes the last record (backlog included), or throws for an open quote. */
  end(sink: CsvRecordSink): void {
    this.finish(sink);
    while (this.backlog !== '') this.drain(sink);
  }

  /**
   * end() for a caller that drains the backlog itself: the input is complete once
   * hasBacklog() is false.
   */
  finish(sink: CsvRecordSink): void {
    if (this.ended) return;
    this.ended = true;
    if (this.backlog !== '') this.endPending = true;
    else this.run('', true, sink);
  }

  /** Text is waiting to be tokenized by drain(). */
  hasBacklog(): boolean {
    return this.backlog !== '';
  }

  /**
   * Tokenizes the next piece of the backlog (as if it were pushed); after finish(), with the
   * last piece, the end of the input.
   */
  drain(sink: CsvRecordSink): void {
    const backlog = this.backlog;
    if (backlog === '') return;
    const piece = this.backlogPieceChars;
    if (backlog.length > piece) {
      this.backlog = backlog.slice(piece);
      this.run(backlog.slice(0, piece), false, sink);
    } else {
      this.backlog = '';
      this.run(backlog, false, sink);
    }
    if (this.backlog === '' && this.endPending) {
      this.endPending = false;
      this.run('', true, sink);
    }
  }

  /** The line of the position just after all text pushed so far. */
  currentLine(): number {
    let line = this.recordLine;
    if (this.fields.length > 0) line += countLineBreaks(this.fields);
    if (this.part !== '') line += lineBreaksIn(this.part);
    if (this.carry !== '') line += lineBreaksIn(this.carry);
    if (this.backlog !== '') line += lineBreaksIn(this.backlog);
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
    let len = text.length;
    const delimiter = this.delimiter;
    const dlen = delimiter.length;
    const quote = this.quote;
    const qlen = quote.length;
    const quoteCode = this.quoteCode;
    const strictQuotes = quoteCode !== -1 && !this.relaxQuotes;
    const relaxed = quoteCode !== -1 && this.relaxQuotes;
    const maxRecordChars = this.maxRecordChars;
    const relaxedQuoteChars = this.relaxedQuoteChars;
    /** relaxQuotes, a quoted field open since an earlier push: its characters read there. */
    const quotedBefore = this.relaxHead.length;
    const keepRaw = this.keepRaw;
    const reportStray = this.reportStrayQuotes;
    // What a closing quote needs to see after it: a doubled quote, the delimiter, a CRLF
    // (a CR that is the last character waits for the next push: it may start a CRLF).
    const afterQuote = Math.max(qlen, dlen, 2);
    // What an unquoted field's text may end with that the next push could make a
    // delimiter, or a quote where a quote is an error.
    const holdBack = Math.max(dlen, strictQuotes ? qlen : 1) - 1;

    let mode = this.mode;
    let part = this.part;
    let fields = this.fields;
    let recordLine = this.recordLine;
    let breaks = this.breaks;
    let stray = this.strayField;
    /** Characters of the open record before `recordStart`. */
    let carried = this.recordChars;
    /** Where the open record starts in `text` (0 when it started in an earlier push). */
    let recordStart = 0;
    let pos = 0;
    /** Where consuming stopped for want of text; only when not final. */
    let stopAt = len;
    /** The open quoted field's opening quote in `text`; -1 when it is in an earlier push. */
    let quoteStart = -1;
    /** `breaks` before the open quoted field (relaxQuotes: to read it again unquoted). */
    let breaksBefore = this.relaxBreaks;

    // Next delimiter, LF, CR and quote at or after the scan position; len when none.
    let nextDelimiter = -1;
    let nextLf = -1;
    // A text without a CR (a file of LF line ends) has its CR searched once, here, not in the
    // loops below. The same one search per push, made there, left V8 running this function
    // 8x slower in most runs on a CSV of quoted fields only: 4M records of 4 quoted fields,
    // tokenized alone, 12.6-13.4 s in 13 of 14 runs, 1.45-1.65 s in 14 of 14 with this line
    // (the benchmark's CSV, one quoted field a record: 275-310 ms either way).
    let nextCr = text.indexOf('\r') === -1 ? len : -1;
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
            quoteStart = pos;
            breaksBefore = breaks;
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
                fields.length,
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
              if (carried + (len - recordStart) > maxRecordChars) throw recordEndedTooLong(recordLine, maxRecordChars, breaks, fields.length);
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
          // A line break ends the record: LF, CRLF or a lone CR (a CR that ends the push
          // waits for the next one, which may start with its LF). A record whose LF ends the
          // push is handed on now: csv-parse held it for the next push, so the last line a
          // `tail -f … | barge import -` had sent waited, unloaded, for the line after it.
          const eolLength = text.charCodeAt(end) === CR && text.charCodeAt(end + 1) === LF ? 2 : 1;
          if (end + 1 === len && !final && text.charCodeAt(end) === CR) {
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
          if (carried + (end - recordStart) > maxRecordChars) throw recordEndedTooLong(recordLine, maxRecordChars, breaks, fields.length);
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
          if (final) {
            if (relaxed) break; // not a quoted field: read again below
            throw new CsvSyntaxError('CSV_QUOTE_NOT_CLOSED', recordLine, 'unterminated quoted field', fields.length);
          }
          stopAt = qlen === 1 ? len : Math.max(pos, len - (qlen - 1));
          if (relaxed && (carried + (stopAt - recordStart) > maxRecordChars || (quoteStart < 0 ? quotedBefore + stopAt : stopAt - quoteStart) > relaxedQuoteChars)) break;
          if (!breaks) {
            if (nextLf < pos) nextLf = indexOrEnd(text, '\n', pos, len);
            if (nextCr < pos) nextCr = indexOrEnd(text, '\r', pos, len);
            if (nextLf < stopAt || nextCr < stopAt) breaks = true;
          }
          part += text.slice(pos, stopAt);
          break main;
        }
        if (!breaks) {
          if (nextLf < pos) nextLf = indexOrEnd(text, '\n', pos, len);
          if (nextCr < pos) nextCr = indexOrEnd(text, '\r', pos, len);
          if (nextLf < close || nextCr < close) breaks = true;
        }
        const after = close + qlen;
        // (A closing quote with the push's last character, an LF, after it ends its record now.)
        if (after + afterQuote > len && !final && !(after + 1 === len && text.charCodeAt(after) === LF)) {
          stopAt = close;
          if (relaxed && (carried + (stopAt - recordStart) > maxRecordChars || (quoteStart < 0 ? quotedBefore + stopAt : stopAt - quoteStart) > relaxedQuoteChars)) break;
          part += text.slice(pos, close);
          break main;
        }
        if (qlen === 1 ? text.charCodeAt(after) === quoteCode : text.startsWith(quote, after)) {
          // A doubled quote: one quote of data.
          part += text.slice(pos, after);
          pos = after + qlen;
          continue;
        }
        // A closing quote; relaxed, a field too long to be a quoted one is read again below.
        if (relaxed && (carried + (after - recordStart) > maxRecordChars || (quoteStart < 0 ? quotedBefore + after : after - quoteStart) > relaxedQuoteChars)) break;
        const content = part === '' ? text.slice(pos, close) : part + text.slice(pos, close);
        if (after >= len) {
          // The end of the input right after the closing quote.
          part = '';
          fields.push(content);
          mode = FIELD_START;
          pos = len;
          if (carried + (len - recordStart) > maxRecordChars) throw recordEndedTooLong(recordLine, maxRecordChars, breaks, fields.length);
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
          part = '';
          fields.push(content);
          mode = FIELD_START;
          pos = after + dlen;
          continue main;
        }
        const next = text.charCodeAt(after);
        if (next === LF || next === CR) {
          const eolLength = next === CR && text.charCodeAt(after + 1) === LF ? 2 : 1;
          part = '';
          fields.push(content);
          mode = FIELD_START;
          pos = after + eolLength;
          if (carried + (after - recordStart) > maxRecordChars) throw recordEndedTooLong(recordLine, maxRecordChars, breaks, fields.length);
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
            fields.length,
          );
        }
        break; // relaxed: text after the closing quote
      }

      // relaxQuotes: the field did not close as a quoted field should (text after its closing
      // quote, no closing quote before the end of the input, or too long a record). It is read
      // again from its opening quote as unquoted text, which ends at the next delimiter or line
      // break: its quotes are data, and the lines after it are records of their own.
      if (quoteStart < 0) {
        // It opened in an earlier push: its text as read there goes back in front.
        const head = this.relaxHead;
        text = head + text;
        len = text.length;
        quoteStart = 0;
        carried -= head.length;
        if (reportStray) this.recordHead = this.recordHead.slice(0, this.recordHead.length - head.length);
      }
      this.relaxHead = '';
      if (len - quoteStart > this.backlogPieceChars) {
        // Up to relaxedQuoteChars to read again: one piece now, the rest as a backlog that
        // the caller drains piece by piece (as pushes: a piece may end anywhere), with the
        // end of the input, if this is it, after the last piece.
        const cut = quoteStart + this.backlogPieceChars;
        const rest = text.slice(cut);
        this.backlog = this.backlog === '' ? rest : rest + this.backlog;
        text = text.slice(0, cut);
        len = cut;
        if (final) {
          final = false;
          this.endPending = true;
        }
      }
      stopAt = len;
      pos = quoteStart;
      mode = UNQUOTED;
      part = '';
      breaks = breaksBefore;
      nextDelimiter = -1;
      nextLf = -1;
      nextCr = -1;
      nextQuote = -1;
    }

    if (final) {
      // An input ending right after a delimiter: the record's last field is empty.
      if (mode === FIELD_START && fields.length > 0) {
        fields.push('');
        if (carried + (len - recordStart) > maxRecordChars) throw recordEndedTooLong(recordLine, maxRecordChars, breaks, fields.length);
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
      this.relaxHead = '';
      return;
    }
    const consumed = carried + (stopAt - recordStart);
    // An open quoted field is most likely the cause: named.
    if (consumed > maxRecordChars) throw recordTooLong(recordLine, maxRecordChars, mode === QUOTED ? fields.length : -1);
    if (reportStray) {
      // One slice per push: the open record's text so far, should it turn out to hold a stray quote.
      const head = text.slice(recordStart, stopAt);
      this.recordHead = carried === 0 ? head : this.recordHead + head;
    }
    if (relaxed) {
      if (mode === QUOTED) {
        // An open quoted field, to read again should it not close as one: its text as read.
        const head = text.slice(quoteStart < 0 ? 0 : quoteStart, stopAt);
        this.relaxHead = quoteStart < 0 ? this.relaxHead + head : head;
        this.relaxBreaks = breaksBefore;
      } else {
        this.relaxHead = '';
      }
    }
    this.strayField = stray;
    this.carry = stopAt < len ? text.slice(stopAt) : '';
    this.mode = mode;
    this.part = part;
    this.fields = fields;
    this.recordLine = recordLine;
    this.recordChars = consumed;
    this.breaks = breaks;
  }
}

function indexOrEnd(text: string, search: string, from: number, len: number): number {
  const i = text.indexOf(search, from);
  return i === -1 ? len : i;
}

/** `field` -1: no quoted field with line breaks in the record, which is then no quoting problem (parse-csv.ts says so). */
function recordTooLong(line: number, max: number, field = -1): CsvSyntaxError {
  return new CsvSyntaxError('CSV_MAX_RECORD_SIZE', line, `a record longer than ${max} characters`, field);
}

/** recordTooLong() for a record of `fields` fields just ended; `breaks`: a quoted field of it held a line break (its last field is named). */
function recordEndedTooLong(line: number, max: number, breaks: boolean, fields: number): CsvSyntaxError {
  return recordTooLong(line, max, breaks ? Math.max(0, fields - 1) : -1);
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
