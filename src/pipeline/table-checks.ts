import { BargeError } from '../errors.js';
import { affinityProblem, columnAffinity } from '../schema/affinity.js';
import { isStrictTable, keptColumnTypes } from '../schema/from-table.js';
import { indexName, quoteIdent } from '../schema/index.js';
import { addColumnStatement, quoteText } from '../schema/to-ddl.js';
import { catalogue } from '../schema/catalogue-pragma.js';
import { nameKey } from '../schema/names.js';
import { notAKeyMessage, referenceableColumns } from '../schema/schema-file.js';
import type { ColumnType, SchemaSpec } from '../schema/types.js';
import { uniqueIndexKeys } from '../store/table-traits.js';
import { tableExists, type Db } from '../store/open-database.js';

/** The key an upsert targets: the primary key, else the first unique key. */
export function conflictTarget(spec: SchemaSpec, db?: Db): string[] {
  if (spec.primaryKey && spec.primaryKey.length > 0) return spec.primaryKey;
  if (spec.unique && spec.unique.length > 0) return spec.unique[0]!;
  const uniqueColumn = Object.entries(spec.columns).find(([, column]) => column.unique);
  if (uniqueColumn) return [uniqueColumn[0]];
  // A schema file that declares no key, for an existing table that has one: the table's (it was
  // "has neither a primary key nor a unique constraint", of a table with a primary key).
  return db === undefined ? [] : tableKeyIn(db, spec);
}

/** The existing table's primary key (else its first unique index), when the schema has all its columns; else []. */
function tableKeyIn(db: Db, spec: SchemaSpec): string[] {
  if (!tableExists(db, spec.table)) return [];
  const byKey = new Map(Object.keys(spec.columns).map((name) => [nameKey(name), name]));
  const pk = catalogue<TableInfoRow>(db, 'table_info', spec.table).filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
  for (const key of [pk, ...uniqueIndexKeys(db, spec.table)]) {
    const named = key.map((column) => byKey.get(nameKey(column)));
    if (key.length > 0 && named.every((column) => column !== undefined)) return named as string[];
  }
  return [];
}

export interface ForeignKey {
  column: string;
  table: string;
  targetColumn: string;
}

export function foreignKeysOf(spec: SchemaSpec): ForeignKey[] {
  const keys: ForeignKey[] = [];
  for (const [column, definition] of Object.entries(spec.columns)) {
    if (!definition.references) continue;
    const dot = definition.references.lastIndexOf('.');
    keys.push({ column, table: definition.references.slice(0, dot), targetColumn: definition.references.slice(dot + 1) });
  }
  return keys;
}

/** The types export writes other than SQLite gives them: a boolean's 1 as true, a json column's text as JSON. */
const EXPORTED_BY_TYPE: ReadonlySet<ColumnType> = new Set(['boolean', 'json']);

/**
 * A --schema for an existing table must not declare columns the table lacks (the insert would
 * fail midway), types its columns would store otherwise, keys it does not enforce, or (while it
 * holds rows, unless they are being replaced) other types for its kept boolean and json columns.
 */
export function checkTableMatchesSchema(db: Db, spec: SchemaSpec, options: { replacingRows?: boolean } = {}): void {
  const info = catalogue<{ name: string; type: string }>(db, 'table_info', spec.table);
  const declared = new Map(info.map((c) => [c.name, c.type]));
  // ANY is NUMERIC affinity outside a STRICT table only.
  const strict = isStrictTable(db, spec.table);
  for (const [column, col] of Object.entries(spec.columns)) {
    const type = declared.get(column);
    if (type === undefined) {
      // Names must match exactly, though SQLite ignores case: the schema kept for the table is
      // read by its columns' own names (from-table.ts), and a schema naming "name" for "Name"
      // was kept and then not applied.
      const other = info.find((c) => nameKey(c.name) === nameKey(column));
      if (other !== undefined) {
        throw new BargeError('usage', `table "${spec.table}" has the column ${JSON.stringify(other.name)}, which the schema names ${JSON.stringify(column)}; write its name as the table does, case too`);
      }
      throw new BargeError('usage', `table "${spec.table}" has no column "${column}" that the schema declares; add it to the table (${addColumnStatement(spec.table, column, col)}) or remove it from the schema`);
    }
    // A --schema whose type the column cannot hold unchanged: values validated as one type
    // would be stored as another ("02134" as 2134), and the schema kept for the next import.
    const affinity = columnAffinity(type, strict);
    const problem = affinityProblem(col.type, affinity);
    if (problem !== undefined) {
      const fitting = affinity === 'INTEGER' ? 'integer' : affinity === 'TEXT' ? 'string' : affinity === 'REAL' && col.type === 'integer' ? 'number' : undefined;
      const remedy = fitting !== undefined ? `declare it "${fitting}" in the schema, or import into a new table` : `import into a new table (or one whose column is ${col.type === 'string' ? 'TEXT' : 'INTEGER'})`;
      throw new BargeError('usage', `column "${column}" of table "${spec.table}" is ${type === '' ? 'declared without a type' : `declared ${type}`}, but the schema makes it "${col.type}": ${problem}; ${remedy}`);
    }
  }
  // A boolean or json column made another type (or another type made one) while the rows
  // loaded as the kept type stay: the schema given replaces the kept one, which export reads them
  // by (an "active" kept as boolean came out 1, a json column as a string). Other types export
  // alike; a reload (--truncate) replaces the rows.
  const kept = options.replacingRows ? new Map<string, ColumnType>() : keptColumnTypes(db, spec.table);
  if (kept.size > 0 && db.prepare(`SELECT 1 FROM ${quoteIdent(spec.table)} LIMIT 1`).get() !== undefined) {
    for (const [column, col] of Object.entries(spec.columns)) {
      const keptType = [...kept].find(([name]) => nameKey(name) === nameKey(column))?.[1];
      if (keptType === undefined || keptType === col.type) continue;
      if (!EXPORTED_BY_TYPE.has(keptType) && !EXPORTED_BY_TYPE.has(col.type)) continue;
      throw new BargeError(
        'usage',
        `column "${column}" of table "${spec.table}" holds rows loaded as "${keptType}" (the schema barge kept for the table, which export reads them by), but the schema makes it "${col.type}"; declare it "${keptType}", or import into a new table (if another tool made the table again since, forget the kept schema: DELETE FROM _barge_schemas WHERE table_name = ${quoteText(spec.table)})`,
      );
    }
  }
  const missing = constraintNotInTable(db, spec);
  if (missing !== undefined) {
    const why = missing.startsWith('index on') ? 'barge makes indexes only with the table; create it in the database, or remove it from the schema' : 'SQLite would not enforce it; remove it from the schema, or import into a new table';
    throw new BargeError('usage', `table "${spec.table}" has no ${missing}, which the schema declares: ${why}`);
  }
}

/**
 * A key, unique constraint or foreign key the schema declares that an existing table lacks, as
 * words, or undefined: SQLite would not enforce it, and the records it rejects would load (three
 * rows of one "unique" name, exit 0), while the schema kept for the table said it held.
 */
function constraintNotInTable(db: Db, spec: SchemaSpec): string | undefined {
  const primaryKey = spec.primaryKey ?? [];
  if (primaryKey.length > 0 && !hasUniqueKey(db, spec.table, primaryKey)) {
    // "has no primary key (n)" of a table whose key is id read as if it had none.
    const own = catalogue<TableInfoRow>(db, 'table_info', spec.table).filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
    return `primary key (${primaryKey.join(', ')})${own.length > 0 ? ` (its primary key is (${own.join(', ')}))` : ''}`;
  }
  const uniques = [
    ...Object.entries(spec.columns).filter(([, column]) => column.unique === true).map(([name]) => [name]),
    ...(spec.unique ?? []),
  ];
  for (const columns of uniques) {
    if (!hasUniqueKey(db, spec.table, columns)) return `unique constraint on (${columns.join(', ')})`;
  }
  const declared = catalogue<{ table: string; from: string }>(db, 'foreign_key_list', spec.table).map((fk) => ({ parent: fk.table, from: fk.from }));
  for (const fk of foreignKeysOf(spec)) {
    if (!declared.some((key) => nameKey(key.from) === nameKey(fk.column) && nameKey(key.parent) === nameKey(fk.table))) {
      return `foreign key from "${fk.column}" to ${fk.table}.${fk.targetColumn}`;
    }
  }
  // An index the schema adds to an existing table was kept in the schema and never made.
  const indexed = catalogue<{ name: string }>(db, 'index_list', spec.table)
    .map((index) => catalogue<{ seqno: number; name: string | null }>(db, 'index_info', index.name).sort((a, b) => a.seqno - b.seqno).map((c) => (c.name === null ? '' : nameKey(c.name))).join('\u0000'));
  for (const columns of spec.indexes ?? []) {
    if (!indexed.includes(columns.map(nameKey).join('\u0000'))) return `index on (${columns.join(', ')})`;
  }
  return undefined;
}

/**
 * Whether `table` has any key a record can conflict on: a primary key, or a UNIQUE index of any
 * kind (on expressions and partial ones too: a conflict there is skipped or replaced as well).
 */
export function hasAnyUniqueKey(db: Db, table: string): boolean {
  if (catalogue<TableInfoRow>(db, 'table_info', table).some((c) => c.pk > 0)) return true;
  return catalogue<{ unique: number }>(db, 'index_list', table).some((index) => index.unique === 1);
}

/**
 * Whether `table` has a primary key or a UNIQUE index on exactly `columns` (in any order): the
 * target an upsert's ON CONFLICT must name, or SQLite refuses the statement.
 */
export function hasUniqueKey(db: Db, table: string, columns: readonly string[]): boolean {
  const want = [...columns].map(nameKey).sort().join('\u0000');
  const info = catalogue<TableInfoRow>(db, 'table_info', table);
  const pk = info.filter((c) => c.pk > 0).map((c) => nameKey(c.name)).sort().join('\u0000');
  if (pk !== '' && pk === want) return true;
  return uniqueIndexKeys(db, table).some((key) => key.map(nameKey).sort().join('\u0000') === want);
}

/**
 * For a table the import is to create: its name and its indexes' must be free. A view or index
 * named so (SQLite keeps one namespace for tables, views and indexes) made CREATE TABLE fail as
 * a database error (exit 3, a failed job recorded) where it is the user's choice of name.
 */
export function checkNamesFree(db: Db, spec: SchemaSpec): void {
  const taken = db.prepare("SELECT type FROM sqlite_master WHERE name = ? COLLATE NOCASE AND type IN ('table', 'view', 'index')").pluck(true);
  const tableTaken = taken.get(spec.table) as string | undefined;
  if (tableTaken === 'view') {
    // The user named an object to load into, not one to create.
    throw new BargeError('usage', `${JSON.stringify(spec.table)} is a view, and barge loads tables only: give --table the table it shows`);
  }
  if (tableTaken !== undefined) {
    throw new BargeError('usage', `cannot create table ${JSON.stringify(spec.table)}: the database already has ${article(tableTaken)} named so; choose another --table`);
  }
  for (const group of spec.indexes ?? []) {
    const name = indexName(spec.table, group);
    const indexTaken = taken.get(name) as string | undefined;
    if (indexTaken !== undefined) {
      throw new BargeError('usage', `cannot create the index of ${JSON.stringify(spec.table)} on ${group.map((c) => JSON.stringify(c)).join(', ')}: the database already has ${article(indexTaken)} named ${JSON.stringify(name)}, the name barge gives that index; rename that ${indexTaken}, or choose another --table`);
    }
  }
}

function article(type: string): string {
  return type === 'index' ? 'an index' : `a ${type}`;
}

/**
 * A foreign key into a table that does not exist, or to a column of it that is missing or no key
 * (SQLite's "foreign key mismatch"), would fail every insert: say so before reading.
 */
export function checkReferencedTables(db: Db, spec: SchemaSpec): void {
  for (const fk of foreignKeysOf(spec)) {
    if (nameKey(fk.table) !== nameKey(spec.table) && !tableExists(db, fk.table)) {
      throw new BargeError('usage', `column "${fk.column}" references ${fk.table}.${fk.targetColumn}, but table "${fk.table}" does not exist; import "${fk.table}" first, with a --schema whose "primaryKey" is "${fk.targetColumn}" (a table made without one has no key to refer to)`);
    }
    const problem = referenceProblem(db, spec, fk);
    if (problem === undefined) continue;
    const what = `column "${fk.column}" references ${fk.table}.${fk.targetColumn}`;
    throw new BargeError('usage', problem.keys === undefined ? `${what}, but ${describeReferenceProblem(fk, problem)}` : `${what}, which ${notAKeyMessage(fk.table, problem.keys)}`);
  }
}

interface TableInfoRow {
  name: string;
  pk: number;
}

interface IndexListRow {
  name: string;
  unique: number;
  partial: number;
}

/** What is wrong with a foreign key's target column: missing, or no key (then `keys` are the table's). */
export type ReferenceProblem = { keys?: undefined } | { keys: string[] };

/** `table "makers" has no column "nosuch"`, `makers.country is not the primary key …`. */
export function describeReferenceProblem(fk: ForeignKey, problem: ReferenceProblem): string {
  if (problem.keys === undefined) return `table "${fk.table}" has no column "${fk.targetColumn}"`;
  return `${fk.table}.${fk.targetColumn} ${notAKeyMessage(fk.table, problem.keys)}`;
}

/**
 * Why `fk` cannot work (https://sqlite.org/foreignkeys.html §3: the parent key must be the
 * parent table's primary key or have a unique index), or undefined when it can or when its
 * table is missing (the caller's message). A table in the database is asked about its columns,
 * primary key and unique indexes; the table `spec` is about to create (a reference to itself)
 * goes by the spec. Collations are not compared: SQLite also refuses a unique index whose
 * collation differs from the column's, which barge never creates.
 */
export function referenceProblem(db: Db | undefined, spec: SchemaSpec, fk: ForeignKey): ReferenceProblem | undefined {
  const target = nameKey(fk.targetColumn);
  if (db === undefined || !tableExists(db, fk.table)) {
    if (nameKey(fk.table) !== nameKey(spec.table)) return undefined;
    const column = Object.keys(spec.columns).find((name) => nameKey(name) === target);
    if (column === undefined) return {};
    const keys = referenceableColumns(spec);
    return keys.includes(column) ? undefined : { keys };
  }
  // table_xinfo: a generated column may be a key too (a UNIQUE STORED one), which table_info hides.
  const info = catalogue<TableInfoRow>(db, 'table_xinfo', fk.table);
  if (!info.some((c) => nameKey(c.name) === target)) return {};
  const keys = new Set<string>();
  const pk = info.filter((c) => c.pk > 0);
  if (pk.length === 1) keys.add(nameKey(pk[0]!.name));
  // The primary key's own index (origin "pk") is listed too, unless it is the rowid.
  for (const index of catalogue<IndexListRow>(db, 'index_list', fk.table)) {
    if (index.unique !== 1 || index.partial === 1) continue;
    const columns = catalogue<{ name: string | null }>(db, 'index_info', index.name);
    if (columns.length === 1 && columns[0]!.name !== null) keys.add(nameKey(columns[0]!.name));
  }
  if (keys.has(target)) return undefined;
  return { keys: info.filter((c) => keys.has(nameKey(c.name))).map((c) => c.name) };
}
