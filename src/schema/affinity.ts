import { INT64_MAX, INT64_MIN } from './coerce-value.js';
import type { ColumnType } from './types.js';

/**
 * SQLite's column affinity and what it does to the values barge binds
 * (https://sqlite.org/datatype3.html#type_affinity).
 */
export type Affinity = 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC';

/** A declared type's affinity, by SQLite's rules in their order (§3.1). */
export function affinityOf(declared: string): Affinity {
  const t = declared.toUpperCase();
  if (t.includes('INT')) return 'INTEGER';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'TEXT';
  if (t.includes('BLOB') || t.trim() === '') return 'BLOB';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'REAL';
  return 'NUMERIC';
}

/**
 * A column's affinity in its table: as affinityOf reads the declared type, except ANY in a STRICT
 * table, which keeps every value as given (https://sqlite.org/stricttables.html), as BLOB
 * affinity does. Outside STRICT tables ANY is just another unknown name: NUMERIC (§3.1 rule 5).
 */
export function columnAffinity(declared: string, strict: boolean): Affinity {
  return strict && isAnyType(declared) ? 'BLOB' : affinityOf(declared);
}

/** Whether a declared type is exactly ANY (STRICT tables allow no other spelling of it). */
export function isAnyType(declared: string): boolean {
  return declared.trim().toUpperCase() === 'ANY';
}

/**
 * Why a column of `affinity` would not keep a schema type's values as barge validated them, or
 * undefined. Text is changed by a numeric affinity (INTEGER, REAL, NUMERIC: "02134" is stored as
 * 2134); numbers by TEXT ("5.0"); an integer by REAL or BLOB (better-sqlite3 binds a JavaScript
 * number as a REAL, which those keep: 5.0). Dates, datetimes and JSON text never read as a
 * number, so any affinity keeps them.
 */
export function affinityProblem(type: ColumnType, affinity: Affinity): string | undefined {
  switch (type) {
    case 'string':
      return affinity === 'TEXT' || affinity === 'BLOB' ? undefined : 'SQLite would store number-like text in it as a number ("02134" as 2134)';
    case 'integer':
      return affinity === 'INTEGER' || affinity === 'NUMERIC' ? undefined : affinity === 'TEXT' ? 'SQLite would store its integers as text' : 'SQLite would store its integers as REAL (5 as 5.0)';
    case 'number':
    case 'boolean':
      return affinity === 'TEXT' ? `SQLite would store its ${type === 'number' ? 'numbers' : 'booleans (1, 0)'} as text` : undefined;
    default:
      return undefined;
  }
}

const SQLITE_SPACE = /^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g;
/** A well-formed integer or real literal, as SQLite reads one (a sign allowed). */
export const NUMBER_LITERAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const INTEGER_LITERAL = /^[-+]?\d+$/;

/**
 * What a column of NUMERIC affinity stores for `text`, as text: the number it turns a
 * well-formed integer or real literal into (leading and trailing spaces ignored; an integral
 * value an INTEGER), or undefined when it keeps the text as it is (§3.0, §4.2).
 */
export function numericAffinityStores(text: string): string | undefined {
  const t = text.replace(SQLITE_SPACE, '');
  if (!NUMBER_LITERAL.test(t)) return undefined;
  if (INTEGER_LITERAL.test(t)) {
    const big = BigInt(t);
    if (big >= INT64_MIN && big <= INT64_MAX) return String(big);
  }
  const n = Number(t);
  if (Number.isInteger(n) && n >= -(2 ** 63) && n < 2 ** 63) return String(BigInt(n));
  return String(n);
}

/** Whether a column of NUMERIC affinity keeps `text` as the same text (a number stored reads back the same). */
export function keptByNumericAffinity(text: string): boolean {
  const stored = numericAffinityStores(text);
  return stored === undefined || stored === text;
}
