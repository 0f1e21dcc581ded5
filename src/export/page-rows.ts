import { quoteIdent } from '../schema/names.js';
import type { Db } from '../store/open-database.js';

/** The most rows a page holds: measured best on ordinary rows (table-pages.ts, csv-pages.ts). */
const MAX_PAGE_ROWS = 1000;
/** About how much text a page may hold: a page of 1000 rows of 1 MB made a 1 GB CSV string. */
const PAGE_CHARS = 4 << 20;
/** Rows sampled from the table's start to size its pages. */
const SAMPLE_ROWS = 64;

/**
 * Rows per page for a whole-table export, from the widest of the table's first rows: 1000 for
 * ordinary rows, fewer for big ones. With 1000 whatever the rows, an export's memory grew with
 * its values (400 rows of 1 MB: 1.2 GB) and a CSV page past SQLite's 1 GB string limit failed
 * ("string or blob too big", exit 3).
 */
export function pageRowsFor(db: Db, table: string, columns: readonly string[]): number {
  if (columns.length === 0) return MAX_PAGE_ROWS;
  // Measured here rather than by a sum of length()s in SQL: a 1000-column sum is deeper than
  // SQLite lets an expression be.
  // One row at a time: 64 big rows held together would cost what the small pages save.
  const sample = db.prepare(`SELECT ${columns.map(quoteIdent).join(', ')} FROM ${quoteIdent(table)} LIMIT ${SAMPLE_ROWS}`).raw(true).safeIntegers(true);
  let widest = 0;
  for (const row of sample.iterate() as IterableIterator<unknown[]>) {
    let chars = row.length;
    for (const value of row) chars += typeof value === 'string' ? value.length : value instanceof Uint8Array ? value.length * 2 : 24;
    if (chars > widest) widest = chars;
  }
  return Math.max(1, Math.min(MAX_PAGE_ROWS, Math.floor(PAGE_CHARS / Math.max(1, widest))));
}
