import { oneLine } from '../one-line.js';
import * as z from 'zod';
import { coercerFor, missingIfInherited, type Coerce } from './coerce-value.js';
import { compileFastCheck, compileFastPath, type FastCheck, type FastPath } from './fast-path.js';
import { describeIssue, reportedValue, showValue } from './issue-messages.js';
import { nameKey } from './names.js';
import type { ColumnSpec, FieldError, SchemaSpec } from './types.js';
import { defaultRowValue, finisherFor, isEffectivelyRequired, nullIsNull, requiredReason, valueSchema, type Finish } from './zod-schema.js';
import { columnNames } from './column-order.js';

/**
 * Compiles a SchemaSpec to a record validator. Zod is the source of truth for
 * what is valid: each column is a zod schema (coercion as a preprocess step,
 * then the type and its constraints), the record is one z.object of those,
 * built and AOT-compiled (z.compile) once per spec and input mode. Zod's
 * issues are then turned into barge's own short messages, written from the
 * issue code and the column spec, never zod's default English.
 *
 * Speed (Node 20, one core, 100k CSV-like records, 10 columns, all valid), zod
 * alone: whole-object safeParse ~0.7M records/s, per-column safeParse ~0.6M/s,
 * z.compile'd whole object ~1.5M/s. Through validate() with the row built
 * (plain node on tsc output): ~0.8M/s on the first, cold pass, ~1.4M/s warm;
 * ~0.4M/s with 10% invalid records and ~0.1M/s with all invalid, as zod re-runs
 * a failing record on its slower, issue-collecting path. So: one compiled object
 * schema per spec and mode, nothing per record beyond zod's output object, the
 * row array and the result.
 */

export interface Validator {
  /** Spec column names, in insert order. */
  columns: string[];
  /**
   * data: field -> value as read; text: values are strings from CSV/TSV to be coerced.
   * Keys starting with "_barge" are barge's own (report metadata) and are ignored.
   * keys: the keys of `data`, exactly, when the reader knows them (a CSV header's, shared by
   * its records): the check for extra fields is then made once per array of names instead of
   * once per record (a for-in over every record's keys: ~50 ms per 1M benchmark records).
   */
  validate(data: Record<string, unknown>, text: boolean, keys?: readonly string[]): ValidationResult;
  /** validate() for a caller that needs no row (`barge validate`): the errors, or undefined for a valid record. */
  check(data: Record<string, unknown>, text: boolean, keys?: readonly string[]): FieldError[] | undefined;
  /**
   * Per column (insert order), whether the record gives it a value: false where the value is
   * missing (absent, an empty CSV field, JSON null in a required column), which a new row fills
   * with the default or NULL. `--on-conflict update` updates only the given columns of an
   * existing row; JSON null elsewhere is given, as NULL.
   */
  given(data: Record<string, unknown>, text: boolean): boolean[];
}

export type ValidationResult = { ok: true; row: unknown[] } | { ok: false; errors: FieldError[] };

interface CompiledColumn {
  name: string;
  spec: ColumnSpec;
  coerce: Coerce;
  finish: Finish;
  /** The row value for a missing value: the default, or NULL. */
  missing: unknown;
  /** Whether JSON null is a value here (nullIsNull): NULL, which an upsert sets; else it is missing. */
  nullIsValue: boolean;
  /** The message of a missing value, where "is required" alone would not say why (requiredReason). */
  requiredMessage: string | undefined;
}

interface ModeValidator {
  schema: z.ZodType;
  columns: CompiledColumn[];
  /** The row of a record zod is sure to accept, or undefined to ask zod (see compileFastPath). */
  fast: FastPath | undefined;
  /** The same, without the row (see compileFastCheck). */
  fastCheck: FastCheck | undefined;
}

function compileMode(spec: SchemaSpec, names: string[], text: boolean, fastPath: boolean, required: (name: string) => boolean): ModeValidator {
  const shape: Record<string, z.ZodType> = {};
  const columns: CompiledColumn[] = [];
  for (const name of names) {
    const col = spec.columns[name] as ColumnSpec;
    const coerce = name in Object.prototype ? missingIfInherited(coercerFor(col.type, text)) : coercerFor(col.type, text);
    const base = valueSchema(col, true);
    const value = required(name) ? base : base.optional();
    shape[name] = z.preprocess(coerce, value);
    const missing = defaultRowValue(name, col);
    const nullIsValue = !text && nullIsNull(spec, name);
    const reason = requiredReason(spec, name);
    const requiredMessage = reason === undefined ? undefined : `is required: ${reason}`;
    columns.push({ name, spec: col, coerce, finish: finisherFor(col.type), missing, nullIsValue, requiredMessage });
  }
  // z.object strips keys it does not know; extra fields are checked by hand below so that
  // "_barge…" keys can be skipped, which a strict object cannot express.
  return {
    schema: z.compile(z.object(shape)),
    columns,
    fast: fastPath ? compileFastPath(spec, names, text, required) : undefined,
    fastCheck: fastPath ? compileFastCheck(spec, names, text, required) : undefined,
  };
}

const EXTRA_PREFIX = '_barge';
/** A report entry's text of a record that could not be read as fields (report-entry.ts). */
const RAW_FIELD = '_barge_raw';

/**
 * A report entry holding `_barge_raw` stands for a record barge could not read as fields (a
 * ragged row, a line that is not JSON): its fields, if any, are what could be kept. Imported
 * as it is, it loaded as a row of NULLs, or with its values under the wrong columns; it is
 * rejected again until the entry is fixed (its fields written out, `_barge_raw` removed).
 */
function unreadRecord(data: Record<string, unknown>): FieldError[] | undefined {
  const raw = data[RAW_FIELD];
  if (raw === undefined || raw === null || raw === '') return undefined;
  const message = `a report entry of a record that could not be read as fields (its text is in ${RAW_FIELD}): write its fields into the entry and remove ${RAW_FIELD} to load it`;
  return [{ column: null, code: 'unread_record', message, value: reportedValue(raw) }];
}

export interface CompileOptions {
  /** false: every record goes through zod (the property test compares the two). Default true. */
  fastPath?: boolean;
  /**
   * --on-conflict update: the key it matches rows on. Only those columns must then be given: a
   * record may leave out any other, required or not, as an existing row keeps its value there
   * (SPEC §4); a new row lacking a required value fails at the write (BatchWriter).
   */
  upsertKey?: readonly string[];
}

/** Compile `spec` once; the returned validator is reused for every record. */
export function compileValidator(spec: SchemaSpec, options: CompileOptions = {}): Validator {
  const fastPath = options.fastPath ?? true;
  const upsertKey = options.upsertKey;
  const required = (name: string): boolean => isEffectivelyRequired(spec, name) && (upsertKey === undefined || upsertKey.includes(name));
  const names = columnNames(spec);
  const known = new Set(names);
  const rejectExtra = (spec.extraColumns ?? 'reject') === 'reject';
  // Built on first use: most runs read only text (CSV/TSV) or only JSON.
  let textMode: ModeValidator | undefined;
  let jsonMode: ModeValidator | undefined;

  function modeFor(text: boolean): ModeValidator {
    return text ? (textMode ??= compileMode(spec, names, true, fastPath, required)) : (jsonMode ??= compileMode(spec, names, false, fastPath, required));
  }

  // The last names checked for extra fields, and whether they hold any.
  let checkedNames: readonly string[] | undefined;
  let namesHaveExtra = false;
  function extraErrors(data: Record<string, unknown>, keys: readonly string[] | undefined, text: boolean): FieldError[] | undefined {
    if (keys !== undefined) {
      if (keys !== checkedNames) {
        namesHaveExtra = keys.some((key) => !known.has(key) && !key.startsWith(EXTRA_PREFIX));
        checkedNames = keys;
      }
      if (!namesHaveExtra) return undefined;
    } else if (!jsonHasExtra(data)) {
      return undefined;
    }
    return extraFieldErrors(data, known, text);
  }

  // The keys, in order, of the last JSON record found to have no extra field. JSON.parse gives
  // a key as an interned string, so the next record's keys, most often the same in the same
  // order, are compared to them by identity rather than each looked up in `known`: the lookups
  // were ~3% of the validation worker's time on an NDJSON import (perf, bench data); check() of
  // 300k benchmark records 68-87 ms -> 54-59 ms. A key equal to one of them is known.
  let cleanKeys: string[] = [];
  function jsonHasExtra(data: Record<string, unknown>): boolean {
    let index = 0;
    let same = true;
    for (const key in data) {
      if (same && key === cleanKeys[index]) {
        index++;
        continue;
      }
      same = false;
      if (!known.has(key) && !key.startsWith(EXTRA_PREFIX)) return true;
    }
    if (!same) cleanKeys = Object.keys(data);
    return false;
  }

  function validate(data: Record<string, unknown>, text: boolean, keys?: readonly string[]): ValidationResult {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      // A JSON array element that is not an object (`[1, 2]`): no fields to speak of.
      const message = `expected a record (an object of fields), got ${showValue(data)}`;
      return { ok: false, errors: [{ column: null, code: 'type', message, value: reportedValue(data) }] };
    }
    const unread = unreadRecord(data);
    if (unread !== undefined) return { ok: false, errors: unread };
    const mode = modeFor(text);
    let errors: FieldError[] | undefined;
    const fastRow = mode.fast?.(data);
    if (fastRow !== undefined) {
      if (!rejectExtra) return { ok: true, row: fastRow };
      errors = extraErrors(data, keys, text);
      // The fast path accepts only what zod accepts: the columns are fine, the extra fields are not.
      return errors === undefined ? { ok: true, row: fastRow } : { ok: false, errors };
    }
    const result = mode.schema.safeParse(data);
    if (result.success) {
      const out = result.data as Record<string, unknown>;
      const cols = mode.columns;
      const row = new Array<unknown>(cols.length);
      for (let i = 0; i < cols.length; i++) {
        const c = cols[i] as CompiledColumn;
        const v = out[c.name];
        row[i] = v === undefined ? (data[c.name] === null && c.nullIsValue ? null : c.missing) : c.finish(v);
      }
      if (!rejectExtra) return { ok: true, row };
      errors = extraErrors(data, keys, text);
      if (errors === undefined) return { ok: true, row };
      return { ok: false, errors };
    }
    errors = issuesToErrors(result.error.issues, mode, data, text);
    if (rejectExtra) {
      const extra = extraErrors(data, keys, text);
      if (extra !== undefined) errors.push(...extra);
    }
    return { ok: false, errors };
  }

  // No row and no result object for the ordinary valid record: `barge validate` of the 1M-row
  // benchmark CSV, 10 interleaved runs: median 0.831 s vs 0.856 s.
  function check(data: Record<string, unknown>, text: boolean, keys?: readonly string[]): FieldError[] | undefined {
    if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
      const mode = modeFor(text);
      if (mode.fastCheck?.(data) === true && data[RAW_FIELD] === undefined) return rejectExtra ? extraErrors(data, keys, text) : undefined;
    }
    const result = validate(data, text, keys);
    return result.ok ? undefined : result.errors;
  }

  function given(data: Record<string, unknown>, text: boolean): boolean[] {
    return modeFor(text).columns.map((c) => {
      const raw = Object.hasOwn(data, c.name) ? data[c.name] : undefined;
      // JSON null where NULL may be is a value: an upsert sets NULL (nullIsNull).
      return c.coerce(raw) !== undefined || (raw === null && c.nullIsValue);
    });
  }

  return { columns: names, validate, check, given };
}

/**
 * The fields the schema lacks. An empty CSV field is missing (SPEC §3), so an extra one holds
 * nothing to lose: a CSV report with a column only some of its entries have (an extra field of
 * one record) loads the others once they are fixed.
 */
function extraFieldErrors(data: Record<string, unknown>, known: Set<string>, text: boolean): FieldError[] | undefined {
  let errors: FieldError[] | undefined;
  let more = 0;
  for (const key in data) {
    if (known.has(key) || key.startsWith(EXTRA_PREFIX)) continue;
    if (text && data[key] === '') continue;
    // A field named as a column but for case is not that column (names match exactly): the
    // usual hint, to ignore extra columns, would then load NULL into the column it was meant for.
    // Spaces around it count as case does: an Excel header `id , name` gave "id " and " name".
    // So do Unicode normalization and invisible characters: an NFD "café" (e + U+0301) against
    // the schema's NFC one, or a zero-width space, looked the same in the message.
    const meant = byNameKey(known).get(looseNameKey(key));
    // The rest counted, not listed (but a near miss of a column's name): an error per field of a
    // 20,000-column input held 20,000 error objects per record, and a batch of them ran the heap
    // out (exit 134).
    if (errors !== undefined && errors.length >= EXTRA_COLUMNS_LISTED && meant === undefined) {
      more++;
      continue;
    }
    (errors ??= []).push({
      column: key,
      code: 'extra_column',
      message: meant !== undefined
        ? `unexpected column ${oneLine(JSON.stringify(key))} (the schema's column is ${oneLine(JSON.stringify(meant))}: names must match exactly, case and spaces too${differsBeyondCaseAndSpaces(key, meant) ? ', and the characters written the same way (Unicode NFC or NFD, no invisible characters)' : ''}; rename it${text ? ' (--columns)' : ' in the input'})`
        : `unexpected column ${JSON.stringify(key)} (not in the schema; set "extraColumns": "ignore" to drop it)`,
      value: reportedValue(data[key]),
    });
  }
  if (more > 0) {
    errors!.push({ column: null, code: 'extra_column', message: `and ${more} more unexpected column${more === 1 ? '' : 's'} (not in the schema)`, value: null });
  }
  return errors;
}

/** Extra columns named one error each, per record; any more are one error that counts them. */
const EXTRA_COLUMNS_LISTED = 10;

const namesByKey = new WeakMap<Set<string>, Map<string, string>>();

/** Zero-width characters and a byte order mark: invisible in a name as a message shows it. */
const INVISIBLE_IN_NAME = /[\u200b-\u200d\u2060\ufeff]/g;

/** A name as a near miss is told: case (ASCII, as SQLite), spaces around it, Unicode normalization and invisible characters aside. */
function looseNameKey(name: string): string {
  return nameKey(name.normalize('NFC').replace(INVISIBLE_IN_NAME, '').trim());
}

/** Whether two names differ in how their characters are written, not in case or spaces only. */
function differsBeyondCaseAndSpaces(a: string, b: string): boolean {
  return nameKey(a.trim()) !== nameKey(b.trim());
}

/** The schema's names by their looseNameKey, made once per set of names. */
function byNameKey(known: Set<string>): Map<string, string> {
  let map = namesByKey.get(known);
  if (map === undefined) {
    map = new Map([...known].map((name) => [looseNameKey(name), name]));
    namesByKey.set(known, map);
  }
  return map;
}

function issuesToErrors(issues: readonly z.core.$ZodIssue[], mode: ModeValidator, data: Record<string, unknown>, text: boolean): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const issue of issues) {
    const key = issue.path[0];
    const col = typeof key === 'string' ? mode.columns.find((c) => c.name === key) : undefined;
    if (col === undefined) {
      // Not tied to a column: cannot happen once `data` is an object; kept so nothing is lost.
      errors.push({ column: null, code: 'type', message: 'expected a record (an object of fields)', value: null });
      continue;
    }
    if (seen.has(col.name)) continue; // one error per column: the first says enough
    seen.add(col.name);
    const error = describeIssue(col.name, col.spec, col.coerce, issue, Object.hasOwn(data, col.name) ? data[col.name] : undefined);
    if (error.code === 'required' && col.requiredMessage !== undefined) error.message = col.requiredMessage;
    // A CSV/TSV record has every column of its header, empty or not: one without this column
    // comes from a header that lacks it, and "is required" on every line did not say so.
    else if (error.code === 'required' && text && !Object.hasOwn(data, col.name)) error.message = 'is required, and the input has no such column';
    errors.push(error);
  }
  return errors;
}
