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

/** "true"/"YES"/"0" -> boolean; anything else (including "Y", "on") -> undefined. */
export function parseBooleanWord(text: string): boolean | undefined {
  // The exact-case lookup spares the lowercase copy for the common spellings.
  return BOOLEAN_WORDS.get(text) ?? BOOLEAN_WORDS.get(text.toLowerCase());
}

// ---- coercion: the preprocess step of each column ----------------------------------------
// Each returns undefined for a missing value (it then takes the default, or NULL, or fails
// `required`), the coerced value, or the value unchanged for zod to reject with a type issue.

export type Coerce = (value: unknown) => unknown;

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

export function coerceJson(v: unknown): unknown {
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
