import type Database from 'better-sqlite3';
import { catalogue } from '../schema/catalogue-pragma.js';
import { quoteIdent } from '../schema/names.js';
import type { Db } from '../store/open-database.js';

/**
 * A whole table read in rowid order, a page at a time with `all()`, instead of row by row
 * with `iterate()`: each step of iterate() crosses into better-sqlite3 and back once per
 * row. Reading the 1M-row benchmark table (raw rows, safe integers): 1.21-1.37 s with
 * iterate(), 1.06-1.10 s in pages of 1000 (500: the same; 5000: 1.12-1.29 s, and the export's
 * peak RSS 10-15 MB higher); fewer for big rows (page-rows.ts). The pages share the export's one read transaction: one snapshot.
 * (This module's rationale; tablePages below.)
 */

/** A table whose rowids came out of order: its database is damaged (the export says so). */
export class DamagedTable extends Error {
  constructor(table: string, detail = 'gave its rowids out of order') {
    super(`table ${JSON.stringify(table)} ${detail}`);
  }
}

export interface TablePages {
  /** Rows per page (page-rows.ts). */
  readonly pageRows: number;
  /** The rows (each with the rowid as one extra, last value), at most `limit` of them. */
  rows(limit: number | undefined): Generator<unknown[]>;
}

/**
 * Pages over `table` when it has a rowid that no column hides (a view or a WITHOUT ROWID
 * table has none; a column named rowid, _rowid_ or oid would be read instead); else
 * undefined, and the caller reads its query row by row.
 */
export function tablePages(db: Db, table: string, list: string, pageRows: number): TablePages | undefined {
  const names = catalogue<{ name: string }>(db, 'table_xinfo', table).map((r) => r.name.toLowerCase());
  if (names.some((name) => name === 'rowid' || name === '_rowid_' || name === 'oid')) return undefined;
  const from = `SELECT ${list}, rowid FROM ${quoteIdent(table)}`;
  let first: Database.Statement;
  let after: Database.Statement;
  try {
    first = db.prepare(`${from} ORDER BY rowid LIMIT ${pageRows}`);
    after = db.prepare(`${from} WHERE rowid > ? ORDER BY rowid LIMIT ${pageRows}`);
  } catch {
    return undefined; // no rowid: a view, or a WITHOUT ROWID table
  }
  first.raw(true).safeIntegers(true);
  after.raw(true).safeIntegers(true);
  return {
    pageRows,
    *rows(limit) {
      let left = limit ?? Infinity;
      let page = first.all() as unknown[][];
      while (page.length > 0 && left > 0) {
        const count = Math.min(page.length, left);
        for (let i = 0; i < count; i++) yield page[i]!;
        left -= count;
        if (page.length < pageRows) return;
        const last = page[page.length - 1]!;
        const lastRowid = last[last.length - 1] as bigint;
        page = after.all(lastRowid) as unknown[][];
        // Rowids read in order go up: on a damaged table they need not, and the pages went round for ever.
        const first = page[0];
        if (first !== undefined && (first[first.length - 1] as bigint) <= lastRowid) throw new DamagedTable(table);
      }
    },
  };
}
