import { Parser } from 'csv-parse';
import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, CsvTokenizer, countLineBreaks, lineBreaksIn, type StrayQuote } from '../../src/source/csv-tokenizer.js';
import { MAX_RECORD_CHARS } from '../../src/source/limits.js';
import { seededRandom } from '../helpers/random.js';

interface Dialect {
  delimiter: string;
  /** '' = no quoting. */
  quote: string;
  /** TSV given --quote: quotes are data except at the start of a field. */
  relax: boolean;
}

interface Outcome {
  records: Array<{ fields: string[]; line: number }>;
  error?: { code: string; line: number };
}

const CSV: Dialect = { delimiter: ',', quote: '"', relax: false };
/** TSV as barge reads it: tab-separated, quoting relaxed. */
const TSV: Dialect = { delimiter: '\t', quote: '"', relax: true };

/** The tokenizer on `chunks`, one push each. */
function tokenize(chunks: string[], dialect: Dialect = CSV, maxRecordChars = MAX_RECORD_CHARS): Outcome {
  return runTokenizer(chunks, { delimiter: dialect.delimiter, quote: dialect.quote, relaxQuotes: dialect.relax, maxRecordChars });
}

/** A tokenizer with `options` on `chunks`, one push each: its records (with their StrayQuote, if any) and its error. */
function runTokenizer(chunks: string[], options: ConstructorParameters<typeof CsvTokenizer>[0]): StrayOutcome {
  const tokenizer = new CsvTokenizer(options);
  const records: StrayOutcome['records'] = [];
  const sink = (fields: string[], line: number, _raw: string | undefined, stray?: StrayQuote): void => {
    records.push(stray === undefined ? { fields, line } : { fields, line, stray });
  };
  try {
    for (const chunk of chunks) tokenizer.push(chunk, sink);
    tokenizer.end(sink);
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error;
    return { records, error: { code: error.code, line: error.line } };
  }
  return { records };
}

/** [line, ...fields] per record: compact expectations. */
const rows = (outcome: Outcome) => outcome.records.map((r) => [r.line, ...r.fields]);

/**
 * The reference: csv-parse's synchronous core configured as barge used it until the
 * tokenizer replaced it, with the line bookkeeping barge did around it (csv-parse counts
 * a CRLF inside a quoted field as two lines, so records spanning lines had their line
 * breaks counted from the fields). One change: every line break ends a record (LF, CRLF
 * or a lone CR, as each line has it), where csv-parse's own detection fixed the first one
 * for the whole input and read the others as data.
 *
 * For strict quoting; with `relax` it is csv-parse's relax_quotes (a bad closing quote's
 * field goes on unquoted), which the tokenizer's relaxQuotes is not (relaxedReference).
 */
function reference(doc: string, dialect: Dialect): Outcome {
  const parser = new Parser({
    delimiter: dialect.delimiter,
    record_delimiter: ['\r\n', '\n', '\r'],
    quote: dialect.quote,
    escape: dialect.quote === '' ? undefined : dialect.quote,
    relax_column_count: true,
    relax_quotes: dialect.relax,
    skip_empty_lines: true,
    bom: true,
    max_record_size: MAX_RECORD_CHARS,
  });
  const core = (parser as unknown as {
    api: { parse(b: Buffer | undefined, end: boolean, push: (r: string[]) => void, close: () => void): Error | undefined };
  }).api;
  const info = parser.info;
  let prevEndLine = 0;
  let prevCsvLines = 0;
  let prevEmptyLines = 0;
  const records: Outcome['records'] = [];
  const push = (fields: string[]): void => {
    const csvLines = info.lines;
    const skipped = info.empty_lines - prevEmptyLines;
    const line = prevEndLine + 1 + skipped;
    prevEndLine = csvLines - prevCsvLines === 1 + skipped ? line : line + referenceLineBreaks(fields);
    prevCsvLines = csvLines;
    prevEmptyLines = info.empty_lines;
    records.push({ fields, line });
  };
  const error = core.parse(Buffer.from(doc), true, push, () => {});
  if (error === undefined) return { records };
  const code = (error as { code?: string }).code ?? 'CSV_ERROR';
  const line =
    code === 'CSV_QUOTE_NOT_CLOSED' || code === 'CSV_MAX_RECORD_SIZE'
      ? prevEndLine + 1 + info.empty_lines - prevEmptyLines
      : prevEndLine + info.lines - prevCsvLines;
  return { records, error: { code, line } };
}

/**
 * The tokenizer's relaxQuotes reading (TSV), written out plainly: a field starting with the
 * quote is a quoted field when it closes as one (its closing quote followed by the
 * delimiter, a line break or the end of the input); otherwise, and for every other field, the
 * text up to the next delimiter or line break, quotes included.
 */
function relaxedReference(doc: string, dialect: Dialect, relaxedQuoteChars = Infinity): Outcome {
  const { delimiter, quote } = dialect;
  const n = doc.length;
  const isBreak = (j: number) => doc[j] === '\n' || doc[j] === '\r';
  const breakLength = (j: number) => (doc[j] === '\r' && doc[j + 1] === '\n' ? 2 : 1);
  const records: Outcome['records'] = [];
  let line = 1;
  let i = doc.startsWith('\ufeff') ? 1 : 0;
  while (i < n) {
    if (isBreak(i)) {
      // A blank line.
      line++;
      i += breakLength(i);
      continue;
    }
    const fields: string[] = [];
    for (;;) {
      let value: string | undefined;
      if (quote !== '' && doc.startsWith(quote, i)) {
        let j = i + quote.length;
        let text = '';
        for (;;) {
          const close = doc.indexOf(quote, j);
          if (close === -1) break;
          const after = close + quote.length;
          if (doc.startsWith(quote, after)) {
            text += doc.slice(j, after);
            j = after + quote.length;
            continue;
          }
          // Closing within relaxedQuoteChars of its opening quote.
          if ((after >= n || doc.startsWith(delimiter, after) || isBreak(after)) && after - i <= relaxedQuoteChars) {
            value = text + doc.slice(j, close);
            i = after;
          }
          break;
        }
      }
      if (value === undefined) {
        let j = i;
        while (j < n && !doc.startsWith(delimiter, j) && !isBreak(j)) j++;
        value = doc.slice(i, j);
        i = j;
      }
      fields.push(value);
      if (i < n && doc.startsWith(delimiter, i)) {
        i += delimiter.length;
        continue;
      }
      if (i < n) i += breakLength(i);
      break;
    }
    records.push({ fields, line });
    line += 1 + referenceLineBreaks(fields);
  }
  return { records };
}

/** What the tokenizer should give for `doc`. */
const expected = (doc: string, dialect: Dialect): Outcome => (dialect.relax ? relaxedReference(doc, dialect) : reference(doc, dialect));

/** Written out again here, so that the test does not lean on the code under test. */
function referenceLineBreaks(fields: string[]): number {
  let breaks = 0;
  for (const field of fields) {
    for (let i = 0; i < field.length; i++) {
      const c = field[i];
      if (c === '\n' || (c === '\r' && field[i + 1] !== '\n')) breaks++;
    }
  }
  return breaks;
}

const prng = seededRandom;

const DIALECTS: Dialect[] = [
  CSV,
  CSV,
  { delimiter: ';', quote: "'", relax: false },
  { delimiter: '\t', quote: '', relax: false },
  { delimiter: '\t', quote: '"', relax: true },
  { delimiter: '|', quote: '"', relax: false },
  { delimiter: ',', quote: '', relax: false },
  { delimiter: '::', quote: '"', relax: false },
  { delimiter: '§', quote: '"', relax: false },
  { delimiter: '🚀', quote: '"', relax: false },
  // A quote of two UTF-16 code units (one code point, as --quote allows).
  { delimiter: ',', quote: '🚀', relax: false },
  { delimiter: ';', quote: '§', relax: false },
];

const TEXT = ['a', 'b', 'xyz', ' ', '0', '42', 'é', 'ünï', '中文', '🚀', 'ʤ', '\u00a0', '\t', ':', '§'];

/** A random document in `dialect`: mostly well-formed, some noisy, some plain character soup. */
function randomDocument(random: () => number, dialect: Dialect): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const { delimiter, quote } = dialect;
  const eols = ['\n', '\r\n', '\r'];
  const style = random();
  const bom = random() < 0.05 ? '\ufeff' : '';
  if (style < 0.15) {
    // Character soup: every special character anywhere.
    const alphabet = ['a', 'é', '🚀', ' ', delimiter, '\n', '\r', '\r\n', ...(quote === '' ? [] : [quote, quote, quote])];
    const length = Math.floor(random() * 40);
    let doc = bom;
    for (let i = 0; i < length; i++) doc += pick(alphabet);
    return doc;
  }
  const noisy = style < 0.35;
  const eolMode = random();
  const docEol = pick(eols);
  const eol = () => (eolMode < 0.15 ? pick(eols) : docEol);
  const text = (dangerous: boolean) => {
    let s = '';
    const n = Math.floor(random() * 4);
    for (let i = 0; i < n; i++) {
      const r = random();
      if (dangerous && r < 0.08 && quote !== '') s += quote;
      else if (dangerous && r < 0.12) s += pick(['\n', '\r', '\r\n']);
      else s += pick(TEXT);
    }
    return s;
  };
  const field = () => {
    if (quote === '' || random() < 0.6) {
      return random() < 0.1 ? '' : text(noisy && random() < 0.2);
    }
    let inner = '';
    const n = Math.floor(random() * 5);
    for (let i = 0; i < n; i++) {
      inner += pick([pick(TEXT), pick(TEXT), delimiter, quote + quote, '\n', '\r\n', '\r', ' ']);
    }
    let after = '';
    if (noisy && random() < 0.1) after = pick(['x', ' ', quote, '\r', '\n']);
    return quote + inner + quote + after;
  };
  const records = 1 + Math.floor(random() * 8);
  const width = 1 + Math.floor(random() * 4);
  let doc = bom;
  for (let r = 0; r < records; r++) {
    if (random() < 0.1) doc += eol(); // a blank line
    const n = random() < 0.8 ? width : 1 + Math.floor(random() * 5);
    const fields: string[] = [];
    for (let f = 0; f < n; f++) fields.push(field());
    doc += fields.join(delimiter);
    if (r < records - 1 || random() < 0.7) doc += eol();
  }
  if (random() < 0.1) doc += pick(['\n', '\r\n', '\r', '\n\n']);
  if (noisy && quote !== '' && random() < 0.1) doc += quote + 'unterminated' + eol() + 'x';
  return doc;
}

/** `doc` in pieces of random sizes; sometimes one character at a time. */
function randomChunks(random: () => number, doc: string): string[] {
  if (doc.length === 0) return random() < 0.5 ? [] : [''];
  const mode = random();
  if (mode < 0.1) return [...doc.split('')];
  const chunks: string[] = [];
  let at = 0;
  const max = mode < 0.5 ? 4 : 20;
  while (at < doc.length) {
    const size = 1 + Math.floor(random() * max);
    chunks.push(doc.slice(at, at + size));
    at += size;
  }
  return chunks;
}

const describeDoc = (doc: string, dialect: Dialect) => `${JSON.stringify(dialect)} ${JSON.stringify(doc)}`;

/**
 * The work `run` does in the string built-ins, in characters searched: a measure of time that
 * no load changes. The tokenizer's work is its searches (indexOf of the delimiter, the quote,
 * the line breaks); a tokenizer that reads its input again (an open field's text on every push,
 * the rest of a chunk for every record) searches it again. Counted while `run` runs, with the
 * String.prototype and RegExp.prototype.exec methods wrapped:
 * - indexOf: the characters from where the search starts to the end of what it finds, or to
 *   the end of the string when it finds nothing;
 * - startsWith and endsWith: the text compared; charCodeAt, charAt, codePointAt and at: one;
 * - slice, substring and substr: nothing (V8 makes a long one a view of its string; a short
 *   one's copy is a field's text, which a tokenizer makes once);
 * - any other String method, and a regular expression's exec: the whole string, as if searched.
 * Not seen: `+` (V8 joins strings lazily) and what V8 does when it flattens a joined string.
 */
function charactersSearched(run: () => void): number {
  const proto = String.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const cost = (name: string, text: string, args: unknown[], result: unknown): number => {
    switch (name) {
      case 'indexOf': {
        const from = Math.min(Math.max(typeof args[1] === 'number' ? Math.trunc(args[1]) : 0, 0), text.length);
        return ((result as number) === -1 ? text.length : (result as number) + String(args[0]).length) - from;
      }
      case 'startsWith':
      case 'endsWith':
        return String(args[0]).length;
      case 'charCodeAt':
      case 'charAt':
      case 'codePointAt':
      case 'at':
        return 1;
      case 'slice':
      case 'substring':
      case 'substr':
        return 0;
      default:
        return text.length;
    }
  };
  const saved = new Map<string, (...args: unknown[]) => unknown>();
  let searched = 0;
  for (const name of Object.getOwnPropertyNames(String.prototype)) {
    const original = proto[name];
    if (name === 'constructor' || name === 'toString' || name === 'valueOf' || typeof original !== 'function') continue;
    saved.set(name, original);
    proto[name] = function (this: string, ...args: unknown[]) {
      const result = original.apply(this, args);
      searched += cost(name, this, args, result);
      return result;
    };
  }
  // The tokenizer's own calls, millions of them: the same counts without the generic wrapper's cost.
  const charCodeAt = saved.get('charCodeAt')!;
  const indexOf = saved.get('indexOf')!;
  const slice = saved.get('slice')!;
  proto.charCodeAt = function (this: string, i: number) {
    searched += 1;
    return charCodeAt.call(this, i);
  } as (typeof proto)[string];
  proto.slice = function (this: string, start?: number, end?: number) {
    return slice.call(this, start, end);
  } as (typeof proto)[string];
  proto.indexOf = function (this: string, search: string, from?: number) {
    const found = indexOf.call(this, search, from) as number;
    const start = Math.min(Math.max(from === undefined ? 0 : Math.trunc(from), 0), this.length);
    searched += (found === -1 ? this.length : found + search.length) - start;
    return found;
  } as (typeof proto)[string];
  const exec = RegExp.prototype.exec;
  RegExp.prototype.exec = function (this: RegExp, input: string) {
    searched += String(input).length;
    return exec.call(this, input);
  };
  try {
    run();
  } finally {
    for (const [name, original] of saved) proto[name] = original;
    RegExp.prototype.exec = exec;
  }
  return searched;
}

const lengthOf = (chunks: string[]) => chunks.reduce((sum, chunk) => sum + chunk.length, 0);

describe('CsvTokenizer against csv-parse', () => {
  it('gives the same records, lines and errors on random documents split at random places', () => {
    // CSV_FUZZ_SEED=n explores other documents; a failure names the document.
    const random = prng(Number(process.env.CSV_FUZZ_SEED ?? 20240611));
    let compared = 0;
    let withErrors = 0;
    let spanning = 0;
    for (let i = 0; i < 4000; i++) {
      const dialect = DIALECTS[Math.floor(random() * DIALECTS.length)]!;
      const doc = randomDocument(random, dialect);
      const want = expected(doc, dialect);
      const whole = tokenize([doc], dialect);
      const split = tokenize(randomChunks(random, doc), dialect);
      const context = `document ${i}: ${describeDoc(doc, dialect)}`;
      for (const got of [whole, split]) {
        expect(got.records, context).toEqual(want.records);
        expect(got.error?.code, context).toBe(want.error?.code);
        if (want.error !== undefined && (want.error.code === 'CSV_QUOTE_NOT_CLOSED' || !doc.includes('\r\n'))) {
          // csv-parse's line for the other errors counts a CRLF inside quotes as two.
          expect(got.error?.line, context).toBe(want.error.line);
        }
      }
      compared++;
      if (want.error !== undefined) withErrors++;
      if (want.records.some((r) => countLineBreaks(r.fields) > 0)) spanning++;
    }
    // The generator makes every kind of document in fair numbers.
    expect(compared).toBe(4000);
    expect(withErrors).toBeGreaterThan(200);
    expect(spanning).toBeGreaterThan(500);
  });

  it('agrees on every split of documents made to stress chunk boundaries', () => {
    const docs: Array<[string, Dialect]> = [
      ['a,b\r\n"x\r\ny","p""q"\r\n\r\n3,4\r\n', CSV],
      ['a,b\r"x\ry",2\r\r3,""\r', CSV],
      ['a,b\n"x\r\ny",2\n3\r4,5\n', CSV],
      ['h\n""\n"a"""\n"""a"\n', CSV],
      ['a::b\n1::"2::3"::4\n5:::6\n', { delimiter: '::', quote: '"', relax: false }],
      ['a\tb\n"q"x\t"y\n"z"\t"w"\n', { delimiter: '\t', quote: '"', relax: true }],
      ['\ufeffa🚀b\n1🚀"2🚀"\n', { delimiter: '🚀', quote: '"', relax: false }],
      ['a,b\n1,"unterminated\n2,3\n', CSV],
      ['a,b\n1,"x"y\n', CSV],
      ['a,b\n1,x"y\n', CSV],
      ['a,🚀x🚀🚀y,z🚀\n🚀\n🚀,1\n', { delimiter: ',', quote: '🚀', relax: false }],
    ];
    for (const [doc, dialect] of docs) {
      const want = expected(doc, dialect);
      for (let cut = 0; cut <= doc.length; cut++) {
        for (let cut2 = cut; cut2 <= doc.length; cut2 += 3) {
          const got = tokenize([doc.slice(0, cut), doc.slice(cut, cut2), doc.slice(cut2)], dialect);
          const context = `${describeDoc(doc, dialect)} cut at ${cut}, ${cut2}`;
          expect(got.records, context).toEqual(want.records);
          expect(got.error, context).toEqual(want.error);
        }
      }
    }
  });
});

describe('CsvTokenizer relaxed (TSV)', () => {
  it('agrees with a plain reading of the rule on random quote-heavy documents split at random places', () => {
    const random = prng(Number(process.env.CSV_FUZZ_SEED ?? 20240611) + 3);
    const alphabets: Array<[Dialect, string[]]> = [
      [TSV, ['a', 'é', ' ', '\t', '\t', '"', '"', '""', '\n', '\r', '\r\n']],
      [{ delimiter: '::', quote: '🚀', relax: true }, ['a', ':', '::', '🚀', '🚀🚀', '\n', '\r\n']],
    ];
    let fellBack = 0;
    for (let i = 0; i < 3000; i++) {
      const [dialect, alphabet] = alphabets[i % alphabets.length]!;
      let doc = '';
      const length = Math.floor(random() * 30);
      for (let j = 0; j < length; j++) doc += alphabet[Math.floor(random() * alphabet.length)]!;
      const want = relaxedReference(doc, dialect);
      const context = `document ${i}: ${describeDoc(doc, dialect)}`;
      expect(tokenize([doc], dialect), context).toEqual(want);
      expect(tokenize(randomChunks(random, doc), dialect), context).toEqual(want);
      if (want.records.some((r) => r.fields.some((f) => f.startsWith(dialect.quote)))) fellBack++;
    }
    expect(fellBack).toBeGreaterThan(500);
  });
});

describe('CsvTokenizer relaxed (TSV), relaxedQuoteChars and the backlog', () => {
  it('agrees with the plain reading, with a limit on quoted fields, however the input is split and the backlog drained', () => {
    const random = prng(Number(process.env.CSV_FUZZ_SEED ?? 20240611) + 4);
    const alphabets: Array<[Dialect, string[]]> = [
      [TSV, ['a', 'é', '\t', '\t', '"', '"', '""', '\n', '\r', '\r\n']],
      [{ delimiter: '::', quote: '🚀', relax: true }, ['a', ':', '::', '🚀', '🚀🚀', '\n', '\r\n']],
    ];
    let backlogs = 0;
    for (let i = 0; i < 4000; i++) {
      const [dialect, alphabet] = alphabets[i % alphabets.length]!;
      let doc = '';
      const length = Math.floor(random() * 40);
      for (let j = 0; j < length; j++) doc += alphabet[Math.floor(random() * alphabet.length)]!;
      const relaxedQuoteChars = 1 + Math.floor(random() * 12);
      const backlogPieceChars = 1 + Math.floor(random() * 6);
      const want = relaxedReference(doc, dialect, relaxedQuoteChars);
      const tokenizer = new CsvTokenizer({
        delimiter: dialect.delimiter,
        quote: dialect.quote,
        relaxQuotes: true,
        maxRecordChars: 1000,
        relaxedQuoteChars,
        backlogPieceChars,
        keepRaw: true,
      });
      const records: Outcome['records'] = [];
      const raws: Array<[string, string[]]> = [];
      const sink = (fields: string[], line: number, raw: string | undefined): void => {
        records.push({ fields, line });
        if (raw !== undefined && !raw.startsWith('\ufeff')) raws.push([raw, fields]);
      };
      // Drain after every push (as parseCsv does), never (push and end do it), or at random.
      const drainMode = random();
      const drain = () => {
        while (tokenizer.hasBacklog() && (drainMode < 0.4 || (drainMode > 0.7 && random() < 0.5))) {
          backlogs++;
          tokenizer.drain(sink);
        }
      };
      for (const chunk of random() < 0.3 ? [doc] : randomChunks(random, doc)) {
        tokenizer.push(chunk, sink);
        drain();
      }
      if (random() < 0.5) {
        tokenizer.end(sink);
      } else {
        tokenizer.finish(sink);
        while (tokenizer.hasBacklog()) tokenizer.drain(sink);
      }
      const context = `document ${i}: ${describeDoc(doc, dialect)}, limit ${relaxedQuoteChars}, pieces ${backlogPieceChars}`;
      expect({ records }, context).toEqual(want);
      // A record's text as read, read alone (as csv-record-text.ts does), gives its fields.
      for (const [raw, fields] of raws) {
        const alone = runTokenizer([raw], { delimiter: dialect.delimiter, quote: dialect.quote, relaxQuotes: true, maxRecordChars: raw.length + 1, relaxedQuoteChars });
        expect(alone.records.map((r) => r.fields), `${context}, record ${JSON.stringify(raw)}`).toEqual([fields]);
      }
    }
    expect(backlogs).toBeGreaterThan(300);
  });

  it('reads a quoted field that closes only past relaxedQuoteChars as text', () => {
    const doc = 'a\tb\n"12\n34"\tx\n5\t6\n';
    const read = (chunks: string[], relaxedQuoteChars: number) =>
      rows(runTokenizer(chunks, { delimiter: '\t', quote: '"', relaxQuotes: true, maxRecordChars: 1000, relaxedQuoteChars }));
    for (const chunks of [[doc], doc.split('')]) {
      // `"12<LF>34"` is 7 characters: within 7, a quoted field; past 6, text.
      expect(read(chunks, 7)).toEqual([
        [1, 'a', 'b'],
        [2, '12\n34', 'x'],
        [4, '5', '6'],
      ]);
      expect(read(chunks, 6)).toEqual([
        [1, 'a', 'b'],
        [2, '"12'],
        [3, '34"', 'x'],
        [4, '5', '6'],
      ]);
    }
  });

  it('hands on the text read again after a stray quote a piece at a time, in linear time', () => {
    // A quote that never closes, then short lines: all of them are read again as lines of their
    // own, at the end of the input (800 KB) or at the limit (1.6 MB, 1 Mi characters).
    for (const lines of [200_000, 400_000]) {
      const doc = `a\tb\n1\t"oops\n${'2\tx\n'.repeat(lines)}`;
      const chunks = doc.match(/[^]{1,65536}/g)!;
      const options = { delimiter: '\t', quote: '"', relaxQuotes: true, maxRecordChars: MAX_RECORD_CHARS, relaxedQuoteChars: 1024 * 1024 };
      const tokenizer = new CsvTokenizer(options);
      const records: Outcome['records'] = [];
      let most = 0;
      const sink = (fields: string[], line: number): void => {
        records.push({ fields, line });
      };
      const step = (call: () => void): void => {
        const before = records.length;
        call();
        most = Math.max(most, records.length - before);
      };
      const searched = charactersSearched(() => {
        for (const chunk of chunks) {
          step(() => tokenizer.push(chunk, sink));
          while (tokenizer.hasBacklog()) step(() => tokenizer.drain(sink));
        }
        step(() => tokenizer.finish(sink));
        while (tokenizer.hasBacklog()) step(() => tokenizer.drain(sink));
      });
      // Linear: each character searched a few times (read as a quoted field, then again as
      // lines), never again for each line read again (4.8 and 4.5 per character now).
      expect(searched, `${lines} lines`).toBeLessThanOrEqual(6 * doc.length);
      expect(records.length).toBe(lines + 2);
      expect(records[1]).toEqual({ fields: ['1', '"oops'], line: 2 });
      expect(records[lines + 1]).toEqual({ fields: ['2', 'x'], line: lines + 2 });
      // No call hands on more records than 64 Ki characters hold: 4 characters a line.
      expect(most).toBeLessThanOrEqual(65536 / 4 + 1);
      // push() and end() without drain() give the same records.
      expect(runTokenizer(chunks, options)).toEqual({ records });
    }
  });
});

describe('CsvTokenizer keepRaw', () => {
  it("gives records' texts that read alone give the same fields, in every dialect, however the input is split", () => {
    // The validation worker keeps a record by its text and reads it again (csv-record-text.ts).
    const random = prng(Number(process.env.CSV_FUZZ_SEED ?? 20240611) + 2);
    let kept = 0;
    for (let i = 0; i < 3000; i++) {
      const dialect = DIALECTS[Math.floor(random() * DIALECTS.length)]!;
      const doc = randomDocument(random, dialect);
      const tokenizer = new CsvTokenizer({
        delimiter: dialect.delimiter,
        quote: dialect.quote,
        relaxQuotes: dialect.relax,
        maxRecordChars: MAX_RECORD_CHARS,
        keepRaw: true,
        reportStrayQuotes: true,
      });
      const records: Array<{ fields: string[]; raw: string }> = [];
      const sink = (fields: string[], _line: number, raw: string | undefined, stray?: StrayQuote): void => {
        if (raw !== undefined && stray === undefined) records.push({ fields, raw });
      };
      try {
        for (const chunk of random() < 0.5 ? [doc] : randomChunks(random, doc)) tokenizer.push(chunk, sink);
        tokenizer.end(sink);
      } catch (error) {
        if (!(error instanceof CsvSyntaxError)) throw error;
      }
      for (const { fields, raw } of records) {
        const context = `document ${i}: ${describeDoc(doc, dialect)}, record ${JSON.stringify(raw)}`;
        expect(/[\r\n]/.test(raw), context).toBe(false);
        if (raw.startsWith('\ufeff')) continue; // parse-csv keeps such a record by its fields
        const alone = runTokenizer([raw], { delimiter: dialect.delimiter, quote: dialect.quote, relaxQuotes: dialect.relax, maxRecordChars: raw.length + 1 });
        expect(alone.records.map((r) => r.fields), context).toEqual([fields]);
        kept++;
      }
    }
    expect(kept).toBeGreaterThan(3000);
  });
});

describe('CsvTokenizer', () => {
  it('reads fields, quoted fields and doubled quotes', () => {
    expect(rows(tokenize(['a,b,c\n1,"x,y","say ""hi"""\n']))).toEqual([
      [1, 'a', 'b', 'c'],
      [2, '1', 'x,y', 'say "hi"'],
    ]);
  });

  it('ends a record at every line break outside quotes: LF, CRLF or a lone CR, mixed as the lines have them', () => {
    expect(rows(tokenize(['a\nb\rc\n']))).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
    expect(rows(tokenize(['a\r\nb\nc\r\nd\re\r\n']))).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
      [4, 'd'],
      [5, 'e'],
    ]);
    expect(rows(tokenize(['a\rb\r\nc\r']))).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
    // An LF header over CRLF rows, and the reverse: no CR in the data, every line its own.
    for (const doc of ['name,qty\napple,3\r\npear,5\r\n', 'name,qty\r\napple,3\npear,5\n', 'name,qty\rapple,3\r\npear,5\n']) {
      expect(rows(tokenize([doc])), JSON.stringify(doc)).toEqual([
        [1, 'name', 'qty'],
        [2, 'apple', '3'],
        [3, 'pear', '5'],
      ]);
    }
    // After a closing quote too; inside quotes a line break is data, as written.
    expect(rows(tokenize(['"x\ny"\r\nz\n"p\r\nq"\r"w"\n"v"\r\n']))).toEqual([
      [1, 'x\ny'],
      [3, 'z'],
      [4, 'p\r\nq'],
      [6, 'w'],
      [7, 'v'],
    ]);
  });

  it('reads text from the middle of an input, from any line break outside quotes, as the whole input reads it', () => {
    // validate's second thread starts after a line break near the middle (validate-split.ts),
    // whatever line breaks the file uses.
    const lines = ['h1,h2\r\n', 'a,b\n', 'c,"d\r\ne"\r', '"f\ng",h\r\n\n', 'i,j\r', 'k,l'];
    const doc = lines.join('');
    const whole = tokenize([doc]).records;
    expect(whole.map((r) => r.line)).toEqual([1, 2, 3, 5, 8, 9]);
    for (let i = 0; i < lines.length; i++) {
      const tail = tokenize([lines.slice(i).join('')]).records;
      const shift = whole[i]!.line - 1;
      expect(tail.map((r) => ({ fields: r.fields, line: r.line + shift })), `from line ${whole[i]!.line}`).toEqual(whole.slice(i));
    }
  });

  it('waits for the next chunk to tell a CR from a CRLF', () => {
    expect(rows(tokenize(['a,b\r', '\n1,2\r', '\n']))).toEqual([
      [1, 'a', 'b'],
      [2, '1', '2'],
    ]);
    expect(rows(tokenize(['a,"b"\r', '\n"1\r', '\n2",3\r', '\n4,5']))).toEqual([
      [1, 'a', 'b'],
      [2, '1\r\n2', '3'],
      [4, '4', '5'],
    ]);
    expect(rows(tokenize(['a\r', 'b\r', '']))).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
  });

  it('waits for the next chunk to tell a doubled quote from a closing one', () => {
    expect(rows(tokenize(['"a"', '"b"', '\n']))).toEqual([[1, 'a"b']]);
    expect(rows(tokenize(['"a"', ',"b"', '"', '"', '""\n']))).toEqual([[1, 'a', 'b""']]);
  });

  it('counts every line break once, in any field, and skips blank lines', () => {
    const outcome = tokenize(['\n\nh\n\n"a\r\nb\rc\nd",e\r\n\r\r\n"",x\nlast']);
    expect(rows(outcome)).toEqual([
      [3, 'h'],
      [5, 'a\r\nb\rc\nd', 'e'],
      [11, '', 'x'],
      [12, 'last'],
    ]);
  });

  it('makes a record of a line with only an empty quoted field, and of a trailing delimiter', () => {
    expect(rows(tokenize(['a\n""\n\n1,']))).toEqual([
      [1, 'a'],
      [2, ''],
      [4, '1', ''],
    ]);
  });

  it('drops one leading U+FEFF', () => {
    expect(rows(tokenize(['\ufeffa,b\n']))).toEqual([[1, 'a', 'b']]);
    expect(rows(tokenize(['\ufeff', '\ufeffa\n']))).toEqual([[1, '\ufeffa']]);
  });

  it('reads quotes as data without quoting, and inside fields in relaxed mode', () => {
    expect(rows(tokenize(['12" x\t"a"\n'], { delimiter: '\t', quote: '', relax: false }))).toEqual([[1, '12" x', '"a"']]);
    // A field that does not close as a quoted field is its text as written, doubled quotes too.
    expect(rows(tokenize(['12" x\t"a"\t"b"c\t"d""e"f\n'], TSV))).toEqual([[1, '12" x', 'a', '"b"c', '"d""e"f']]);
  });

  it('relaxed (TSV), reads a field that does not close as a quoted field as text up to the next tab or line break', () => {
    // A quote opening a comment, never closed: it swallowed lines 3 and 4 into record 1.
    const doc = 'id\tcomment\n1\t"Great product\n2\tterrible\n3\tsays "ok"\n4\tfine\n';
    const want = [
      [1, 'id', 'comment'],
      [2, '1', '"Great product'],
      [3, '2', 'terrible'],
      [4, '3', 'says "ok"'],
      [5, '4', 'fine'],
    ];
    expect(rows(tokenize([doc], TSV))).toEqual(want);
    // Text after the closing quote, the input ending inside the quotes, a CRLF file.
    expect(rows(tokenize(['"a"b\tc\n"x\ty\n"z"\tw\r\n"open\r\nnext\t"end'], TSV))).toEqual([
      [1, '"a"b', 'c'],
      [2, '"x', 'y'],
      [3, 'z', 'w'],
      [4, '"open'],
      [5, 'next', '"end'],
    ]);
    for (let cut = 0; cut <= doc.length; cut++) {
      for (let cut2 = cut; cut2 <= doc.length; cut2 += 2) {
        const chunks = [doc.slice(0, cut), doc.slice(cut, cut2), doc.slice(cut2)];
        expect(rows(tokenize(chunks, TSV)), `cut at ${cut}, ${cut2}`).toEqual(want);
      }
    }
    expect(rows(tokenize(doc.split(''), TSV))).toEqual(want);
  });

  it('relaxed (TSV), still reads quoted fields that close as such: a tab, doubled quotes, line breaks', () => {
    const doc = 'a\tb\n"x\ty"\t"say ""hi"""\n"two\nlines"\t"cr\r\nlf"\r\n""\t"last"';
    const want = [
      [1, 'a', 'b'],
      [2, 'x\ty', 'say "hi"'],
      [3, 'two\nlines', 'cr\r\nlf'],
      [6, '', 'last'],
    ];
    expect(rows(tokenize([doc], TSV))).toEqual(want);
    expect(rows(tokenize(doc.split(''), TSV))).toEqual(want);
  });

  it('relaxed (TSV), reads a quoted field whose record would be too long as text instead of stopping', () => {
    // No closing quote for 20 characters: with a limit of 10, read as text at once.
    const doc = 'a\n"12345\n6789\n0"\n';
    for (const chunks of [[doc], doc.split(''), ['a\n"12', '345\n6789\n0"\n']]) {
      expect(rows(tokenize(chunks, TSV, 10)), JSON.stringify(chunks)).toEqual([
        [1, 'a'],
        [2, '"12345'],
        [3, '6789'],
        [4, '0"'],
      ]);
    }
    // Within the limit it is one quoted field; strict CSV stops.
    expect(rows(tokenize([doc], TSV, 20))).toEqual([
      [1, 'a'],
      [2, '12345\n6789\n0'],
    ]);
    expect(tokenize([doc], CSV, 10).error).toEqual({ code: 'CSV_MAX_RECORD_SIZE', line: 2 });
  });

  it('stops at malformed quoting, naming the line', () => {
    expect(tokenize(['a\n"x\ny\n']).error).toEqual({ code: 'CSV_QUOTE_NOT_CLOSED', line: 2 });
    expect(tokenize(['a\n"x\r\ny"z\n']).error).toEqual({ code: 'CSV_INVALID_CLOSING_QUOTE', line: 3 });
    expect(tokenize(['a\n1,"x\r\ny",a"b\n']).error).toEqual({ code: 'INVALID_OPENING_QUOTE', line: 3 });
    expect(tokenize(['a\r\n"x"y\r\n']).error).toEqual({ code: 'CSV_INVALID_CLOSING_QUOTE', line: 2 });
    // A CR after a closing quote is a line break, in an LF file too.
    expect(rows(tokenize(['a\n"x"\r\n"y"\rz']))).toEqual([
      [1, 'a'],
      [2, 'x'],
      [3, 'y'],
      [4, 'z'],
    ]);
  });

  it('stops a record longer than the limit, whole or open', () => {
    expect(tokenize(['a\n12345\n'], CSV, 4).error).toEqual({ code: 'CSV_MAX_RECORD_SIZE', line: 2 });
    expect(tokenize(['a\n"12', '34', '56'], CSV, 4).error).toEqual({ code: 'CSV_MAX_RECORD_SIZE', line: 2 });
    expect(rows(tokenize(['a\n1234\n'], CSV, 4))).toEqual([
      [1, 'a'],
      [2, '1234'],
    ]);
  });

  it('reads a quoted field over many chunks in linear time', () => {
    const piece = 'x'.repeat(64 * 1024);
    const chunks = ['a\n"', ...Array.from({ length: 200 }, () => piece), '"\nb\n'];
    let outcome!: Outcome;
    const searched = charactersSearched(() => { outcome = tokenize(chunks); });
    // Linear: each push's text searched a few times (3 per character now), never the field's
    // text of the pushes before it again (that grows with the square of the field: ~100 times more).
    expect(searched).toBeLessThanOrEqual(4 * lengthOf(chunks));
    expect(outcome.records.map((r) => [r.line, r.fields[0]!.length])).toEqual([
      [1, 1],
      [2, 200 * 64 * 1024],
      [3, 1],
    ]);
  });

  it('relaxed (TSV), reads a quoted field over many chunks in linear time, closed or not', () => {
    const piece = 'x'.repeat(64 * 1024);
    const many = Array.from({ length: 200 }, () => piece);
    const closedChunks = ['a\n"', ...many, '"\nb\n'];
    const openChunks = ['a\n"', ...many, '\nb\n'];
    let closed!: Outcome;
    let open!: Outcome;
    // Linear: 3 characters searched per character now; the field that never closes is read
    // twice (as a quoted field, then as text): 6.
    expect(charactersSearched(() => { closed = tokenize(closedChunks, TSV); })).toBeLessThanOrEqual(4 * lengthOf(closedChunks));
    expect(charactersSearched(() => { open = tokenize(openChunks, TSV); })).toBeLessThanOrEqual(8 * lengthOf(openChunks));
    expect(closed.records.map((r) => [r.line, r.fields[0]!.length])).toEqual([
      [1, 1],
      [2, 200 * 64 * 1024],
      [3, 1],
    ]);
    expect(open.records.map((r) => [r.line, r.fields[0]!.length])).toEqual([
      [1, 1],
      [2, 200 * 64 * 1024 + 1],
      [3, 1],
    ]);
    // Quoted fields of many lines that never close, one after another.
    const linesOf = (count: number) => Array.from({ length: count }, (_, i) => `"${i}\t${i}\n`).join('').match(/[^]{1,65536}/g)!;
    let outcome!: Outcome;
    const searched = charactersSearched(() => { outcome = tokenize(linesOf(20_000), TSV); });
    // Linear: twice the lines, twice the search (2.04 times now). Each line read again as text
    // searches to its chunk's end for a CR, ~2,650 characters per character: bounded by the
    // chunk, not the input. A search to the input's end per line would make it 4 times.
    const twice = charactersSearched(() => tokenize(linesOf(40_000), TSV));
    expect(twice / searched).toBeLessThanOrEqual(2.25);
    expect(outcome.records.length).toBe(20_000);
    expect(outcome.records[19_999]).toEqual({ fields: ['"19999', '19999'], line: 20_000 });
  });

  it('hands on a record whose LF ends a chunk with that chunk, quoted or not; one whose CR ends it with the next (it may start a CRLF)', () => {
    // csv-parse held a record whose line break ended the chunk until the next one: the last
    // line a `tail -f … | barge import -` had sent waited for the line after it.
    const seen: number[] = [];
    const tokenizer = new CsvTokenizer({ delimiter: ',', quote: '"', maxRecordChars: 100 });
    const sink = (_fields: string[], line: number) => seen.push(line);
    tokenizer.push('a\nb\n', sink);
    expect(seen).toEqual([1, 2]);
    tokenizer.push('"c"\n', sink);
    expect(seen).toEqual([1, 2, 3]);
    tokenizer.push('d\r', sink);
    expect(seen).toEqual([1, 2, 3]);
    tokenizer.push('\ne', sink);
    expect(seen).toEqual([1, 2, 3, 4]);
    tokenizer.end(sink);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('knows the line it is on between chunks', () => {
    const tokenizer = new CsvTokenizer({ delimiter: ',', quote: '"', maxRecordChars: 100 });
    const sink = () => {};
    tokenizer.push('a\n1,"x\ny', sink);
    expect(tokenizer.pendingRecordLine()).toBe(2);
    expect(tokenizer.currentLine()).toBe(3);
    tokenizer.push('"\n2\n', sink);
    expect(tokenizer.currentLine()).toBe(5);
  });

  it('refuses options that cannot work', () => {
    expect(() => new CsvTokenizer({ delimiter: '', quote: '"', maxRecordChars: 1 })).toThrow(new Error('the CSV delimiter cannot be empty'));
    expect(() => new CsvTokenizer({ delimiter: '\n', quote: '"', maxRecordChars: 1 })).toThrow(new Error('the CSV delimiter and quote cannot contain a line break'));
    expect(() => new CsvTokenizer({ delimiter: '"', quote: '"', maxRecordChars: 1 })).toThrow(new Error('the CSV delimiter and quote cannot be the same'));
  });
});

describe('CsvTokenizer maxRecordChars at the end of the input', () => {
  // The limit is a record of at most maxRecordChars characters (its line break not counted), the
  // same whether or not the input ends with a line break. A file whose last line has no line break
  // (as many editors and exports write it) and is exactly at the limit was refused where the same
  // file with a final line break loaded: a record the limit allows, failing the whole import.
  const max = 8;
  const lastRecords = [
    { kind: 'unquoted', atLimit: 'abc,defg', fields: ['abc', 'defg'] },
    { kind: 'quoted', atLimit: 'ab,"d,f"', fields: ['ab', 'd,f'] },
    { kind: 'empty after a delimiter', atLimit: 'abc,def,', fields: ['abc', 'def', ''] },
  ];
  for (const { kind, atLimit, fields } of lastRecords) {
    it(`a last record (${kind}) exactly ${max} characters long is read, with or without a final line break; one more is refused either way`, () => {
      expect(atLimit.length).toBe(max);
      for (const end of ['', '\n', '\r\n']) {
        expect(tokenize([`id,v\n${atLimit}${end}`], CSV, max)).toEqual({ records: [{ fields: ['id', 'v'], line: 1 }, { fields, line: 2 }] });
        // Pushed in pieces, the end of the input in a push of its own.
        expect(tokenize(['id,v\n', atLimit, end], CSV, max)).toEqual({ records: [{ fields: ['id', 'v'], line: 1 }, { fields, line: 2 }] });
        const over = `x${atLimit}`;
        expect(tokenize([`id,v\n${over}${end}`], CSV, max)).toEqual({
          records: [{ fields: ['id', 'v'], line: 1 }],
          error: { code: 'CSV_MAX_RECORD_SIZE', line: 2 },
        });
      }
    });
  }
});

/** What the tokenizer gives with `reportStrayQuotes` (barge's reading): records, each with its StrayQuote if any. */
interface StrayOutcome {
  records: Array<{ fields: string[]; line: number; stray?: StrayQuote }>;
  error?: { code: string; line: number };
}

function tokenizeStray(chunks: string[], dialect: Dialect = CSV): StrayOutcome {
  return runTokenizer(chunks, {
    delimiter: dialect.delimiter,
    quote: dialect.quote,
    relaxQuotes: dialect.relax,
    maxRecordChars: MAX_RECORD_CHARS,
    reportStrayQuotes: true,
  });
}

describe('CsvTokenizer with reportStrayQuotes', () => {
  it('reads a quote inside an unquoted field as data and hands its record on with the field and the exact text', () => {
    const doc = 'id,v\n1,a\n3,5" screen\n4,d\n';
    expect(tokenizeStray([doc])).toEqual({
      records: [
        { fields: ['id', 'v'], line: 1 },
        { fields: ['1', 'a'], line: 2 },
        { fields: ['3', '5" screen'], line: 3, stray: { field: 1, text: '3,5" screen' } },
        { fields: ['4', 'd'], line: 4 },
      ],
    });
    // Without the option, as csv-parse: the input stops there.
    expect(tokenize([doc]).error).toEqual({ code: 'INVALID_OPENING_QUOTE', line: 3 });
  });

  it('names the first bad field; later fields read as usual, a quote at their start opening a quoted field', () => {
    expect(tokenizeStray(['1, "x","a,b",c"d,"e""\nf"\n2,3\n']).records).toEqual([
      { fields: ['1', ' "x"', 'a,b', 'c"d', 'e"\nf'], line: 1, stray: { field: 1, text: '1, "x","a,b",c"d,"e""\nf"' } },
      { fields: ['2', '3'], line: 3 },
    ]);
  });

  it('keeps the text of a record spanning lines exactly, CRLF and quoted line breaks included', () => {
    const doc = 'a,b\r\n"x\r\ny""z",p"q\r\n"l\nm",ok\r\n';
    expect(tokenizeStray([doc]).records).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['x\r\ny"z', 'p"q'], line: 2, stray: { field: 1, text: '"x\r\ny""z",p"q' } },
      { fields: ['l\nm', 'ok'], line: 4 },
    ]);
  });

  it('hands on a stray record ending the input, with or without a last field or line break', () => {
    expect(tokenizeStray(['a\nx"y']).records[1]).toEqual({ fields: ['x"y'], line: 2, stray: { field: 0, text: 'x"y' } });
    expect(tokenizeStray(['a\nx"y,']).records[1]).toEqual({ fields: ['x"y', ''], line: 2, stray: { field: 0, text: 'x"y,' } });
    expect(tokenizeStray(['a\nx"y,"z"']).records[1]).toEqual({ fields: ['x"y', 'z'], line: 2, stray: { field: 0, text: 'x"y,"z"' } });
    expect(tokenizeStray(['a\nx"y,"z"\n']).records[1]).toEqual({ fields: ['x"y', 'z'], line: 2, stray: { field: 0, text: 'x"y,"z"' } });
  });

  it('works with a quote of two code units, any delimiter, and mixed line breaks', () => {
    const rocket = { delimiter: '::', quote: '🚀', relax: false };
    expect(tokenizeStray(['a::b\n1::x🚀y🚀::🚀z🚀🚀🚀\n'], rocket).records[1]).toEqual({
      fields: ['1', 'x🚀y🚀', 'z🚀'],
      line: 2,
      stray: { field: 1, text: '1::x🚀y🚀::🚀z🚀🚀🚀' },
    });
    expect(tokenizeStray(['1,a"b\r\n2\n3\r\n'], CSV).records).toEqual([
      { fields: ['1', 'a"b'], line: 1, stray: { field: 1, text: '1,a"b' } },
      { fields: ['2'], line: 2 },
      { fields: ['3'], line: 3 },
    ]);
  });

  it('leaves the other quoting errors fatal: an unterminated quote, text after a closing quote', () => {
    expect(tokenizeStray(['a\n1,x"y\n2,"open\n3\n'])).toEqual({
      records: [{ fields: ['a'], line: 1 }, { fields: ['1', 'x"y'], line: 2, stray: { field: 1, text: '1,x"y' } }],
      error: { code: 'CSV_QUOTE_NOT_CLOSED', line: 3 },
    });
    expect(tokenizeStray(['a\nx"y,"b"c\n'])).toEqual({ records: [{ fields: ['a'], line: 1 }], error: { code: 'CSV_INVALID_CLOSING_QUOTE', line: 2 } });
  });

  it('gives the same records, stray quotes and texts however the input is split', () => {
    const docs: Array<[string, Dialect]> = [
      ['id,v\n1,a\n3,5" screen\n4,d\n', CSV],
      ['a,b\r\n"x\r\ny""z",p"q\r\n"l\nm",o"k\r\n', CSV],
      ['1, "x","a,b",c"d,"e""\nf"\n2,3', CSV],
      ['a\rx"y,\r"q"\r', CSV],
      ['a;b\nx\'y;\'z\'\'\'\n', { delimiter: ';', quote: "'", relax: false }],
      ['a::b\n1::x🚀y🚀::🚀z🚀🚀🚀\n🚀::2🚀', { delimiter: '::', quote: '🚀', relax: false }],
    ];
    for (const [doc, dialect] of docs) {
      const want = tokenizeStray([doc], dialect);
      expect(want.records.some((r) => r.stray !== undefined)).toBe(true);
      for (let cut = 0; cut <= doc.length; cut++) {
        for (let cut2 = cut; cut2 <= doc.length; cut2++) {
          const got = tokenizeStray([doc.slice(0, cut), doc.slice(cut, cut2), doc.slice(cut2)], dialect);
          expect(got, `${describeDoc(doc, dialect)} cut at ${cut}, ${cut2}`).toEqual(want);
        }
      }
      // One character per push: every record spans pushes.
      expect(tokenizeStray(doc.split(''), dialect)).toEqual(want);
    }
  });

  it('agrees with csv-parse on random documents: strict up to the first stray quote, relaxed for it and after', () => {
    const random = prng(Number(process.env.CSV_FUZZ_SEED ?? 20240611) + 1);
    let strays = 0;
    let spanning = 0;
    for (let i = 0; i < 4000; i++) {
      const dialect = DIALECTS[Math.floor(random() * DIALECTS.length)]!;
      const doc = randomDocument(random, dialect);
      const whole = tokenizeStray([doc], dialect);
      const split = tokenizeStray(randomChunks(random, doc), dialect);
      const context = `document ${i}: ${describeDoc(doc, dialect)}`;
      expect(split, context).toEqual(whole);
      const strict = expected(doc, dialect);
      if (strict.error?.code !== 'INVALID_OPENING_QUOTE') {
        // No stray quote before the input ends or stops: exactly the strict reading.
        expect(whole.records, context).toEqual(strict.records);
        expect(whole.error?.code, context).toBe(strict.error?.code);
        continue;
      }
      // Up to the first stray quote, the strict reading; that record is the first one marked.
      const first = strict.records.length;
      expect(whole.records.slice(0, first), context).toEqual(strict.records);
      // Relaxed, a quote inside a field is data, as here; a bad closing quote also is, where
      // here it stays fatal: up to that, the same records.
      const relaxed = reference(doc, { ...dialect, relax: true });
      if (whole.error === undefined) {
        expect(whole.records.map(({ fields, line }) => ({ fields, line })), context).toEqual(relaxed.records);
      } else {
        expect(['CSV_INVALID_CLOSING_QUOTE', 'CSV_QUOTE_NOT_CLOSED'], context).toContain(whole.error.code);
        expect(whole.records.map(({ fields, line }) => ({ fields, line })), context).toEqual(relaxed.records.slice(0, whole.records.length));
      }
      const marked = whole.records[first];
      if (marked === undefined) continue; // the stray record itself met a fatal error
      expect(marked.stray, context).toBeDefined();
      for (const record of whole.records) {
        const stray = record.stray;
        if (stray === undefined) continue;
        strays++;
        // The field named holds the quote; the text is the record's, as it is in the document.
        expect(record.fields[stray.field]!.includes(dialect.quote), context).toBe(true);
        expect(doc.includes(stray.text), context).toBe(true);
        if (lineBreaksIn(stray.text) > 0) spanning++;
        if (!/[\r\n]/.test(stray.text) && !stray.text.startsWith('\ufeff')) {
          // Read alone, it is the same record.
          expect(tokenizeStray([stray.text], dialect).records, context).toEqual([{ fields: record.fields, line: 1, stray }]);
        }
      }
    }
    expect(strays).toBeGreaterThan(200);
    expect(spanning).toBeGreaterThan(20);
  });
});
