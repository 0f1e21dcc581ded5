import * as z from 'zod';
import { BargeError } from '../errors.js';
import { coercerFor, INT64_MAX, INT64_MIN, isWellFormed, keepsItsNumbers, roundedByJson } from './coerce-value.js';
import { keptByNumericAffinity } from './affinity.js';
import { describeIssue, LONE_SURROGATE_MESSAGE, NUL_MESSAGE, NUMERIC_AFFINITY_MESSAGE, showValue, TYPE_EXPECTED, UNSAFE_INTEGER_MESSAGE } from './issue-messages.js';
import type { ColumnSpec, ColumnType, SchemaSpec } from './types.js';

// One column's zod schema (the type and its constraints, without the coercion), whether a
// column is required, and a valid value's row value (finisherFor, defaultRowValue).

// ---- zod schemas --------------------------------------------------------------------------

function hasNoNul(v: string): boolean {
  return !v.includes('\u0000');
}

export function isObjectOrArray(v: unknown): boolean {
  return typeof v === 'object' && v !== null;
}

/**
 * The datetime format: zod's own ISO 8601 pattern (offset or local time, as z.iso.datetime
 * reads it), or a date alone, with a space allowed in place of the `T`, as RFC 3339 (§5.6) allows and as SQLite
 * writes a datetime (CURRENT_TIMESTAMP, datetime()): "2026-11-24 06:33:36". A table barge did
 * not create holds such text, and its export must import again. The text is stored as given.
 * A string format of zod's named "datetime", so issues keep that format (describeIssue), and
 * the fast path reads the pattern back from the schema, as for any format.
 */
export const DATETIME_PATTERN: RegExp = (() => {
  const zods = (z.iso.datetime({ offset: true, local: true }) as unknown as { _zod: { def: { pattern: RegExp } } })._zod.def.pattern;
  // The one literal T of the pattern: between the date and the time, which may be left out
  // (a date alone: what SQLite's CURRENT_DATE default writes into a DATETIME column, whose own
  // export then could not be imported again).
  const source = zods.source.replace(')))T(?:', ')))(?:[T ](?:');
  if (source === zods.source || !source.endsWith('$')) throw new Error('zod\'s datetime pattern changed: allow the space form and a date alone again');
  return new RegExp(`${source.slice(0, -1)})?$`, zods.flags);
})();

function textSchema() {
  // A NUL is never text: it comes from a binary file or a UTF-16 file read as UTF-8, and
  // SQLite's text functions (and most tools: the sqlite3 shell, C drivers) stop at it, so a
  // value holding one would load but read back cut short. Rejected (code "type", see
  // describeIssue) rather than stored. First, so that it is the error reported.
  // Nor is half of a UTF-16 surrogate pair (a JSON escape such as "\ud800" alone): no
  // encoding can store it, and SQLite kept bytes that read back as three U+FFFD.
  return z.string().refine(hasNoNul, { message: NUL_MESSAGE }).refine(isWellFormed, { message: LONE_SURROGATE_MESSAGE });
}

function notRoundedByJson(n: number): boolean {
  return !roundedByJson(n);
}

const TWO_TO_63 = 2 ** 63;

/**
 * For a NUMERIC column: not an integer JSON.parse may have rounded from one SQLite would keep
 * exact (2^53 to 2^63). Beyond SQLite's 64-bit range a number is a REAL there whatever its
 * digits were (as is integer text that long, coerceNumber), and barge's export writes a REAL of
 * such a column so (12345678901234567000), so it is kept; an integer within the range is
 * exported as a string of digits, never as such a number. Both ends are open: the doubles
 * ±2^63 are what integer text just beyond the range rounds to (-9223372036854775809 reads as
 * -2^63, as 9223372036854775808 is 2^63), a REAL where SQLite stores one
 * (https://sqlite.org/datatype3.html#type_affinity: integer text too large for a 64-bit integer
 * "is converted to REAL").
 */
function notRoundedInt64(n: number): boolean {
  return !(Number.isInteger(n) && !Number.isSafeInteger(n) && n > -TWO_TO_63 && n < TWO_TO_63);
}

function bigintAsDouble(v: unknown): unknown {
  return typeof v === 'bigint' ? Number(v) : v;
}

/** A generated column's field is ignored: whatever the record holds, its value is missing (never written, batch-writer.ts). */
const IGNORED = z.unknown().transform(() => undefined);

/** The zod schema of one column's coerced value, without optionality. */
export function valueSchema(spec: ColumnSpec, withEnum: boolean): z.ZodType {
  if (spec.generated === true) return IGNORED;
  if (withEnum && spec.enum !== undefined && spec.enum.length > 0) {
    // The schema file check makes every enum value satisfy the type and the other
    // constraints, so the enum alone decides.
    const values = spec.enum;
    if (values.every((v): v is string => typeof v === 'string')) return z.enum(values as [string, ...string[]]);
    const literal = z.literal(values as [z.core.util.Literal, ...z.core.util.Literal[]]);
    // A number column's value is a double: integer text beyond 2^53 arrives as a BigInt
    // (coerceNumber), which never equals a listed number; compared as its double, as the
    // column stores it (valueSchema's REAL branch below) and as the fast path compares it.
    return spec.type === 'number' ? z.preprocess(bigintAsDouble, literal) : literal;
  }
  switch (spec.type) {
    case 'string': {
      let s = textSchema();
      if (spec.minLength !== undefined) s = s.min(spec.minLength);
      if (spec.maxLength !== undefined) s = s.max(spec.maxLength);
      if (spec.pattern !== undefined) s = s.regex(patternRegExp(spec.pattern));
      if (spec.numericAffinity === true) return s.refine(keptByNumericAffinity, { message: NUMERIC_AFFINITY_MESSAGE });
      return s;
    }
    case 'integer': {
      let small = z.int();
      let big = z.bigint().min(INT64_MIN).max(INT64_MAX);
      if (spec.min !== undefined) {
        small = small.min(spec.min);
        big = big.min(BigInt(Math.ceil(spec.min)));
      }
      if (spec.max !== undefined) {
        small = small.max(spec.max);
        big = big.max(BigInt(Math.floor(spec.max)));
      }
      // A bigint only comes from integer text beyond 2^53; z.int() fails it with an aborting
      // type issue, so the union reports the bigint branch's range issue as is.
      return z.union([small, big]);
    }
    case 'number': {
      let s = z.number(); // rejects NaN and ±Infinity
      if (spec.min !== undefined) s = s.min(spec.min);
      if (spec.max !== undefined) s = s.max(spec.max);
      // Integer text beyond 2^53 is a BigInt after coercion (coerceNumber).
      if (spec.exactIntegers !== true) {
        // A REAL column: the double it always was (Number() rounds as Number(text) does).
        return z.union([s, z.bigint().transform(Number).pipe(s)]);
      }
      // NUMERIC affinity: SQLite keeps such an integer exact, so barge does; a JSON number that
      // JSON.parse has rounded is rejected (quote it), not stored as another integer.
      let big = z.bigint().min(INT64_MIN).max(INT64_MAX);
      if (spec.min !== undefined) big = big.min(BigInt(Math.ceil(spec.min)));
      if (spec.max !== undefined) big = big.max(BigInt(Math.floor(spec.max)));
      return z.union([s.refine(notRoundedInt64, { message: UNSAFE_INTEGER_MESSAGE }), big]);
    }
    case 'boolean':
      return z.boolean();
    case 'date':
      return z.iso.date(); // a real calendar date: 2024-02-30 and 2023-02-29 fail
    case 'datetime':
      // ISO 8601 with T (or a space): a Z or ±hh:mm offset, or local time without one; or a date alone.
      return z.stringFormat('datetime', DATETIME_PATTERN);
    case 'json':
      return z.custom<object>(isObjectOrArray).refine(keepsItsNumbers, { message: UNSAFE_INTEGER_MESSAGE });
    case 'any':
      // What coerceAnyJson / coerceAnyText give: text, an integer (a BigInt), a finite number.
      return z.union([textSchema(), z.bigint(), z.number().refine(notRoundedByJson, { message: UNSAFE_INTEGER_MESSAGE })]);
  }
}

/**
 * A `pattern`'s RegExp: searched, not anchored for the user (anchor it with ^…$), and with
 * Unicode semantics when the pattern allows them (the `u` flag), so that `\p{L}` means a
 * letter and `.` one character, an emoji included, as minLength/maxLength count them. Without
 * `u`, `^\p{L}+$` matched only the text "p{L}". A pattern that is not valid with `u` (an
 * escape such as `\-` outside a class) keeps the older, non-Unicode reading.
 */
export function patternRegExp(pattern: string): RegExp {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return new RegExp(pattern);
  }
}

/**
 * Primary key columns must be present, except a lone integer primary key that SQLite may fill
 * in: it is the rowid (https://sqlite.org/lang_createtable.html#rowid), and a missing one gets
 * the next rowid, whatever the schema says. So only where the schema puts no constraint on it
 * that such a number could break (keyConstraintsOf). (A foreign table's lone integer key that is
 * not the rowid is marked required where its schema is read, from-table.ts.)
 */
export function isEffectivelyRequired(spec: SchemaSpec, name: string): boolean {
  const col = spec.columns[name];
  if (col === undefined) return false;
  // SQLite fills in an expression default (NOT NULL or not) and computes a generated column.
  if (col.default !== undefined || col.sqlDefault !== undefined || col.generated === true) return false;
  if (col.required === true) return true;
  const pk = spec.primaryKey ?? [];
  if (!pk.includes(name)) return false;
  return !(pk.length === 1 && col.type === 'integer' && keyConstraintsOf(col) === undefined);
}

/**
 * The constraints of an integer column that a number SQLite picks (the next rowid: one more
 * than the largest, or a random one once the largest is 2^63-1,
 * https://sqlite.org/autoinc.html) need not meet, as words ("max 3", "enum 10|20"), or
 * undefined when it has none: its min, max, enum, or a reference into another table.
 */
export function keyConstraintsOf(col: ColumnSpec): string | undefined {
  const words: string[] = [];
  // min 1 (or lower) is what an auto-numbered id usually says, and the next rowid meets it
  // (it is below 1 only where ids under 1 were written, by another tool).
  if (col.min !== undefined && col.min > 1) words.push(`min ${col.min}`);
  if (col.max !== undefined) words.push(`max ${col.max}`);
  if (col.enum !== undefined && col.enum.length > 0) words.push(`enum ${col.enum.map(String).join('|')}`);
  if (col.references !== undefined) words.push(`reference to ${col.references}`);
  return words.length === 0 ? undefined : words.join(', ');
}

/**
 * Why a missing value of `name` is an error beyond "is required", or undefined: a lone integer
 * primary key SQLite would number itself, but for constraints (keyConstraintsOf).
 */
export function requiredReason(spec: SchemaSpec, name: string): string | undefined {
  const col = spec.columns[name];
  const pk = spec.primaryKey ?? [];
  if (col === undefined || col.required === true || pk.length !== 1 || pk[0] !== name || col.type !== 'integer') return undefined;
  const constraints = keyConstraintsOf(col);
  return constraints === undefined ? undefined : `SQLite would give a missing key the next rowid, a number its ${constraints} may not allow`;
}

/**
 * What JSON `null` gives a column: NULL, as the file says, where the column may hold NULL, even
 * when it has a default (a table exported with NULLs there came back with the default); in a
 * required or primary key column, NULL cannot be, so null is a missing value (the default, else
 * "is required").
 * A CSV field has no null: an empty one is missing.
 */
export function nullIsNull(spec: SchemaSpec, name: string): boolean {
  // A primary key column is NOT NULL (to-ddl.ts) even with a default: null is missing there.
  return spec.columns[name]?.required !== true && !(spec.primaryKey ?? []).includes(name) && !isEffectivelyRequired(spec, name);
}

// ---- compiled columns ---------------------------------------------------------------------

/** Row value of a coerced, valid value: booleans as 1/0, json as JSON text. */
export type Finish = (value: unknown) => unknown;
const asIs: Finish = (v) => v;
const booleanToInteger: Finish = (v) => (v === true ? 1 : 0);
const jsonToText: Finish = (v) => JSON.stringify(v);

export function finisherFor(type: ColumnType): Finish {
  if (type === 'boolean') return booleanToInteger;
  if (type === 'json') return jsonToText;
  return asIs;
}

/**
 * Why `value` cannot be a value of a column with `spec` (as JSON would give it: native
 * types only, no coercion from strings), or undefined when it can. Used by the schema
 * file check for `default` and `enum` values.
 */
export function valueProblem(spec: ColumnSpec, value: unknown, options: { withEnum: boolean }): string | undefined {
  if (!nativeTypeFits(spec.type, value)) return `${TYPE_EXPECTED[spec.type]}, got ${showValue(value)}`;
  const schema = valueSchema(spec, options.withEnum);
  const result = schema.safeParse(value);
  if (result.success) return undefined;
  const first = result.error.issues[0];
  if (first === undefined) return `${TYPE_EXPECTED[spec.type]}, got ${showValue(value)}`;
  return describeIssue('', spec, (v) => v, first, value).message;
}

function nativeTypeFits(type: ColumnType, v: unknown): boolean {
  switch (type) {
    case 'string':
    case 'date':
    case 'datetime':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'json':
      return isObjectOrArray(v);
    case 'any':
      return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
  }
}

/**
 * The row value of a missing value in a column with a SQL default barge cannot give itself
 * (ColumnSpec.sqlDefault: CURRENT_TIMESTAMP, an expression): a zero-length byte array, which
 * no input ever gives (barge writes no BLOBs), and which the worker's packed chunks carry as
 * it is (packed-chunk.ts, "others"; a structured clone keeps it a Uint8Array). batch-writer.ts
 * binds it where such a column's INSERT reads `CASE WHEN typeof(?) = 'blob' THEN (<default>)
 * ELSE ? END`, so SQLite evaluates the default per row, as its own INSERT would.
 */
export const SQL_DEFAULT: Uint8Array = new Uint8Array(0);

/** Whether a row value is SQL_DEFAULT (or its copy from a worker). */
export function isSqlDefault(value: unknown): boolean {
  return value instanceof Uint8Array && value.length === 0;
}

/** The row value of a column's default (validated by the schema file check). */
export function defaultRowValue(name: string, spec: ColumnSpec): unknown {
  if (spec.generated === true) return null;
  if (spec.sqlDefault !== undefined && spec.default === undefined) return SQL_DEFAULT;
  if (spec.default === undefined) return null;
  const problem = valueProblem(spec, spec.default, { withEnum: true });
  if (problem !== undefined) {
    throw new BargeError('schema', `column ${JSON.stringify(name)}: default: ${problem}`);
  }
  return finisherFor(spec.type)(coercerFor(spec.type, false)(spec.default));
}
