import type Database from 'better-sqlite3';
import { schemaFromTable } from '../schema/from-table.js';
import { readsCompoundSelect } from './compound-select.js';
import type { ColumnType, SchemaSpec } from '../schema/types.js';
import type { Db } from '../store/open-database.js';

/**
 * Export gives values back with their types (SPEC §7): SQLite stores a boolean as
 * 0/1 and a `json` column as text, so the type comes from the schema barge kept
 * for the table (or, for a table barge did not create, its declared types).
 *
 * Each result column is traced to the table column it reads, through
 * better-sqlite3's `statement.columns()` (SQLite's column metadata: `table` and
 * `column` are the origin, null for an expression). That covers --table, views
 * and --query alike, joins included: `SELECT p.active AS a FROM products p`
 * still exports booleans, `SELECT active + 0 FROM products` exports what SQLite
 * computes.
 *
 * Integers are read as BigInt (safeIntegers) so values beyond 2^53 stay exact:
 * plain digits in CSV/TSV, and in NDJSON/JSON a number within 2^53, a string of
 * digits beyond (see bigintJsonText).
 */

export interface ResultColumn {
  name: string;
  /** The barge type of the table column this result column reads, if any. */
  type: ColumnType | undefined;
}

export function resultColumns(db: Db, statement: Database.Statement): ResultColumn[] {
  const schemas = new Map<string, SchemaSpec | undefined>();
  // A compound SELECT's columns are named after its first SELECT's: booleans and json are
  // given back as stored, since the other branches' values may be neither (compound-select.ts).
  const compound = readsCompoundSelect(db, statement.source);
  return statement.columns().map((column) => {
    let type: ColumnType | undefined;
    if (column.table !== null && column.column !== null && column.database === 'main') {
      if (!schemas.has(column.table)) schemas.set(column.table, schemaFromTable(db, column.table));
      type = schemas.get(column.table)?.columns[column.column]?.type;
    }
    if (compound && (type === 'boolean' || type === 'json')) type = undefined;
    return { name: column.name, type };
  });
}

/** One value as the text of a CSV/TSV field, before quoting; NULL is the empty field. */
export type FieldText = (value: unknown) => string;

/** One value as JSON text (ndjson, json). */
export type JsonText = (value: unknown) => string;

/**
 * A BLOB has no text form in CSV or JSON; barge writes it as lowercase hex
 * (what SQLite's hex() gives), in every format.
 */
function blobText(value: unknown): string {
  return Buffer.isBuffer(value) ? value.toString('hex') : String(value);
}

function isTrue(value: unknown): boolean {
  return value === 1n || value === 1;
}

function isFalse(value: unknown): boolean {
  return value === 0n || value === 0;
}

const POWERS = [1, 10, 100, 1000, 10000];

/**
 * A whole REAL from 2^53 up is written in exponent form (8.474337369372327e+18, the shortest
 * digits that read back as it, as String() gives them), not as String()'s digits up to 1e21
 * (8474337369372327000): read as digits, it was an int to Python's json (8474337369372327000,
 * not the double 8474337369372326912), where the exponent keeps it a float, and `sqlite3
 * .import` into a NUMERIC column stored that int. Integers are BigInt here (safeIntegers) and
 * keep their digits.
 */
const TWO_TO_53 = 2 ** 53;

/**
 * A number as JavaScript writes it (String(value): the shortest text that reads back as the
 * same double; a whole REAL from 2^53 up in exponent form, see TWO_TO_53), faster for the
 * common case of a decimal with at most 4 digits after the point. Such a value is s / 10^k for the smallest k where that division gives the value
 * back; below 1e11, 10^-k is wider than the value's rounding interval, so no other text with
 * k decimals reads back as it, and none with fewer does (k is the smallest): its digits are
 * what String() writes. Everything else goes to String(). test/unit/perf-number-text.test.ts
 * compares the two on millions of values.
 *
 * Why: String() of a double such as 2652.54 costs ~350 ns here, and the benchmark's export
 * has two such columns: ~0.7 s of a 1M-row CSV export.
 */
export function numberText(value: number): string {
  if (Number.isInteger(value)) return value > -TWO_TO_53 && value < TWO_TO_53 ? '' + value : value.toExponential();
  if (!(Math.abs(value) < 1e11)) return '' + value;
  for (let k = 1; k <= 4; k++) {
    const p = POWERS[k]!;
    const s = Math.round(value * p);
    if (s / p !== value) continue;
    const negative = s < 0;
    const abs = negative ? -s : s;
    const whole = Math.floor(abs / p);
    // p + fraction, written, is "1" followed by the fraction's k digits, zeros included.
    const fraction = ('' + (p + (abs - whole * p))).slice(1);
    return (negative ? '-' : '') + whole + '.' + fraction;
  }
  return '' + value;
}

/** Text for anything that is not a string (strings are their own text in CSV). */
function plainFieldText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return numberText(value);
  if (typeof value === 'bigint') return '' + value;
  return blobText(value);
}

export function fieldTextFor(type: ColumnType | undefined): FieldText {
  if (type === 'boolean') {
    return (value) => (isTrue(value) ? 'true' : isFalse(value) ? 'false' : typeof value === 'string' ? value : plainFieldText(value));
  }
  // json columns hold JSON text already: in CSV it is written as it is stored.
  return (value) => (typeof value === 'string' ? value : plainFieldText(value));
}

function plainJsonText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  // JSON has no Infinity, which SQLite can hold in a REAL: written as 1e999, a JSON number that
  // every JSON reader (barge's import too) reads back as Infinity, where null (JSON.stringify's
  // choice) lost it. NaN cannot be stored: SQLite makes it NULL.
  if (typeof value === 'number') return Number.isFinite(value) ? numberText(value) : Number.isNaN(value) ? 'null' : value > 0 ? '1e999' : '-1e999';
  if (typeof value === 'bigint') return bigintJsonText(value);
  return JSON.stringify(blobText(value));
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * An integer beyond 2^53 is written as a JSON string of its digits: most JSON
 * readers (JSON.parse, and so barge's import) would round a bare number, and
 * barge's import reads a string of digits into an integer column exactly.
 */
function bigintJsonText(value: bigint): string {
  return value <= MAX_SAFE && value >= -MAX_SAFE ? '' + value : '"' + value + '"';
}

/**
 * A json column's text as nested JSON. Only an object or array is a json value
 * (SPEC §3, and what import accepts); other text, or text that does not parse
 * (a row another tool wrote), stays a JSON string so nothing is lost.
 */
function nestedJsonText(value: unknown): string {
  if (typeof value !== 'string') return plainJsonText(value);
  const first = value.trimStart()[0];
  if (first !== '{' && first !== '[') return JSON.stringify(value);
  try {
    JSON.parse(value);
  } catch {
    return JSON.stringify(value);
  }
  // The stored text itself, not JSON.stringify(JSON.parse(text)), which rounded an integer
  // beyond 2^53 (1234567890123456789 came out ...800) and wrote 1e400 as null: a json column
  // another tool wrote (or text imported from CSV) may hold them. Only its spacing goes: it
  // may span lines, which NDJSON cannot hold.
  return compactJson(value);
}

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Valid JSON text without the whitespace between its tokens (none can be inside a string). */
export function compactJson(text: string): string {
  if (!/[ \t\n\r]/.test(text)) return text;
  let out = '';
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === SPACE || c === TAB || c === LF || c === CR) {
      out += text.slice(from, i);
      from = i + 1;
    }
  }
  return out + text.slice(from);
}

export function jsonTextFor(type: ColumnType | undefined): JsonText {
  switch (type) {
    case 'boolean':
      return (value) => (isTrue(value) ? 'true' : isFalse(value) ? 'false' : plainJsonText(value));
    case 'json':
      return nestedJsonText;
    default:
      return plainJsonText;
  }
}
