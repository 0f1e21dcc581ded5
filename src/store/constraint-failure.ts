import { reportedValue } from '../schema/issue-messages.js';
import type { FieldError } from '../schema/types.js';
import { nameKey } from '../schema/names.js';

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
  if (failed.kind === 'index') {
    // A unique index on expressions ("index 'ue'"): no column of the record to name, no value.
    return { column: null, code: 'unique', message: `duplicate key in the unique index "${failed.index}" (on expressions): a row with it already exists (${duplicateHint})`, value: null };
  }
  if (failed.kind === 'elsewhere') {
    // A write of one of the table's triggers into another table failed: not this record's
    // columns (it was pinned on a same-named one), and no --on-conflict choice is about it.
    return { column: null, code: code === 'SQLITE_CONSTRAINT_NOTNULL' ? 'not_null' : 'constraint', message: `a trigger's write into another table failed (${message})`, value: null };
  }
  const named = failed.columns;
  // A name that is not one of the record's columns: a generated column (the table computes it),
  // or no column at all (an R-tree's "(minx<=maxx)").
  const given = named.every((c) => columns.includes(c));
  const column = named.length === 1 && (given || code === 'SQLITE_CONSTRAINT_NOTNULL') ? named[0]! : null;
  const index = column === null ? -1 : columns.indexOf(column);
  // A failure naming no column (a trigger's RAISE, a STRICT table's type check) has no value.
  const value = index >= 0 ? row[index] : named.length > 0 && given ? named.map((c) => row[columns.indexOf(c)]) : null;
  switch (code) {
    case 'SQLITE_CONSTRAINT_PRIMARYKEY':
    case 'SQLITE_CONSTRAINT_UNIQUE':
      return {
        column,
        code: code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ? 'primary_key' : 'unique',
        message: given
          ? `duplicate ${named.length > 1 ? `key (${named.join(', ')})` : 'value'} ${show(value)}: a row with it already exists (${duplicateHint})`
          : `duplicate ${named.length > 1 ? 'key' : 'value'} of ${named.map((c) => JSON.stringify(c)).join(', ')}, which the table computes: a row with it already exists (${duplicateHint})`,
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

/**
 * What a constraint message names: "UNIQUE constraint failed: t.a, t.b" -> columns a and b of
 * the table; "index 'ue'" -> a unique index on expressions; "audit.name" -> a column of another
 * table (a trigger's write). Table names compare as SQLite compares them (ASCII case only).
 */
function constraintColumns(message: string, table: string): { kind: 'columns'; columns: string[] } | { kind: 'index'; index: string } | { kind: 'elsewhere' } {
  const at = message.indexOf('failed: ');
  // A STRICT table's type check: "cannot store TEXT value in INTEGER column t.n".
  const strict = /^cannot store \S+ value in \S+ column (.*)$/.exec(message);
  if (at < 0 && strict === null) return { kind: 'columns', columns: [] };
  const named = strict !== null ? strict[1]! : message.slice(at + 'failed: '.length);
  const index = /^index '(.*)'$/.exec(named);
  if (index !== null) return { kind: 'index', index: index[1]! };
  const prefix = nameKey(`${table}.`);
  const key = nameKey(named);
  if (!key.startsWith(prefix)) {
    // Another table's column, or no table at all (a STRICT type check names "t.c" too).
    return named.includes('.') ? { kind: 'elsewhere' } : { kind: 'columns', columns: [] };
  }
  // The names are cut where ", t." begins the next, not at every ", ": a table named
  // "sales, 2024" (a file's name) or a column "size, cm" holds one (nameKey keeps lengths).
  const columns: string[] = [];
  const separator = `, ${prefix}`;
  let start = prefix.length;
  for (let next = key.indexOf(separator, start); next >= 0; next = key.indexOf(separator, start)) {
    columns.push(named.slice(start, next));
    start = next + separator.length;
  }
  columns.push(named.slice(start));
  return { kind: 'columns', columns };
}

/** A key's value in a message: a string quoted, a composite key's values in parentheses. */
export function show(value: unknown): string {
  if (Array.isArray(value)) return `(${value.map(show).join(', ')})`;
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
