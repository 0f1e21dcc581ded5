import { closingQuote, mayBeTooDeep, nestsDeeperThan } from '../source/json-values.js';
import { MAX_VALUE_DEPTH } from '../source/limits.js';
import type { ColumnType } from './types.js';

// Coercion: a field's value as read (CSV/TSV text or a JSON value) -> the typed value that the
// column's zod schema (zod-schema.ts) checks. Shared with inference and existing tables.

/** Text an integer column accepts: no exponent, hex, sign "+", spaces or separators. */
export const INTEGER_TEXT = /^-?\d+$/;
/** Text a number column accepts: decimal and exponent notation; not NaN, Infinity, "1,5", "0x10". */
export const NUMBER_TEXT = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

// SQLite INTEGER is a signed 64-bit integer; better-sqlite3 throws when binding a BigInt beyond it.
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

const BOOLEAN_WORDS = new Map<string, boolean>([
  ['true', true],
  ['false', false],
  ['1', true],
  ['0', false],
  ['yes', true],
  ['no', false],
]);

/**
 * What a boolean column takes: the words, and PostgreSQL's `t`/`f` (its text and CSV output of
 * a boolean; DuckDB's too), which were rejected. Not for inference (parseBooleanWord): a sample
 * of a one-letter code column ("F" alone) is no boolean.
 */
const BOOLEAN_TEXT = new Map<string, boolean>([...BOOLEAN_WORDS, ['t', true], ['f', false]]);

/** "true"/"YES"/"0" -> boolean; anything else (including "Y", "on", "t") -> undefined: what inference takes for a boolean. */
export function parseBooleanWord(text: string): boolean | undefined {
  // The exact-case lookup spares the lowercase copy for the common spellings.
  return BOOLEAN_WORDS.get(text) ?? BOOLEAN_WORDS.get(text.toLowerCase());
}

/** parseBooleanWord's words, and `t`/`f` (BOOLEAN_TEXT): what a boolean column takes. */
export function parseBooleanText(text: string): boolean | undefined {
  return BOOLEAN_TEXT.get(text) ?? BOOLEAN_TEXT.get(text.toLowerCase());
}

// ---- coercion: the preprocess step of each column ----------------------------------------
// Each returns undefined for a missing value (it then takes the default, or NULL, or fails
// `required`), the coerced value, or the value unchanged for zod to reject with a type issue.

export type Coerce = (value: unknown) => unknown;

/**
 * Text that a number would lose something of: a leading zero ("02134", "007", "-01", "00.5").
 * Such text is a code (ZIP, account, phone), and 2134 cannot give "02134" back, so an integer
 * or number column rejects it (the message says to declare the column a string) instead of
 * dropping the zeros. "0", "0.5" and "-0.25" are ordinary numbers.
 */
export function hasLeadingZero(text: string): boolean {
  const at = text.charCodeAt(0) === 45 ? 1 : 0;
  if (text.charCodeAt(at) !== 48) return false;
  const next = text.charCodeAt(at + 1);
  return next >= 48 && next <= 57;
}

function coerceInteger(v: unknown): unknown {
  if (typeof v === 'string') {
    if (v === '') return undefined;
    if (!INTEGER_TEXT.test(v) || hasLeadingZero(v)) return v;
    const n = Number(v);
    // Beyond 2^53 a double is not exact: keep the digits as a BigInt, bound as a SQLite
    // INTEGER. `+ 0` turns "-0" into 0.
    return Number.isSafeInteger(n) ? n + 0 : BigInt(v);
  }
  if (v === null) return undefined;
  return v;
}

function coerceNumber(v: unknown): unknown {
  if (typeof v === 'string') {
    if (v === '') return undefined;
    // "1e309" passes the pattern and becomes Infinity, which z.number() rejects.
    if (!NUMBER_TEXT.test(v) || hasLeadingZero(v)) return v;
    const n = Number(v) + 0;
    // "1e-400" is no double either: Number() makes it 0, a value the input did not hold.
    if (n === 0 && underflows(v)) return v;
    // Integer text beyond 2^53 (within SQLite's 64-bit range) keeps its digits as a BigInt: a
    // column of NUMERIC affinity stores it exactly (exactIntegers); the zod schema of any other
    // number column (REAL) turns it into the double it always was (valueSchema).
    return Number.isSafeInteger(n) || !Number.isInteger(n) ? n : exactInteger(v, n);
  }
  if (v === null) return undefined;
  return v;
}

/** Whether number text whose double is 0 has a non-zero digit before its exponent: too small for a double. */
export function underflows(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x65 || c === 0x45) return false; // e, E
    if (c >= 0x31 && c <= 0x39) return true; // 1-9
  }
  return false;
}

/**
 * Whether JSON text may hold a number too small for a double: that needs a negative exponent,
 * or 323 zeros after a point (0.000…01 with fewer is at least 1e-323, a subnormal double), so
 * text with neither (nearly all) is not scanned. The "-" first: text without one, as most is,
 * costs one search (7 ns on a 50-character value, against 24 ns for the three searches).
 */
function mayUnderflow(text: string): boolean {
  return (text.indexOf('-') !== -1 && (text.includes('e-') || text.includes('E-'))) || (text.length > UNDERFLOW_ZEROS.length && text.includes(UNDERFLOW_ZEROS));
}

const UNDERFLOW_ZEROS = '0'.repeat(323);
/** A JSON number, from its first character (a "-" or a digit). */
const JSON_NUMBER = /-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/y;

/**
 * The first number of valid JSON text that is too small for a double (nonzero text that reads
 * as 0: `1e-400`, underflows), as written; undefined when there is none. Strings are skipped.
 */
export function underflowingNumberIn(json: string): string | undefined {
  let i = 0;
  while (i < json.length) {
    const c = json.charCodeAt(i);
    if (c === 0x22) {
      i = closingQuote(json, i) + 1;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      JSON_NUMBER.lastIndex = i;
      const token = JSON_NUMBER.exec(json)?.[0] ?? json[i] as string;
      if (Number(token) === 0 && underflows(token)) return token;
      i += token.length;
    } else {
      i++;
    }
  }
  return undefined;
}

/** JSON text's number too small for a double (underflowingNumberIn), when the text is a JSON object or array; for a message. */
export function underflowInJsonText(text: string): string | undefined {
  if (!mayUnderflow(text)) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
  } catch {
    return undefined;
  }
  return underflowingNumberIn(text);
}

const TWO_TO_63 = 2 ** 63;

/**
 * Number text whose double `n` is an integer beyond 2^53: within SQLite's 64-bit range, a
 * BigInt, else `n` (a REAL, as SQLite stores it). Integer text keeps its digits. Other text
 * ("1e17", "12345678901234567.50") is the double's own integer, which is what SQLite makes of
 * that text in a NUMERIC column (a REAL, then an INTEGER, since none is lost): kept a double, it
 * was taken for a JSON number JSON.parse had rounded and refused ("quote it"), in a CSV field.
 */
function exactInteger(text: string, n: number): number | bigint {
  const big = INTEGER_TEXT.test(text) ? BigInt(text) : n > -TWO_TO_63 && n < TWO_TO_63 ? BigInt(n) : undefined;
  return big !== undefined && big >= INT64_MIN && big <= INT64_MAX ? big : n;
}

function coerceBoolean(v: unknown): unknown {
  if (typeof v === 'string') {
    if (v === '') return undefined;
    const b = parseBooleanText(v);
    return b === undefined ? v : b;
  }
  // JSON 1/0 are accepted like the text "1"/"0": it is how SQLite stores a boolean.
  if (v === 1) return true;
  if (v === 0) return false;
  if (v === null) return undefined;
  return v;
}

export function coerceJson(v: unknown): unknown {
  if (typeof v === 'string') {
    if (v === '') return undefined;
    // JSON text (from CSV, or a CSV-born report re-read as NDJSON) must hold an object or array.
    const first = v.trimStart()[0];
    if (first !== '{' && first !== '[') return v;
    let parsed: unknown;
    try {
      parsed = JSON.parse(v) as unknown;
    } catch {
      return v;
    }
    // Nested deeper than an NDJSON line may be (limits.ts): the text stays text, a type error,
    // rather than a value that exports to a line barge refuses to read back (or, 200,000 deep,
    // overflows the stack on the way to SQLite). Counted on the text, as the NDJSON and JSON
    // readers count a record's depth (a value a duplicate key drops counts too).
    if (mayBeTooDeep(v, MAX_VALUE_DEPTH) && nestsDeeperThan(v, MAX_VALUE_DEPTH)) return v;
    // A number too small for a double (1e-400) is read as 0, a value the text does not hold:
    // the text stays text, as a number column rejects it (coerceNumber).
    return mayUnderflow(v) && underflowingNumberIn(v) !== undefined ? v : parsed;
  }
  if (v === null) return undefined;
  return v;
}

/** Text fields: an empty field is missing, whatever the type. */
function coerceTextString(v: unknown): unknown {
  return v === '' || v === null ? undefined : v;
}

/**
 * JSON string columns: "" is a value (JSON said so), null is missing, and any other JSON value
 * is kept as its JSON text (42 -> "42", true -> "true", {"a":1} -> '{"a":1}'), as a CSV field
 * holding it would be. A field that mixes text and numbers ("02134" in one record, 10001 in
 * the next) is common in real JSON, and rejecting the numbers left no column type that could
 * load it: an inferred schema rejected the very records it was inferred from. Only values
 * whose text is not what the producer wrote are still type errors: an integer beyond 2^53,
 * which JSON.parse has already rounded, and the Infinity it makes of 1e309.
 */
function coerceJsonString(v: unknown): unknown {
  if (v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) && !roundedByJson(v) ? String(v) : v;
  if (typeof v === 'boolean') return JSON.stringify(v);
  // A number inside that JSON.parse has changed would be stored changed, as a bare one would.
  if (typeof v === 'object') return keepsItsNumbers(v) ? JSON.stringify(v) : v;
  return v;
}

/**
 * Whether a JSON number is an integer that JSON.parse may have rounded: beyond 2^53, where a
 * double no longer holds every integer, and below 1e21, where JavaScript still writes it as
 * plain digits, as an id is written (9007199254740993 is read as 9007199254740992). A larger
 * one prints in exponent form (6.02e+23), as a producer writes a float: kept.
 */
export function roundedByJson(n: number): boolean {
  return Number.isInteger(n) && !Number.isSafeInteger(n) && Math.abs(n) < 1e21;
}

/**
 * What JSON.parse has changed in a JSON value, if anything: an integer it may have rounded
 * (roundedByJson: the id 9007199254740993 is read as 9007199254740992), or a number too large
 * for a double (1e400 is read as Infinity, which JSON.stringify then writes as null). Storing
 * the value would change it without a word; the record is rejected instead (quote such numbers
 * in the input), as an integer or string column rejects such a number. Only json columns, and
 * objects or arrays given to a string column, pay this walk.
 */
export function jsonNumberChange(value: unknown): 'rounded' | 'overflow' | undefined {
  const stack: unknown[] = [value];
  let change: 'rounded' | undefined;
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === 'number') {
      if (!Number.isFinite(current)) return 'overflow';
      if (roundedByJson(current)) change = 'rounded';
    } else if (typeof current === 'object' && current !== null) {
      for (const child of Array.isArray(current) ? current : Object.values(current)) stack.push(child);
    }
  }
  return change;
}

const NON_FINITE_MARK = '\u0000non-finite:';
const NON_FINITE_MARKED = /"\\u0000non-finite:(-?Infinity|NaN)"/g;

/**
 * JSON.stringify of `value` with each number JSON cannot hold (±Infinity, NaN, which it writes
 * as null) written as `write` gives it: `Infinity` in a message, `1e999` in JSON text to read
 * back (JSON.parse makes ±Infinity of it). Undefined where JSON.stringify gives undefined.
 */
export function stringifyNonFinite(value: unknown, write: (n: number) => string): string | undefined {
  const marked = JSON.stringify(value, (_key, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? NON_FINITE_MARK + String(x) : x)) as string | undefined;
  return marked?.replace(NON_FINITE_MARKED, (_match, n: string) => write(Number(n)));
}

/** Whether a JSON value holds every number as its producer wrote it (jsonNumberChange). */
export function keepsItsNumbers(value: unknown): boolean {
  return jsonNumberChange(value) === undefined;
}

/** Whether a text holds no half of a UTF-16 surrogate pair (String.prototype.isWellFormed, ES2024). */
export function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/**
 * A column with no declared type (BLOB affinity, `any`) stores what it is given, as SQLite
 * does: CSV/TSV text stays text (an empty field is missing), as the sqlite3 shell's .import
 * keeps it.
 */
function coerceAnyText(v: unknown): unknown {
  return v === '' || v === null ? undefined : v;
}

/**
 * JSON values keep their JSON type in an `any` column: a string is text ("" too), an integer
 * an INTEGER (a BigInt: better-sqlite3 binds every JavaScript number as a REAL, which a column
 * of BLOB affinity keeps as 5.0), a fraction a REAL, true/false 1/0 (as barge stores
 * booleans), an object or array its JSON text. An integer JSON.parse rounded, Infinity (1e309)
 * and an object holding such an integer are left for the zod schema to reject.
 */
function coerceAnyJson(v: unknown): unknown {
  if (v === null) return undefined;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'object') return keepsItsNumbers(v) ? JSON.stringify(v) : v;
  return v;
}

/** Dates and datetimes are strings in both modes; "" is missing because the column is not a string column. */
function coerceDateLike(v: unknown): unknown {
  return v === '' || v === null ? undefined : v;
}

export function coercerFor(type: ColumnType, text: boolean): Coerce {
  switch (type) {
    case 'string':
      return text ? coerceTextString : coerceJsonString;
    case 'integer':
      return coerceInteger;
    case 'number':
      return coerceNumber;
    case 'boolean':
      return coerceBoolean;
    case 'date':
    case 'datetime':
      return coerceDateLike;
    case 'json':
      return coerceJson;
    case 'any':
      return text ? coerceAnyText : coerceAnyJson;
  }
}

/**
 * A record is a plain object, so zod reads a column named like an Object.prototype member
 * ("constructor", "toString", "valueOf") that the record lacks from the prototype: a function,
 * which then failed as "expected a string, got function Object() ...". Records never hold
 * functions (JSON and CSV cannot), so a function is a missing value. Only such columns pay this.
 */
export function missingIfInherited(coerce: Coerce): Coerce {
  return (v) => (typeof v === 'function' ? undefined : coerce(v));
}
