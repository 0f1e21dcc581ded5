/**
 * A column's type. `any` is never written in a schema file (schema-file.ts lists the types a file
 * may name): it is a column of a table barge did not create that has no declared type (or BLOB,
 * or ANY in a STRICT table), whose values keep the type the input gives them, as SQLite's BLOB
 * affinity keeps them. ANY outside a STRICT table has NUMERIC affinity: a `numericAffinity` string.
 */
export type ColumnType = 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'datetime' | 'json' | 'any';

export interface ColumnSpec {
  type: ColumnType;
  required?: boolean;
  default?: unknown;
  min?: number;
  max?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  enum?: unknown[];
  unique?: boolean;
  /** "table.column": a foreign key, enforced by SQLite. */
  references?: string;

  // ---- read from the catalogue of a table barge did not create (from-table.ts) ------------
  // A schema file cannot set these (its column objects are strict, schema-file.ts), and barge
  // never keeps them in _barge_schemas (it keeps only schemas it created a table from).

  /**
   * The column's DEFAULT as SQLite reports it, when it is not a value barge can give itself
   * (CURRENT_TIMESTAMP, an expression, a literal that does not fit the type): a missing value
   * takes it, evaluated by SQLite per row as its own INSERT would (the row value is SQL_DEFAULT,
   * zod-schema.ts; batch-writer.ts writes the expression in its place). Such a column is not
   * required, even NOT NULL.
   */
  sqlDefault?: string;
  /**
   * A `number` column of NUMERIC affinity (NUMERIC, DECIMAL(10,2)): integer text beyond 2^53 is
   * kept exact (a BigInt, within SQLite's 64-bit range), as SQLite keeps it there; an integer
   * JSON.parse rounded is rejected. barge's own number columns are REAL, where it could not be.
   */
  exactIntegers?: boolean;
  /**
   * A `string` column of NUMERIC affinity (a declared type SQLite does not know as text: STRING,
   * UUID, MONEY, or ANY in an ordinary, non-STRICT table): SQLite stores text that reads as a number as that number, so text it would
   * change ("02134" -> 2134, "1.50" -> 1.5) is rejected; text it keeps ("12345") is stored.
   */
  numericAffinity?: boolean;
  /** A generated column (GENERATED ALWAYS AS): computed by SQLite, so a record's field for it is ignored and never written. */
  generated?: boolean;
}

/** The schema file (SPEC §3), after validation. Column order is columnNames' (column-order.ts). */
export interface SchemaSpec {
  table: string;
  primaryKey?: string[];
  columns: Record<string, ColumnSpec>;
  /**
   * The columns' order, where `columns` cannot keep it: an object lists names that are whole
   * numbers ("2019") first. Read it with columnNames (column-order.ts); never in a schema file.
   */
  columnOrder?: string[];
  unique?: string[][];
  indexes?: string[][];
  extraColumns?: 'reject' | 'ignore';
}

/** One problem with one field of one record (SPEC §5). */
export interface FieldError {
  column: string | null;
  code: string;
  message: string;
  value: unknown;
}
