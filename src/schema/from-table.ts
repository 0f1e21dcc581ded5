import type Database from 'better-sqlite3';
import { BargeError } from '../errors.js';
import { affinityOf, affinityProblem, columnAffinity, isAnyType, NUMBER_LITERAL } from './affinity.js';
import { INTEGER_TEXT, NUMBER_TEXT, parseBooleanText } from './coerce-value.js';
import { catalogue } from './catalogue-pragma.js';
import { nameKey } from './names.js';
import { parseSchemaSpec } from './schema-file.js';
import type { ColumnSpec, ColumnType, SchemaSpec } from './types.js';
import { valueProblem } from './zod-schema.js';
import { columnNames, withColumnOrder } from './column-order.js';

/**
 * The schema of an existing table (SPEC §3: without --schema, an existing table's
 * columns are the schema). barge keeps the exact schema it created a table from in
 * _barge_schemas, so a later import validates exactly as the first (booleans, json,
 * patterns, enums...). A table barge did not create is read from SQLite's own
 * catalogue, which knows declared types, NOT NULL, keys and indexes only.
 */

export const SCHEMAS_TABLE = '_barge_schemas';

interface TableInfoRow {
  cid: number;
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
}

/** pragma_table_xinfo's row: table_info's, and `hidden` (2: a VIRTUAL generated column, 3: a STORED one). */
interface TableXInfoRow extends TableInfoRow {
  hidden: number;
}

interface IndexListRow {
  seq: number;
  name: string;
  unique: number;
  origin: string;
  partial: number;
}

interface ForeignKeyRow {
  id: number;
  seq: number;
  table: string;
  from: string;
  to: string | null;
}

/**
 * The columns a CHECK of the table's SQL holds to 0 and 1 (`CHECK ("x" IN (0, 1))`, as barge
 * writes a boolean column, to-ddl.ts), by nameKey. Read from the CREATE TABLE text: SQLite keeps
 * no catalogue of CHECK constraints.
 */
function zeroOrOneColumns(db: Database.Database, table: string): Set<string> {
  const row = db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table) as { sql: string | null } | undefined;
  const found = new Set<string>();
  if (typeof row?.sql !== 'string') return found;
  const check = /CHECK\s*\(\s*(?:"((?:[^"]|"")+)"|`((?:[^`]|``)+)`|\[([^\]]+)\]|([A-Za-z_][A-Za-z0-9_]*))\s+IN\s*\(\s*(?:0\s*,\s*1|1\s*,\s*0)\s*\)\s*\)/gi;
  for (const match of row.sql.matchAll(check)) {
    const name = match[1]?.replace(/""/g, '"') ?? match[2]?.replace(/``/g, '`') ?? match[3] ?? match[4]!;
    found.add(nameKey(name));
  }
  return found;
}

/** The table's name as stored, or undefined. SQLite resolves names case-insensitively, so does this. */
function storedTableName(db: Database.Database, table: string): string | undefined {
  const row = db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE`)
    .get(table) as { name: string } | undefined;
  return row?.name;
}

/** The schema of `table`, or undefined when there is no such table. */
export function schemaFromTable(db: Database.Database, table: string): SchemaSpec | undefined {
  const name = storedTableName(db, table);
  if (name === undefined) return undefined;
  const derived = deriveFromCatalogue(db, name);
  const saved = savedSchema(db, name);
  if (saved === undefined) return derived;
  return withTableKeyRule(db, keptOrMerged(db, name, derived, saved));
}

/** The kept schema where the table still matches it, else the table's columns with the kept specs of those it can still hold. */
function keptOrMerged(db: Database.Database, name: string, derived: SchemaSpec, saved: SchemaSpec): SchemaSpec {
  const tableColumns = columnNames(derived);
  const savedColumns = Object.keys(saved.columns);
  const kept = keptColumns(db, name, saved);
  const sameKey = (a: string[] | undefined, b: string[] | undefined) => (a ?? []).map(nameKey).join('\u0000') === (b ?? []).map(nameKey).join('\u0000');
  // A table made again without the kept primary key is read from its catalogue: an upsert
  // on the kept key failed in SQLite (no such constraint).
  if (tableColumns.length === savedColumns.length && tableColumns.every((c) => kept.has(c)) && sameKey(saved.primaryKey, derived.primaryKey)) {
    return withColumnOrder({ ...saved, table: name }, tableColumns);
  }
  // The table changed since barge saved its schema (ALTER TABLE ADD/DROP COLUMN, or dropped and
  // made again by another tool): the table's columns and keys win; columns barge knows, as it
  // made them, keep their exact spec.
  const columns: Record<string, ColumnSpec> = {};
  for (const column of tableColumns) columns[column] = kept.has(column) ? (saved.columns[column] as ColumnSpec) : (derived.columns[column] as ColumnSpec);
  return { ...derived, columns, extraColumns: saved.extraColumns ?? 'reject' };
}

/**
 * The saved schema's columns the table can still hold as the schema says (the check a --schema
 * for an existing table gets, table-checks.ts): a column made again by another tool with a type
 * that cannot (`price TEXT` for a number) is read from the table. The saved spec is kept where
 * the types agree, also for a table barge did not create, imported into with --schema (its
 * VARCHAR(20), BOOLEAN or plain INTEGER columns), as SPEC §3 has it. (A table dropped and made
 * again with the same names and agreeing types is still read as the saved schema says.)
 */
function keptColumns(db: Database.Database, table: string, saved: SchemaSpec): Set<string> {
  const declared = new Map(catalogue<{ name: string; type: string }>(db, 'table_info', table).map((c) => [c.name, c.type]));
  const strict = isStrictTable(db, table);
  const kept = new Set<string>();
  for (const [name, col] of Object.entries(saved.columns)) {
    const type = declared.get(name);
    if (type !== undefined && affinityProblem(col.type, columnAffinity(type, strict)) === undefined) kept.add(name);
  }
  return kept;
}

/**
 * The types the schema barge kept for `table` (_barge_schemas) gives its columns, for those the
 * table can still hold as kept (not made again since with a type that cannot), by name.
 */
export function keptColumnTypes(db: Database.Database, table: string): Map<string, ColumnType> {
  const types = new Map<string, ColumnType>();
  const name = storedTableName(db, table);
  const saved = name === undefined ? undefined : savedSchema(db, name);
  if (name === undefined || saved === undefined) return types;
  for (const column of keptColumns(db, name, saved)) types.set(column, (saved.columns[column] as ColumnSpec).type);
  return types;
}

function savedSchema(db: Database.Database, table: string): SchemaSpec | undefined {
  if (storedTableName(db, SCHEMAS_TABLE) === undefined) return undefined;
  const row = db
    .prepare(`SELECT schema_json FROM ${SCHEMAS_TABLE} WHERE table_name = ? COLLATE NOCASE`)
    .get(table) as { schema_json: string } | undefined;
  if (row === undefined) return undefined;
  const source = `kept in ${SCHEMAS_TABLE} for table ${JSON.stringify(table)}`;
  let json: unknown;
  try {
    json = JSON.parse(row.schema_json);
  } catch (error) {
    throw new BargeError('schema', `schema ${source}: not valid JSON (delete that row to use the table's columns)`, { cause: error });
  }
  return parseSchemaSpec(json, source, { tableOptional: true });
}

/** Whether `table` is a STRICT table (https://sqlite.org/stricttables.html; pragma table_list, SQLite 3.37). */
export function isStrictTable(db: Database.Database, table: string): boolean {
  const row = catalogue<{ schema: string; strict: number }>(db, 'table_list', table).find((r) => r.schema === 'main');
  return row?.strict === 1;
}

/**
 * Declared type -> barge type, after SQLite's own affinity rules
 * (https://sqlite.org/datatype3.html#determination_of_column_affinity) with the names barge can
 * read more into. No declared type, or BLOB (BLOB affinity: values are stored as given), or
 * ANY in a STRICT table (kept as given there) is `any`; another unknown name, ANY outside a
 * STRICT table among them (NUMERIC affinity, §3.1 rule 5), is a string of NUMERIC affinity
 * (specFromDeclared: text SQLite would turn into another number is rejected).
 */
export function typeFromDeclared(declared: string, strict = false): ColumnType {
  const t = declared.toUpperCase();
  if (t.includes('BOOL')) return 'boolean';
  if (t.includes('DATETIME') || t.includes('TIMESTAMP')) return 'datetime';
  if (t.includes('DATE')) return 'date';
  if (t.includes('JSON')) return 'json';
  switch (affinityOf(declared)) {
    case 'INTEGER':
      return 'integer';
    case 'TEXT':
      return 'string';
    case 'BLOB':
      return 'any';
    case 'REAL':
      return 'number';
    case 'NUMERIC':
      if (strict && isAnyType(declared)) return 'any';
      return t.includes('NUM') || t.includes('DEC') ? 'number' : 'string';
  }
}

/**
 * A column's spec from its declared type. Of NUMERIC affinity, a number column (NUMERIC,
 * DECIMAL(10,2)) keeps integers exact, and a string column (STRING, UUID) rejects text SQLite
 * would turn into another number.
 */
function specFromDeclared(declared: string, strict: boolean): ColumnSpec {
  const type = typeFromDeclared(declared, strict);
  if (columnAffinity(declared, strict) !== 'NUMERIC') return { type };
  if (type === 'number') return { type, exactIntegers: true };
  if (type === 'string') return { type, numericAffinity: true };
  return { type };
}


/**
 * A DEFAULT as SQLite reports it (pragma table_info's dflt_value): as a barge value (`value`)
 * when barge can give exactly what SQLite's own INSERT would store, else as SQL for SQLite to
 * evaluate per row (`sql`: CURRENT_TIMESTAMP, (expressions), a literal that does not fit the
 * type); neither for no default or DEFAULT NULL.
 */
function defaultFromSql(sql: string | null, col: ColumnSpec): { value?: unknown; sql?: string } {
  if (sql === null) return {};
  let text: string;
  let quoted = false;
  const upper = sql.toUpperCase();
  if (upper === 'NULL') return {};
  if (/^'(?:[^']|'')*'$/s.test(sql)) {
    text = sql.slice(1, -1).replaceAll("''", "'");
    quoted = true;
  } else if (NUMBER_LITERAL.test(sql)) {
    text = sql.replace(/^\+/, '');
  } else if (upper === 'TRUE' || upper === 'FALSE') {
    text = upper === 'TRUE' ? '1' : '0';
  } else if (IDENTIFIER_DEFAULT.test(sql) && !CURRENT_TIME_KEYWORD.test(sql)) {
    // DEFAULT "d" (or d, `d`, [d]): SQLite's grammar takes an identifier there as the string
    // 'd'. Read as SQL, it named a column: every import into such a table failed ("no such
    // column"), exit 3.
    text = unquoteIdentifier(sql);
    quoted = true;
    const value = literalValue(text, quoted, col);
    if (value !== undefined && valueProblem(col, value, { withEnum: false }) === undefined) return { value };
    return { sql: `'${text.replaceAll("'", "''")}'` };
  } else {
    return { sql }; // CURRENT_TIMESTAMP, (expressions), X'00': SQLite's to evaluate
  }
  const value = literalValue(text, quoted, col);
  if (value !== undefined && valueProblem(col, value, { withEnum: false }) === undefined) return { value };
  return { sql };
}

/** A DEFAULT that is one identifier, bare or quoted ("d", `d`, [d]). */
const IDENTIFIER_DEFAULT = /^(?:"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*)$/s;
/** Keywords a bare DEFAULT may be that are not identifiers: SQLite evaluates them per row. */
const CURRENT_TIME_KEYWORD = /^current_(?:time|date|timestamp)$/i;

function unquoteIdentifier(sql: string): string {
  const first = sql[0];
  if (first === '"') return sql.slice(1, -1).replaceAll('""', '"');
  if (first === '`') return sql.slice(1, -1).replaceAll('``', '`');
  if (first === '[') return sql.slice(1, -1);
  return sql;
}

/** A literal DEFAULT's text as the column's value, or undefined when only SQLite can say what it stores. */
function literalValue(text: string, quoted: boolean, col: ColumnSpec): unknown {
  // An integer beyond 2^53 would be rounded as a JavaScript number.
  const integer = INTEGER_TEXT.test(text) && Number.isSafeInteger(Number(text));
  let value: unknown;
  switch (col.type) {
    case 'integer':
      value = integer ? Number(text) : undefined;
      break;
    case 'number':
      // A REAL rounds as JavaScript does; NUMERIC keeps an integer beyond 2^53 (SQLite's then).
      value = NUMBER_TEXT.test(text) && !(col.exactIntegers === true && INTEGER_TEXT.test(text) && !integer) ? Number(text) : undefined;
      break;
    case 'any':
      // Text as text; a number keeps its kind (an integral REAL such as 1.0 would be bound as an integer).
      if (quoted) return text;
      return integer || (NUMBER_TEXT.test(text) && !Number.isInteger(Number(text))) ? Number(text) : undefined;
    case 'string':
      // An unquoted number is stored as SQLite writes it (1.50 -> '1.5'): kept only when that is its text.
      if (!quoted) return integer && String(Number(text)) === text ? text : undefined;
      return text;
    case 'boolean':
      value = parseBooleanText(text);
      break;
    case 'json':
      try {
        value = quoted ? (JSON.parse(text) as unknown) : undefined;
      } catch {
        value = undefined;
      }
      break;
    default:
      // date, datetime: text (a number is no date, and fails the check after)
      value = text;
  }
  return value;
}

/** One column of a table's catalogue: its name and what barge reads into it. */
export interface CatalogueColumn {
  name: string;
  spec: ColumnSpec;
  /** Whether it is part of the primary key, and where (1, 2, ...); 0 when not. */
  pk: number;
}

/**
 * The columns of `table` as its catalogue describes them, generated ones included (a table's
 * export holds them; pragma_table_xinfo lists them, table_info does not). table-traits.ts reads
 * the same to leave generated columns out of its INSERT and to evaluate SQL defaults.
 */
export function catalogueColumns(db: Database.Database, table: string): CatalogueColumn[] {
  const info = catalogue<TableXInfoRow>(db, 'table_xinfo', table);
  const strict = isStrictTable(db, table);
  const booleans = zeroOrOneColumns(db, table);
  const columns: CatalogueColumn[] = [];
  for (const row of info) {
    if (row.hidden === 1) continue; // a virtual table's hidden column
    // An INTEGER column a CHECK holds to 0 and 1 is a boolean, as barge writes one (`INTEGER
    // CHECK ("x" IN (0, 1))`): barge's own table, its DDL copied to another database without the
    // schema barge kept, read as an integer, refused the `true`/`false` its export wrote. Any
    // other table with such a column is read (and exported) so too.
    const boolean = booleans.has(nameKey(row.name)) && affinityOf(row.type) === 'INTEGER';
    const col = specFromDeclared(boolean ? 'BOOLEAN' : row.type, strict);
    if (row.hidden === 2 || row.hidden === 3) {
      // Computed by SQLite: an export holds it, an import ignores it (never inserted).
      col.generated = true;
    } else {
      if (row.notnull === 1) col.required = true;
      const dflt = defaultFromSql(row.dflt_value, col);
      if (dflt.value !== undefined) col.default = dflt.value;
      else if (dflt.sql !== undefined) col.sqlDefault = dflt.sql;
    }
    columns.push({ name: row.name, spec: col, pk: row.pk });
  }
  return columns;
}

function deriveFromCatalogue(db: Database.Database, table: string): SchemaSpec {
  const info = catalogueColumns(db, table);
  const columns: Record<string, ColumnSpec> = {};
  for (const row of info) columns[row.name] = row.spec;
  const spec: SchemaSpec = withColumnOrder({ table, columns, extraColumns: 'reject' }, info.map((row) => row.name));

  const pk = info.filter((r) => r.pk > 0).sort((a, b) => a.pk - b.pk).map((r) => r.name);
  if (pk.length > 0) spec.primaryKey = pk;
  // The rowid alias declared NOT NULL as well (Django's, Rails' and Prisma's `"id" integer NOT
  // NULL PRIMARY KEY AUTOINCREMENT`): SQLite fills it in all the same, so it is not required.
  const alias = rowidAliasOf(db, table);
  const aliasSpec = alias === undefined ? undefined : columns[alias];
  if (aliasSpec?.required === true && aliasSpec.default === undefined) delete aliasSpec.required;
  requireKeyNotRowid(db, spec);

  // index_list lists the newest index first; reversed, it is creation order.
  const indexList = catalogue<IndexListRow>(db, 'index_list', table).reverse();
  for (const index of indexList) {
    if (index.origin === 'pk' || index.partial === 1) continue; // a partial index is no plain constraint
    const cols = catalogue<{ name: string | null }>(db, 'index_info', index.name).map((r) => r.name);
    if (cols.length === 0 || cols.some((c) => c === null)) continue; // expression index
    const names = cols as string[];
    if (index.unique === 1) {
      if (names.length === 1) (columns[names[0] as string] as ColumnSpec).unique = true;
      else (spec.unique ??= []).push(names);
    } else {
      (spec.indexes ??= []).push(names);
    }
  }

  const fks = catalogue<ForeignKeyRow>(db, 'foreign_key_list', table);
  for (const fk of fks) {
    // barge's `references` is one column; a composite key stays enforced by SQLite all the same.
    if (fks.some((other) => other.id === fk.id && other.seq !== fk.seq)) continue;
    const to = fk.to ?? soleKeyColumn(db, fk.table);
    if (to === undefined || fk.table.includes('.') || to.includes('.')) continue;
    const col = columns[fk.from];
    if (col !== undefined) col.references = `${fk.table}.${to}`;
  }
  return spec;
}

/**
 * The column that is `table`'s rowid alias, if any: a lone primary key column declared exactly
 * INTEGER, in a rowid table, and not `INTEGER PRIMARY KEY DESC` written on the column
 * (https://sqlite.org/lang_createtable.html#rowid). Only that key does SQLite fill in when it is
 * NULL or missing. Any other primary key (INT, BIGINT, the DESC quirk, a WITHOUT ROWID table, a
 * composite key) is backed by an index of origin 'pk'; the rowid alias needs none. Reading the
 * index list spares parsing the declared type and the CREATE TABLE text.
 */
function rowidAliasOf(db: Database.Database, table: string): string | undefined {
  const key = catalogue<{ name: string; pk: number }>(db, 'table_info', table).filter((r) => r.pk > 0).map((r) => r.name);
  if (key.length !== 1) return undefined;
  const backed = catalogue<{ origin: string }>(db, 'index_list', table).some((r) => r.origin === 'pk');
  return backed ? undefined : key[0];
}

/**
 * Marks `spec`'s lone `integer` primary key required when it is not the table's rowid alias
 * (rowidAliasOf): barge leaves a lone integer key out of `required` for SQLite to fill in
 * (isEffectivelyRequired), but there SQLite would store NULL in it (a legacy quirk, "The
 * PRIMARY KEY" in https://sqlite.org/lang_createtable.html) or, WITHOUT ROWID, fail the write.
 */
function requireKeyNotRowid(db: Database.Database, spec: SchemaSpec): void {
  const key = spec.primaryKey;
  if (key?.length !== 1) return;
  const name = key[0] as string;
  const col = spec.columns[name];
  if (col === undefined || col.type !== 'integer' || col.required === true) return;
  const alias = rowidAliasOf(db, spec.table);
  if (alias === undefined || nameKey(alias) !== nameKey(name)) spec.columns[name] = { ...col, required: true };
}

/**
 * `spec` (a schema file's, or one kept in _barge_schemas) for the existing table it names, with
 * what only the table can say: a lone integer primary key that is not the rowid is required
 * (requireKeyNotRowid), and the table's DEFAULTs of columns the schema gives none (withTableDefaults).
 * `spec` itself is left as it is.
 */
export function withTableKeyRule(db: Database.Database, spec: SchemaSpec): SchemaSpec {
  if (storedTableName(db, spec.table) === undefined) return spec;
  const copy = { ...spec, columns: { ...spec.columns } };
  requireKeyNotRowid(db, copy);
  withTableDefaults(db, copy);
  return copy;
}

/**
 * A column the schema declares without a `default` (and not `required`) takes the table's own
 * DEFAULT for a record that leaves it out, as every other tool's INSERT does: barge wrote NULL
 * there (`kind TEXT DEFAULT 'x'`), and a `NOT NULL DEFAULT 0` column rejected every such record.
 * As SQL SQLite evaluates (sqlDefault), never as a `default` the schema's type and rules would
 * judge: `meta TEXT DEFAULT '{}'` declared json, or `INTEGER DEFAULT 1` declared boolean, is the
 * table's own value, not the user's. saveSchema keeps no sqlDefault: the schema kept is the
 * schema given, and this is read from the table each time.
 */
function withTableDefaults(db: Database.Database, spec: SchemaSpec): void {
  const own = new Map(catalogue<TableXInfoRow>(db, 'table_xinfo', spec.table).map((row) => [nameKey(row.name), row]));
  for (const [name, col] of Object.entries(spec.columns)) {
    if (col.default !== undefined || col.sqlDefault !== undefined || col.required === true) continue;
    const row = own.get(nameKey(name));
    if (row === undefined || row.dflt_value === null || row.hidden === 2 || row.hidden === 3) continue;
    spec.columns[name] = { ...col, sqlDefault: row.dflt_value };
  }
}

/** `REFERENCES parent` without a column means the parent's primary key. */
function soleKeyColumn(db: Database.Database, table: string): string | undefined {
  const pk = catalogue<TableInfoRow>(db, 'table_info', table).filter((r) => r.pk > 0);
  return pk.length === 1 ? pk[0]?.name : undefined;
}

/** Keep `spec` beside the data, so export and later imports use it exactly. */
export function saveSchema(db: Database.Database, spec: SchemaSpec): void {
  db.exec(
    `CREATE TABLE IF NOT EXISTS ${SCHEMAS_TABLE} (table_name TEXT PRIMARY KEY, schema_json TEXT NOT NULL, updated_at TEXT NOT NULL)`,
  );
  // sqlDefault is never a schema's: withTableDefaults reads it from the table, and a schema
  // kept with it could not be read back ("unknown key").
  // columnOrder neither: the table keeps the order (keptOrMerged reads it there).
  const { columnOrder: _order, ...plain } = spec;
  const kept = { ...plain, columns: Object.fromEntries(Object.entries(spec.columns).map(([name, col]) => {
    const { sqlDefault: _sqlDefault, ...rest } = col;
    return [name, rest];
  })) };
  const save = db.transaction(() => {
    // SQLite table names are case-insensitive: drop a row kept under another spelling.
    db.prepare(`DELETE FROM ${SCHEMAS_TABLE} WHERE table_name = ? COLLATE NOCASE AND table_name <> ?`).run(spec.table, spec.table);
    db.prepare(
      `INSERT INTO ${SCHEMAS_TABLE} (table_name, schema_json, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (table_name) DO UPDATE SET schema_json = excluded.schema_json, updated_at = excluded.updated_at`,
    ).run(spec.table, JSON.stringify(kept), new Date().toISOString());
  });
  save();
}
