import * as z from 'zod';
import { BargeError } from '../errors.js';
import { NUMBER_TEXT, parseBooleanWord, roundedByJson, underflows } from './coerce-value.js';
import { MAX_COLUMNS, nameKey, nameProblem } from './names.js';
import { DATETIME_PATTERN } from './zod-schema.js';
import type { ColumnSpec, ColumnType, SchemaSpec } from './types.js';
import { recordKeysInText, withColumnOrder } from './column-order.js';
import { shellWord } from '../shell-word.js';

/**
 * Types from the first records when there is neither a --schema nor a table.
 * Per field: the narrowest type that every sample fits, where "fits" means
 * the validator will accept the value later AND nothing is lost by the type:
 *
 * - Text with leading zeros ("02134", "007", "-0", "00.5") stays a string: it is
 *   a code (ZIP, account, phone), and a number would drop the zeros for good.
 * - Integer text beyond ±(2^53-1) stays a string: such digits are ids (snowflakes,
 *   card-like numbers) that every JSON or JavaScript consumer would round.
 * - booleans from words (true/false/yes/no); 0/1 alone stay integers, and among such words
 *   they are booleans (a boolean column takes them: SQLite stores a boolean so).
 * - In JSON input a string stays a string (or a date/datetime, which JSON has no
 *   type for): the producer quoted it. A field mixing numbers with numeric strings
 *   ([1, "2"]) takes the number type, which accepts both; one mixing numbers, booleans,
 *   objects or arrays with other text is a string, which keeps them as their JSON text.
 * - json only from JSON objects/arrays in JSON input; JSON-looking CSV text stays a string.
 * - Nothing is `required` (a later missing value must not fail) and there is no
 *   primary key; a field seen only missing is a string.
 */

const INTEGER = 1;
const NUMBER = 2;
const BOOLEAN = 4;
const DATE = 8;
const DATETIME = 16;
const JSON_TYPE = 32;
const STRING = 64;
const ALL = INTEGER | NUMBER | BOOLEAN | DATE | DATETIME | JSON_TYPE | STRING;

/** Narrowest first. */
const PREFERENCE: Array<[number, ColumnType]> = [
  [INTEGER, 'integer'],
  [NUMBER, 'number'],
  [BOOLEAN, 'boolean'],
  [DATE, 'date'],
  [DATETIME, 'datetime'],
  [JSON_TYPE, 'json'],
  [STRING, 'string'],
];

// Same zod formats as the validator, so an inferred date is one the validator accepts.
const isoDate = z.iso.date();
// The datetime type's own check (a T or a space between date and time).
const isoDatetime = z.stringFormat('datetime', DATETIME_PATTERN);

const PLAIN_INTEGER = /^(0|-?[1-9]\d*)$/;
const LEADING_ZERO = /^-?0\d/;

/** The types a piece of text fits (always including string). */
function textFits(s: string): number {
  let fits = STRING;
  if (PLAIN_INTEGER.test(s)) {
    // Mixed with true/false, 0 and 1 made the column text, and `true` came back as "true".
    if (s === '0' || s === '1') return fits | INTEGER | NUMBER | BOOLEAN;
    return Number.isSafeInteger(Number(s)) ? fits | INTEGER | NUMBER : fits;
  }
  // Not a number, but it may be a date: "0001-01-01" (a date column's minimum, as many
  // databases export it) made its column text.
  if (s === '-0' || LEADING_ZERO.test(s)) return fits | dateFits(s);
  if (NUMBER_TEXT.test(s)) return numberKeeps(s) ? fits | NUMBER : fits;
  const b = parseBooleanWord(s);
  if (b !== undefined) return fits | BOOLEAN;
  return fits | dateFits(s);
}

/** DATE (and DATETIME, which takes a date alone) or DATETIME when the text is one (as the validator reads it), else nothing. */
function dateFits(s: string): number {
  if (isoDate.safeParse(s).success) return DATE | DATETIME;
  if (isoDatetime.safeParse(s).success) return DATETIME;
  return 0;
}

/**
 * Whether a number column keeps the decimal text `s`: a double that holds it (not 1e400, which
 * is Infinity, nor 1e-400, which is 0: the validator rejects both) with every significant digit
 * (12345678901234567.89 would be stored as 12345678901234568, as integer text beyond 2^53
 * would). Trailing zeros and the exponent's form do not count: "1.50" and "1e3" are kept.
 */
function numberKeeps(s: string): boolean {
  const n = Number(s);
  if (!Number.isFinite(n)) return false;
  if (n === 0) return !underflows(s);
  return significantDigits(s) === significantDigits(String(n));
}

/** The digits of a number's text from its first nonzero one to its last: "-0.0150e3" -> "15". */
function significantDigits(text: string): string {
  const e = text.search(/[eE]/);
  const digits = (e === -1 ? text : text.slice(0, e)).replace(/[-.]/g, '');
  return digits.replace(/^0+/, '').replace(/0+$/, '');
}

interface FieldState {
  fits: number;
  /** CSV/TSV: the types the column's other values fit, beside the first word for "no value" (nullWord). */
  fitsBesideNullWord: number;
  nullWord?: { value: string; input?: string; line?: number };
  sawValue: boolean;
  /** JSON input: a non-string value was seen, so strings may be read as numbers/booleans. */
  sawNative: boolean;
  sawJsonString: boolean;
}

function isMissing(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

export interface InferSample {
  data: Record<string, unknown>;
  /** true: values are text from CSV/TSV; false: JSON values. */
  text: boolean;
  /** Where it was read, for messages. */
  input?: string;
  line?: number;
  /** A JSON record's text as read (keepJsonSource): tells `10.0` from `10`, which parse alike. */
  source?: string;
  /** A CSV record's header, in the input's order (`data`, an object, lists "2019" before "country"). */
  csv?: { names: readonly string[] };
  /** The header met again as a record (parse-csv.ts: files joined with cat). */
  repeatsHeader?: true;
}

/**
 * A sample's field names in its input's order: the header's, or a JSON record's line's where a
 * name is a whole number (an object lists those first); else the object's own order.
 */
function fieldOrder(sample: InferSample): string[] {
  if (sample.csv !== undefined) return [...sample.csv.names];
  const keys = Object.keys(sample.data);
  const inText = sample.source !== undefined && keys.length > 0 && /^\d/.test(keys[0]!) ? recordKeysInText(sample.source) : undefined;
  return inText === undefined ? keys : [...new Set([...inText.filter((key) => Object.prototype.hasOwnProperty.call(sample.data, key)), ...keys])];
}

/**
 * What CSV files write for "no value": one among a column's integers made it a text column
 * (the numbers stored as text), with no word of --null.
 */
const NULL_WORDS = new Set(['N/A', 'n/a', 'NA', '#N/A', 'null', 'NULL', 'Null', 'None', 'none', '-', '--', '?', 'nan', 'NaN', 'NAN', '.', 'missing', 'NIL', 'nil']);

/** SchemaInference.notes' words for a column made text by `word` alone. */
function nullWordNote(column: string, word: NonNullable<FieldState['nullWord']>, typeBeside: ColumnType): string {
  const at = word.input === undefined ? '' : ` (${word.input}${word.line === undefined ? '' : `:${word.line}`})`;
  const others = typeBeside === 'integer' ? 'integers' : typeBeside === 'number' ? 'numbers' : `${typeBeside}s`;
  // `--null=-`: `--null --` ends the options.
  const option = `--null${word.value.startsWith('-') ? '=' : ' '}${shellWord(word.value)}`;
  return `column ${JSON.stringify(column)} was inferred as text because of ${JSON.stringify(word.value)}${at}, its other values being ${others}; if ${JSON.stringify(word.value)} means no value, pass ${option}`;
}

function typeOf(fits: number): ColumnType {
  return PREFERENCE.find(([bit]) => (fits & bit) !== 0)?.[1] ?? 'string';
}

/** The schema barge would use for records like `samples` in `table`. */
export function inferSchema(samples: InferSample[], table: string): SchemaSpec {
  const inference = new SchemaInference(table);
  for (const sample of samples) inference.add(sample);
  return inference.schema();
}

/**
 * inferSchema() a record at a time: what each column's values fit, folded in as they are read,
 * so that `barge schema infer` need not hold its sample (--infer-rows 1000000 of the
 * benchmark's CSV held ~2.5 GB).
 */
export class SchemaInference {
  private readonly fields = new Map<string, FieldState>();
  // Names as SQLite compares them: "id" and "ID" would fail CREATE TABLE (a database error, exit 3).
  private readonly keys = new Map<string, string>();
  /**
   * Set by schema(): a column inferred as text only because of a word for "no value" among its
   * integers (one "N/A" among 200), with the --null that makes it the type of the others.
   */
  notes: string[] = [];
  /** The first record added, for the message when no record had a field. */
  private first: InferSample | undefined;

  constructor(private readonly table: string) {
    const tableProblem = nameProblem(table, 'table');
    if (tableProblem !== undefined) throw new BargeError('usage', tableProblem);
  }

  add(sample: InferSample): void {
    this.first ??= sample;
    // A header repeated inside the input (files joined with cat) is no sample of its columns'
    // values: its "id" among integers made the column text, and the header then loaded as a row.
    if (sample.repeatsHeader === true) return;
    const { data, text, input, line, source } = sample;
    let written: Set<string> | undefined;
    // A CSV record's names are its header's; a JSON record's are its own, on its line.
    const from = input === undefined ? '' : ` from ${input}${line === undefined || text ? '' : `:${line}`}`;
    for (const key of fieldOrder(sample)) {
      if (key.startsWith('_barge')) continue;
      let state = this.fields.get(key);
      if (state === undefined) {
        const problem = nameProblem(key, 'column');
        if (problem !== undefined) {
          // A UTF-16 file without a byte order mark, read as UTF-8: every other byte is a NUL. Not
          // in a JSON name, where a NUL can only be an escape (`"a\u0000"`) of a UTF-8 file.
          const hint = text && key.includes('\u0000') ? '; the input looks like UTF-16 without a byte order mark: pass --encoding utf16le' : '';
          throw new BargeError('usage', `cannot infer a schema${from}: ${problem}${hint}`, { input });
        }
        const same = this.keys.get(nameKey(key));
        if (same !== undefined) {
          throw new BargeError(
            'usage',
            `cannot infer a schema${from}: columns ${JSON.stringify(same)} and ${JSON.stringify(key)} differ only in case, and SQLite takes them for the same column; rename one${text ? ' (--columns)' : ' in the input'}`,
          );
        }
        this.keys.set(nameKey(key), key);
        state = { fits: ALL, fitsBesideNullWord: ALL, sawValue: false, sawNative: false, sawJsonString: false };
        this.fields.set(key, state);
      }
      const v = data[key];
      if (isMissing(v)) continue;
      state.sawValue = true;
      if (typeof v === 'string') {
        const fits = textFits(v);
        state.fits &= fits;
        if (!text) state.sawJsonString = true;
        // One word only: a second ("N/A" and "-") keeps the column text under the --null of either.
        else if (fits === STRING && NULL_WORDS.has(v) && (state.nullWord === undefined || state.nullWord.value === v)) state.nullWord ??= { value: v, input, line };
        else state.fitsBesideNullWord &= fits;
      } else {
        state.sawNative = true;
        state.fits &= nativeFits(v);
        // Python, pandas and many APIs write a whole float as 10.0: an integer column made of a
        // sample of those rejected the first 12.5 after it (CSV's "10.0" was a number already).
        if (typeof v === 'number' && Number.isInteger(v) && source !== undefined && (written ??= floatWrittenKeys(source)).has(key)) state.fits &= NUMBER | STRING;
      }
    }
  }

  schema(): SchemaSpec {
    const { fields, first, table } = this;
    if (fields.size === 0 && first !== undefined) {
      // CREATE TABLE of no columns is a syntax error (exit 3, a job recorded as failed).
      const hint = Object.keys(first.data).some((key) => key.startsWith('_barge')) ? ' (fields whose names start with _barge are barge\'s own, and left out)' : '';
      throw new BargeError('usage', `cannot infer a schema for "${table}"${first.input === undefined ? '' : ` from ${first.input}`}: its records have no fields${hint}; pass --schema naming the columns`, { input: first.input });
    }
    if (fields.size > MAX_COLUMNS) {
      throw new BargeError(
        'usage',
        `cannot infer a schema for "${table}": the input has ${fields.size} columns, and SQLite allows at most ${MAX_COLUMNS} in a table; pass --schema with the columns to keep and "extraColumns": "ignore"`,
      );
    }
    const columns: Record<string, ColumnSpec> = {};
    this.notes = [];
    for (const [name, state] of fields) {
      let fits = state.sawValue ? state.fits : STRING;
      // Only strings in JSON input: keep them strings unless they are dates.
      if (state.sawJsonString && !state.sawNative) fits &= STRING | DATE | DATETIME;
      const type = typeOf(fits);
      columns[name] = { type };
      const typeBeside = typeOf(state.fitsBesideNullWord);
      if (type === 'string' && state.nullWord !== undefined && typeBeside !== 'string' && state.fitsBesideNullWord !== ALL) this.notes.push(nullWordNote(name, state.nullWord, typeBeside));
    }
    return withColumnOrder({ table, columns, extraColumns: 'reject' }, [...fields.keys()]);
  }
}

/** The keys of a JSON text whose number is written with a fraction or an exponent (`10.0`, `1e5`). */
function floatWrittenKeys(source: string): Set<string> {
  const keys = new Set<string>();
  // The string's pattern unrolled ([^"\\]* runs, not an alternation repeated per character):
  // the alternation overflowed the regexp engine's stack on a string of ~9 MB, and inference
  // of such a record failed, "Maximum call stack size exceeded", exit 3.
  for (const match of source.matchAll(/"([^"\\]*(?:\\.[^"\\]*)*)"\s*:\s*-?\d+(?:\.\d+(?:[eE][+-]?\d+)?|[eE][+-]?\d+)/g)) {
    try {
      keys.add(JSON.parse(`"${match[1]}"`) as string);
    } catch {
      // Not a key as JSON writes one: no matter.
    }
  }
  return keys;
}

/**
 * The types a JSON value fits. Every value fits string too (a string column keeps it as its
 * JSON text), except a number JSON.parse has changed. An integer it may have rounded
 * (roundedByJson: the id 1234567890123456789 is read as 1234567890123456768) fits integer
 * and number: a column of integers is then an integer column, which rejects it saying to quote
 * it (as a number column it was stored rounded, two ids as one, without a word); among
 * fractions it is a number like them, stored as the nearest double. (A string column there
 * rejected every such value, 2.5e18 written exactly among them, and kept the fractions as text.)
 * 1e400 (Infinity) fits nothing: a string column then rejects it, saying why.
 */
function nativeFits(v: unknown): number {
  if (typeof v === 'number') {
    // Not -0, which JSON writes for no boolean.
    if ((v === 0 && !Object.is(v, -0)) || v === 1) return INTEGER | NUMBER | BOOLEAN | STRING;
    if (Number.isSafeInteger(v)) return INTEGER | NUMBER | STRING;
    if (!Number.isFinite(v)) return 0;
    return roundedByJson(v) ? INTEGER | NUMBER : NUMBER | STRING;
  }
  if (typeof v === 'boolean') return BOOLEAN | STRING;
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? INTEGER | NUMBER : 0;
  if (typeof v === 'object' && v !== null) return JSON_TYPE | STRING;
  return 0;
}
