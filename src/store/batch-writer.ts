import type Database from 'better-sqlite3';
import type { FieldError } from '../schema/types.js';
import { catalogue } from '../schema/catalogue-pragma.js';
import { quoteIdent } from '../schema/names.js';
import { isSqlDefault } from '../schema/zod-schema.js';
import type { Db } from './open-database.js';
import { BargeError } from '../errors.js';
import { describeConstraintFailure, isConstraintError, type ForeignKeyRef } from './constraint-failure.js';
import { TableReferences } from './table-references.js';
import { writeParentsFirst } from './parents-first.js';
import { declaresOwnConflictAction, hasIndexes, hasTriggers, insertPlan, keptBeforeFailure, keyCollationSets, schemaVersionOf, uniqueKeysOf } from './table-traits.js';

export type OnConflict = 'error' | 'ignore' | 'replace' | 'update';

export interface BatchWriterOptions {
  onConflict: OnConflict;
  /** The key an upsert (update) targets, and that replace/update probe to count updates. */
  conflictColumns: string[];
  /**
   * Atomic: a row whose parent row (a reference to the table itself) has not come yet is held
   * for the rest of the job (WriteOutcome.held), not rejected at the end of its batch.
   */
  holdForJob?: boolean;
  /** replace/update: the keys of rows that refer to the table (`"products" (maker_id → id)`), named when a write breaks one. */
  referencedBy?: string;
  /**
   * update: the columns the schema requires that a record may leave out for an existing row
   * (compileValidator's upsertKey): a new row lacking one is rejected, NOT NULL or not.
   */
  required?: readonly string[];
  /** A schema file's columns whose rows may hold SQL_DEFAULT for the table's own DEFAULT, with its SQL (withTableDefaults). */
  tableDefaults?: ReadonlyMap<string, string>;
}

export interface RowFailure {
  /** Index of the row in the batch given to write(). */
  index: number;
  error: FieldError;
}

export interface WriteOutcome {
  inserted: number;
  updated: number;
  ignored: number;
  failures: RowFailure[];
  /** holdForJob: the rows (indexes) not written yet, their parent row not there yet (TableReferences). */
  held: number[];
}

/**
 * Rows per INSERT statement. Multi-row statements amortise the per-statement
 * cost of better-sqlite3 (the issue #3 measurements: 151k rows/s one row per
 * statement vs 198k rows/s with 10-50 rows per statement, WAL). Between 25 and
 * 50 the difference is within noise: a microbench of the writes alone on the
 * benchmark's rows gave 650k rows/s at 25 vs 620k at 50, and the import
 * thread's own work (unpack + write + commit, 1M rows, interleaved warm runs)
 * 565-580k vs 542-566k rows/s; 100 was no better. 25 it is.
 */
const ROWS_PER_STATEMENT = 25;
/** SQLite's default limit on bound parameters per statement (SQLITE_MAX_VARIABLE_NUMBER). */
const MAX_PARAMETERS = 32766;
/** Page cache for a table that is only appended to (no secondary index, no foreign key). */
const APPEND_CACHE_KIB = 2048;

/**
 * Writes batches of rows (arrays in `columns` order) into one table. The caller
 * owns the transaction; a failing multi-row statement is undone by SQLite
 * alone (statement-level abort), or keeps the rows before its failing one (an
 * INSERT OR FAIL, keptBeforeFailure), and the rest are retried row by row so that
 * only the records that really fail are returned as failures and the rest are written.
 */
export class BatchWriter {
  private readonly single: Statement;
  private multi: Statement | undefined;
  /**
   * Set when `multi` is an INSERT OR FAIL (keptBeforeFailure): the rows a failed statement
   * wrote before its failing row (SQLite's changes(), which a SELECT leaves as it was).
   */
  private changesOfFailed: Database.Statement<unknown[], number> | undefined;
  /** The database's schema_version when the INSERT OR FAIL was chosen (see write()). */
  private schemaVersion = 0;
  /**
   * The table declares a conflict action of its own on a constraint (declaresOwnConflictAction):
   * the INSERTs say OR ABORT. A plain INSERT let ROLLBACK end the batch's transaction (the rows
   * before it lost, the rest autocommitted one by one, the job failed), FAIL kept the rows before
   * a failing one, which the retry row by row wrote again, and a UNIQUE ON CONFLICT REPLACE
   * deleted the row holding the key (and its children's, by ON DELETE CASCADE) under the default
   * --on-conflict error. OR ABORT also reaches the statements of the table's triggers (SQLite
   * applies the outer statement's conflict action there): the README says so.
   */
  private readonly abortsOnly: boolean;
  private readonly rowsPerStatement: number;
  /** replace/update: whether a row already holds the record's key (or, replace, any unique value of it). */
  private readonly exists: { statement: Statement; places: number[] } | undefined;
  private readonly foreignKeys: ForeignKeyRef[];
  private readonly references: TableReferences;
  /**
   * The table has triggers: each statement runs in a savepoint, undone whole when it fails. A
   * trigger's RAISE(FAIL) keeps the rows the statement wrote before it (even under INSERT OR
   * ABORT), and the retry row by row wrote them again: rows twice, the counts wrong.
   */
  private readonly savepoint: { begin: Statement; release: Statement; undo: Statement } | undefined;
  private readonly params: unknown[];
  /** --on-conflict update: the places (in `columns`) of the columns an upsert may set, in the statement's order. */
  private readonly upsertFlags: number[] | undefined;
  /** The columns the INSERT names: `columns` but generated ones (SQLite computes those). */
  private readonly inserted: string[];
  /** Of `inserted`, those whose value may be SQL_DEFAULT: the statement reads the SQL default in its place. */
  private readonly sqlDefaults: Map<string, string>;
  /** Columns (by place in `columns`) whose table DEFAULT is a literal: its value, put in for SQL_DEFAULT (withConstants). */
  private readonly constants: Map<number, unknown>;
  /** withDefaults' statements, one per column with a SQL default, made when first needed. */
  private readonly defaultValues = new Map<string, Statement>();
  /**
   * Per parameter of one row's tuple, the place in the row of the value it binds; undefined
   * when that is the row itself, as it is for every table barge made: no generated column, no
   * SQL default barge cannot give itself (the ordinary path, unchanged).
   */
  private readonly slots: number[] | undefined;
  /**
   * --on-conflict update, a table with NOT NULL columns an upsert may leave out: per column,
   * whether it is one (no default fills it), and the UPDATE that sets an existing row's given
   * columns. An upsert's INSERT of such a record would fail the NOT NULL before its ON
   * CONFLICT could update the row (SQLite checks NOT NULL first).
   */
  private readonly updateOnly: { notNull: boolean[]; beyond: boolean; statements: Statement[]; places: number[]; keys: number[] } | undefined;

  constructor(
    private readonly db: Db,
    private readonly table: string,
    private readonly columns: string[],
    private readonly options: BatchWriterOptions,
  ) {
    this.references = new TableReferences(db, table, columns);
    this.foreignKeys = this.references.singleColumn;
    this.savepoint = hasTriggers(db, table)
      ? { begin: db.prepare('SAVEPOINT barge_statement'), release: db.prepare('RELEASE barge_statement'), undo: db.prepare('ROLLBACK TO barge_statement') }
      : undefined;
    if (catalogue(db, 'foreign_key_list', table).length === 0 && !hasIndexes(db, table)) {
      // Rows appended in rowid order touch a handful of pages: a big page cache only holds
      // dirty pages until they spill, and adds to the peak RSS. Measured (1M benchmark rows,
      // one transaction): 2 MB, 8 MB, 32 MB and 128 MB caches insert equally fast; the import's
      // peak RSS is ~15 MB lower at 2 MB than at the 32 MB open-database.ts sets (144-146 MB
      // against 151-156 MB at 8 MB; 1 MB was no lower). An index (random inserts) or a foreign
      // key (probes of the parent) keeps the 32 MB: with a secondary index on email, 8 MB was
      // 30-50% slower.
      db.pragma(`cache_size = -${APPEND_CACHE_KIB}`);
    }
    const plan = insertPlan(db, table, columns, options.tableDefaults);
    this.inserted = plan.inserted;
    this.sqlDefaults = plan.sqlDefaults;
    this.constants = plan.constants;
    this.slots = plan.slots;
    const width = this.slots?.length ?? columns.length;
    this.upsertFlags = options.onConflict === 'update' ? this.updatable().map((c) => columns.indexOf(c)) : undefined;
    // A record must give these for a new row: NOT NULL in the table with no default, or required
    // by the schema. `beyond`: the table has such a column the INSERT does not name at all.
    const notNull = plan.notNull.map((flag, at) => flag || (options.required ?? []).includes(columns[at]!));
    this.abortsOnly = declaresOwnConflictAction(db, table);
    // The row an update matches, by each unique index on the key in turn, the first that matches
    // (a BINARY and a NOCASE one: the result depended on which was made first; matched by all at
    // once, one record updated two rows).
    const keySets = keyCollationSets(db, table, options.conflictColumns);
    const setSql = this.updatable().map((c) => `${quoteIdent(c)} = CASE WHEN ? THEN ? ELSE ${quoteIdent(c)} END`).join(', ');
    this.updateOnly = options.onConflict === 'update' && (notNull.some(Boolean) || plan.notNullBeyond) && this.updatable().length > 0
      ? {
          notNull,
          beyond: plan.notNullBeyond,
          // OR ABORT as the INSERTs (abortsOnly): a declared UNIQUE … ON CONFLICT REPLACE made
          // this UPDATE delete the row holding the value (and its children's, by cascade).
          statements: keySets.map((collations) => db.prepare(
            `UPDATE${this.abortsOnly ? ' OR ABORT' : ''} ${quoteIdent(table)} SET ${setSql} WHERE ${keyEquals(options.conflictColumns, collations)}`,
          )),
          places: this.updatable().map((c) => columns.indexOf(c)),
          keys: options.conflictColumns.map((c) => columns.indexOf(c)),
        }
      : undefined;
    this.rowsPerStatement = Math.max(1, Math.min(ROWS_PER_STATEMENT, Math.floor(MAX_PARAMETERS / Math.max(1, width))));
    this.single = db.prepare(this.insertSql(1));
    const countsNeedProbe = options.onConflict === 'replace' || options.onConflict === 'update';
    // replace/update need to know per row whether the key existed (to count
    // updates), so they write one row per statement.
    const orFail = keptBeforeFailure(db, table, options.onConflict);
    this.multi = !countsNeedProbe && this.rowsPerStatement > 1 ? db.prepare(this.insertSql(this.rowsPerStatement, orFail)) : undefined;
    if (this.multi !== undefined && orFail) {
      this.changesOfFailed = db.prepare<unknown[], number>('SELECT changes()').pluck(true);
      this.schemaVersion = schemaVersionOf(db);
    }
    // replace removes the rows holding any of the record's unique values, not only its key's:
    // probing the key alone counted a row that replaced another by a unique column as inserted.
    // `=`, not IS: a NULL is never a conflict in a unique key.
    const probed = (options.onConflict === 'replace' ? uniqueKeysOf(db, table, options.conflictColumns) : [options.conflictColumns])
      .filter((key) => key.length > 0 && key.every((c) => this.inserted.includes(c)));
    // Each key by each of its unique indexes' collations.
    const clauses = probed.flatMap((key) => keyCollationSets(db, table, key).map((collations) => ({ key, collations })));
    this.exists = countsNeedProbe && clauses.length > 0
      ? {
          statement: db.prepare(`SELECT 1 FROM ${quoteIdent(table)} WHERE ${clauses.map(({ key, collations }) => `(${keyEquals(key, collations)})`).join(' OR ')} LIMIT 1`),
          places: clauses.flatMap(({ key }) => key).map((c) => columns.indexOf(c)),
        }
      : undefined;
    this.params = new Array(this.rowsPerStatement * width);
  }

  /** A row's parameters for one tuple of the statement. */
  private bind(row: readonly unknown[]): readonly unknown[] {
    const slots = this.slots;
    if (slots === undefined) return row;
    const args = new Array<unknown>(slots.length);
    for (let i = 0; i < slots.length; i++) args[i] = row[slots[i]!];
    return args;
  }

  /**
   * Writes the rows. `given` (--on-conflict update only): per row, which columns its record
   * gave a value (Validator.given); an existing row gets exactly those updated and keeps the
   * others, as SPEC §4 has it, whatever the other records of the input hold.
   */
  write(incoming: readonly (readonly unknown[])[], given?: readonly (readonly boolean[])[]): WriteOutcome {
    const rows = this.constants.size === 0 ? incoming : incoming.map((row) => this.withConstants(row));
    if (this.parentsFirst) return this.writeParentsFirst(rows, given, this.options.holdForJob !== true);
    if (this.references.deferred) return this.writeCheckedFirst(rows, given);
    return this.writeRows(rows, given);
  }

  /**
   * --on-conflict ignore, replace or update on a table with a DEFERRABLE INITIALLY DEFERRED key:
   * rows in input order, each whose parent row is missing now rejected unwritten. SQLite checks
   * such a key only at COMMIT, which failed the whole job (exit 3) with no record named.
   */
  private writeCheckedFirst(rows: readonly (readonly unknown[])[], given?: readonly (readonly boolean[])[]): WriteOutcome {
    const outcome: WriteOutcome = { inserted: 0, updated: 0, ignored: 0, failures: [], held: [] };
    const probed = this.withSqlDefaults(rows);
    const places: number[] = [];
    for (let index = 0; index < rows.length; index++) {
      const problem = this.references.problem(probed[index]!);
      if (problem === undefined) places.push(index);
      else outcome.failures.push({ index, error: problem.error });
    }
    this.writeSome(rows, given, places, outcome);
    outcome.failures.sort((a, b) => a.index - b.index);
    return outcome;
  }

  /** The rows as SQLite will store them, a SQL default evaluated, for the probes of their keys. */
  private withSqlDefaults(rows: readonly (readonly unknown[])[]): readonly (readonly unknown[])[] {
    return this.sqlDefaults.size === 0 ? rows : rows.map((row) => this.withDefaults(row));
  }

  /**
   * Whether rows are written parents first (writeParentsFirst): a table with a key to itself or a
   * deferred one, and --on-conflict error. With ignore, replace or update a record's fate hangs on
   * the rows before it in the input (the last of two with one key wins, an ignored duplicate is
   * never checked), which writing a waiting row later would reverse: those keep SQLite's check.
   */
  private get parentsFirst(): boolean {
    return this.references.checksEveryRow && this.options.onConflict === 'error';
  }

  /** holdForJob, at the end of the job: the rows held for their parent rows, written, or rejected. */
  writeLast(rows: readonly (readonly unknown[])[]): WriteOutcome {
    return this.writeParentsFirst(rows, undefined, true);
  }

  /** The first foreign key of `row` whose parent row is missing now, if any (TableReferences). */
  referenceProblem(row: readonly unknown[]): FieldError | undefined {
    return this.references.problem(row)?.error;
  }

  /** write() for a table whose foreign keys TableReferences tells: see parents-first.ts. */
  private writeParentsFirst(rows: readonly (readonly unknown[])[], given: readonly (readonly boolean[])[] | undefined, last: boolean): WriteOutcome {
    const outcome: WriteOutcome = { inserted: 0, updated: 0, ignored: 0, failures: [], held: [] };
    writeParentsFirst({
      db: this.db,
      references: this.references,
      write: (places) => this.writeSome(rows, given, places, outcome),
      fail: (index, error) => outcome.failures.push({ index, error }),
      // A loop, not push(...indexes): a batch of up to 1,000,000 held rows, one argument each.
      hold: (indexes) => {
        for (const index of indexes) outcome.held.push(index);
      },
      perBatch: this.options.holdForJob !== true,
      snapshot: () => {
        const { inserted, updated, ignored } = outcome;
        const failures = outcome.failures.length;
        return () => {
          Object.assign(outcome, { inserted, updated, ignored });
          outcome.failures.length = failures;
        };
      },
    }, this.withSqlDefaults(rows), last);
    outcome.failures.sort((a, b) => a.index - b.index);
    return outcome;
  }

  /** writeRows of `places` of `rows`, its counts and failures (as places) added to `outcome`; the places that failed. */
  private writeSome(rows: readonly (readonly unknown[])[], given: readonly (readonly boolean[])[] | undefined, places: readonly number[], outcome: WriteOutcome): Set<number> {
    const part = this.writeRows(places.map((i) => rows[i]!), given && places.map((i) => given[i]!));
    outcome.inserted += part.inserted;
    outcome.updated += part.updated;
    outcome.ignored += part.ignored;
    const failed = new Set<number>();
    for (const failure of part.failures) {
      const index = places[failure.index]!;
      failed.add(index);
      outcome.failures.push({ index, error: failure.error });
    }
    return failed;
  }

  private writeRows(rows: readonly (readonly unknown[])[], given?: readonly (readonly boolean[])[]): WriteOutcome {
    const outcome: WriteOutcome = { inserted: 0, updated: 0, ignored: 0, failures: [], held: [] };
    // Another process may have changed the schema since the last batch (each batch of batch and
    // row mode is its own transaction; this one holds the write lock now): a trigger that skips
    // rows, or a foreign key, and changes() no longer tells where a failed statement stopped
    // (the retry wrote rows twice). The INSERT OR FAIL is then given up for a plain one.
    if (this.changesOfFailed !== undefined) {
      const version = schemaVersionOf(this.db);
      if (version !== this.schemaVersion) {
        this.schemaVersion = version;
        if (!keptBeforeFailure(this.db, this.table, this.options.onConflict)) {
          this.changesOfFailed = undefined;
          this.multi = this.db.prepare(this.insertSql(this.rowsPerStatement));
        }
      }
    }
    if (this.options.onConflict === 'update') {
      if (given === undefined || given.length !== rows.length) throw new Error('an upsert needs the given columns of every row');
      const flags = this.upsertFlags!;
      for (let index = 0; index < rows.length; index++) {
        // The row's values, then one flag per updatable column: whether the record gave it.
        const row = rows[index]!;
        const missing = this.missingNotNull(row, given[index]!);
        if (missing !== undefined || this.updateOnly?.beyond === true) {
          if (this.updateExisting(rows, index, given[index]!, missing, outcome)) continue;
        }
        const args = [...this.bind(row)];
        for (const at of flags) args.push(given[index]![at] ? 1 : 0);
        this.writeOne(rows, index, outcome, this.single, args);
      }
      return outcome;
    }
    let index = 0;
    if (this.multi) {
      const width = this.columns.length;
      const params = this.params;
      const slots = this.slots;
      for (; index + this.rowsPerStatement <= rows.length; index += this.rowsPerStatement) {
        let p = 0;
        if (slots === undefined) {
          for (let r = index; r < index + this.rowsPerStatement; r++) {
            const row = rows[r]!;
            for (let c = 0; c < width; c++) params[p++] = row[c];
          }
        } else {
          for (let r = index; r < index + this.rowsPerStatement; r++) {
            const row = rows[r]!;
            for (let s = 0; s < slots.length; s++) params[p++] = row[slots[s]!];
          }
        }
        try {
          // Spread, not the array: better-sqlite3 reads an array argument element by element
          // through V8's Array::Get, but spread arguments straight off the call. Measured (1M
          // benchmark-like rows, 25-row statements, WAL): 0.89-0.93 s against 1.11-1.12 s.
          this.savepoint?.begin.run();
          const changes = this.multi.run(...params).changes;
          this.savepoint?.release.run();
          outcome.inserted += changes;
          outcome.ignored += this.rowsPerStatement - changes;
        } catch (error) {
          this.undoStatement(error);
          if (!isConstraintError(error)) throw error;
          // An INSERT OR FAIL kept the rows before the one that failed; an INSERT undid them all.
          const kept = this.changesOfFailed?.get() ?? 0;
          outcome.inserted += kept;
          for (let r = index + kept; r < index + this.rowsPerStatement; r++) this.writeOne(rows, r, outcome);
        }
      }
    }
    for (; index < rows.length; index++) this.writeOne(rows, index, outcome);
    return outcome;
  }

  private writeOne(rows: readonly (readonly unknown[])[], index: number, outcome: WriteOutcome, statement: Statement = this.single, args?: unknown[]): void {
    const bound = rows[index]!;
    // The values as SQLite will store them: a SQL default evaluated (for the key probe and the
    // message), not the marker that stands for it in the statement's parameters.
    const row = this.sqlDefaults.size === 0 ? bound : this.withDefaults(bound);
    try {
      let existed = false;
      if (this.exists) existed = this.exists.statement.get(this.exists.places.map((at) => row[at])) !== undefined;
      // update, a record giving nothing but its key: its row is there, it "updates" nothing
      // (README), and the INSERT would only meet that row's NOT NULL columns it does not name.
      if (existed && this.options.onConflict === 'update' && this.upsertFlags!.length === 0) {
        outcome.updated++;
        return;
      }
      this.savepoint?.begin.run();
      const changes = statement.run(...(args ?? this.bind(bound))).changes;
      this.savepoint?.release.run();
      if (changes === 0) outcome.ignored++;
      else if (existed) outcome.updated++;
      else outcome.inserted++;
    } catch (error) {
      this.undoStatement(error);
      if (!isConstraintError(error)) throw error;
      outcome.failures.push({ index, error: describeConstraintFailure(error, this.table, this.columns, row, this.foreignKeys, this.duplicateHint, this.referencedHint) });
    }
  }

  /**
   * After a statement failed: its savepoint (a table with triggers) undone, so that nothing it
   * wrote stays. A trigger's RAISE(ROLLBACK) ends the whole transaction: the rows of the batch
   * (atomic: of the job) are gone, and each statement after it would commit on its own. The run
   * stops there.
   */
  private undoStatement(error: unknown): void {
    // Only a constraint error is a trigger's: a full disk also ends the transaction, and is
    // thrown as itself (the caller rethrows what is no constraint error).
    if (!this.db.inTransaction && isConstraintError(error)) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new BargeError('database', `a trigger of table "${this.table}" rolled back the whole transaction (${reason}): barge cannot reject one record there; have the trigger RAISE(ABORT, …) instead, which rejects just the record`, { cause: error });
    }
    if (this.savepoint === undefined || !this.db.inTransaction) return;
    try {
      this.savepoint.undo.run();
      this.savepoint.release.run();
    } catch {
      // The savepoint never began (its own statement failed): the error is the caller's to throw.
    }
  }

  /** The first NOT NULL column an upsert's record leaves out with nothing to fill it, if any. */
  private missingNotNull(row: readonly unknown[], given: readonly boolean[]): number | undefined {
    const notNull = this.updateOnly?.notNull;
    if (notNull === undefined) return undefined;
    for (let at = 0; at < notNull.length; at++) if (notNull[at] && !given[at] && row[at] === null) return at;
    return undefined;
  }

  /**
   * An upsert's record that leaves out a NOT NULL or required column, or of a table with a NOT
   * NULL column the INSERT does not name: it updates the row holding its key, given columns
   * only. With no such row it is a new row: lacking a required value (`missing`), rejected;
   * else false, for the INSERT to write it (or fail it, as SQLite says).
   */
  private updateExisting(rows: readonly (readonly unknown[])[], index: number, given: readonly boolean[], missing: number | undefined, outcome: WriteOutcome): boolean {
    const plan = this.updateOnly!;
    const row = rows[index]!;
    const args: unknown[] = [];
    for (const at of plan.places) args.push(given[at] ? 1 : 0, isSqlDefault(row[at]) ? null : row[at]);
    // A key column left out takes its DEFAULT (CURRENT_DATE): the marker itself matched no row,
    // and an existing row was "is required (no row has this key yet…)".
    const keyed = this.sqlDefaults.size === 0 ? row : this.withDefaults(row);
    for (const at of plan.keys) args.push(keyed[at]);
    try {
      this.savepoint?.begin.run();
      let changes = 0;
      for (const statement of plan.statements) {
        changes = statement.run(...args).changes;
        if (changes > 0) break;
      }
      this.savepoint?.release.run();
      if (changes > 0) {
        outcome.updated++;
        return true;
      }
    } catch (error) {
      this.undoStatement(error);
      if (!isConstraintError(error)) throw error;
      outcome.failures.push({ index, error: describeConstraintFailure(error, this.table, this.columns, row, this.foreignKeys, this.duplicateHint, this.referencedHint) });
      return true;
    }
    if (missing === undefined) return false;
    outcome.failures.push({
      index,
      error: { column: this.columns[missing]!, code: 'required', message: 'is required (no row has this key yet; only an update of an existing row may leave it out)', value: null },
    });
    return true;
  }

  /** `row` with each SQL_DEFAULT of a column whose table DEFAULT is a literal replaced by its value. */
  private withConstants(row: readonly unknown[]): readonly unknown[] {
    let copy: unknown[] | undefined;
    for (const [at, value] of this.constants) {
      if (!isSqlDefault(row[at])) continue;
      copy ??= [...row];
      copy[at] = value;
    }
    return copy ?? row;
  }

  /** `row` with each SQL_DEFAULT replaced by its column's SQL default, evaluated now. */
  private withDefaults(row: readonly unknown[]): readonly unknown[] {
    if (!row.some(isSqlDefault)) return row;
    return row.map((value, at) => {
      if (!isSqlDefault(value)) return value;
      const column = this.columns[at]!;
      let evaluate = this.defaultValues.get(column);
      if (evaluate === undefined) {
        evaluate = this.db.prepare(`SELECT (${this.sqlDefaults.get(column)})`).pluck(true);
        this.defaultValues.set(column, evaluate);
      }
      return evaluate.get();
    });
  }

  /** The columns an upsert may set: all it inserts but the key it matches on. */
  private updatable(): string[] {
    return this.inserted.filter((c) => !this.options.conflictColumns.includes(c));
  }

  /** What a FOREIGN KEY failure no key of the record explains says: the rows referring to the one it replaces or changes. */
  private get referencedHint(): string | undefined {
    const by = this.options.referencedBy;
    if (by === undefined) return undefined;
    return this.options.onConflict === 'replace'
      ? `rows of ${by} refer to the row this record replaces, which replace deletes first; use --on-conflict update, which keeps the row`
      : `rows of ${by} refer to the key this record changes`;
  }

  /** What a duplicate key's message suggests: the --on-conflict choices, or what update matched on. */
  private get duplicateHint(): string {
    // A table with triggers refuses replace (import-target.ts): not suggested there.
    if (this.options.onConflict !== 'update') return this.savepoint === undefined ? 'use --on-conflict ignore, replace or update to allow this' : 'use --on-conflict ignore or update to allow this';
    const key = this.options.conflictColumns.map((c) => JSON.stringify(c)).join(', ');
    return `--on-conflict update matches existing rows by ${key} only, and another row holds this value`;
  }

  private insertSql(rowCount: number, orFail = false): string {
    const table = quoteIdent(this.table);
    const columnList = this.inserted.map(quoteIdent).join(', ');
    // A column with a SQL default binds its value twice (better-sqlite3 binds ?NNN by name
    // only): SQL_DEFAULT (a zero-length BLOB, zod-schema.ts) stands for a missing value.
    const placeholder = (c: string): string => {
      const sql = this.sqlDefaults.get(c);
      return sql === undefined ? '?' : `CASE WHEN typeof(?) = 'blob' THEN (${sql}) ELSE ? END`;
    };
    const tuple = `(${this.inserted.map(placeholder).join(', ')})`;
    const insert = this.abortsOnly ? 'INSERT OR ABORT' : 'INSERT';
    const values = new Array(rowCount).fill(tuple).join(', ');
    switch (this.options.onConflict) {
      case 'error':
        return `${orFail ? 'INSERT OR FAIL' : insert} INTO ${table} (${columnList}) VALUES ${values}`;
      case 'ignore':
        // ON CONFLICT DO NOTHING skips only uniqueness conflicts; INSERT OR IGNORE
        // would also silently drop NOT NULL and CHECK failures, which must be reported.
        return `${insert} INTO ${table} (${columnList}) VALUES ${values} ON CONFLICT DO NOTHING`;
      case 'replace':
        return `INSERT OR REPLACE INTO ${table} (${columnList}) VALUES ${values}`;
      case 'update': {
        // One statement for every record: each column other than the key is set from the
        // record only when its flag (bound after the values) says the record gave it. A
        // statement per set of given columns was measured to grow without bound on sparse
        // input: 60k NDJSON records with 24 optional fields, 666 MB and 2.5 s against 160 MB.
        const target = this.options.conflictColumns.map(quoteIdent).join(', ');
        const updates = this.updatable().map((c) => `${quoteIdent(c)} = CASE WHEN ? THEN excluded.${quoteIdent(c)} ELSE ${quoteIdent(c)} END`);
        const action = updates.length > 0 ? `DO UPDATE SET ${updates.join(', ')}` : 'DO NOTHING';
        // The alias: in a table named "excluded" (any case), excluded."v" was the row's own value,
        // and every update set each column to what it held (the counts said updated).
        return `${insert} INTO ${table} AS "_barge_target" (${columnList}) VALUES ${values} ON CONFLICT (${target}) ${action}`;
      }
    }
  }
}

type Statement = Database.Statement<unknown[]>;

/**
 * `(a, b) = (?, ?)`: a key's columns equal to bound values, as one row value. As `a = ? AND b =
 * ? AND …` a key of over ~1,000 columns was deeper than SQLite allows an expression ("Expression
 * tree is too large"); SQLite searches the key's index either way.
 */
function keyEquals(key: readonly string[], collations: ReadonlyArray<string | undefined>): string {
  // Each column compared by its unique index's collation (keyCollationSets), which the left side's COLLATE sets.
  const side = key.map((c, i) => (collations[i] === undefined ? quoteIdent(c) : `${quoteIdent(c)} COLLATE ${quoteIdent(collations[i]!)}`));
  return key.length === 1 ? `${side[0]!} = ?` : `(${side.join(', ')}) = (${key.map(() => '?').join(', ')})`;
}
