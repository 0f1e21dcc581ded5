import { coerceJson, hasLeadingZero, INTEGER_TEXT, isWellFormed, keepsItsNumbers, NUMBER_TEXT, parseBooleanText, underflows } from './coerce-value.js';
import type { ColumnSpec, SchemaSpec } from './types.js';
import { defaultRowValue, finisherFor, isEffectivelyRequired, isObjectOrArray, nullIsNull, patternRegExp, valueSchema } from './zod-schema.js';
import { generatedOrPlain } from '../generated-or-plain.js';

// ---- the fast path ------------------------------------------------------------------------

/**
 * The row of a record, or undefined to let zod decide. See compileFastPath.
 */
export type FastPath = (data: Record<string, unknown>) => unknown[] | undefined;

const SURROGATE = /[\uD800-\uDFFF]/;

/** What a column's fast check returns when it is not sure: the record goes to zod. */
const ASK_ZOD = Symbol('ask zod');
type FastColumn = (raw: unknown) => unknown;

/**
 * A hand-written check of the common, valid case, beside zod and never instead of it: it
 * returns a row only for a record it is sure zod accepts, with the very row zod's output
 * gives; for anything else (an invalid value, a value it does not handle, a doubt such as a
 * string whose length in code points is near a bound) it returns undefined and zod decides
 * and words the errors. So zod stays the one source of truth for what is valid, and the
 * verdicts cannot differ: test/unit/perf-validator-fast-path.test.ts checks, over
 * generated records of every column type and constraint, that the fast path only ever
 * accepts records zod accepts with the same row (values compared with Object.is), that it
 * accepts the ordinary valid records, and that the validators with and without it give the
 * same results.
 *
 * Why: on the benchmark's 1M-row CSV, validation was ~0.9-1.0 s of the import worker's
 * ~2.8 s of CPU (zod's object parse, preprocess and union, its output object). validate()
 * on the benchmark's records (Node 20, CPU time, 300k records, warm): CSV 1.06M/s with zod
 * alone, 1.5-2.0M/s with the fast path; NDJSON 1.17-1.22M/s -> 2.1-3.0M/s.
 */
export function compileFastPath(spec: SchemaSpec, names: string[], text: boolean, required: (name: string) => boolean = (name) => isEffectivelyRequired(spec, name)): FastPath | undefined {
  return compileFast(spec, names, text, false, required) as FastPath | undefined;
}

/**
 * The fast path for a caller that needs no row (`barge validate`): true for a record it is
 * sure zod accepts, false to ask zod; the same checks, no row array made per record.
 */
export function compileFastCheck(spec: SchemaSpec, names: string[], text: boolean, required: (name: string) => boolean = (name) => isEffectivelyRequired(spec, name)): FastCheck | undefined {
  return compileFast(spec, names, text, true, required) as FastCheck | undefined;
}

export type FastCheck = (data: Record<string, unknown>) => boolean;

function compileFast(spec: SchemaSpec, names: string[], text: boolean, checkOnly: boolean, required: (name: string) => boolean): FastPath | FastCheck | undefined {
  const checks: FastColumn[] = [];
  for (const name of names) {
    // A key inherited from Object.prototype would read as a function: zod's path handles it.
    if (name in Object.prototype) return undefined;
    const col = spec.columns[name] as ColumnSpec;
    const missing = required(name) ? ASK_ZOD : defaultRowValue(name, col);
    const checked = fastColumn(col, text, missing);
    if (checked === undefined) return undefined;
    // JSON null where the column has a default but may hold NULL: NULL, not the default.
    const check: FastColumn = !text && missing !== null && missing !== ASK_ZOD && nullIsNull(spec, name) ? (raw) => (raw === null ? null : checked(raw)) : checked;
    checks.push(check);
  }
  // One generated function per schema, a call per column written out: each call site then
  // sees one check only and V8 inlines it (a loop over the checks was measured slower, as
  // its one call site sees them all). The source holds only indexes; names are data.
  const lines = checkOnly
    ? names.map((_, i) => `if (c${i}(d[k${i}]) === A) return false;`)
    : names.map((_, i) => `const v${i} = c${i}(d[k${i}]); if (v${i} === A) return undefined;`);
  const result = checkOnly ? 'true' : `[${names.map((_, i) => `v${i}`).join(', ')}]`;
  const body = `const ${names.map((_, i) => `c${i} = c[${i}], k${i} = k[${i}]`).join(', ') || '_ = 0'};
return function fast(d) {
${lines.join('\n')}
return ${result};
};`;
  return generatedOrPlain(() => {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const make = new Function('c', 'k', 'A', body) as (c: FastColumn[], k: string[], a: symbol) => FastPath | FastCheck;
    return make(checks, names, ASK_ZOD);
  }, () => plainFastPath(checks, names, checkOnly));
}

/** The generated function's work as a loop (generatedOrPlain). */
function plainFastPath(checks: FastColumn[], names: string[], checkOnly: boolean): FastPath | FastCheck {
  if (checkOnly) {
    return ((d: Record<string, unknown>) => {
      for (let i = 0; i < checks.length; i++) if (checks[i]!(d[names[i]!]) === ASK_ZOD) return false;
      return true;
    }) as FastCheck;
  }
  return ((d: Record<string, unknown>) => {
    const row: unknown[] = new Array(checks.length);
    for (let i = 0; i < checks.length; i++) {
      const value = checks[i]!(d[names[i]!]);
      if (value === ASK_ZOD) return undefined;
      row[i] = value;
    }
    return row;
  }) as FastPath;
}

/**
 * One column's fast check: the row value (`missing` when the value is: the default, NULL, or
 * ASK_ZOD when the column is required), or ASK_ZOD. Mirrors the column's
 * coercion (coercerFor) and zod schema (valueSchema), accepting only what both surely give.
 */
function fastColumn(col: ColumnSpec, text: boolean, missing: unknown): FastColumn | undefined {
  // A generated column's field is ignored (valueSchema): always the missing value.
  if (col.generated === true) return () => missing;
  const value = fastValue(col);
  if (value === undefined) return undefined;
  const { type } = col;
  if (type === 'any') {
    // coerceAnyText / coerceAnyJson: text stays text; from JSON, a safe integer is a BigInt, a
    // finite fraction a number, true/false 1/0; anything else (an object, a rounded integer) zod.
    if (text) return (raw) => (raw === undefined || raw === '' || raw === null ? missing : typeof raw === 'string' ? value(raw) : ASK_ZOD);
    return (raw) => {
      if (typeof raw === 'string') return value(raw);
      if (raw === undefined || raw === null) return missing;
      if (typeof raw === 'number') return Number.isSafeInteger(raw) ? BigInt(raw) : Number.isFinite(raw) && !Number.isInteger(raw) ? raw : ASK_ZOD;
      if (raw === true) return 1n;
      if (raw === false) return 0n;
      return ASK_ZOD;
    };
  }
  if (type === 'json') {
    return (raw) => {
      const coerced = coerceJson(raw);
      if (coerced === undefined) return missing;
      return isObjectOrArray(coerced) && keepsItsNumbers(coerced) ? JSON.stringify(coerced) : ASK_ZOD;
    };
  }
  if (type === 'string') {
    // Text a NUMERIC affinity would change is zod's to reject (a rare column of a foreign table).
    if (col.numericAffinity === true) return undefined;
    // Text: an empty field is missing. JSON: "" is a value, null is missing.
    return text
      ? (raw) => (raw === undefined || raw === '' || raw === null ? missing : typeof raw === 'string' ? value(raw) : ASK_ZOD)
      : (raw) => (raw === undefined || raw === null ? missing : typeof raw === 'string' ? value(raw) : ASK_ZOD);
  }
  if (type === 'date' || type === 'datetime') {
    return (raw) => (raw === undefined || raw === '' || raw === null ? missing : typeof raw === 'string' ? value(raw) : ASK_ZOD);
  }
  if (type === 'integer') {
    return (raw) => {
      if (typeof raw === 'string') {
        if (raw === '') return missing;
        if (hasLeadingZero(raw)) return ASK_ZOD;
        const small = plainDecimalOf(raw, false);
        if (small !== undefined) return value(small);
        if (!INTEGER_TEXT.test(raw)) return ASK_ZOD;
        const n = Number(raw);
        // Beyond 2^53 the value is a BigInt: zod's path.
        return Number.isSafeInteger(n) ? value(n + 0) : ASK_ZOD;
      }
      if (raw === undefined || raw === null) return missing;
      // A JSON number is kept as it is (-0 included), as coerceInteger does.
      return typeof raw === 'number' && Number.isSafeInteger(raw) ? value(raw) : ASK_ZOD;
    };
  }
  if (type === 'number') {
    // NUMERIC (exactIntegers): an integer beyond 2^53 is a BigInt (text) or rejected (JSON): zod's path.
    const exact = col.exactIntegers === true;
    const fits = (n: number) => Number.isFinite(n) && !(exact && Number.isInteger(n) && !Number.isSafeInteger(n));
    return (raw) => {
      if (typeof raw === 'string') {
        if (raw === '') return missing;
        if (hasLeadingZero(raw)) return ASK_ZOD;
        const plain = plainDecimalOf(raw, true);
        if (plain !== undefined) return value(plain);
        if (!NUMBER_TEXT.test(raw)) return ASK_ZOD;
        const n = Number(raw) + 0;
        return fits(n) && !(n === 0 && underflows(raw)) ? value(n) : ASK_ZOD;
      }
      if (raw === undefined || raw === null) return missing;
      return typeof raw === 'number' && fits(raw) ? value(raw) : ASK_ZOD;
    };
  }
  // boolean
  return (raw) => {
    if (typeof raw === 'string') {
      if (raw === '') return missing;
      const b = parseBooleanText(raw);
      return b === undefined ? ASK_ZOD : value(b);
    }
    if (raw === undefined || raw === null) return missing;
    if (raw === true || raw === 1) return value(true);
    if (raw === false || raw === 0) return value(false);
    return ASK_ZOD;
  };
}

/** 10^0 .. 10^15, each exact in a double. */
const POWERS_OF_TEN = Array.from({ length: 16 }, (_, i) => 10 ** i);

/**
 * The value of a plain decimal text (an optional "-", at most 15 digits, with `point` one
 * optional "."): exactly what the column's coercion gives (Number(text) + 0), without the
 * regex and the conversion: the digits make an integer below 10^15, exact in a double, and
 * dividing it by an exact power of ten rounds correctly, as Number() does (Clinger's fast
 * path). Undefined for any other text, which then goes the regex way. Measured: 13 ns against
 * 46 ns for regex and Number() per value; validate() of 300k benchmark records 112-130 ms
 * against 148-162 ms (interleaved runs).
 */
export function plainDecimalOf(raw: string, point: boolean): number | undefined {
  const length = raw.length;
  let i = 0;
  const negative = raw.charCodeAt(0) === 45;
  if (negative) i = 1;
  let digits = 0;
  let mantissa = 0;
  let pointAt = -1;
  for (; i < length; i++) {
    const code = raw.charCodeAt(i);
    if (code >= 48 && code <= 57) {
      mantissa = mantissa * 10 + (code - 48);
      digits++;
    } else if (code === 46 && point && pointAt < 0) {
      pointAt = i;
    } else {
      return undefined;
    }
  }
  if (digits === 0 || digits > 15) return undefined;
  const value = pointAt < 0 ? mantissa : mantissa / POWERS_OF_TEN[length - pointAt - 1]!;
  // `+ 0`: "-0" is 0, as the coercion makes it.
  return (negative ? -value : value) + 0;
}

/**
 * A coerced value's check against the column's zod schema: its row value, or ASK_ZOD.
 * Undefined for a schema this does not mirror (zod alone then checks every record).
 */
function fastValue(col: ColumnSpec): ((coerced: unknown) => unknown) | undefined {
  const schema = valueSchema(col, true);
  if (col.enum !== undefined && col.enum.length > 0) {
    // The enum alone decides (valueSchema): z.enum / z.literal test membership in a Set.
    if (!col.enum.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) return undefined;
    const allowed = new Set<unknown>(col.enum);
    const finish = finisherFor(col.type);
    return (v: unknown) => (allowed.has(v) ? finish(v) : ASK_ZOD);
  }
  switch (col.type) {
    case 'string': {
      const { minLength, maxLength } = col;
      const pattern = col.pattern === undefined ? undefined : patternRegExp(col.pattern);
      if (pattern !== undefined && (pattern.global || pattern.sticky)) return undefined;
      return (coerced) => {
        const v = coerced as string;
        if (v.includes('\u0000') || !isWellFormed(v)) return ASK_ZOD;
        // zod counts code points, one or two UTF-16 units each: decided here only where the
        // count of units settles it (or the text has no surrogates, so the two counts agree).
        if (maxLength !== undefined && v.length > maxLength) return ASK_ZOD;
        if (minLength !== undefined && v.length < minLength * 2 && (v.length < minLength || SURROGATE.test(v))) return ASK_ZOD;
        if (pattern !== undefined && !pattern.test(v)) return ASK_ZOD;
        return v;
      };
    }
    case 'integer': {
      const min = col.min ?? -Infinity;
      const max = col.max ?? Infinity;
      return (v) => ((v as number) >= min && (v as number) <= max ? v : ASK_ZOD);
    }
    case 'number': {
      const min = col.min ?? -Infinity;
      const max = col.max ?? Infinity;
      return (v) => ((v as number) >= min && (v as number) <= max ? v : ASK_ZOD);
    }
    case 'boolean':
      return (v) => (v === true ? 1 : 0);
    case 'date':
    case 'datetime': {
      // zod's own pattern for the format, taken from the schema it checks with.
      const pattern = (schema as unknown as { _zod: { def: { pattern?: unknown } } })._zod.def.pattern;
      if (!(pattern instanceof RegExp) || pattern.global || pattern.sticky) return undefined;
      return (v) => (pattern.test(v as string) ? v : ASK_ZOD);
    }
    case 'json':
      return (v) => v;
    case 'any':
      // Text is checked as a string column's (NUL, lone surrogates); the numbers never get here.
      return (v) => (typeof v === 'string' && !v.includes('\u0000') && isWellFormed(v) ? v : ASK_ZOD);
  }
}
