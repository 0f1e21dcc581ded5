import { shellWord } from '../shell-word.js';
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { BargeError, messageOf } from '../errors.js';
import { catalogue } from '../schema/catalogue-pragma.js';
import { nameKey, quoteIdent } from '../schema/names.js';
import { openDatabase, type Db } from '../store/open-database.js';
import { damagedDatabase, translateSqliteError } from '../store/sqlite-errors.js';
import type { ExportFormat } from './export-format.js';
import { createFormatWriter } from './format-writers.js';
import { resultColumns } from './typed-values.js';
import { DamagedTable, tablePages } from './table-pages.js';
import { pageRowsFor } from './page-rows.js';
import { openSink, outDescriptor, type Sink } from './sink.js';
import { linkTarget, statOrUndefined, writeProblem } from '../file-stat.js';
import { oneLine } from '../one-line.js';
import { CsvPages } from './csv-pages.js';
import { workerSetting } from '../worker-setting.js';
import { foreignOutExtension } from './foreign-out-extension.js';
import { tableAsQueryHint, unquotedValueHint } from './sql-mistake-hints.js';

/**
 * The export run (SPEC §7): store query -> format writer -> sink.
 *
 * The database is opened read-only, so --where, --order-by and --query, which
 * are the user's own SQL by design, cannot change it; a statement that would
 * write is refused before it runs. Three read paths: a whole table as CSV/TSV is
 * formatted by SQLite a page at a time (a big one on two threads: csv-pages.ts); a whole table
 * otherwise is read in pages of rowids with `all()` (table-pages.ts); a --query,
 * --where or --order-by is read with `iterate()`. Rows are raw arrays (flat memory),
 * written with backpressure. The whole read is one read transaction, so the progress
 * total from COUNT(*) and the rows written come from the same snapshot.
 */

export interface ExportConfig {
  dbPath: string;
  busyTimeoutMs: number;
  /** --table (exactly one of table and query). */
  table?: string;
  /** --query: one SELECT of the user's. */
  query?: string;
  /** --columns (with table). */
  columns?: string[];
  /** --where: SQL (with table). */
  where?: string;
  /** --order-by: SQL (with table). */
  orderBy?: string;
  limit?: number;
  format: ExportFormat;
  /** A file path; undefined writes to the `stdout` given to runExport. */
  out?: string;
  gzip: boolean;
  /** Count the rows first, for a progress total (only worth it when progress is shown). */
  countTotal: boolean;
}

export interface ExportProgress {
  rows: number;
  total?: number;
}

export interface ExportOptions {
  /** Where rows go without --out (the CLI passes process.stdout). */
  stdout: NodeJS.WritableStream;
  onProgress?(progress: ExportProgress): void;
  signal?: AbortSignal;
}

export interface ExportResult {
  /** The table's name as stored, or null for --query. */
  table: string | null;
  query: string | null;
  format: ExportFormat;
  /** The file written, or "-" for stdout. */
  out: string;
  gzip: boolean;
  rows: number;
  durationMs: number;
  rowsPerSecond: number;
  /** stdout was closed by its reader (`| head`) before every row was written. */
  outputClosed: boolean;
}

/** Flush to the sink once a chunk holds this many characters. */
const CHUNK_CHARS = 256 * 1024;

export async function runExport(config: ExportConfig, options: ExportOptions): Promise<ExportResult> {
  const started = performance.now();
  if (config.out !== undefined) checkOutPath(config.out, config.dbPath, config.table, config.format);
  // Before the database is opened: its descriptors are not the shell's (outDescriptor).
  const outFd = config.out === undefined ? undefined : outDescriptor(config.out);
  const db = openDatabase(config.dbPath, { readonly: true, busyTimeoutMs: config.busyTimeoutMs });
  try {
    // One pass over the table gains nothing from a big page cache (measured: 2 MB and 32 MB
    // read a 200k-row table equally fast); a small one keeps ~30 MB off the peak RSS.
    db.pragma('cache_size = -2048');
    const { sql, table, list } = selectFor(db, config);
    const statement = prepareQuery(db, sql, config, table, list);
    const columns = resultColumns(db, statement);
    if (config.format === 'ndjson' || config.format === 'json') checkDistinctNames(columns.map((c) => c.name));
    const writer = createFormatWriter(config.format, columns);
    statement.raw(true).safeIntegers(true);
    const pages =
      table !== null && config.where === undefined && config.orderBy === undefined
        ? tablePages(db, table, list, pageRowsFor(db, table, columns.map((column) => column.name)))
        : undefined;
    // A whole table as CSV/TSV: SQLite formats it, a page at a time, on two threads (csv-pages.ts).
    // With one column an empty field needs the "" only format-writers.ts writes.
    const csvPages =
      pages !== undefined && table !== null && config.limit === undefined && columns.length >= 2 && columns.length <= MAX_PAGE_SQL_COLUMNS && (config.format === 'csv' || config.format === 'tsv')
        ? new CsvPages(db, { dbPath: config.dbPath, busyTimeoutMs: config.busyTimeoutMs, table, columns, list, delimiter: config.format === 'csv' ? ',' : '\t', worker: workerSetting(), pageRows: pages.pageRows }, writer)
        : undefined;

    // One read transaction: COUNT(*) and the rows see the same snapshot.
    try {
      csvPages?.startWorker();
      db.exec('BEGIN');
      csvPages?.begin();
      let total = config.countTotal ? countRows(db, config, sql) : undefined;
      if (total !== undefined && config.limit !== undefined) total = Math.min(total, config.limit);
      const sink = openSink(config, options.stdout, outFd);
      const turns = new EventLoopTurns();
      let rows = 0;
      // The rows handed to the sink: those formatted into `chunk` since are not, and an
      // interrupted export to stdout said it had written them (94,720 rows for 79,766).
      let written = 0;
      try {
        // --limit on --query stops reading here, so the user's ORDER BY needs no rewriting.
        const limit = config.query !== undefined ? config.limit : undefined;
        // A whole table goes in pages (table-pages.ts); the writer reads only its columns,
        // so the rowid each paged row ends with is not written.
        // No iterator for --limit 0: one never read holds its statement open, and closing the
        // database then failed (exit 3, after the output file was already in place).
        const source = pages ? pages.rows(config.limit) : limit === 0 ? [] : (statement.iterate() as IterableIterator<unknown[]>);
        let chunk = writer.start();
        if (csvPages !== undefined) {
          await sink.write(chunk);
          chunk = '';
          try {
            for await (const page of csvPages.pages()) {
              await sink.write(page.data);
              rows += page.rows;
              written = rows;
              options.onProgress?.({ rows, total });
              if (sink.closed) break;
              await turns.give();
              if (options.signal?.aborted) throw interrupted(config, sink, written);
            }
          } catch (error) {
            throw readError(error, config, sink, written);
          }
        } else if (limit !== 0) {
          try {
            for (const values of source) {
              chunk += writer.row(values);
              rows++;
              if (rows === limit) break;
              if (chunk.length >= CHUNK_CHARS) {
                await sink.write(chunk);
                chunk = '';
                written = rows;
                options.onProgress?.({ rows, total });
                if (sink.closed) break;
              }
              if ((rows & 255) === 0 && turns.due()) {
                await turns.give();
                if (options.signal?.aborted) throw interrupted(config, sink, written);
              }
            }
          } catch (error) {
            throw readError(error, config, sink, written);
          }
        }
        if (!sink.closed) await sink.write(chunk + writer.end(rows));
        await sink.finish();
        options.onProgress?.({ rows, total });
      } catch (error) {
        await sink.discard();
        throw error;
      }
      const durationMs = Math.round(performance.now() - started);
      return {
        table,
        query: config.query ?? null,
        format: config.format,
        out: config.out ?? '-',
        gzip: config.gzip,
        rows,
        durationMs,
        rowsPerSecond: durationMs > 0 ? Math.round((rows * 1000) / durationMs) : rows,
        outputClosed: sink.closed,
      };
    } finally {
      await csvPages?.close();
      if (db.inTransaction) db.exec('ROLLBACK');
    }
  } finally {
    db.close();
  }
}

// ---- the query ---------------------------------------------------------------------------

interface Select {
  sql: string;
  table: string | null;
  /** The column list of a table export (`*`, or --columns quoted). */
  list: string;
}

function selectFor(db: Db, config: ExportConfig): Select {
  if (config.query !== undefined) return { sql: config.query, table: null, list: '*' };
  if (config.table === undefined) throw new BargeError('usage', 'export needs --table <name> or --query "SELECT ..."');
  const table = storedName(db, config.table);
  if (table === undefined) {
    throw new BargeError('usage', `no table ${JSON.stringify(config.table)} in ${config.dbPath}; list the tables with: barge stats --db ${shellWord(config.dbPath)}`);
  }
  const list = config.columns === undefined ? '*' : resolveColumns(db, table, config.columns).map(quoteIdent).join(', ');
  // The user's clauses go on lines of their own and in parentheses: a trailing
  // `-- comment` in one cannot swallow the clauses after it.
  let sql = `SELECT ${list} FROM ${quoteIdent(table)}`;
  if (config.where !== undefined) sql += `\nWHERE (${config.where}\n)`;
  if (config.orderBy !== undefined) sql += `\nORDER BY ${config.orderBy}\n`;
  if (config.limit !== undefined) sql += `\nLIMIT ${config.limit}`;
  return { sql, table, list };
}

/** A table or view, found as SQLite finds names (case-insensitively); its stored spelling. */
function storedName(db: Db, name: string): string | undefined {
  const row = db
    .prepare(`SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name = ? COLLATE NOCASE ORDER BY type`)
    .get(name) as { name: string } | undefined;
  return row?.name;
}

function resolveColumns(db: Db, table: string, wanted: string[]): string[] {
  // table_xinfo: generated columns too, which a whole-table export writes (table_info leaves them
  // out, and --columns refused them, naming the table's columns without them); not the hidden
  // columns of a virtual table.
  const names = catalogue<{ name: string; hidden: number }>(db, 'table_xinfo', table).filter((r) => r.hidden !== 1).map((r) => r.name);
  return wanted.map((want) => {
    // --columns is trimmed ("a, b"): a name with spaces around it is found by its trimmed text,
    // when only one is. Case is folded as SQLite folds it, ASCII letters only.
    const trimmed = names.filter((name) => nameKey(name.trim()) === nameKey(want));
    if (trimmed.length > 1 && !names.some((name) => nameKey(name) === nameKey(want))) {
      throw new BargeError('usage', `--columns: ${JSON.stringify(want)} could be any of ${trimmed.map((n) => JSON.stringify(n)).join(', ')} in table ${JSON.stringify(table)}; the flag's names are trimmed, so export such columns with --query`);
    }
    const found = names.find((name) => name === want) ?? names.find((name) => nameKey(name) === nameKey(want)) ?? trimmed[0];
    if (found === undefined) {
      throw new BargeError('usage', `--columns: no column ${JSON.stringify(want)} in table ${JSON.stringify(table)}; its columns are ${names.map((n) => JSON.stringify(n)).join(', ')}`);
    }
    return found;
  });
}

/**
 * The export's statement, or a usage error that names the flag holding the fault: --query,
 * --where or --order-by (the user's SQL), never barge's own text around it.
 */
function prepareQuery(db: Db, sql: string, config: ExportConfig, table: string | null, list: string): Database.Statement {
  let statement: Database.Statement;
  try {
    statement = db.prepare(sql);
  } catch (error) {
    if (!isSqlError(error)) throw translateSqliteError(error, `database "${config.dbPath}"`);
    throw table === null ? queryError(config.query!, error) : clauseError(db, config, table, list, error);
  }
  if (!statement.reader || !statement.readonly) {
    throw new BargeError(
      'usage',
      `${config.query !== undefined ? '--query' : 'export'}: export runs only a query that reads rows (SELECT ...); it never changes the database`,
    );
  }
  // A parameter (?, :name, @name, $name) has no value to take: binding none finds it now, before
  // any file is made, where running the statement failed as "an unexpected failure", exit 3.
  if (!bindsNothing(statement)) {
    const flag = table === null ? '--query' : config.where !== undefined && !bindsNothing(db.prepare(whereSql(table, list, config.where))) ? '--where' : '--order-by';
    throw new BargeError('usage', `${flag}: export binds no parameters (?, :name, @name, $name); write the value into the SQL itself`);
  }
  return statement;
}

/** SQLITE_ERROR at prepare time is the SQL itself (syntax, no such column, two statements). */
function isSqlError(error: unknown): boolean {
  return (error as { code?: string }).code === 'SQLITE_ERROR' || error instanceof RangeError || error instanceof TypeError;
}

/** Binds no values, for good: false when the statement holds a parameter. */
function bindsNothing(statement: Database.Statement): boolean {
  try {
    statement.bind();
    return true;
  } catch (error) {
    if (error instanceof RangeError || error instanceof TypeError) return false;
    throw error;
  }
}

function fromSql(table: string, list: string): string {
  return `SELECT ${list} FROM ${quoteIdent(table)}`;
}

function whereSql(table: string, list: string, where: string): string {
  return `${fromSql(table, list)}\nWHERE (${where}\n)`;
}

/** Why `sql` does not prepare, or undefined when it does. */
function prepareFault(db: Db, sql: string): unknown {
  try {
    db.prepare(sql);
    return undefined;
  } catch (error) {
    return error;
  }
}

/**
 * Which of --where and --order-by failed, and why. A clause cut short (`--where 'id ='`) made
 * SQLite stop at barge's `)` or LIMIT after it (`near ")": syntax error`): a clause that is
 * incomplete where it stands alone at the statement's end is said to be so.
 */
function clauseError(db: Db, config: ExportConfig, table: string, list: string, error: unknown): BargeError {
  const clauses: Array<[string, string | undefined, string, string, string]> = [
    ['--where', config.where, whereSql(table, list, config.where ?? ''), `${fromSql(table, list)}\nWHERE ${config.where}`, 'the condition'],
    ['--order-by', config.orderBy, `${fromSql(table, list)}\nORDER BY ${config.orderBy}\n`, `${fromSql(table, list)}\nORDER BY ${config.orderBy}`, 'the ORDER BY terms'],
  ];
  for (const [flag, clause, inPlace, alone, what] of clauses) {
    if (clause === undefined) continue;
    const fault = prepareFault(db, inPlace);
    if (fault === undefined) continue;
    const aloneFault = prepareFault(db, alone);
    if (isIncomplete(aloneFault)) {
      return new BargeError('usage', `${flag}: ${JSON.stringify(clause)} is incomplete at its end; finish ${what}`, { cause: fault });
    }
    // The clause in place may run on into barge's own text after it (`--where "name = 'x"`: an
    // unterminated string, `unrecognized token: "'x⏎)"`); alone, SQLite quotes only the user's.
    const hint = flag === '--where' ? unquotedValueHint('--where', clause, messageOf(aloneFault ?? fault)) : undefined;
    return new BargeError('usage', `${flag}: ${sqlMessage(aloneFault ?? fault)}${hint === undefined ? '' : `; ${hint}`}`, { cause: fault });
  }
  const flags = [config.where !== undefined ? '--where' : '', config.orderBy !== undefined ? '--order-by' : ''].filter((flag) => flag !== '');
  return new BargeError('usage', `${flags.join('/') || 'export'}: ${sqlMessage(error)}`, { cause: error });
}

/** --query's SQL failed to prepare: SQLite's message, and the mistake behind it when it is a common one. */
function queryError(query: string, error: unknown): BargeError {
  const message = sqlMessage(error);
  const hint = unquotedValueHint('--query', query, messageOf(error)) ?? (/syntax error$/.test(message) ? tableAsQueryHint(query) : undefined);
  return new BargeError('usage', `--query: ${message}${hint === undefined ? '' : `; ${hint}`}`, { cause: error });
}

function isIncomplete(error: unknown): boolean {
  return error !== undefined && /^incomplete input$/.test(messageOf(error));
}

/** SQLite's message, on one line: it may quote the user's SQL, newlines and all (`near "'a⏎b'"`). */
function sqlMessage(error: unknown): string {
  const message = messageOf(error);
  // better-sqlite3's own sentence, which says neither where the second statement starts nor what to do.
  if (message === 'The supplied SQL string contains more than one statement') return 'more than one statement (a ";" ends one); give a single one';
  return oneLine(message);
}

function checkDistinctNames(names: string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) {
      throw new BargeError('usage', `the result has two columns named ${JSON.stringify(name)}, which one JSON object cannot hold; rename one with AS`);
    }
    seen.add(name);
  }
}

/** The progress total. A query that cannot be counted (a PRAGMA) just has none. */
function countRows(db: Db, config: ExportConfig, sql: string): number | undefined {
  const inner = config.query !== undefined ? sql.replace(/[\s;]+$/, '') : sql;
  try {
    const count = db.prepare(`SELECT COUNT(*) FROM (\n${inner}\n)`).pluck(true).get() as number;
    return count;
  } catch {
    return undefined;
  }
}

/**
 * An error while reading rows; the sink's and barge's own errors pass through. The message
 * ends with what was written: rows already on stdout stay there, a file is discarded.
 */
function readError(error: unknown, config: ExportConfig, sink: Sink, written: number): unknown {
  if (error instanceof DamagedTable) {
    const damaged = damagedDatabase(`database "${config.dbPath}"`, error.message, error);
    return new BargeError(damaged.code, `${damaged.message}; ${writtenText(config, sink, written)}`, { cause: error });
  }
  const code = (error as { code?: unknown }).code;
  if (error instanceof BargeError || typeof code !== 'string' || !code.startsWith('SQLITE')) return error;
  if (code === 'SQLITE_ERROR') {
    // A run-time error of the user's SQL (a bad json_extract path, an overflow...).
    return new BargeError('database', `the query failed: ${sqlMessage(error)}; ${writtenText(config, sink, written)}`, { cause: error });
  }
  const translated = translateSqliteError(error, `database "${config.dbPath}"`);
  return new BargeError(translated.code, `${translated.message}; ${writtenText(config, sink, written)}`, { cause: error });
}

/** "stopped after writing 12 rows to stdout", or "nothing was written to out.csv" (a file written aside). */
function writtenText(config: ExportConfig, sink: Sink, written: number): string {
  if (!sink.inPlace) return `nothing was written to ${config.out}`;
  return `stopped after writing ${written} ${written === 1 ? 'row' : 'rows'} to ${config.out ?? 'stdout'}`;
}

/**
 * The widest table whose CSV pages SQLite formats (csv-page-sql.ts): its concat_ws() takes one
 * argument per column, and SQLite allows a function at most 1000 (a 1200-column table failed,
 * exit 3 "too many arguments on function concat_ws"). Wider tables take the JS writer.
 */
const MAX_PAGE_SQL_COLUMNS = 999;

/** How long an export may run without giving the event loop (and so its signal handlers) a turn. */
const TURN_EVERY_MS = 50;

/**
 * Turns for the event loop while an export runs. Its loop awaits only its writes, and a write
 * to a file stdout is redirected to, or one that never fills the stream's buffer, settles
 * without one: SIGINT and SIGTERM were never seen, and the export ran to its end, exit 0.
 */
class EventLoopTurns {
  private last = performance.now();

  due(): boolean {
    return performance.now() - this.last >= TURN_EVERY_MS;
  }

  async give(): Promise<void> {
    if (!this.due()) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.last = performance.now();
  }
}

function interrupted(config: ExportConfig, sink: Sink, written: number): BargeError {
  return new BargeError(
    'interrupted',
    // The rows written stay where they went (stdout, a device, a pipe): say how many, whole lines.
    sink.inPlace
      ? `export interrupted after ${written} ${written === 1 ? 'row' : 'rows'}${config.out === undefined ? '' : ` written to ${config.out}`}`
      : `export interrupted; nothing was written to ${config.out}`,
  );
}

// ---- the sink ----------------------------------------------------------------------------

/** Refuses, before anything is read, an --out that cannot or must not be written. */
function checkOutPath(out: string, dbPath: string, table: string | undefined, format: ExportFormat): void {
  const resolved = path.resolve(out);
  const dir = path.dirname(resolved);
  // path.resolve drops a trailing "/": "slash.csv/" was written in full, then its rename failed (exit 3).
  if (/(^|\/)(\.\.?)?$/.test(out) && !(fs.existsSync(resolved) && fs.statSync(resolved).isDirectory())) {
    throw new BargeError('usage', `--out ${out} names a directory (it ends in "${out.endsWith('/') ? '/' : path.basename(out)}"); give a file path`);
  }
  if (!fs.existsSync(dir)) throw new BargeError('usage', `--out ${out}: the directory ${path.dirname(out)} does not exist; create it or pass another --out`);
  // A symlink is written through: the directory of the file it leads to must exist too (it
  // failed only at the write, exit 3, where the same directory named directly is this usage error).
  const linked = linkTarget(resolved);
  if (linked !== resolved && !fs.existsSync(path.dirname(linked))) {
    throw new BargeError('usage', `--out ${out} is a link to ${linked}, whose directory ${path.dirname(linked)} does not exist; create it or pass another --out`);
  }
  if (fs.existsSync(resolved) && fs.statSync(resolved).isDirectory()) {
    throw new BargeError('usage', `--out ${out} is a directory; give a file path`);
  }
  // A file written in place of this one is made beside it and renamed over it: a write-protected
  // file was replaced without a word (as `cp` or a shell redirect would refuse), and a directory
  // that takes no new file failed only then (exit 3, no fix given).
  const existing = statOrUndefined(linked);
  if (existing === undefined || existing.isFile()) {
    const protectedFile = existing === undefined ? undefined : writeProblem(linked);
    if (protectedFile !== undefined) throw new BargeError('usage', `--out ${out} cannot be written (${protectedFile}); remove it first, or pass another --out`);
    const closedDir = writeProblem(path.dirname(linked));
    // The directory the file is made in: a link's target's (named in full), else --out's own.
    const where = linked === resolved ? path.dirname(out) : path.dirname(linked);
    if (closedDir !== undefined) throw new BargeError('usage', `--out ${out}: cannot make a file in ${where} (${closedDir}); pass another --out`);
  }
  const db = realpathOr(path.resolve(dbPath));
  const target = realpathOr(resolved);
  if ([db, `${db}-wal`, `${db}-shm`, `${db}-journal`].includes(target)) {
    throw new BargeError('usage', `--out ${out} is the database itself; give another file`);
  }
  const foreign = foreignOutExtension(out, { table, dbPath, format });
  if (foreign !== undefined) throw foreign;
}

function realpathOr(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}
