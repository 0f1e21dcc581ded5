import { cutText } from '../cut-text.js';
import * as z from 'zod';
import { numericAffinityStores } from './affinity.js';
import { mayBeTooDeep } from '../source/json-values.js';
import { MAX_VALUE_DEPTH } from '../source/limits.js';
import { hasLeadingZero, INT64_MAX, INT64_MIN, INTEGER_TEXT, jsonNumberChange, keepsItsNumbers, NUMBER_TEXT, roundedByJson, stringifyNonFinite, underflowInJsonText, underflows, type Coerce } from './coerce-value.js';
import type { ColumnSpec, ColumnType, FieldError } from './types.js';

// Barge's own short messages for zod's issues, written from the issue code and the column
// spec, never zod's default English.

/** What a column accepts once coerced, and how to say what it expected. */
export const TYPE_EXPECTED: Record<ColumnType, string> = {
  string: 'expected a string',
  integer: 'expected an integer',
  number: 'expected a number',
  boolean: 'expected true/false/t/f/1/0/yes/no',
  date: 'expected a date YYYY-MM-DD',
  datetime: 'expected an ISO 8601 datetime such as 2024-05-01T12:00:00Z',
  json: 'expected a JSON object or array',
  // A column with no declared type takes any JSON value but these (zod-schema.ts).
  any: 'expected text, a finite number, true/false or a JSON object or array',
};

/** The message of valueSchema's (zod-schema.ts) NUL check, which describeIssue recognises. */
export const NUL_MESSAGE = 'nul';
/** The same for a json column's check for integers beyond 2^53 (keepsItsNumbers). */
export const UNSAFE_INTEGER_MESSAGE = 'unsafe integer';
/** The same for a string column's check for half of a surrogate pair (isWellFormed). */
export const LONE_SURROGATE_MESSAGE = 'lone surrogate';
/** The same for text a column of NUMERIC affinity would store as another number (ColumnSpec.numericAffinity). */
export const NUMERIC_AFFINITY_MESSAGE = 'numeric affinity';

// ---- messages -----------------------------------------------------------------------------

const SHOWN_LENGTH = 60;

/** A value as read, for a message: strings quoted, long values cut. */
export function showValue(v: unknown): string {
  if (typeof v === 'string') {
    return JSON.stringify(v.length > SHOWN_LENGTH ? cutText(v, SHOWN_LENGTH) + '…' : v);
  }
  // JSON.stringify would say "null" for the Infinity that JSON.parse makes of 1e309.
  if (typeof v === 'bigint' || (typeof v === 'number' && !Number.isFinite(v))) return String(v);
  if (v === undefined) return 'nothing';
  let text: string;
  try {
    // A number JSON cannot hold (JSON.parse's Infinity for 1e400) is shown as such, not as null.
    text = stringifyNonFinite(v, String) ?? String(v);
  } catch {
    text = String(v);
  }
  return text.length > SHOWN_LENGTH ? cutText(text, SHOWN_LENGTH) + '…' : text;
}

function showBound(v: number | bigint): string {
  return String(v);
}

/** `value` of a FieldError: the value as read, JSON-safe. */
export function reportedValue(raw: unknown): unknown {
  if (raw === undefined) return null;
  // Infinity (JSON's 1e309) would be written as null in the JSON report.
  if (typeof raw === 'bigint' || (typeof raw === 'number' && !Number.isFinite(raw))) return String(raw);
  return raw;
}

function article(type: ColumnType): string {
  return type === 'integer' ? 'an integer' : 'a number';
}

/** One zod issue on one column -> barge's FieldError. */
export function describeIssue(
  name: string,
  spec: ColumnSpec,
  coerce: Coerce,
  issue: z.core.$ZodIssue,
  raw: unknown,
): FieldError {
  const value = reportedValue(raw);
  const got = showValue(raw);
  const coerced = coerce(raw);
  if (coerced === undefined) return { column: name, code: 'required', message: 'is required', value };
  switch (issue.code) {
    case 'custom':
      if (issue.message === NUL_MESSAGE) {
        return { column: name, code: 'type', message: `expected text without NUL (\\u0000) characters, got ${got}`, value };
      }
      if (issue.message === LONE_SURROGATE_MESSAGE) {
        return {
          column: name,
          code: 'type',
          message: `expected well-formed text, got ${got}: it holds half of a UTF-16 surrogate pair (a lone \\ud800-\\udfff escape), which no text encoding can store`,
          value,
        };
      }
      if (issue.message === NUMERIC_AFFINITY_MESSAGE) {
        return {
          column: name,
          code: 'type',
          message: `would be stored as ${numericAffinityStores(String(coerced))}, got ${got}: the column's declared type gives it SQLite's NUMERIC affinity, which turns number-like text into a number (declare the column TEXT to keep the text)`,
          value,
        };
      }
      if (issue.message === UNSAFE_INTEGER_MESSAGE && typeof coerced === 'object' && coerced !== null && jsonNumberChange(coerced) === 'overflow') {
        return { column: name, code: 'type', message: `holds a number too large for a double (read as Infinity), which JSON cannot hold: quote it in the input to keep it, got ${got}`, value };
      }
      if (issue.message === UNSAFE_INTEGER_MESSAGE) {
        return {
          column: name,
          code: 'type',
          message: `holds an integer beyond 2^53, which JSON readers round (read as ${got}): quote it in the input to keep its digits`,
          value,
        };
      }
      break;
    case 'invalid_value':
      return {
        column: name,
        code: 'enum',
        message: `expected one of ${(spec.enum ?? issue.values).map((v) => (typeof v === 'string' ? v : showValue(v))).join('|')}, got ${got}`,
        value,
      };
    case 'invalid_format':
      if (issue.format === 'regex') {
        return { column: name, code: 'pattern', message: `does not match pattern ${spec.pattern}, got ${got}`, value };
      }
      break;
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      if (spec.type === 'string' && typeof coerced === 'string') {
        const limit = small ? spec.minLength : spec.maxLength;
        return {
          column: name,
          code: issue.code,
          // Characters as the check counts them: code points (an emoji is one, two UTF-16 units).
          message: `expected ${small ? 'at least' : 'at most'} ${limit} character${limit === 1 ? '' : 's'}, got ${codePoints(coerced)}`,
          value,
        };
      }
      if (typeof coerced === 'number' || typeof coerced === 'bigint') {
        if (small && spec.min !== undefined && coerced < spec.min) {
          return { column: name, code: 'too_small', message: `expected ${article(spec.type)} >= ${spec.min}, got ${got}`, value };
        }
        if (!small && spec.max !== undefined && coerced > spec.max) {
          return { column: name, code: 'too_big', message: `expected ${article(spec.type)} <= ${spec.max}, got ${got}`, value };
        }
        // An integer JSON.parse may have rounded: said so, as a number or string column says it
        // (the range below named the rounded value, not the file's).
        // Beyond SQLite's 64-bit range quoting does not help: the range below says so. ±2^63
        // itself is what SQLite's own ends round to (sqlite3 -json writes 9223372036854775807
        // and -9223372036854775808), which quoted load: said the range, quoting was not named.
        if (typeof raw === 'number' && roundedByJson(raw) && Math.abs(raw) <= 2 ** 63) {
          return {
            column: name,
            code: 'type',
            message: `holds an integer beyond 2^53, which JSON readers round (read as ${got}): quote it in the input to keep its digits`,
            value,
          };
        }
        // Not the user's bound: the range barge can store exactly.
        if (typeof coerced === 'bigint') {
          return {
            column: name,
            code: issue.code,
            message: `expected an integer between ${INT64_MIN} and ${INT64_MAX} (SQLite's range), got ${got}`,
            value,
          };
        }
        return {
          column: name,
          code: issue.code,
          message: `expected an integer between ${showBound(-Number.MAX_SAFE_INTEGER)} and ${showBound(Number.MAX_SAFE_INTEGER)}, got ${got} (write larger integers as strings to keep them exact)`,
          value,
        };
      }
      break;
    }
  }
  const tiny = spec.type === 'json' && typeof raw === 'string' ? underflowInJsonText(raw) : undefined;
  if (tiny !== undefined) {
    // JSON text holding 1e-400, which coerceJson keeps as text: worded as a number too large is.
    const shown = tiny.length > SHOWN_LENGTH ? cutText(tiny, SHOWN_LENGTH) + '…' : tiny;
    return { column: name, code: 'type', message: `holds a number too small for a double (${shown}, which would be stored as 0): quote it in the input to keep it, got ${got}`, value };
  }
  return { column: name, code: 'type', message: `${TYPE_EXPECTED[spec.type]}, got ${got}${typeHint(spec.type, raw)}`, value };
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** Why a value that looks like the type is still not one of it, for the few such cases. */
function typeHint(type: ColumnType, raw: unknown): string {
  if ((type === 'integer' || type === 'number') && typeof raw === 'string' && hasLeadingZero(raw) && (type === 'integer' ? INTEGER_TEXT : NUMBER_TEXT).test(raw)) {
    return ' (a number would drop the leading zero: declare the column "string" to keep the text)';
  }
  if (type === 'number' && typeof raw === 'string' && NUMBER_TEXT.test(raw) && Number(raw) === 0 && underflows(raw)) {
    return ' (too small for a double: it would be stored as 0)';
  }
  if (type === 'number' && typeof raw === 'string' && NUMBER_TEXT.test(raw) && !Number.isFinite(Number(raw))) {
    return ' (too large for a double)';
  }
  if ((type === 'integer' || type === 'number') && typeof raw === 'number' && !Number.isFinite(raw)) {
    return ' (too large for a double: JSON readers read it as Infinity)';
  }
  // Shaped as a date, and rejected: a day not on the calendar (a datetime takes a date alone too).
  if ((type === 'date' || type === 'datetime') && typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(raw)) return ' (no such day in the calendar)';
  if (type === 'datetime' && typeof raw === 'string') return datetimeHint(raw);
  if ((type === 'string' || type === 'any') && typeof raw === 'object' && raw !== null && jsonNumberChange(raw) === 'overflow') {
    return ' (it holds a number too large for a double, read as Infinity: quote it in the input to keep it)';
  }
  if ((type === 'string' || type === 'any') && ((typeof raw === 'number' && roundedByJson(raw)) || (typeof raw === 'object' && raw !== null && !keepsItsNumbers(raw)))) {
    return ' (JSON readers round integers beyond 2^53: quote it in the input to keep its digits)';
  }
  if (type === 'json' && typeof raw === 'string' && mayBeTooDeep(raw, MAX_VALUE_DEPTH)) {
    return ` (nested more than ${MAX_VALUE_DEPTH} levels deep: its record could not be read back from NDJSON or JSON)`;
  }
  return '';
}

/** A real calendar date: the date type's own check. */
const CALENDAR_DAY = z.iso.date();

/**
 * Why text shaped like a datetime is not one, for the forms other tools write: PostgreSQL's
 * `+00` offset, a zone after a time without seconds, lower-case `t`/`z`, a day not on the calendar.
 */
function datetimeHint(raw: string): string {
  const parts = /^(\d{4}-\d{2}-\d{2})([Tt ])(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)([Zz]|[+-]\d{2}(?::?\d{2})?)?$/.exec(raw);
  if (parts === null) return '';
  const [, day, separator, time, zone] = parts as unknown as [string, string, string, string, string | undefined];
  if (!CALENDAR_DAY.safeParse(day).success) return ' (no such day in the calendar)';
  if (!/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$/.test(time)) return ' (no such time of day)';
  if (/[tz]/.test(raw)) return ' (T and Z are upper case)';
  if (zone === undefined) return '';
  // What to write instead, all of it: an offset of hours and minutes, and with a zone, seconds.
  const why: string[] = [];
  let fixedZone = zone;
  if (/^[+-]\d{2}(\d{2})?$/.test(zone)) {
    fixedZone = `${zone.slice(0, 3)}:${zone.slice(3) || '00'}`;
    why.push('an offset is written in hours and minutes');
  }
  const fixedTime = time.length === 5 ? `${time}:00` : time;
  if (fixedTime !== time) why.push('a time with a zone needs its seconds');
  return why.length === 0 ? '' : ` (write ${day}${separator}${fixedTime}${fixedZone}: ${why.join(', and ')})`;
}
