import { quoteIdent } from './names.js';
import type { ColumnSpec, ColumnType, SchemaSpec } from './types.js';
import { columnEntries } from './column-order.js';

/**
 * A SchemaSpec as SQLite DDL: the table barge creates when it is missing.
 *
 * Ordinary tables with declared types, not STRICT ones: STRICT needs SQLite 3.37
 * (2021), and older sqlite3 shells, GUI browsers and drivers refuse to open a
 * database holding one ("malformed database schema"). The validator already
 * guarantees the types; the declared types give every tool the right affinity
 * (https://sqlite.org/datatype3.html#affinity_name_examples).
 */

const SQL_TYPES: Record<ColumnType, string> = {
  string: 'TEXT',
  // Exactly "INTEGER", so a lone integer primary key is the rowid (https://sqlite.org/lang_createtable.html#rowid).
  integer: 'INTEGER',
  number: 'REAL',
  boolean: 'INTEGER',
  date: 'TEXT',
  datetime: 'TEXT',
  json: 'TEXT',
  // A column of a table barge did not create (from-table.ts), never of a schema file: no type.
  any: '',
};

/** `text` as an SQL string literal. */
export function quoteText(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A column default as a SQL literal, in the form the validator binds (booleans 1/0, json as text). */
export function sqlLiteral(type: ColumnType, value: unknown): string {
  switch (type) {
    case 'integer':
    case 'number':
      return String(value);
    case 'boolean':
      return value === true ? '1' : '0';
    case 'json':
      return quoteText(JSON.stringify(value));
    case 'any':
      return typeof value === 'number' ? String(value) : quoteText(String(value));
    default:
      return quoteText(String(value));
  }
}

function columnList(columns: string[]): string {
  return columns.map(quoteIdent).join(', ');
}

/** One name inside an index name: as it is, or in brackets (`]` doubled) when it holds the "_" that separates them or starts with "[". */
function indexNamePart(name: string): string {
  return name.includes('_') || name.startsWith('[') ? `[${name.replaceAll(']', ']]')}]` : name;
}

/**
 * The index name barge gives an `indexes` entry: "<table>_<col>_<col>_idx", with a name
 * holding "_" in brackets, so that no two tables or column lists share one (index names are
 * one namespace per database): table "order" indexed on item_id is "order_[item_id]_idx",
 * table "order_item" on id "[order_item]_id_idx"; ["a_b"] is "t_[a_b]_idx", ["a", "b"] "t_a_b_idx".
 */
export function indexName(table: string, columns: string[]): string {
  return `${[table, ...columns].map(indexNamePart).join('_')}_idx`;
}

function columnDefinition(name: string, col: ColumnSpec, spec: SchemaSpec): string {
  const pk = spec.primaryKey ?? [];
  const soleKey = pk.length === 1 && pk[0] === name;
  // A NUMERIC column read from another table keeps its affinity (its integers stay exact).
  const sqlType = col.type === 'number' && col.exactIntegers === true ? 'NUMERIC' : SQL_TYPES[col.type];
  const parts = sqlType === '' ? [quoteIdent(name)] : [quoteIdent(name), sqlType];
  // SQLite lets NULL into a non-integer PRIMARY KEY column (a legacy quirk), hence NOT NULL on
  // key columns; a lone integer key stays nullable so SQLite can assign it.
  const integerRowid = soleKey && col.type === 'integer';
  if (col.required === true || (pk.includes(name) && !integerRowid)) parts.push('NOT NULL');
  if (soleKey) parts.push('PRIMARY KEY');
  if (col.unique === true && !soleKey) parts.push('UNIQUE');
  if (col.default !== undefined) parts.push(`DEFAULT ${sqlLiteral(col.type, col.default)}`);
  else if (col.sqlDefault !== undefined) parts.push(`DEFAULT (${col.sqlDefault})`);
  if (col.type === 'boolean') parts.push(`CHECK (${quoteIdent(name)} IN (0, 1))`);
  return parts.join(' ');
}

/**
 * The ALTER TABLE that adds `name` to an existing table as a schema declares it, for a message:
 * its type and default (ADD COLUMN cannot add a NOT NULL column without a default, nor a key).
 */
export function addColumnStatement(table: string, name: string, col: ColumnSpec): string {
  const sqlType = SQL_TYPES[col.type];
  const parts = [`ALTER TABLE ${quoteIdent(table)} ADD COLUMN ${quoteIdent(name)}`];
  if (sqlType !== '') parts.push(sqlType);
  if (col.default !== undefined) parts.push(`DEFAULT ${sqlLiteral(col.type, col.default)}`);
  if (col.type === 'boolean') parts.push(`CHECK (${quoteIdent(name)} IN (0, 1))`);
  if (col.references !== undefined) {
    const dot = col.references.lastIndexOf('.');
    parts.push(`REFERENCES ${quoteIdent(col.references.slice(0, dot))}(${quoteIdent(col.references.slice(dot + 1))})`);
  }
  // ADD COLUMN cannot add UNIQUE: an index does.
  const unique = col.unique === true ? `; CREATE UNIQUE INDEX ${quoteIdent(`${table}_${name}_unique`)} ON ${quoteIdent(table)}(${quoteIdent(name)})` : '';
  return parts.join(' ') + unique;
}

/** CREATE TABLE (not IF NOT EXISTS: the caller decided the table is missing) then its CREATE INDEXes. */
export function createTableStatements(spec: SchemaSpec): string[] {
  const table = quoteIdent(spec.table);
  const lines: string[] = [];
  for (const [name, col] of columnEntries(spec)) lines.push(columnDefinition(name, col, spec));
  const pk = spec.primaryKey ?? [];
  if (pk.length > 1) lines.push(`PRIMARY KEY (${columnList(pk)})`);
  for (const group of spec.unique ?? []) lines.push(`UNIQUE (${columnList(group)})`);
  for (const [name, col] of columnEntries(spec)) {
    if (col.references === undefined) continue;
    const dot = col.references.indexOf('.');
    const refTable = col.references.slice(0, dot);
    const refColumn = col.references.slice(dot + 1);
    lines.push(`FOREIGN KEY (${quoteIdent(name)}) REFERENCES ${quoteIdent(refTable)} (${quoteIdent(refColumn)})`);
  }
  const statements = [`CREATE TABLE ${table} (\n  ${lines.join(',\n  ')}\n)`];
  const names = new Set<string>();
  for (const group of spec.indexes ?? []) {
    // A schema file cannot repeat an index (schema-file.ts); one kept by an older barge may.
    const name = indexName(spec.table, group);
    if (names.has(name)) continue;
    names.add(name);
    statements.push(`CREATE INDEX ${quoteIdent(name)} ON ${table} (${columnList(group)})`);
  }
  return statements;
}
