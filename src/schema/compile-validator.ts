import { z } from 'zod';
import { BargeError } from '../errors.js';
import type { ColumnSpec, ColumnType, FieldError, SchemaSpec } from './types.js';

/**
 * Compiles a SchemaSpec to a record validator. Zod is the source of truth for
 * what is valid: each column is a zod schema (coercion as a preprocess step,
 * then the type and its constraints), the record is one z.object of those,
 * built and AOT-compiled (z.compile) once per spec and input mode. Zod's
 * issues are then turned into barge's own short messages, written from the
 * issue code and the column spec, never zod's default English.
 *
 * Speed (Node 20, one core, 100k CSV-like records, 10 columns, all valid), zod
 * alone: whole-object safeParse ~0.7M records/s, per-column safeParse ~0.6M/s,
 * z.compile'd whole object ~1.5M/s. Through validate() with the row built
 * (plain node on tsc output): ~0.8M/s on the first, cold pass, ~1.4M/s warm;
 * ~0.4M/s with 10% invalid records and ~0.1M/s with all invalid, as zod re-runs
 * a failing record on its slower, issue-collecting path. So: one compiled object
 * schema per spec and mode, nothing per record beyond zod's output object, the
 * row array and the result.
 */

export interface Validator {
  /** Spec column names, in insert order. */
  columns: string[];
  /**
   * data: field -> value as read; text: values are strings from CSV/TSV to be coerced.
   * Keys starting with "_barge" are barge's own (report metadata) and are ignored.
   */
  validate(data: Record<string, unknown>, text: boolean): ValidationResult;
}

export type ValidationResult = { ok: true; row: unknown[] } | { ok: false; errors: FieldError[] };

/** Text an integer column accepts: no exponent, hex, sign "+", spaces or separators. */
export const INTEGER_TEXT = /^-?\d+$/;
/** Text a number column accepts: decimal and exponent notation; not NaN, Infinity, "1,5", "0x10". */
export const NUMBER_TEXT = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

// SQLite INTEGER is a signed 64-bit integer; better-sqlite3 throws when binding a BigInt beyond it.
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const BOOLEAN_WORDS = new Map<string, boolean>([
  ['true', true],
  ['false', false],
  ['1', true],
  ['0', false],
  ['yes', true],
  ['no', false],
]);

/** "true"/"YES"/"0" -> boolean; anything else (including "Y", "on") -> undefined. */
export function parseBooleanWord(text: string): boolean | undefined {
  // The exact-case lookup spares the lowercase copy for the common spellings.
  return BOOLEAN_WORDS.get(text) ?? BOOLEAN_WORDS.get(text.toLowerCase());
}

/** What a column accepts once coerced, and how to say what it expected. */
const TYPE_EXPECTED: Record<ColumnType, string> = {
  string: 'expected a string',
  integer: 'expected an integer',
  number: 'expected a number',
  boolean: 'expected true/false/1/0/yes/no',
  date: 'expected a date YYYY-MM-DD',
  datetime: 'expected an ISO 8601 datetime such as 2024-05-01T12:00:00Z',
  json: 'expected a JSON object or array',
};

// ---- coercion: the preprocess step of each column ----------------------------------------
// Each returns undefined for a missing value (it then takes the default, or NULL, or fails
// `required`), the coerced value, or the value unchanged for zod to reject with a type issue.

type Coerce = (value: unknown) => unknown;

function coerceInteger(v: unknown): unknown {
  if (typeof v === 'string') {
    if (v === '') return undefined;
    if (!INTEGER_TEXT.test(v)) return v;
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
    return NUMBER_TEXT.test(v) ? Number(v) + 0 : v;
  }
  if (v === null) return undefined;
  return v;
}

function coerceBoolean(v: unknown): unknown {
  if (typeof v === 'string') {
    if (v === '') return undefined;
    const b = parseBooleanWord(v);
    return b === undefined ? v : b;
  }
  // JSON 1/0 are accepted like the text "1"/"0": it is how SQLite stores a boolean.
  if (v === 1) return true;
  if (v === 0) return false;
  if (v === null) return undefined;
  return v;
}

function coerceJson(v: unknown): unknown {
  if (typeof v === 'string') {
    if (v === '') return undefined;
    // JSON text (from CSV, or a CSV-born report re-read as NDJSON) must hold an object or array.
    const first = v.trimStart()[0];
    if (first !== '{' && first !== '[') return v;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  }
  if (v === null) return undefined;
  return v;
}

/** Text fields: an empty field is missing, whatever the type. */
function coerceTextString(v: unknown): unknown {
  return v === '' || v === null ? undefined : v;
}

/**
 * JSON string columns: "" is a value (JSON said so), null is missing. A JSON number or boolean
 * is NOT turned into a string: it is a type error. Silently stringifying would hide a producer
 * that sends `"zip": 2134` for "02134"; the user can quote the value or declare the column a number.
 */
function coerceJsonString(v: unknown): unknown {
  return v === null ? undefined : v;
}

/** Dates and datetimes are strings in both modes; "" is missing because the column is not a string column. */
function coerceDateLike(v: unknown): unknown {
  return v === '' || v === null ? undefined : v;
}

function coercerFor(type: ColumnType, text: boolean): Coerce {
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
  }
}

// ---- zod schemas --------------------------------------------------------------------------

const NUL_MESSAGE = 'nul';
function hasNoNul(v: string): boolean {
  return !v.includes('\u0000');
}

function isObjectOrArray(v: unknown): boolean {
  return typeof v === 'object' && v !== null;
}

/** The zod schema of one column's coerced value, without optionality. */
function valueSchema(spec: ColumnSpec, withEnum: boolean): z.ZodType {
  if (withEnum && spec.enum !== undefined && spec.enum.length > 0) {
    // The schema file check makes every enum value satisfy the type and the other
    // constraints, so the enum alone decides.
    const values = spec.enum;
    if (values.every((v): v is string => typeof v === 'string')) return z.enum(values as [string, ...string[]]);
    return z.literal(values as [z.core.util.Literal, ...z.core.util.Literal[]]);
  }
  switch (spec.type) {
    case 'string': {
      // A NUL is never text: it comes from a binary file or a UTF-16 file read as UTF-8, and
      // SQLite's text functions (and most tools: the sqlite3 shell, C drivers) stop at it, so a
      // value holding one would load but read back cut short. Rejected (code "type", see
      // describeIssue) rather than stored. First, so that it is the error reported.
      let s = z.string().refine(hasNoNul, { message: NUL_MESSAGE });
      if (spec.minLength !== undefined) s = s.min(spec.minLength);
      if (spec.maxLength !== undefined) s = s.max(spec.maxLength);
      // No flags: the pattern is an ordinary JavaScript RegExp, searched (anchor it with ^…$).
      if (spec.pattern !== undefined) s = s.regex(new RegExp(spec.pattern));
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
      return s;
    }
    case 'boolean':
      return z.boolean();
    case 'date':
      return z.iso.date(); // a real calendar date: 2024-02-30 and 2023-02-29 fail
    case 'datetime':
      // ISO 8601 with T: a Z or ±hh:mm offset, or local time without one.
      return z.iso.datetime({ offset: true, local: true });
    case 'json':
      return z.custom<object>(isObjectOrArray);
  }
}

/**
 * Primary key columns must be present, except a lone integer primary key: SQLite fills a
 * missing one in (it is the rowid, https://sqlite.org/lang_createtable.html#rowid).
 */
export function isEffectivelyRequired(spec: SchemaSpec, name: string): boolean {
  const col = spec.columns[name];
  if (col === undefined) return false;
  if (col.default !== undefined) return false;
  if (col.required === true) return true;
  const pk = spec.primaryKey ?? [];
  if (!pk.includes(name)) return false;
  return !(pk.length === 1 && col.type === 'integer');
}

// ---- messages -----------------------------------------------------------------------------

const SHOWN_LENGTH = 60;

/** A value as read, for a message: strings quoted, long values cut. */
export function showValue(v: unknown): string {
  if (typeof v === 'string') {
    return JSON.stringify(v.length > SHOWN_LENGTH ? v.slice(0, SHOWN_LENGTH) + '…' : v);
  }
  // JSON.stringify would say "null" for the Infinity that JSON.parse makes of 1e309.
  if (typeof v === 'bigint' || (typeof v === 'number' && !Number.isFinite(v))) return String(v);
  if (v === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  return text.length > SHOWN_LENGTH ? text.slice(0, SHOWN_LENGTH) + '…' : text;
}

function showBound(v: number | bigint): string {
  return String(v);
}

/** `value` of a FieldError: the value as read, JSON-safe. */
function reportedValue(raw: unknown): unknown {
  if (raw === undefined) return null;
  // Infinity (JSON's 1e309) would be written as null in the JSON report.
  if (typeof raw === 'bigint' || (typeof raw === 'number' && !Number.isFinite(raw))) return String(raw);
  return raw;
}

function article(type: ColumnType): string {
  return type === 'integer' ? 'an integer' : 'a number';
}

/** One zod issue on one column -> barge's FieldError. */
function describeIssue(
  name: string,
  spec: ColumnSpec,
  coerce: Coerce,
  issue: z.core.$ZodIssue,
  raw: unknown,
): FieldError {
  const value = reportedValue(raw);
  const got = showValue(raw);
  const coerced = coerce(raw);
  if (coerced === undefined) return { column: name, code: 'required', message: 'is required', value };
  switch (issue.code) {
    case 'custom':
      if (issue.message === NUL_MESSAGE) {
        return { column: name, code: 'type', message: `expected text without NUL (\\u0000) characters, got ${got}`, value };
      }
      break;
    case 'invalid_value':
      return {
        column: name,
        code: 'enum',
        message: `expected one of ${(spec.enum ?? issue.values).map((v) => (typeof v === 'string' ? v : showValue(v))).join('|')}, got ${got}`,
        value,
      };
    case 'invalid_format':
      if (issue.format === 'regex') {
        return { column: name, code: 'pattern', message: `does not match pattern ${spec.pattern}, got ${got}`, value };
      }
      break;
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      if (spec.type === 'string' && typeof coerced === 'string') {
        const limit = small ? spec.minLength : spec.maxLength;
        return {
          column: name,
          code: issue.code,
          message: `expected ${small ? 'at least' : 'at most'} ${limit} characters, got ${coerced.length}`,
          value,
        };
      }
      if (typeof coerced === 'number' || typeof coerced === 'bigint') {
        if (small && spec.min !== undefined && coerced < spec.min) {
          return { column: name, code: 'too_small', message: `expected ${article(spec.type)} >= ${spec.min}, got ${got}`, value };
        }
        if (!small && spec.max !== undefined && coerced > spec.max) {
          return { column: name, code: 'too_big', message: `expected ${article(spec.type)} <= ${spec.max}, got ${got}`, value };
        }
        // Not the user's bound: the range barge can store exactly.
        if (typeof coerced === 'bigint') {
          return {
            column: name,
            code: issue.code,
            message: `expected an integer between ${INT64_MIN} and ${INT64_MAX} (SQLite's range), got ${got}`,
            value,
          };
        }
        return {
          column: name,
          code: issue.code,
          message: `expected an integer between ${showBound(-Number.MAX_SAFE_INTEGER)} and ${showBound(Number.MAX_SAFE_INTEGER)}, got ${got} (write larger integers as strings to keep them exact)`,
          value,
        };
      }
      break;
    }
  }
  return { column: name, code: 'type', message: `${TYPE_EXPECTED[spec.type]}, got ${got}`, value };
}

// ---- compiled columns ---------------------------------------------------------------------

/** Row value of a coerced, valid value: booleans as 1/0, json as JSON text. */
type Finish = (value: unknown) => unknown;
const asIs: Finish = (v) => v;
const booleanToInteger: Finish = (v) => (v === true ? 1 : 0);
const jsonToText: Finish = (v) => JSON.stringify(v);

function finisherFor(type: ColumnType): Finish {
  if (type === 'boolean') return booleanToInteger;
  if (type === 'json') return jsonToText;
  return asIs;
}

interface CompiledColumn {
  name: string;
  spec: ColumnSpec;
  coerce: Coerce;
  finish: Finish;
  /** The row value for a missing value: the default, or NULL. */
  missing: unknown;
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
  }
}

/** The row value of a column's default (validated by the schema file check). */
function defaultRowValue(name: string, spec: ColumnSpec): unknown {
  if (spec.default === undefined) return null;
  const problem = valueProblem(spec, spec.default, { withEnum: true });
  if (problem !== undefined) {
    throw new BargeError('schema', `column ${JSON.stringify(name)}: default: ${problem}`);
  }
  return finisherFor(spec.type)(coercerFor(spec.type, false)(spec.default));
}

interface ModeValidator {
  schema: z.ZodType;
  columns: CompiledColumn[];
  /** The row of a record zod is sure to accept, or undefined to ask zod (see compileFastPath). */
  fast: FastPath | undefined;
}

function compileMode(spec: SchemaSpec, names: string[], text: boolean, fastPath: boolean): ModeValidator {
  const shape: Record<string, z.ZodType> = {};
  const columns: CompiledColumn[] = [];
  for (const name of names) {
    const col = spec.columns[name] as ColumnSpec;
    const coerce = name in Object.prototype ? missingIfInherited(coercerFor(col.type, text)) : coercerFor(col.type, text);
    const base = valueSchema(col, true);
    const value = isEffectivelyRequired(spec, name) ? base : base.optional();
    shape[name] = z.preprocess(coerce, value);
    columns.push({ name, spec: col, coerce, finish: finisherFor(col.type), missing: defaultRowValue(name, col) });
  }
  // z.object strips keys it does not know; extra fields are checked by hand below so that
  // "_barge…" keys can be skipped, which a strict object cannot express.
  return { schema: z.compile(z.object(shape)), columns, fast: fastPath ? compileFastPath(spec, names, text) : undefined };
}

/**
 * A record is a plain object, so zod reads a column named like an Object.prototype member
 * ("constructor", "toString", "valueOf") that the record lacks from the prototype: a function,
 * which then failed as "expected a string, got function Object() ...". Records never hold
 * functions (JSON and CSV cannot), so a function is a missing value. Only such columns pay this.
 */
function missingIfInherited(coerce: Coerce): Coerce {
  return (v) => (typeof v === 'function' ? undefined : coerce(v));
}

// ---- the fast path ------------------------------------------------------------------------

/**
 * The row of a record, or undefined to let zod decide. See compileFastPath.
 */
export type FastPath = (data: Record<string, unknown>) => unknown[] | undefined;

const SURROGATE = /[\uD800-\uDFFF]/;

/** What a column's fast check returns when it is not sure: the record goes to zod. */
const ASK_ZOD = Symbol('ask zod');
type FastColumn = (raw: unknown) => unknown;

/**
 * A hand-written check of the common, valid case, beside zod and never instead of it: it
 * returns a row only for a record it is sure zod accepts, with the very row zod's output
 * gives; for anything else (an invalid value, a value it does not handle, a doubt such as a
 * string whose length in code points is near a bound) it returns undefined and zod decides
 * and words the errors. So zod stays the one source of truth for what is valid, and the
 * verdicts cannot differ: test/unit/perf-validator-fast-path.test.ts checks, over
 * generated records of every column type and constraint, that the fast path only ever
 * accepts records zod accepts with the same row (values compared with Object.is), that it
 * accepts the ordinary valid records, and that the validators with and without it give the
 * same results.
 *
 * Why: on the benchmark's 1M-row CSV, validation was ~0.9-1.0 s of the import worker's
 * ~2.8 s of CPU (zod's object parse, preprocess and union, its output object). validate()
 * on the benchmark's records (Node 20, CPU time, 300k records, warm): CSV 1.06M/s with zod
 * alone, 1.5-2.0M/s with the fast path; NDJSON 1.17-1.22M/s -> 2.1-3.0M/s.
 */
export function compileFastPath(spec: SchemaSpec, names: string[], text: boolean): FastPath | undefined {
  const checks: FastColumn[] = [];
  for (const name of names) {
    // A key inherited from Object.prototype would read as a function: zod's path handles it.
    if (name in Object.prototype) return undefined;
    const col = spec.columns[name] as ColumnSpec;
    const missing = isEffectivelyRequired(spec, name) ? ASK_ZOD : defaultRowValue(name, col);
    const check = fastColumn(col, text, missing);
    if (check === undefined) return undefined;
    checks.push(check);
  }
  // One generated function per schema, a call per column written out: each call site then
  // sees one check only and V8 inlines it (a loop over the checks was measured slower, as
  // its one call site sees them all). The source holds only indexes; names are data.
  const lines = names.map((_, i) => `const v${i} = c${i}(d[k${i}]); if (v${i} === A) return undefined;`);
  const body = `const ${names.map((_, i) => `c${i} = c[${i}], k${i} = k[${i}]`).join(', ') || '_ = 0'};
return function fast(d) {
${lines.join('\n')}
return [${names.map((_, i) => `v${i}`).join(', ')}];
};`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function('c', 'k', 'A', body) as (c: FastColumn[], k: string[], a: symbol) => FastPath;
  return make(checks, names, ASK_ZOD);
}

/**
 * One column's fast check: the row value (`missing` when the value is: the default, NULL, or
 * ASK_ZOD when the column is required), or ASK_ZOD. Mirrors the column's
 * coercion (coercerFor) and zod schema (valueSchema), accepting only what both surely give.
 */
function fastColumn(col: ColumnSpec, text: boolean, missing: unknown): FastColumn | undefined {
  const value = fastValue(col);
  if (value === undefined) return undefined;
  const { type } = col;
  if (type === 'json') {
    return (raw) => {
      const coerced = coerceJson(raw);
      if (coerced === undefined) return missing;
      return isObjectOrArray(coerced) ? JSON.stringify(coerced) : ASK_ZOD;
    };
  }
  if (type === 'string') {
    // Text: an empty field is missing. JSON: "" is a value, null is missing.
    return text
      ? (raw) => (raw === undefined || raw === '' || raw === null ? missing : typeof raw === 'string' ? value(raw) : ASK_ZOD)
      : (raw) => (raw === undefined || raw === null ? missing : typeof raw === 'string' ? value(raw) : ASK_ZOD);
  }
  if (type === 'date' || type === 'datetime') {
    return (raw) => (raw === undefined || raw === '' || raw === null ? missing : typeof raw === 'string' ? value(raw) : ASK_ZOD);
  }
  if (type === 'integer') {
    return (raw) => {
      if (typeof raw === 'string') {
        if (raw === '') return missing;
        if (!INTEGER_TEXT.test(raw)) return ASK_ZOD;
        const n = Number(raw);
        // Beyond 2^53 the value is a BigInt: zod's path.
        return Number.isSafeInteger(n) ? value(n + 0) : ASK_ZOD;
      }
      if (raw === undefined || raw === null) return missing;
      // A JSON number is kept as it is (-0 included), as coerceInteger does.
      return typeof raw === 'number' && Number.isSafeInteger(raw) ? value(raw) : ASK_ZOD;
    };
  }
  if (type === 'number') {
    return (raw) => {
      if (typeof raw === 'string') {
        if (raw === '') return missing;
        if (!NUMBER_TEXT.test(raw)) return ASK_ZOD;
        const n = Number(raw) + 0;
        return Number.isFinite(n) ? value(n) : ASK_ZOD;
      }
      if (raw === undefined || raw === null) return missing;
      return typeof raw === 'number' && Number.isFinite(raw) ? value(raw) : ASK_ZOD;
    };
  }
  // boolean
  return (raw) => {
    if (typeof raw === 'string') {
      if (raw === '') return missing;
      const b = parseBooleanWord(raw);
      return b === undefined ? ASK_ZOD : value(b);
    }
    if (raw === undefined || raw === null) return missing;
    if (raw === true || raw === 1) return value(true);
    if (raw === false || raw === 0) return value(false);
    return ASK_ZOD;
  };
}

/**
 * A coerced value's check against the column's zod schema: its row value, or ASK_ZOD.
 * Undefined for a schema this does not mirror (zod alone then checks every record).
 */
function fastValue(col: ColumnSpec): ((coerced: unknown) => unknown) | undefined {
  const schema = valueSchema(col, true);
  if (col.enum !== undefined && col.enum.length > 0) {
    // The enum alone decides (valueSchema): z.enum / z.literal test membership in a Set.
    if (!col.enum.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) return undefined;
    const allowed = new Set<unknown>(col.enum);
    const finish = finisherFor(col.type);
    return (v: unknown) => (allowed.has(v) ? finish(v) : ASK_ZOD);
  }
  switch (col.type) {
    case 'string': {
      const { minLength, maxLength } = col;
      const pattern = col.pattern === undefined ? undefined : new RegExp(col.pattern);
      if (pattern !== undefined && (pattern.global || pattern.sticky)) return undefined;
      return (coerced) => {
        const v = coerced as string;
        if (v.includes('\u0000')) return ASK_ZOD;
        // zod counts code points, one or two UTF-16 units each: decided here only where the
        // count of units settles it (or the text has no surrogates, so the two counts agree).
        if (maxLength !== undefined && v.length > maxLength) return ASK_ZOD;
        if (minLength !== undefined && v.length < minLength * 2 && (v.length < minLength || SURROGATE.test(v))) return ASK_ZOD;
        if (pattern !== undefined && !pattern.test(v)) return ASK_ZOD;
        return v;
      };
    }
    case 'integer': {
      const min = col.min ?? -Infinity;
      const max = col.max ?? Infinity;
      return (v) => ((v as number) >= min && (v as number) <= max ? v : ASK_ZOD);
    }
    case 'number': {
      const min = col.min ?? -Infinity;
      const max = col.max ?? Infinity;
      return (v) => ((v as number) >= min && (v as number) <= max ? v : ASK_ZOD);
    }
    case 'boolean':
      return (v) => (v === true ? 1 : 0);
    case 'date':
    case 'datetime': {
      // zod's own pattern for the format, taken from the schema it checks with.
      const pattern = (schema as unknown as { _zod: { def: { pattern?: unknown } } })._zod.def.pattern;
      if (!(pattern instanceof RegExp) || pattern.global || pattern.sticky) return undefined;
      return (v) => (pattern.test(v as string) ? v : ASK_ZOD);
    }
    case 'json':
      return (v) => v;
  }
}

const EXTRA_PREFIX = '_barge';

export interface CompileOptions {
  /** false: every record goes through zod (the property test compares the two). Default true. */
  fastPath?: boolean;
}

/** Compile `spec` once; the returned validator is reused for every record. */
export function compileValidator(spec: SchemaSpec, options: CompileOptions = {}): Validator {
  const fastPath = options.fastPath ?? true;
  const names = Object.keys(spec.columns);
  const known = new Set(names);
  const rejectExtra = (spec.extraColumns ?? 'reject') === 'reject';
  // Built on first use: most runs read only text (CSV/TSV) or only JSON.
  let textMode: ModeValidator | undefined;
  let jsonMode: ModeValidator | undefined;

  function validate(data: Record<string, unknown>, text: boolean): ValidationResult {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      // A JSON array element that is not an object (`[1, 2]`): no fields to speak of.
      const message = `expected a record (an object of fields), got ${showValue(data)}`;
      return { ok: false, errors: [{ column: null, code: 'type', message, value: reportedValue(data) }] };
    }
    const mode = text ? (textMode ??= compileMode(spec, names, true, fastPath)) : (jsonMode ??= compileMode(spec, names, false, fastPath));
    let errors: FieldError[] | undefined;
    const fastRow = mode.fast?.(data);
    if (fastRow !== undefined) {
      if (!rejectExtra) return { ok: true, row: fastRow };
      errors = extraFieldErrors(data, known);
      // The fast path accepts only what zod accepts: the columns are fine, the extra fields are not.
      return errors === undefined ? { ok: true, row: fastRow } : { ok: false, errors };
    }
    const result = mode.schema.safeParse(data);
    if (result.success) {
      const out = result.data as Record<string, unknown>;
      const cols = mode.columns;
      const row = new Array<unknown>(cols.length);
      for (let i = 0; i < cols.length; i++) {
        const c = cols[i] as CompiledColumn;
        const v = out[c.name];
        row[i] = v === undefined ? c.missing : c.finish(v);
      }
      if (!rejectExtra) return { ok: true, row };
      errors = extraFieldErrors(data, known);
      if (errors === undefined) return { ok: true, row };
      return { ok: false, errors };
    }
    errors = issuesToErrors(result.error.issues, mode, data);
    if (rejectExtra) {
      const extra = extraFieldErrors(data, known);
      if (extra !== undefined) errors.push(...extra);
    }
    return { ok: false, errors };
  }

  return { columns: names, validate };
}

function extraFieldErrors(data: Record<string, unknown>, known: Set<string>): FieldError[] | undefined {
  let errors: FieldError[] | undefined;
  for (const key in data) {
    if (known.has(key) || key.startsWith(EXTRA_PREFIX)) continue;
    (errors ??= []).push({
      column: key,
      code: 'extra_column',
      message: `unexpected column ${JSON.stringify(key)} (not in the schema; set "extraColumns": "ignore" to drop it)`,
      value: reportedValue(data[key]),
    });
  }
  return errors;
}

function issuesToErrors(issues: readonly z.core.$ZodIssue[], mode: ModeValidator, data: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const issue of issues) {
    const key = issue.path[0];
    const col = typeof key === 'string' ? mode.columns.find((c) => c.name === key) : undefined;
    if (col === undefined) {
      // Not tied to a column: cannot happen once `data` is an object; kept so nothing is lost.
      errors.push({ column: null, code: 'type', message: 'expected a record (an object of fields)', value: null });
      continue;
    }
    if (seen.has(col.name)) continue; // one error per column: the first says enough
    seen.add(col.name);
    errors.push(describeIssue(col.name, col.spec, col.coerce, issue, Object.hasOwn(data, col.name) ? data[col.name] : undefined));
  }
  return errors;
}
