import { BargeError } from '../errors.js';
import { quoteIdent } from '../schema/index.js';
import type { SchemaSpec } from '../schema/types.js';
import { tableExists, type Db } from '../store/open-database.js';

/** The key an upsert targets: the primary key, else the first unique key. */
export function conflictTarget(spec: SchemaSpec): string[] {
  if (spec.primaryKey && spec.primaryKey.length > 0) return spec.primaryKey;
  if (spec.unique && spec.unique.length > 0) return spec.unique[0]!;
  const uniqueColumn = Object.entries(spec.columns).find(([, column]) => column.unique);
  return uniqueColumn ? [uniqueColumn[0]] : [];
}

export function foreignKeysOf(spec: SchemaSpec): Array<{ column: string; table: string; targetColumn: string }> {
  const keys: Array<{ column: string; table: string; targetColumn: string }> = [];
  for (const [column, definition] of Object.entries(spec.columns)) {
    if (!definition.references) continue;
    const dot = definition.references.lastIndexOf('.');
    keys.push({ column, table: definition.references.slice(0, dot), targetColumn: definition.references.slice(dot + 1) });
  }
  return keys;
}

/** A --schema for an existing table must not declare columns the table lacks (the insert would fail midway). */
export function checkTableMatchesSchema(db: Db, spec: SchemaSpec): void {
  const present = new Set((db.prepare(`PRAGMA table_info(${quoteIdent(spec.table)})`).all() as Array<{ name: string }>).map((c) => c.name));
  for (const column of Object.keys(spec.columns)) {
    if (!present.has(column)) {
      throw new BargeError('usage', `table "${spec.table}" has no column "${column}" that the schema declares; add it to the table or remove it from the schema`);
    }
  }
}

/** A foreign key into a table that does not exist would fail every insert: say so before reading. */
export function checkReferencedTables(db: Db, spec: SchemaSpec): void {
  for (const fk of foreignKeysOf(spec)) {
    if (fk.table !== spec.table && !tableExists(db, fk.table)) {
      throw new BargeError('usage', `column "${fk.column}" references ${fk.table}.${fk.targetColumn}, but table "${fk.table}" does not exist; import "${fk.table}" first`);
    }
  }
}
