import { quoteIdent } from '../schema/names.js';
import type { ResultColumn } from './typed-values.js';

/**
 * A page of a whole-table CSV/TSV export, formatted by SQLite itself: one query returns the
 * text of every row whose rowid is in [first, last], lines joined, instead of one JS value per
 * field for format-writers.ts to write. Reading the 1M-row benchmark table as values costs
 * better-sqlite3 ~1.0 s before any formatting; this query gives the same bytes in ~0.55 s of
 * SQLite work per 1M rows, and, being one string per page, is cheap to hand between threads
 * (csv-pages.ts splits the pages between this thread and a worker).
 *
 * The text must be exactly what format-writers.ts writes for the same row. Each field follows
 * the value's storage class (SQLite's sort order tells them apart without a function call:
 * NULL < numbers < text < blobs):
 * - NULL: the empty field;
 * - an integer: its digits (what the BigInt gives); a boolean column's 1 / 0: true / false;
 * - a REAL: its digits when SQLite's text for it is provably JavaScript's String(): an
 *   integral value below 2^53 as an integer; else a value in [1e-4, 1e15) whose text has at
 *   most 15 significant digits (SQLite writes a REAL as %.15g when that reads back as the same
 *   double, and 15 correctly rounded digits that read back are the shortest such digits,
 *   which is what String() writes, in the same fixed notation in that range);
 * - text: quoted when it holds the delimiter or a quote (TSV: a tab, or a quote first), its
 *   quotes doubled (a text holding CR or LF sends its page to format-writers.ts, see
 *   pageNeedsRewrite);
 * - a blob: lowercase hex.
 * Any other REAL (more digits, exponents, infinities, huge integral values) gives a NUL
 * character instead of a field; a page containing NUL is formatted again by format-writers.ts
 * (text holding NUL, rare and legal, takes the same way). test/unit/export-csv-page-sql.test.ts
 * compares the two on awkward and on random values.
 */

/** Marks a page that format-writers.ts must format instead (see above). */
export const UNCERTAIN_FIELD = '\u0000';

/**
 * Whether a page's text must be written by format-writers.ts instead: it holds a NUL (an
 * uncertain field, or text holding NUL), a CR, or more line feeds than its rows end with.
 * SQLite looks in a text only for the delimiter and the quote; a CR or LF inside a field is
 * found here, once per page, instead of with two more instr() calls per text value (1M
 * benchmark rows: 0.25-0.3 s of SQLite's work).
 */
export function pageNeedsRewrite(text: string, rows: number): boolean {
  if (text.includes(UNCERTAIN_FIELD) || text.includes('\r')) return true;
  let feeds = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) feeds++;
  return feeds !== rows;
}

/** The largest integer below which every integral double prints as its digits in String(). */
const EXACT_INTEGERS = 9007199254740992; // 2^53

// Comparisons, not abs(): abs() of the smallest integer is an error in SQLite.
function numberField(x: string, boolean: boolean): string {
  const digits =
    `CASE WHEN ${x} = CAST(${x} AS INTEGER) AND (${x} > -${EXACT_INTEGERS} AND ${x} < ${EXACT_INTEGERS} OR typeof(${x}) = 'integer')` +
    ` THEN CAST(${x} AS INTEGER)` +
    ` WHEN (${x} >= 1e-4 AND ${x} < 1e15 OR ${x} <= -1e-4 AND ${x} > -1e15) AND length(${x}) <= 16 + (${x} < 0) THEN ${x}` +
    ` ELSE char(0) END`;
  return boolean ? `CASE WHEN ${x} = 1 THEN 'true' WHEN ${x} = 0 THEN 'false' ELSE ${digits} END` : digits;
}

function textField(x: string, delimiter: string): string {
  // The delimiter first: it is the likeliest (a text with commas), and OR stops at the first
  // hit. CR and LF are left to pageNeedsRewrite(). In TSV a quote matters only at the start
  // (format-writers.ts): unicode() is the first character's code point, whatever the column's
  // collation.
  const special = delimiter === ',' ? `instr(${x}, ',') OR instr(${x}, '"')` : `instr(${x}, char(9)) OR unicode(${x}) = 34`;
  return `CASE WHEN ${special} THEN '"' || replace(${x}, '"', '""') || '"' ELSE ${x} END`;
}

function field(column: { name: string; type: ResultColumn['type'] }, delimiter: string): string {
  const x = quoteIdent(column.name);
  return (
    `CASE WHEN ${x} IS NULL THEN ''` +
    ` WHEN ${x} < '' THEN ${numberField(x, column.type === 'boolean')}` +
    ` WHEN ${x} < X'' THEN ${textField(x, delimiter)}` +
    ` ELSE lower(hex(${x})) END`
  );
}

/**
 * The page query: `(first, last)` bound as rowids (both included), returns `text` (the rows' lines, each ending in
 * a newline; NULL when the range is empty) and `row_count`. The columns are the table's own (their
 * names as stored), at least two: with one, an empty field is written `""`, which
 * format-writers.ts alone does.
 */
// The lines are joined in the order the range scan yields them, rowid order: the ORDER BY
// costs nothing (the scan is that order), while an ORDER BY inside string_agg() would sort
// every page again (+0.4 s per 1M rows). The e2e tests compare multi-page exports row by row.
export function csvPageSql(table: string, columns: Array<{ name: string; type: ResultColumn['type'] }>, delimiter: ',' | '\t'): string {
  const separator = delimiter === ',' ? `','` : 'char(9)';
  const line = `concat_ws(${separator}, ${columns.map((column) => field(column, delimiter)).join(', ')})`;
  return (
    `SELECT string_agg(barge_line, char(10)) || char(10) AS text, count(*) AS row_count FROM (` +
    `SELECT ${line} AS barge_line FROM ${quoteIdent(table)} WHERE rowid BETWEEN ? AND ? ORDER BY rowid)`
  );
}
