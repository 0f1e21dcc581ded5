import { readFileSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import * as z from 'zod';
import { BargeError } from '../errors.js';
import { showValue } from './issue-messages.js';
import { MAX_COLUMNS, nameKey, nameProblem } from './names.js';
import type { ColumnSpec, ColumnType, SchemaSpec } from './types.js';
import { valueProblem } from './zod-schema.js';
import { jsonSyntaxProblem } from '../source/json-syntax-error.js';
import { firstInvalidUtf8 } from '../source/decode-text.js';
import { firstDuplicateKey } from './duplicate-keys.js';
import { columnKeysInText, withColumnOrder } from './column-order.js';
import { notBargeSchemaJson, notJsonSchemaFile } from './not-a-schema.js';

/**
 * The schema file (SPEC §3): its shape is a zod schema with strict objects, so a
 * misspelt key ("minimum", "primary_key") is an error instead of a constraint
 * silently not enforced. What zod cannot see alone (a primary key naming a
 * missing column, min > max, a default of the wrong type, ...) is checked after.
 * Every error is one line naming the key path: `columns.price.type: …`.
 */

export const COLUMN_TYPES = ['string', 'integer', 'number', 'boolean', 'date', 'datetime', 'json'] as const;

const columnNames = z.array(z.string()).min(1);

const columnSchema = z.strictObject({
  type: z.enum(COLUMN_TYPES),
  required: z.boolean().optional(),
  // Checked against the type after parsing; null is not "no default" (leave the key out).
  default: z.unknown().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  minLength: z.int().min(0).optional(),
  maxLength: z.int().min(0).optional(),
  pattern: z.string().optional(),
  enum: z.array(z.unknown()).min(1).optional(),
  unique: z.boolean().optional(),
  references: z.string().optional(),
});

const fileSchema = z.strictObject({
  table: z.string(),
  // "primaryKey": "id" is accepted as well as ["id"]: an easy slip with one obvious meaning.
  primaryKey: z.union([z.string().transform((s) => [s]), columnNames]).optional(),
  // A record keeps the file's key order, which is the table's column order. (As in any
  // JavaScript object, names that are array indices such as "2024" come first.)
  columns: z.record(z.string(), columnSchema),
  unique: z.array(columnNames).optional(),
  indexes: z.array(columnNames).optional(),
  extraColumns: z.enum(['reject', 'ignore']).default('reject'),
});

export interface ParseSchemaOptions {
  /** Let the file leave `table` out (the CLI names it with --table); the result's table is then "". */
  tableOptional?: boolean;
  /**
   * The schema is a file someone wrote (loadSchemaFile sets this): also reject what older
   * barges accepted and kept in _barge_schemas, where export and stats read it too: an index
   * repeating another or the primary key or a unique constraint, and a reference to a column
   * of the table itself that is no key. (An import checks a kept schema's references against
   * the table: checkReferencedTables.)
   */
  fromFile?: boolean;
}

class SchemaProblem {
  constructor(
    readonly path: PropertyKey[],
    readonly message: string,
  ) {}
}

/** columns.price.type, columns["unit price"].type, unique[0] */
function showPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** The one-line error about the key at `path` of schema `source`: `schema x.json: columns.m.references: …`. */
export function schemaKeyError(source: string, path: readonly PropertyKey[], message: string): BargeError {
  const where = showPath(path);
  return new BargeError('schema', `schema ${source}: ${where === '' ? '' : `${where}: `}${message}`);
}

function fail(source: string, problem: SchemaProblem, more = 0): never {
  const suffix = more > 0 ? ` (and ${more} more problem${more === 1 ? '' : 's'})` : '';
  throw schemaKeyError(source, problem.path, `${problem.message}${suffix}`);
}

/**
 * The columns of a table a foreign key can reference (https://sqlite.org/foreignkeys.html §3):
 * the whole primary key when it is one column, and the columns with a UNIQUE constraint of
 * their own. Anything else fails every insert with "foreign key mismatch", a database error.
 */
export function referenceableColumns(spec: Pick<SchemaSpec, 'primaryKey' | 'columns' | 'unique'>): string[] {
  const keys = new Set<string>();
  if (spec.primaryKey?.length === 1) keys.add(spec.primaryKey[0] as string);
  for (const [name, col] of Object.entries(spec.columns)) if (col.unique === true) keys.add(name);
  for (const group of spec.unique ?? []) if (group.length === 1) keys.add(group[0] as string);
  return Object.keys(spec.columns).filter((name) => keys.has(name));
}

/** Why `references` cannot point at a column of `table` that is none of its `keys`: "is not the primary key …". */
export function notAKeyMessage(table: string, keys: readonly string[]): string {
  const choice = keys.length === 0 ? ' (it has none)' : `: ${keys.map((k) => JSON.stringify(k)).join(', ')}`;
  return `is not the primary key or a unique column of ${JSON.stringify(table)}, and SQLite can only reference one of those${choice}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

const EXPECTED_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'an array',
  object: 'an object',
  record: 'an object',
};

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return showValue(v);
}

/** How to fix an unknown key: the likely one meant, else the keys allowed there. */
function knownKeysHint(at: readonly PropertyKey[], key: string): string {
  const known = Object.keys(at.length === 0 ? fileSchema.shape : columnSchema.shape);
  const lower = key.toLowerCase();
  // An abbreviation (minLen: minLength) before a longer key's prefix (min), which sent the user
  // on to "min applies only to numbers"; then a typo (requried), which got no hint.
  const meant = known.find((k) => k.toLowerCase() === lower.replace(/[_-]/g, ''))
    ?? known.find((k) => lower.length >= 3 && k.toLowerCase().startsWith(lower))
    ?? known.find((k) => editDistance(k.toLowerCase(), lower) <= (lower.length <= 4 ? 1 : 2))
    ?? known.filter((k) => k.length >= 3 && lower.startsWith(k.toLowerCase())).sort((a, b) => b.length - a.length)[0];
  return meant ? `; did you mean "${meant}"?` : `; the keys allowed here are ${known.join(', ')}`;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}

/** Why `min`/`max` cannot stand on a column of `type`. */
function boundsOnlyForNumbers(type: string): string {
  if (type === 'date' || type === 'datetime') return `applies only to integer and number columns: a ${type} column has no bounds`;
  return 'applies only to integer and number columns (use minLength/maxLength for the length of a string)';
}

/** A zod issue on the file -> a path and barge's own message. */
function describeFileIssue(issue: z.core.$ZodIssue, root: unknown): SchemaProblem {
  const input = valueAt(root, issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const keys = issue.keys.map((k) => JSON.stringify(k)).join(', ');
      return new SchemaProblem(issue.path, `unknown key${issue.keys.length === 1 ? '' : 's'} ${keys}${knownKeysHint(issue.path, issue.keys[0]!)}`);
    }
    case 'invalid_type': {
      if (input === undefined) return new SchemaProblem(issue.path, issue.path.length === 1 && issue.path[0] === 'table' ? 'is required (or pass --table)' : 'is required');
      // `"min": "2024-01-01"` on a date column: what the later check says of any min there, not
      // "expected a number", which sent the user to write the date as one.
      const bound = issue.path.length === 3 && issue.path[0] === 'columns' && (issue.path[2] === 'min' || issue.path[2] === 'max');
      const type = bound ? valueAt(root, [...issue.path.slice(0, 2), 'type']) : undefined;
      if (typeof type === 'string' && NOT_NUMERIC.has(type)) return new SchemaProblem(issue.path, boundsOnlyForNumbers(type));
      return new SchemaProblem(issue.path, `expected ${EXPECTED_NAMES[issue.expected] ?? issue.expected}, got ${kindOf(input)}`);
    }
    case 'invalid_value':
      return new SchemaProblem(issue.path, `expected one of ${issue.values.map(String).join('|')}, got ${showValue(input)}`);
    case 'too_small':
      if (issue.origin === 'array') return new SchemaProblem(issue.path, 'must not be empty');
      return new SchemaProblem(issue.path, `expected a number >= ${String(issue.minimum)}, got ${showValue(input)}`);
    case 'too_big':
      return new SchemaProblem(issue.path, `expected a number <= ${String(issue.maximum)}, got ${showValue(input)}`);
    case 'invalid_union': {
      // primaryKey: a name or a list of names. A list with a bad entry: describe that entry.
      const listIssue = Array.isArray(input) ? issue.errors[1]?.[0] : undefined;
      if (listIssue !== undefined) return describeFileIssue({ ...listIssue, path: [...issue.path, ...listIssue.path] }, root);
      return new SchemaProblem(issue.path, `expected a column name or a list of column names, got ${kindOf(input)}`);
    }
    default:
      return new SchemaProblem(issue.path, `is not valid (${issue.code})`);
  }
}

type ParsedFile = z.output<typeof fileSchema>;

/**
 * valueProblem for a value written in the schema file (a default, an enum entry), worded for
 * JSON: the data's wording ("expected true/false/t/f/1/0/yes/no", "write larger integers as
 * strings") named spellings and a remedy the file does not accept.
 */
function fileValueProblem(col: ColumnSpec, value: unknown, options: { withEnum: boolean }): string | undefined {
  if (col.type === 'boolean' && typeof value !== 'boolean') return `expected true or false (a JSON boolean), got ${kindOf(value)}`;
  if (col.type === 'integer' && typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
    return `expected an integer between -9007199254740991 and 9007199254740991, got ${showValue(value)} (JSON numbers beyond 2^53 are not exact; a schema file cannot hold a larger one)`;
  }
  return valueProblem(col, value, options);
}

const NUMERIC: ReadonlySet<ColumnType> = new Set(['integer', 'number']);
/** The schema file's other types (an unknown one is reported as such, not for its bounds). */
const NOT_NUMERIC: ReadonlySet<string> = new Set(['string', 'boolean', 'date', 'datetime', 'json']);

/** The checks zod's shape cannot express; problems in file order. */
function crossCheck(file: ParsedFile, tableOptional: boolean, fromFile: boolean): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const add = (path: PropertyKey[], message: string): void => {
    problems.push(new SchemaProblem(path, message));
  };

  if (!(tableOptional && file.table === '')) {
    const problem = nameProblem(file.table, 'table');
    if (problem !== undefined) add(['table'], problem);
  }

  const names = Object.keys(file.columns);
  if (names.length === 0) add(['columns'], 'must define at least one column');
  // Both would fail only at CREATE TABLE, as a database error (exit 3).
  if (names.length > MAX_COLUMNS) add(['columns'], `defines ${names.length} columns; SQLite allows at most ${MAX_COLUMNS} in a table`);
  const keys = new Map<string, string>();

  for (const name of names) {
    const col = file.columns[name] as ColumnSpec;
    const at = (key?: string): PropertyKey[] => (key === undefined ? ['columns', name] : ['columns', name, key]);
    const problem = nameProblem(name, 'column');
    if (problem !== undefined) add(at(), problem);
    const same = keys.get(nameKey(name));
    if (same !== undefined) add(at(), `differs from column ${JSON.stringify(same)} only in case, and SQLite takes them for the same column`);
    keys.set(nameKey(name), name);

    if ((col.min !== undefined || col.max !== undefined) && !NUMERIC.has(col.type)) {
      add(at(col.min !== undefined ? 'min' : 'max'), boundsOnlyForNumbers(col.type));
    }
    for (const key of ['minLength', 'maxLength', 'pattern'] as const) {
      if (col[key] !== undefined && col.type !== 'string') add(at(key), 'applies only to string columns');
    }
    // An integer bound beyond 2^53 was read rounded from the file (9007199254740993 as ...992),
    // and checked records against a bound the file does not say. From 2^63 on a bound is none
    // for SQLite's integers (max 1e300; 9223372036854775807 reads as 2^63), and rounding it
    // changes nothing. A schema kept by an earlier version is read as it was kept.
    for (const key of ['min', 'max'] as const) {
      const bound = col[key];
      if (fromFile && col.type === 'integer' && bound !== undefined && Number.isInteger(bound) && !Number.isSafeInteger(bound) && Math.abs(bound) < 2 ** 63) {
        add(at(key), `expected an integer between -9007199254740991 and 9007199254740991, got ${showValue(bound)} (JSON numbers beyond 2^53 are not exact; a schema file cannot hold a larger one)`);
      }
    }
    if (col.min !== undefined && col.max !== undefined && col.min > col.max) {
      add(at(), `min (${col.min}) is greater than max (${col.max})`);
    } else if (col.type === 'integer' && col.min !== undefined && col.max !== undefined && Math.ceil(col.min) > Math.floor(col.max)) {
      // min 1.2, max 1.8: every record was rejected ("expected an integer >= 1.2, got 1").
      add(at(), `no integer lies between min (${col.min}) and max (${col.max})`);
    }
    if (col.minLength !== undefined && col.maxLength !== undefined && col.minLength > col.maxLength) {
      add(at(), `minLength (${col.minLength}) is greater than maxLength (${col.maxLength})`);
    }
    let patternOk = true;
    if (col.pattern !== undefined) {
      try {
        new RegExp(col.pattern);
      } catch (error) {
        patternOk = false;
        const reason = (error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
        add(at('pattern'), `is not a valid regular expression: ${reason}`);
      }
      // Unicode syntax in a pattern that is valid only without the `u` flag: read without it,
      // `\p{L}` was the text "p{L}" (`^\p{L}+\-\d+$` rejected "Ab-12" and accepted "p{L}}-5").
      if (patternOk && /\\[pP]\{|\\u\{/.test(col.pattern)) {
        try {
          new RegExp(col.pattern, 'u');
        } catch (error) {
          patternOk = false;
          const reason = (error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
          add(at('pattern'), `uses Unicode syntax (\\p{…} or \\u{…}) but is not valid with Unicode semantics (${reason}), and without them it would match other text: escape only what Unicode patterns allow (write - without a backslash outside [ ])`);
        }
      }
    }
    // Value checks use the compiled constraints, so they need a usable pattern and bounds.
    const constraintsUsable = patternOk && !problems.some((p) => p.path[1] === name);
    if (col.enum !== undefined && constraintsUsable) {
      if (col.type === 'json') add(at('enum'), 'is not supported for json columns');
      else {
        col.enum.forEach((value, i) => {
          const problem = fileValueProblem(col, value, { withEnum: false });
          if (problem !== undefined) add(['columns', name, 'enum', i], problem);
        });
      }
    }
    if (col.default !== undefined && constraintsUsable && !problems.some((p) => p.path[1] === name)) {
      const problem = fileValueProblem(col, col.default, { withEnum: true });
      if (problem !== undefined) add(at('default'), problem);
    }
    if (col.references !== undefined) {
      const m = /^([^.]+)\.([^.]+)$/.exec(col.references);
      if (m === null) {
        add(at('references'), `expected "table.column", got ${JSON.stringify(col.references)}`);
      } else {
        const tableProblem = nameProblem(m[1] as string, 'table');
        const columnProblem = nameProblem(m[2] as string, 'column');
        if (tableProblem !== undefined) add(at('references'), tableProblem);
        else if (columnProblem !== undefined) add(at('references'), columnProblem);
        else if (nameKey(m[1] as string) === nameKey(file.table)) {
          // SQLite resolves both names case-insensitively, as it does every name.
          const target = names.find((n) => nameKey(n) === nameKey(m[2] as string));
          if (target === undefined) add(at('references'), `column ${JSON.stringify(m[2])} is not defined in columns`);
          else if (fromFile && !referenceableColumns(file).includes(target)) {
            add(at('references'), `${col.references} ${notAKeyMessage(m[1] as string, referenceableColumns(file))}`);
          }
        }
      }
    }
  }

  const checkList = (path: PropertyKey[], list: string[]): void => {
    const seen = new Set<string>();
    list.forEach((column, i) => {
      if (!names.includes(column)) add([...path, i], `column ${JSON.stringify(column)} is not defined in columns`);
      else if (seen.has(column)) add([...path, i], `column ${JSON.stringify(column)} is listed twice`);
      seen.add(column);
    });
  };
  if (file.primaryKey !== undefined) checkList(['primaryKey'], file.primaryKey);
  file.unique?.forEach((group, i) => checkList(['unique', i], group));
  file.indexes?.forEach((group, i) => checkList(['indexes', i], group));
  if (fromFile) checkIndexesNeeded(file, add);
  return problems;
}

/**
 * An `indexes` entry that repeats another, or the primary key or a unique constraint (the same
 * columns in the same order), for which SQLite keeps an index already: a repeat failed at
 * CREATE INDEX, and an index SQLite keeps anyway only slows every insert.
 */
function checkIndexesNeeded(file: ParsedFile, add: (path: PropertyKey[], message: string) => void): void {
  const same = (a: readonly string[], b: readonly string[] | undefined): boolean => b !== undefined && a.length === b.length && a.every((c, i) => c === b[i]);
  file.indexes?.forEach((group, i) => {
    const at = ['indexes', i];
    const earlier = file.indexes!.findIndex((other) => same(group, other));
    const unique = file.unique?.findIndex((other) => same(group, other)) ?? -1;
    if (earlier < i) add(at, `repeats indexes[${earlier}]; list each index once`);
    else if (same(group, file.primaryKey)) add(at, 'is the primary key, which SQLite indexes already; remove it');
    else if (unique >= 0) add(at, `repeats unique[${unique}], which SQLite indexes already; remove it`);
    else if (group.length === 1 && file.columns[group[0] as string]?.unique === true) {
      add(at, `column ${JSON.stringify(group[0])} is unique, which SQLite indexes already; remove it`);
    }
  });
}

/** Copy without the keys left undefined, so the spec serialises and compares cleanly. */
function cleanColumn(col: ColumnSpec): ColumnSpec {
  const out: ColumnSpec = { type: col.type };
  for (const key of Object.keys(col) as (keyof ColumnSpec)[]) {
    if (col[key] !== undefined) (out as unknown as Record<string, unknown>)[key] = col[key];
  }
  return out;
}

/**
 * Validate a parsed schema file. `source` names it in messages ("products.schema.json").
 * Throws BargeError('schema', one line) on the first problem.
 */
export function parseSchemaSpec(json: unknown, source: string, options: ParseSchemaOptions = {}): SchemaSpec {
  const tableOptional = options.tableOptional === true;
  let input = json;
  if (tableOptional && typeof json === 'object' && json !== null && !Array.isArray(json) && !('table' in json)) {
    input = { ...json, table: '' };
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    fail(source, new SchemaProblem([], `expected a JSON object, got ${kindOf(input)}`));
  }
  // JSON.parse keeps a "__proto__" key as an own property, but zod's record copies it by
  // assignment, which sets the copy's prototype: the column would vanish without a word.
  const rawColumns = (input as { columns?: unknown }).columns;
  if (typeof rawColumns === 'object' && rawColumns !== null && Object.prototype.hasOwnProperty.call(rawColumns, '__proto__')) {
    fail(source, new SchemaProblem(['columns', '__proto__'], nameProblem('__proto__', 'column') as string));
  }
  const result = fileSchema.safeParse(input);
  if (!result.success) {
    // A misspelt key first: `"colums"` also made "columns: is required", which, said alone,
    // hid the typo behind "(and 1 more problem)".
    const issues = result.error.issues;
    const first = issues.find((issue) => issue.code === 'unrecognized_keys') ?? issues[0];
    fail(source, describeFileIssue(first as z.core.$ZodIssue, input), issues.length - 1);
  }
  const file = result.data;
  const problems = crossCheck(file, tableOptional, options.fromFile === true);
  if (problems.length > 0) fail(source, problems[0] as SchemaProblem, problems.length - 1);

  const columns: Record<string, ColumnSpec> = {};
  for (const [name, col] of Object.entries(file.columns)) columns[name] = cleanColumn(col);
  const spec: SchemaSpec = { table: file.table, columns, extraColumns: file.extraColumns };
  if (file.primaryKey !== undefined) spec.primaryKey = file.primaryKey;
  if (file.unique !== undefined) spec.unique = file.unique;
  if (file.indexes !== undefined) spec.indexes = file.indexes;
  return spec;
}

/** Read and validate a schema file; a missing or non-JSON file is a one-line BargeError('schema'). */
export function loadSchemaFile(path: string, options: ParseSchemaOptions = {}): SchemaSpec {
  let text: string;
  try {
    const bytes = readFileSync(path);
    // Read as UTF-8 with bad bytes replaced, a latin1 "café" made a table named "caf\uFFFD".
    if (!isUtf8(bytes)) {
      // PowerShell's `>` writes UTF-16 with a byte order mark.
      if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
        throw new BargeError('schema', `schema ${path}: is UTF-16 (it starts with a byte order mark); save it as UTF-8`);
      }
      const bad = firstInvalidUtf8(bytes);
      const before = bytes.subarray(0, bad).toString('utf8');
      throw new BargeError('schema', `schema ${path}: invalid UTF-8 at line ${before.split('\n').length}, column ${bad === 0 ? 1 : bad - bytes.lastIndexOf(0x0a, bad - 1)} (byte offset ${bad}); save it as UTF-8`);
    }
    text = bytes.toString('utf8');
  } catch (error) {
    if (error instanceof BargeError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new BargeError('schema', `schema ${path}: ${reason}`, { cause: error });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw notJsonSchemaFile(path, text) ?? new BargeError('schema', `schema ${path}: not valid JSON: ${jsonErrorWhere(text, error)}`, { cause: error });
  }
  const notBarge = notBargeSchemaJson(path, json);
  if (notBarge !== undefined) throw notBarge;
  const duplicate = firstDuplicateKey(text);
  if (duplicate !== undefined) {
    throw new BargeError('schema', `schema ${path}: ${duplicate.path}: declared twice (line ${duplicate.line} is the second); JSON keeps only the last, so remove one`);
  }
  return withColumnOrder(parseSchemaSpec(json, path, { ...options, fromFile: true }), columnKeysInText(text) ?? []);
}

/**
 * What is wrong, at which line and column (an editor can jump there), as the input readers
 * say it (source/json-syntax-error.ts): V8's own text gave no position for an unexpected
 * token, and quoted the file's start (a CSV given as the schema: `Unexpected token 'i',
 * "id,name,co"... is not valid JSON`).
 */
function jsonErrorWhere(text: string, error: unknown): string {
  const problem = jsonSyntaxProblem(text, error, { end: 'the end of the file', afterValue: 'the end of the file' });
  let where = '';
  if (problem.offset !== undefined) {
    const before = text.slice(0, problem.offset);
    const line = before.split('\n').length;
    where = ` at line ${line}, column ${problem.offset - before.lastIndexOf('\n')}`;
  }
  return `${problem.reason}${where}${problem.hint === undefined ? '' : `; ${problem.hint}`}`;
}
