import type Database from 'better-sqlite3';
import { catalogue } from '../schema/catalogue-pragma.js';
import { reportedValue } from '../schema/issue-messages.js';
import { nameKey, quoteIdent } from '../schema/names.js';
import { isSqlDefault } from '../schema/zod-schema.js';
import type { FieldError } from '../schema/types.js';
import { show, type ForeignKeyRef } from './constraint-failure.js';

interface ForeignKeyListRow {
  id: number;
  seq: number;
  table: string;
  from: string;
  to: string | null;
}

/** One foreign key of the table written to, as the rows to write hold it. */
interface Reference {
  /** The places in a row of the key's columns. */
  places: number[];
  /** Each key column's affinity (SQLite's rules on its declared type): a value is probed as the column stores it. */
  affinities: Affinity[];
  /** A reference to the table itself: its parent row may be written later in the same batch or job. */
  self: boolean;
  /** Self only: the places in a row of the parent columns (a row may name itself). */
  targetPlaces: number[] | undefined;
  target: string;
  columns: string[];
  probe: Database.Statement<unknown[]>;
  /**
   * Self, one column: the probe of a row already written, which must not find the row itself by
   * its collation (SQLite's check matches a row to itself only when the values are the same).
   */
  probeOthers: Database.Statement<unknown[]> | undefined;
}

export interface ReferenceProblem {
  /** The parent row may still come (a reference to the table itself). */
  self: boolean;
  /** Self: the key the row waits for, as keysHeld() gives a row's own. */
  awaited?: string;
  error: FieldError;
}

/**
 * The foreign keys of the table being written, read from its catalogue (not the schema, which
 * a --schema without `references` leaves out), to tell a record's missing parent before SQLite
 * does. Only tables where SQLite's own check at each statement would decide wrongly need it
 * (`checksEveryRow`):
 * - a key to the table itself: SQLite checks an INSERT at the end of each statement, so a row
 *   whose parent came later in the input loaded when both fell in one 25-row statement and was
 *   rejected otherwise, and a table exported after a REPLACE (the parent now last) did not load
 *   back (SPEC §7). Such a row now waits for the rest of its batch (atomic: of the job);
 * - a key declared DEFERRABLE INITIALLY DEFERRED (Django's): SQLite checks it only at COMMIT,
 *   which failed the whole job (exit 3) with no record named.
 */
export class TableReferences {
  private readonly references: Reference[];
  readonly checksEveryRow: boolean;
  /** A key is declared DEFERRABLE INITIALLY DEFERRED: SQLite would check it only at COMMIT. */
  readonly deferred: boolean;

  constructor(db: Database.Database, table: string, columns: readonly string[]) {
    const byId = new Map<number, ForeignKeyListRow[]>();
    for (const row of catalogue<ForeignKeyListRow>(db, 'foreign_key_list', table)) {
      const list = byId.get(row.id) ?? [];
      list.push(row);
      byId.set(row.id, list);
    }
    const place = (name: string) => columns.findIndex((c) => nameKey(c) === nameKey(name));
    const declaredTypes = new Map(catalogue<{ name: string; type: string }>(db, 'table_xinfo', table).map((c) => [nameKey(c.name), c.type]));
    this.references = [];
    for (const parts of byId.values()) {
      parts.sort((a, b) => a.seq - b.seq);
      const parent = parts[0]!.table;
      const targets = parts.every((p) => p.to !== null) ? parts.map((p) => p.to!) : primaryKeyOf(db, parent);
      const places = parts.map((p) => place(p.from));
      // A key whose columns a record cannot give (not written: SQLite checks their defaults)
      // or whose parent columns cannot be told is left to SQLite.
      if (targets === undefined || targets.length !== parts.length || places.some((at) => at < 0)) continue;
      const self = nameKey(parent) === nameKey(table);
      const targetPlaces = self ? targets.map(place) : undefined;
      const equals = targets.length === 1 ? `${quoteIdent(targets[0]!)} = ?` : `(${targets.map(quoteIdent).join(', ')}) = (${targets.map(() => '?').join(', ')})`;
      this.references.push({
        places,
        affinities: parts.map((p) => affinityOf(declaredTypes.get(nameKey(p.from)) ?? '')),
        self,
        targetPlaces: targetPlaces?.every((at) => at >= 0) ? targetPlaces : undefined,
        target: `${parent}.${targets.length === 1 ? targets[0] : `(${targets.join(', ')})`}`,
        columns: parts.map((p) => p.from),
        probe: db.prepare(`SELECT 1 FROM ${quoteIdent(parent)} WHERE ${equals} LIMIT 1`),
        probeOthers: self && targets.length === 1
          ? db.prepare(`SELECT 1 FROM ${quoteIdent(parent)} WHERE ${equals} AND ${quoteIdent(targets[0]!)} IS NOT ? COLLATE BINARY LIMIT 1`)
          : undefined,
      });
    }
    this.deferred = declaresDeferredKeys(db, table);
    this.checksEveryRow = this.references.some((r) => r.self) || this.deferred;
  }

  /** The single-column keys, to name the culprit of a FOREIGN KEY failure SQLite reports. */
  get singleColumn(): ForeignKeyRef[] {
    return this.references
      .filter((r) => r.places.length === 1)
      .map((r) => ({ column: r.columns[0]!, columnIndex: r.places[0]!, target: r.target, check: (value: unknown) => r.probe.get(value) !== undefined }));
  }

  /** The first key of `row` with no parent row now, if any (a NULL in a key satisfies it, as in SQLite). */
  problem(row: readonly unknown[]): ReferenceProblem | undefined {
    return this.firstMissing(row, false);
  }

  /** problem() of a row already written: its own key is no parent of it but by the same value. */
  problemWritten(row: readonly unknown[]): ReferenceProblem | undefined {
    return this.firstMissing(row, true);
  }

  /** The keys `row` gives the rows that refer to this table itself (keyOf each self reference's target). */
  keysHeld(row: readonly unknown[]): string[] {
    const keys: string[] = [];
    for (const ref of this.references) if (ref.self && ref.targetPlaces !== undefined) keys.push(keyOf(ref.targetPlaces.map((at) => row[at])));
    return keys;
  }

  private firstMissing(row: readonly unknown[], written: boolean): ReferenceProblem | undefined {
    for (const ref of this.references) {
      const values = ref.places.map((at) => row[at]);
      if (values.some((v) => v === null || v === undefined || isSqlDefault(v))) continue;
      if (ref.self && ref.targetPlaces !== undefined && ref.targetPlaces.every((at, i) => sameKey(row[at], values[i]))) continue;
      const bound = values.map((v, i) => asStored(v, ref.affinities[i]!));
      if (written && ref.probeOthers !== undefined) {
        if (ref.probeOthers.get(...bound, row[ref.targetPlaces![0]!]) !== undefined) continue;
      } else if (ref.probe.get(...bound) !== undefined) continue;
      const column = ref.columns.length === 1 ? ref.columns[0]! : null;
      const shown = show(values.length === 1 ? values[0] : values);
      return {
        self: ref.self,
        awaited: ref.self ? keyOf(values) : undefined,
        error: { column, code: 'foreign_key', message: `no row in ${ref.target} has the value ${shown} (foreign key)`, value: values.length === 1 ? reportedValue(values[0]) : values.map(reportedValue) },
      };
    }
    return undefined;
  }
}

type Affinity = 'integer' | 'text' | 'real' | 'numeric' | 'blob';

/** SQLite's affinity of a declared type (https://sqlite.org/datatype3.html#determination_of_column_affinity). */
function affinityOf(declared: string): Affinity {
  const type = declared.toUpperCase();
  if (type.includes('INT')) return 'integer';
  if (type.includes('CHAR') || type.includes('CLOB') || type.includes('TEXT')) return 'text';
  if (type === '' || type.includes('BLOB')) return 'blob';
  if (type.includes('REAL') || type.includes('FLOA') || type.includes('DOUB')) return 'real';
  return 'numeric';
}

/**
 * A key's value bound as its column stores it, which is what SQLite's own check compares: a
 * whole number in an INTEGER or NUMERIC column as an INTEGER (better-sqlite3 binds a JS number
 * as a REAL, and a TEXT key compared 6.0 as "6.0" where SQLite compares "6"); in a REAL column as
 * a REAL ("6.0" against a TEXT key); in a TEXT column as text.
 */
function asStored(value: unknown, affinity: Affinity): unknown {
  if (typeof value === 'number') {
    if (affinity === 'text') return String(value);
    if ((affinity === 'integer' || affinity === 'numeric') && Number.isSafeInteger(value)) return BigInt(value);
  }
  return value;
}

/** A key's values as one string, to index the rows that wait for it (a miss is probed all the same). */
function keyOf(values: readonly unknown[]): string {
  return values.map((v) => String(v)).join('\u0000');
}

/** Whether a row's own key is the value its reference names (a row that is its own parent). */
function sameKey(own: unknown, referenced: unknown): boolean {
  if (own === referenced) return true;
  return own !== null && referenced !== null && String(own) === String(referenced);
}

function primaryKeyOf(db: Database.Database, table: string): string[] | undefined {
  const key = catalogue<{ name: string; pk: number }>(db, 'table_info', table).filter((r) => r.pk > 0).sort((a, b) => a.pk - b.pk).map((r) => r.name);
  return key.length > 0 ? key : undefined;
}

/** Whether the table's definition declares a key DEFERRABLE INITIALLY DEFERRED (not NOT DEFERRABLE …). */
function declaresDeferredKeys(db: Database.Database, table: string): boolean {
  const sql = db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ? COLLATE NOCASE").pluck(true).get(table) as string | null | undefined;
  return typeof sql === 'string' && /(?<!\bNOT\s+)\bDEFERRABLE\s+INITIALLY\s+DEFERRED\b/i.test(sql);
}
