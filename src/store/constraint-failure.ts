import { reportedValue } from '../schema/issue-messages.js';
import type { FieldError } from '../schema/types.js';

/** A foreign key of the target table, to name the culprit of a FOREIGN KEY failure. */
export interface ForeignKeyRef {
  column: string;
  columnIndex: number;
  check: (value: unknown) => boolean;
  target: string;
}

/** True for SQLite errors caused by one record (constraints), false for failures of the run. */
export function isConstraintError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT');
}

/**
 * Turns a constraint error for one row into the report's field error, naming
 * the column where SQLite (or a foreign-key probe) can tell which one failed.
 */
export function describeConstraintFailure(
  error: unknown,
  table: string,
  columns: readonly string[],
  row: readonly unknown[],
  foreignKeys: readonly ForeignKeyRef[],
  duplicateHint = 'use --on-conflict ignore, replace or update to allow this',
  referencedHint?: string,
): FieldError {
  const code = String((error as { code?: unknown }).code ?? '');
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    const culprit = foreignKeys.find((fk) => row[fk.columnIndex] !== null && !fk.check(row[fk.columnIndex]));
    if (culprit) {
      const value = row[culprit.columnIndex];
      return { column: culprit.column, code: 'foreign_key', message: `no row in ${culprit.target} has the value ${show(value)} (foreign key)`, value: reportedValue(value) };
    }
    return { column: null, code: 'foreign_key', message: referencedHint === undefined ? 'a foreign key constraint failed' : `a foreign key constraint failed: ${referencedHint}`, value: null };
  }
  if (code === 'SQLITE_CONSTRAINT_CHECK') {
    // "CHECK constraint failed: q > 0" names the check (its expression or its name), not columns.
    return { column: null, code: 'check', message: `fails a CHECK constraint (${message})`, value: null };
  }
  const failed = constraintColumns(message, table);
  const column = failed.length === 1 ? failed[0]! : null;
  const index = column === null ? -1 : columns.indexOf(column);
  // A failure naming no column (a trigger's RAISE, a STRICT table's type check) has no value.
  const value = index >= 0 ? row[index] : failed.length > 0 ? failed.map((c) => row[columns.indexOf(c)]) : null;
  switch (code) {
    case 'SQLITE_CONSTRAINT_PRIMARYKEY':
    case 'SQLITE_CONSTRAINT_UNIQUE':
      return {
        column,
        code: code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ? 'primary_key' : 'unique',
        message: `duplicate ${failed.length > 1 ? `key (${failed.join(', ')})` : 'value'} ${show(value)}: a row with it already exists (${duplicateHint})`,
        value: reportable(value),
      };
    case 'SQLITE_CONSTRAINT_NOTNULL':
      return { column, code: 'not_null', message: 'is required (NOT NULL)', value: null };
    default:
      return { column, code: 'constraint', message, value: reportable(value) };
  }
}

/** A row value as a report holds it: JSON-safe (an integer beyond 2^53, a BigInt, as its digits). */
function reportable(value: unknown): unknown {
  return Array.isArray(value) ? value.map(reportedValue) : reportedValue(value);
}

/** "UNIQUE constraint failed: t.a, t.b" -> ["a", "b"]. */
function constraintColumns(message: string, table: string): string[] {
  const at = message.indexOf('failed: ');
  if (at < 0) return [];
  return message
    .slice(at + 'failed: '.length)
    .split(', ')
    .map((name) => (name.startsWith(`${table}.`) ? name.slice(table.length + 1) : name.slice(name.indexOf('.') + 1)));
}

/** A key's value in a message: a string quoted, a composite key's values in parentheses. */
export function show(value: unknown): string {
  if (Array.isArray(value)) return `(${value.map(show).join(', ')})`;
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
