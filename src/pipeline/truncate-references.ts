import { BargeError } from '../errors.js';
import { catalogue } from '../schema/catalogue-pragma.js';
import { nameKey, quoteIdent } from '../schema/names.js';
import type { Db } from '../store/open-database.js';

/** A foreign key of another table that points at the table --truncate empties, with rows using it. */
export interface Reference {
  /** The key's id in the referencing table's foreign_key_list (foreign_key_check's fkid). */
  id: number;
  table: string;
  from: string[];
  to: string[];
  /** Its ON DELETE action: NO ACTION (the default), RESTRICT, CASCADE, SET NULL or SET DEFAULT. */
  onDelete: string;
  /**
   * --truncate: the rows of the referencing table that pointed at no key of the table before the
   * reload (written while foreign keys were off), by rowid (null: a WITHOUT ROWID table's, which
   * cannot be told apart and are not excused). They are not the reload's doing: they refused
   * every reload, "points at a key it no longer has".
   */
  orphansBefore?: Array<number | null>;
}

/**
 * The other tables' foreign keys into `table` that rows of theirs use (a non-NULL value). Emptying
 * `table` breaks each of them at once: SQLite refuses the DELETE (FOREIGN KEY constraint failed,
 * which reached the user as exit 3 with no table named).
 */
export function referencesInto(db: Db, table: string, includeSelf = false): Reference[] {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").pluck().all() as string[];
  const found: Reference[] = [];
  for (const other of tables) {
    // The table's own keys into itself (`includeSelf`: what a REPLACE of one of its rows acts on).
    // nameKey: SQLite folds ASCII letters only; "Élève" and "élève" are two tables.
    if (!includeSelf && nameKey(other) === nameKey(table)) continue;
    const keys = new Map<number, Reference>();
    const list = catalogue<{ id: number; table: string; from: string; to: string | null; on_delete: string }>(db, 'foreign_key_list', other)
      .map((fk) => ({ id: fk.id, parent: fk.table, from: fk.from, to: fk.to, onDelete: fk.on_delete }));
    for (const key of list) {
      if (nameKey(key.parent) !== nameKey(table)) continue;
      const reference = keys.get(key.id) ?? { id: key.id, table: other, from: [], to: [], onDelete: key.onDelete.toUpperCase() };
      reference.from.push(key.from);
      // No column named: the parent's primary key.
      reference.to.push(key.to ?? '(primary key)');
      keys.set(key.id, reference);
    }
    for (const reference of keys.values()) {
      const used = reference.from.map((column) => `${quoteIdent(column)} IS NOT NULL`).join(' AND ');
      if (db.prepare(`SELECT 1 FROM ${quoteIdent(other)} WHERE ${used} LIMIT 1`).get() !== undefined) found.push(reference);
    }
  }
  return found;
}

/** Whether `table` has foreign keys of its own (then deferring every key would hide its records' failures). */
function hasForeignKeys(db: Db, table: string): boolean {
  return catalogue(db, 'foreign_key_list', table).length > 0;
}

/**
 * Why --truncate cannot empty `table` here, or undefined when it can: only an atomic job, whose
 * references into the table are checked once the reload is done (deferred to its COMMIT), and
 * only for a table without foreign keys of its own, whose records' failures must still be told
 * apart as they are written.
 */
export function truncateProblem(db: Db, table: string, atomic: boolean, references: readonly Reference[]): BargeError | undefined {
  if (references.length === 0) return undefined;
  const named = references.map(describeReference).join(', ');
  if (!atomic) {
    return new BargeError(
      'usage',
      `--truncate cannot empty "${table}" batch by batch: rows of ${named} reference it; use --mode atomic, which checks those references once the reload is done, or delete those rows first`,
    );
  }
  // Deferring checks does not defer actions: the DELETE itself would delete (CASCADE) or blank
  // (SET NULL/DEFAULT) the referencing rows, however the reload ends, and RESTRICT refuses it
  // at once. Measured: a CASCADE child lost every row, and the job said "succeeded".
  const acting = references.filter((reference) => reference.onDelete !== 'NO ACTION');
  if (acting.length > 0) {
    const named = acting.map((reference) => `${describeReference(reference)} ON DELETE ${reference.onDelete}`).join(', ');
    return new BargeError(
      'usage',
      `--truncate cannot empty "${table}": rows of ${named} reference it, and emptying it would ${acting.some((r) => r.onDelete === 'RESTRICT') ? 'be refused' : 'change those rows'}; load with --on-conflict update instead of --truncate, or empty those tables first`,
    );
  }
  if (hasForeignKeys(db, table)) {
    return new BargeError(
      'usage',
      `--truncate cannot empty "${table}": rows of ${named} reference it, and it has foreign keys of its own; delete those rows first, or load with --on-conflict update instead of --truncate`,
    );
  }
  return undefined;
}

/**
 * Why --on-conflict replace cannot load `table`, or undefined when it can: SQLite's REPLACE
 * deletes the conflicting row before it inserts the new one, and that DELETE fires the ON DELETE
 * action of every foreign key into it. Measured: a CASCADE child lost the rows of each key
 * replaced (SET NULL: blanked them), and the job said "succeeded", exit 0.
 */
export function replaceProblem(references: readonly Reference[], table: string): BargeError | undefined {
  const acting = references.filter((reference) => reference.onDelete === 'CASCADE' || reference.onDelete === 'SET NULL' || reference.onDelete === 'SET DEFAULT');
  if (acting.length === 0) return undefined;
  const named = acting.map((reference) => `${describeReference(reference)} ON DELETE ${reference.onDelete}`).join(', ');
  return new BargeError(
    'usage',
    `--on-conflict replace cannot load "${table}": rows of ${named} reference it, and replacing a row deletes it first, which would ${acting.every((r) => r.onDelete === 'CASCADE') ? 'delete' : acting.some((r) => r.onDelete === 'CASCADE') ? 'delete or change' : 'change'} those rows; load with --on-conflict update instead`,
  );
}

/**
 * After the reload, before COMMIT: the rows of the referencing tables left pointing at keys the
 * reload did not bring back, as a usage error (the job is rolled back), or undefined.
 */
export function orphansLeft(db: Db, table: string, references: readonly Reference[]): BargeError | undefined {
  const orphans: string[] = [];
  for (const reference of references) {
    const rowidsBefore = new Set(reference.orphansBefore);
    // Those the reload made, by rowid. A WITHOUT ROWID table's rows have no rowid to tell the old
    // from the new: all of them count (netted by number, an old orphan hid a new one).
    const mine = orphanRowids(db, table, reference).filter((rowid) => rowid === null || !rowidsBefore.has(rowid)).map((rowid) => ({ rowid }));
    if (mine.length === 0) continue;
    const first = mine[0]!.rowid === null ? undefined : db.prepare(`SELECT ${reference.from.map(quoteIdent).join(', ')} FROM ${quoteIdent(reference.table)} WHERE rowid = ?`).raw().get(mine[0]!.rowid) as unknown[] | undefined;
    const example = first ? ` (${reference.from.map((column, i) => `${reference.table}.${column} = ${JSON.stringify(first[i])}`).join(', ')})` : '';
    const one = mine.length === 1;
    orphans.push(`${mine.length} row${one ? '' : 's'} of "${reference.table}"${example} ${one ? 'points at a key' : 'point at keys'} it no longer has`);
  }
  if (orphans.length === 0) return undefined;
  return new BargeError(
    'usage',
    `--truncate: after the reload of "${table}", ${orphans.join(', and ')}; nothing was changed: add those keys to the input, or delete or update those rows first`,
  );
}

/** The rowids of the rows of `reference`'s table whose key points at no row of `table` (null: no rowid). */
export function orphanRowids(db: Db, table: string, reference: Reference): Array<number | null> {
  const rows = db.prepare(`PRAGMA foreign_key_check(${quoteIdent(reference.table)})`).all() as Array<{ rowid: number | null; parent: string; fkid: number }>;
  // This key's rows only: a table with two keys into the reloaded one had each key's orphans
  // counted for both, with an example of the other's.
  return rows.filter((row) => row.fkid === reference.id && nameKey(row.parent) === nameKey(table)).map((row) => row.rowid);
}

/** `"products" (maker_id → id)`: a key into the table, as messages name it. */
export function describeReference(reference: Reference): string {
  return `"${reference.table}" (${reference.from.join(', ')} → ${reference.to.join(', ')})`;
}
