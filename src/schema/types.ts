export type ColumnType = 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'datetime' | 'json';

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
}

/** The schema file (SPEC §3), after validation. Column order is insertion order. */
export interface SchemaSpec {
  table: string;
  primaryKey?: string[];
  columns: Record<string, ColumnSpec>;
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
