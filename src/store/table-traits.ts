import type { ColumnSpec } from '../schema/types.js';
import { catalogueColumns } from '../schema/from-table.js';
import { catalogue } from '../schema/catalogue-pragma.js';
import { nameKey } from '../schema/names.js';
import type { Db } from './open-database.js';
import type { OnConflict } from './batch-writer.js';

// What the batch writer reads of its table from SQLite's catalogue before it writes: the
// columns an INSERT names, the unique keys, triggers and indexes that decide how it writes.

/**
 * What the INSERT of `columns` (the validator's, in row order) into `table` names and binds,
 * from the table's catalogue (from-table.ts, as the schema of a table barge did not create is
 * read): a generated column is left out (SQLite refuses a value for it and computes it), and a
 * column whose DEFAULT barge cannot give itself (CURRENT_TIMESTAMP, an expression) reads it
 * where the row holds SQL_DEFAULT. The catalogue is read as schemaFromTable reads it, so every
 * column whose rows may hold SQL_DEFAULT is such a column, or one of `tableDefaults`: a schema
 * file's column that takes the table's DEFAULT (withTableDefaults), whose SQL it gives; a
 * literal one's value is put in the rows (`constants`), not evaluated per row. The CASE passes
 * every other value (NULL included) as it is. `slots` is undefined when the row binds as it
 * is: every table barge made.
 */
export function insertPlan(db: Db, table: string, columns: string[], tableDefaults: ReadonlyMap<string, string> = new Map()): { inserted: string[]; sqlDefaults: Map<string, string>; constants: Map<number, unknown>; slots: number[] | undefined; notNull: boolean[]; notNullBeyond: boolean } {
  const all = catalogueColumns(db, table);
  const specs = new Map(all.map((c) => [nameKey(c.name), c.spec]));
  const named = new Set(columns.map(nameKey));
  const mustHave = (spec: ColumnSpec | undefined) => spec?.required === true && spec.default === undefined && spec.sqlDefault === undefined && spec.generated !== true;
  const notNullBeyond = all.some((c) => !named.has(nameKey(c.name)) && mustHave(c.spec));
  const inserted: string[] = [];
  const sqlDefaults = new Map<string, string>();
  const constants = new Map<number, unknown>();
  const slots: number[] = [];
  // NOT NULL with no default to fill it (catalogueColumns reads NOT NULL as `required`).
  const notNull = columns.map((column) => mustHave(specs.get(nameKey(column))));
  let asIs = true;
  columns.forEach((column, at) => {
    const spec = specs.get(nameKey(column));
    if (spec?.generated === true) {
      asIs = false;
      return;
    }
    inserted.push(column);
    slots.push(at);
    // `tableDefaults`: a schema file's column that takes the table's DEFAULT (withTableDefaults).
    const tableSql = spec?.sqlDefault === undefined ? tableDefaults.get(column) : undefined;
    if (tableSql !== undefined && LITERAL_SQL.test(tableSql)) {
      // A literal (0, 'x', NULL): its value put in the row once per write, not a CASE SQLite
      // evaluates per row (5 such columns made an import of 1M rows ~70% slower).
      constants.set(at, db.prepare(`SELECT (${tableSql})`).pluck(true).get());
      return;
    }
    const sql = spec?.sqlDefault ?? tableSql;
    if (sql !== undefined) {
      sqlDefaults.set(column, sql);
      slots.push(at);
      asIs = false;
    }
  });
  return { inserted, sqlDefaults, constants, slots: asIs ? undefined : slots, notNull, notNullBeyond };
}

/** A DEFAULT that is a literal: a number, a string, NULL, TRUE or FALSE. */
const LITERAL_SQL = /^(?:[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|'(?:[^']|'')*'|NULL|TRUE|FALSE)$/i;

/**
 * The table's unique keys (its primary key and every UNIQUE index), each as its columns; the
 * conflict target first. An expression or partial index is left out (its values are not a
 * record's); a key whose columns are not all written is too.
 */
export function uniqueKeysOf(db: Db, table: string, target: string[]): string[][] {
  const keys: string[][] = target.length > 0 ? [target] : [];
  for (const key of uniqueIndexKeys(db, table)) {
    if (!keys.some((known) => known.length === key.length && known.every((c, i) => c === key[i]))) keys.push(key);
  }
  return keys;
}

/**
 * The columns of each UNIQUE index of `table` (a non-integer primary key's among them), in index
 * order; a partial or expression index is left out (its values are not a record's).
 */
export function uniqueIndexKeys(db: Db, table: string): string[][] {
  const indexes = catalogue<{ name: string; unique: number; partial: number }>(db, 'index_list', table).filter((index) => index.unique === 1 && index.partial === 0);
  const keys: string[][] = [];
  for (const index of indexes) {
    const columns = catalogue<{ seqno: number; name: string | null }>(db, 'index_info', index.name).sort((a, b) => a.seqno - b.seqno).map((c) => c.name);
    if (!columns.includes(null)) keys.push(columns as string[]);
  }
  return keys;
}

/**
 * Per unique index on exactly `key`'s columns, the collation it compares each of them by
 * (undefined: the column's own); at least one set (the columns' own). A UNIQUE INDEX on (email
 * COLLATE NOCASE) of a BINARY column holds "A@x" and "a@x" as one key, and a probe by `email = ?`
 * found no row for it: the row replaced (or updated) was counted as inserted. Two indexes on
 * `email`, one BINARY and one NOCASE: a row either matches makes a conflict.
 */
export function keyCollationSets(db: Db, table: string, key: readonly string[]): Array<Array<string | undefined>> {
  const want = key.map(nameKey);
  const sets: Array<Array<string | undefined>> = [];
  for (const index of catalogue<{ name: string; unique: number; partial: number }>(db, 'index_list', table)) {
    if (index.unique !== 1 || index.partial !== 0) continue;
    const columns = catalogue<{ seqno: number; name: string | null; coll: string; key: number }>(db, 'index_xinfo', index.name).filter((c) => c.key === 1).sort((a, b) => a.seqno - b.seqno);
    if (columns.length !== want.length || columns.some((c) => c.name === null) || !columns.every((c) => want.includes(nameKey(c.name!)))) continue;
    const set = want.map((name) => columns.find((c) => nameKey(c.name!) === name)!.coll);
    if (!sets.some((known) => known.every((coll, i) => coll === set[i]))) sets.push(set);
  }
  return sets.length > 0 ? sets : [key.map(() => undefined)];
}

/**
 * Whether the multi-row INSERT may be an INSERT OR FAIL, which keeps the rows it wrote before a
 * failing one where an INSERT undoes them. An INSERT of several rows that may fail halfway is
 * given a statement journal by SQLite: each statement copies the pages it is about to change
 * (the table's last leaf, a 16 KB page, every 25 rows), to undo them. OR FAIL needs no undo,
 * so no journal. Measured (1M benchmark rows, 25-row statements, one transaction, 5
 * interleaved runs): 1.01-1.05 s of CPU against 1.04-1.09 s (1.12 s with a savepoint per
 * batch, which journals the same way). The rows kept are then counted by changes(): only where
 * every row before the failing one was written, so with --on-conflict error (ignore's DO
 * NOTHING skips rows unseen), and no trigger (a RAISE(IGNORE) skips one) nor foreign key (a
 * foreign key's failure undoes the statement anyway; it keeps its journal).
 */
export function keptBeforeFailure(db: Db, table: string, onConflict: OnConflict): boolean {
  if (onConflict !== 'error') return false;
  if (catalogue(db, 'foreign_key_list', table).length > 0) return false;
  return !hasTriggers(db, table);
}

export function schemaVersionOf(db: Db): number {
  return db.pragma('schema_version', { simple: true }) as number;
}

/**
 * Whether the table's definition gives a constraint a conflict action of its own that would
 * override --on-conflict's: ROLLBACK or FAIL on any constraint; IGNORE on any (a NOT NULL ON
 * CONFLICT IGNORE dropped the record unreported, counted as inserted); REPLACE on a primary key
 * or UNIQUE constraint (a duplicate under the default --on-conflict error deleted the row that
 * held the key, and with it, ON DELETE CASCADE, its children's rows: exit 0, "inserted 1").
 * A NOT NULL ON CONFLICT REPLACE keeps its action: it fills the column's default, deleting
 * nothing. Read from the SQL text; a match inside a string literal only makes barge stricter.
 */
export function declaresOwnConflictAction(db: Db, table: string): boolean {
  const sql = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE").pluck(true).get(table) as string | null | undefined;
  if (typeof sql !== 'string') return false;
  // Comments, strings and quoted names out of the way first: `UNIQUE /* natural key */ ON
  // CONFLICT REPLACE` and `UNIQUE("e(mail") ON CONFLICT REPLACE` were missed.
  const bare = sql.replace(/--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|'(?:[^']|'')*'|"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]/g, (token) => (token.startsWith('-') || token.startsWith('/') ? ' ' : ' x '));
  if (/\bON\s+CONFLICT\s+(?:ROLLBACK|FAIL|IGNORE)\b/i.test(bare)) return true;
  // PRIMARY KEY [ASC|DESC] ON CONFLICT REPLACE, UNIQUE ON CONFLICT REPLACE, and the table
  // constraints PRIMARY KEY (…) / UNIQUE (…) ON CONFLICT REPLACE (a COLLATE inside the list).
  return /\b(?:UNIQUE|PRIMARY\s+KEY)\s*(?:\((?:[^()]|\([^()]*\))*\))?\s*(?:ASC\b|DESC\b)?\s*ON\s+CONFLICT\s+REPLACE\b/i.test(bare);
}

/** The names of the table's triggers, in the catalogue's order. */
export function triggersOf(db: Db, table: string): string[] {
  return db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ? COLLATE NOCASE ORDER BY rowid`).pluck(true).all(table) as string[];
}

export function hasTriggers(db: Db, table: string): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ? COLLATE NOCASE LIMIT 1`).get(table) !== undefined;
}

export function hasIndexes(db: Db, table: string): boolean {
  return catalogue(db, 'index_list', table).length > 0;
}
