import path from 'node:path';
import { BargeError } from '../errors.js';
import { checkName, loadSchemaFile, SchemaInference, nameProblem, schemaFromTable, withTableKeyRule } from '../schema/index.js';
import { oneLine } from '../one-line.js';
import { groupDigits } from '../group-digits.js';
import type { SchemaSpec } from '../schema/types.js';
import type { SourceRecord } from '../source/types.js';
import type { Db } from '../store/open-database.js';
import { schemaKeyError } from '../schema/schema-file.js';
import { catalogue } from '../schema/catalogue-pragma.js';
import { nameKey, quoteIdent } from '../schema/names.js';
import { describeReferenceProblem, foreignKeysOf, referenceProblem } from './table-checks.js';
import { reportJob } from './report-job.js';
import { readHead } from '../file-head.js';
import { smallFileSha256 } from './file-sha256.js';
import type { JobRecord } from '../store/jobs.js';

export type SchemaOrigin = 'file' | 'table' | 'inferred';

export interface ResolvedSchema {
  spec: SchemaSpec;
  origin: SchemaOrigin;
  /** The schema file of the job whose report is fed back, read in place of --schema (reportJobSchema): the new job records it as its own. */
  schemaPath?: string;
  /** An inferred schema's warnings: a column made text by a word for "no value" (SchemaInference.notes). */
  notes?: string[];
}

/**
 * The table name when neither --table nor a schema names one: the first
 * input's base name without its extensions, so `products.csv.gz` loads into
 * `products` and a report `products.errors.ndjson` goes back into `products`.
 */
export function tableNameFromInput(inputPath: string, hint = '--table <name> (or --schema naming the table)'): string {
  if (inputPath === '-') {
    throw new BargeError('usage', `reading stdin needs ${hint}`);
  }
  // A process substitution (`barge import <(zcat x.gz)`) or a descriptor names no table: its
  // base name is a number (a table "63").
  if (/^\/(?:dev|proc\/[^/]+)\/fd\/\d+$/.test(inputPath)) {
    throw new BargeError('usage', `reading ${inputPath} (a process substitution or an open descriptor) needs ${hint}`);
  }
  return inputBaseName(inputPath);
}

/**
 * `dir/products.csv.gz` -> `products`; a report, `products.errors.ndjson` or a retry's
 * `products.errors-2.ndjson`, -> `products`.
 */
export function inputBaseName(inputPath: string): string {
  return reportName(inputPath)?.table ?? withoutExtension(inputPath);
}

/**
 * What a report's file name says: the table its records came from, and the retry round (1 for
 * `x.errors.*`, N for `x.errors-N.*`). A name of the second kind counts only when the file
 * holds a report (its first bytes name `_barge_job`): `build.errors-2024.csv` or
 * `http.errors-404.csv` are data files of their own, which went into tables "build" and "http".
 */
export function reportName(inputPath: string): { table: string; round: number } | undefined {
  if (inputPath === '-') return undefined;
  const match = /^(.+)\.errors(?:-(\d+))?$/.exec(withoutExtension(inputPath));
  if (match === null) return undefined;
  if (match[2] !== undefined && !holdsReport(inputPath)) return undefined;
  return { table: match[1]!, round: match[2] === undefined ? 1 : Number(match[2]) };
}

/** `dir/products.csv.gz` -> `products.csv` -> `products`. */
function withoutExtension(inputPath: string): string {
  let base = path.basename(inputPath);
  if (base.toLowerCase().endsWith('.gz')) base = base.slice(0, -3);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** Whether a file's first 4 KB name a report's `_barge_job` field (a report is never gzipped by barge). */
function holdsReport(file: string): boolean {
  return readHead(file, 4096)?.includes('_barge_job') === true;
}

/** The schema of an import or validate run, before any record is read (file or table). */
export function schemaBeforeReading(
  db: Db | undefined,
  options: { schemaPath?: string; table?: string; firstInput: string },
): ResolvedSchema | { table: string } {
  if (options.schemaPath) {
    const spec = loadSchemaFile(options.schemaPath, { tableOptional: options.table !== undefined });
    if (options.table) spec.table = options.table;
    checkName(spec.table, 'table');
    // A reference to a column that no key of its table is (in the database, or the table itself
    // when --table names it) would fail every insert with "foreign key mismatch".
    for (const fk of foreignKeysOf(spec)) {
      const problem = referenceProblem(db, spec, fk);
      if (problem !== undefined) throw schemaKeyError(options.schemaPath, ['columns', fk.column, 'references'], describeReferenceProblem(fk, problem));
    }
    // An existing table's lone integer key that is not the rowid (INT, BIGINT): NULL would go in.
    return { spec: db ? withTableKeyRule(db, spec) : spec, origin: 'file' };
  }
  // A report fed back goes into its job's table, when that job is in the database.
  const reportOf = reportJob(db, options.firstInput);
  const fromReport = options.table === undefined ? reportOf?.table : undefined;
  const table = options.table ?? fromReport ?? tableNameFromInput(options.firstInput);
  if (options.table === undefined && fromReport === undefined) {
    // Named after the input's file: the fix is --table (the message named only the problem).
    const problem = nameProblem(table, 'table');
    if (problem !== undefined) throw new BargeError('usage', `${problem} (named after the input ${oneLine(options.firstInput)}); pass --table <name>`);
  }
  checkName(table, 'table');
  const existing = db ? schemaFromTable(db, table) : undefined;
  // A column another tool named "__proto__" is no key a record can hold for barge (it is the
  // prototype of a JavaScript object): its field was called an unexpected column, with the advice
  // to drop it.
  if (existing && catalogue<{ name: string }>(db!, 'table_xinfo', table).some((column) => column.name === '__proto__')) {
    throw new BargeError('usage', `table "${table}" has a column named "__proto__", which barge cannot load (the name is special in JavaScript objects); rename it: ALTER TABLE ${quoteIdent(table)} RENAME COLUMN "__proto__" TO proto`);
  }
  if (existing) return { spec: existing, origin: 'table' };
  if (reportOf !== undefined) {
    // --table naming the job's table (gone) with no --schema: the job's schema file too, when it
    // had one (the unfixed records went into an inferred table). Another name is a new table.
    if (options.table === undefined) return reportJobSchema(db, reportOf, options.firstInput);
    if (nameKey(options.table) === nameKey(reportOf.table) && typeof reportOf.options.schemaPath === 'string') return reportJobSchema(db, reportOf, options.firstInput);
  }
  return { table };
}

/**
 * A report fed back whose job's table is gone: the job made it and wrote nothing (an atomic job
 * rolled back, a batch/row job with no batch committed), or it was dropped since. Its records are checked by the job's
 * schema file, when the job had one and it is as the job read it. Inferred from the report's
 * own records, the schema took them unfixed (`qty` -5 and "abc" into a text column), and then
 * refused the job's schema for the table.
 */
function reportJobSchema(db: Db | undefined, job: JobRecord, report: string): ResolvedSchema {
  const saved = job.options as { schemaPath?: unknown; schemaSha256?: unknown };
  const loaded = job.counts.inserted + job.counts.updated + job.counts.ignored > 0;
  const gone = `table "${job.table}" of job ${job.id}, whose report ${oneLine(report)} is, does not exist (${loaded ? 'dropped since the job loaded it' : 'the job wrote nothing'})`;
  if (typeof saved.schemaPath !== 'string') {
    throw new BargeError('usage', `${gone}, and the job inferred its schema from its input; check the report's records by a schema: --schema <file> (or load the job's input again, its records fixed)`);
  }
  const now = smallFileSha256(saved.schemaPath);
  if (now === undefined || (typeof saved.schemaSha256 === 'string' && now !== saved.schemaSha256)) {
    throw new BargeError('usage', `${gone}, and its schema file "${saved.schemaPath}" ${now === undefined ? 'is gone' : 'changed since the job read it'}; pass the schema to check the report's records by: --schema <file>`);
  }
  return { ...(schemaBeforeReading(db, { schemaPath: saved.schemaPath, table: job.table, firstInput: report }) as ResolvedSchema), schemaPath: saved.schemaPath };
}

/**
 * The columns of an inferred `spec` that held no value in the samples it was inferred from: they
 * were made text columns, which take a later number, boolean or object as text (a sparse column
 * of a legacy table, empty in its first 1,000 rows, came back as text with no word said).
 */
export function columnsWithoutValues(spec: SchemaSpec, samples: SourceRecord[]): string[] {
  const valued = new Set<string>();
  for (const record of samples) noteValuedColumns(valued, record);
  return Object.keys(spec.columns).filter((name) => !valued.has(name));
}

/** Adds to `valued` the columns `record` gives a value (an empty CSV field, null or undefined is none). */
function noteValuedColumns(valued: Set<string>, record: SourceRecord): void {
  if (record.parseError !== undefined) return;
  for (const [name, value] of Object.entries(record.data)) {
    if (value === undefined || value === null || (record.text && value === '')) continue;
    valued.add(name);
  }
}

/** An inferred schema's warnings for import and validate: columns the sample gave no value, and its notes. */
export function inferredSchemaWarnings(resolved: ResolvedSchema, sample: SourceRecord[]): string[] {
  const empty = columnsWithoutValues(resolved.spec, sample);
  return [...(empty.length > 0 ? [withoutValuesWarning(empty, sample.length)] : []), ...(resolved.notes ?? [])];
}

/** The warning for columnsWithoutValues(): which, and how to pin their types. */
export function withoutValuesWarning(names: string[], samples: number, fix = 'write the schema out with barge schema infer, edit it, and pass --schema'): string {
  const list = names.slice(0, 10).map((name) => JSON.stringify(name)).join(', ') + (names.length > 10 ? `, and ${names.length - 10} more` : '');
  const these = names.length === 1 ? `column ${list} had no value` : `columns ${list} had no value`;
  return `${these} in the ${samples === 1 ? 'record' : `${groupDigits(samples)} records`} the schema was inferred from (--infer-rows), so ${names.length === 1 ? 'it is a text column' : 'they are text columns'}, which ${names.length === 1 ? 'takes' : 'take'} later numbers, booleans and JSON as text; to type ${names.length === 1 ? 'it' : 'them'}, ${fix}`;
}

/**
 * Infers the schema from the first records (SPEC §3: --infer-rows). `remedy` ends the message
 * when the input has no records to infer from (`barge schema infer`, which makes the schema,
 * has none).
 */
export function schemaFromSamples(table: string, samples: SourceRecord[], remedy: string | null = 'pass --schema'): ResolvedSchema {
  const inference = new SampleInference(table, remedy);
  for (const record of samples) inference.add(record);
  return inference.result();
}

/**
 * schemaFromSamples() and columnsWithoutValues() a record at a time, for `barge schema infer`,
 * which need not keep its sample (an import does: it loads those records after).
 */
export class SampleInference {
  private inference: SchemaInference | undefined;
  private readonly valued = new Set<string>();
  private first: SourceRecord | undefined;
  /** The first record's failure to infer from (a bad column name), thrown by result(). */
  private failure: BargeError | undefined;
  /** Records added. */
  count = 0;

  constructor(private readonly table: string, private readonly remedy: string | null) {}

  add(record: SourceRecord): void {
    this.count++;
    this.first ??= record;
    if (record.parseError !== undefined || this.failure !== undefined) return;
    try {
      (this.inference ??= new SchemaInference(this.table)).add(record);
    } catch (error) {
      // Kept for result(), as inferSchema() of the whole sample would throw it: the sample is
      // read to its end first, so a bad byte further on is the error, as in import.
      if (!(error instanceof BargeError)) throw error;
      this.failure = error;
      return;
    }
    noteValuedColumns(this.valued, record);
  }

  /** The columns of `spec` that no record added gave a value. */
  columnsWithoutValues(spec: SchemaSpec): string[] {
    return Object.keys(spec.columns).filter((name) => !this.valued.has(name));
  }

  result(): ResolvedSchema {
    const { table, remedy, first } = this;
    // Set only by a readable record (a bad --table's name among them), as inferSchema() threw.
    if (this.failure !== undefined) throw this.failure;
    if (this.inference === undefined) {
      const end = remedy === null ? '' : `; ${remedy}`;
      if (first === undefined) throw new BargeError('usage', `cannot infer a schema for "${table}": the input has no readable records${end}`);
      // Every sample was a ragged row or a bad line: say which, as a rejection would.
      // (One record: "the one record read to infer it could be read" said the opposite.) Not
      // "or pass --schema": the fault is the records' syntax or shape (a trailing comma, a
      // field too many, an array for an object), which no schema reads; with one, each is
      // rejected instead.
      const what = this.count === 1 ? 'the one record read to infer it could not be read' : `none of the ${this.count} records read to infer it could be read, the first`;
      throw new BargeError(
        'usage',
        `cannot infer a schema for "${table}": ${what}: ${first.input}:line ${first.line}: ${first.parseError!.message}; fix the input`,
      );
    }
    const spec = this.inference.schema();
    return { spec, origin: 'inferred', notes: this.inference.notes };
  }
}
