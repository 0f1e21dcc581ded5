import { describe, expect, it } from 'vitest';
import { compileValidator, parseSchemaSpec, type ColumnSpec, type SchemaSpec } from '../../src/schema/index.js';

/** A one-column validator; the column is called "c". */
function one(col: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const spec = parseSchemaSpec({ table: 't', columns: { c: col }, ...extra }, 'test.json');
  return compileValidator(spec);
}

/** The row value for `value` in column c, or the error. */
function check(col: Record<string, unknown>, value: unknown, text: boolean): unknown {
  const result = one(col).validate(value === undefined ? {} : { c: value }, text);
  if (result.ok) return { row: result.row[0] };
  expect(result.errors).toHaveLength(1);
  const [error] = result.errors;
  return { code: error?.code, message: error?.message, value: error?.value };
}

const ok = (row: unknown) => ({ row });
const bad = (code: string, message: string, value: unknown) => ({ code, message, value });

describe('integer', () => {
  const col = { type: 'integer' };
  it('coerces strict integer text', () => {
    expect(check(col, '42', true)).toEqual(ok(42));
    expect(check(col, '-7', true)).toEqual(ok(-7));
    expect(check(col, '0', true)).toEqual(ok(0));
    expect(Object.is((check(col, '-0', true) as { row: number }).row, 0)).toBe(true);
  });
  it.each(['007', '02134', '-01', '00'])('rejects text %j with a leading zero, which a number would drop', (text) => {
    const message = `expected an integer, got ${JSON.stringify(text)} (a number would drop the leading zero: declare the column "string" to keep the text)`;
    expect(check(col, text, true)).toEqual(bad('type', message, text));
    // A JSON string is the same text.
    expect(check(col, text, false)).toEqual(bad('type', message, text));
  });
  it.each(['4.5', '1e3', '0x10', ' 42', '42 ', '+5', '1,5', 'NaN', 'Infinity', 'abc'])('rejects text %j', (text) => {
    expect(check(col, text, true)).toEqual(bad('type', `expected an integer, got ${JSON.stringify(text)}`, text));
  });
  it('keeps integers beyond 2^53 exact as BigInt, within SQLite range', () => {
    expect(check(col, '9007199254740993', true)).toEqual(ok(9007199254740993n));
    expect(check(col, '-9223372036854775808', true)).toEqual(ok(-9223372036854775808n));
    expect(check(col, '9223372036854775808', true)).toEqual(
      bad(
        'too_big',
        `expected an integer between -9223372036854775808 and 9223372036854775807 (SQLite's range), got "9223372036854775808"`,
        '9223372036854775808',
      ),
    );
  });
  it('accepts JSON integers and integer strings, rejects fractions and unsafe numbers', () => {
    expect(check(col, 42, false)).toEqual(ok(42));
    expect(check(col, '42', false)).toEqual(ok(42));
    expect(check(col, 4.5, false)).toEqual(bad('type', 'expected an integer, got 4.5', 4.5));
    expect(check(col, true, false)).toEqual(bad('type', 'expected an integer, got true', true));
    // Beyond SQLite's range, quoting would not help: the range is what it is told.
    expect(check(col, 2 ** 64, false)).toEqual(
      bad('too_big', 'expected an integer between -9007199254740991 and 9007199254740991, got 18446744073709552000 (write larger integers as strings to keep them exact)', 2 ** 64),
    );
    expect(check(col, 2 ** 60, false)).toEqual(
      bad(
        'type',
        'holds an integer beyond 2^53, which JSON readers round (read as 1152921504606847000): quote it in the input to keep its digits',
        2 ** 60,
      ),
    );
    // SQLite's own ends, as sqlite3 -json writes them, read as ±2^63: quoted, they load.
    for (const end of [JSON.parse('9223372036854775807') as number, JSON.parse('-9223372036854775808') as number]) {
      expect(check(col, end, false)).toEqual(
        bad('type', `holds an integer beyond 2^53, which JSON readers round (read as ${String(end)}): quote it in the input to keep its digits`, end),
      );
    }
    expect(check(col, '9223372036854775807', true)).toEqual(ok(9223372036854775807n));
  });
  it('checks min and max', () => {
    expect(check({ type: 'integer', min: 0 }, '-3', true)).toEqual(bad('too_small', 'expected an integer >= 0, got "-3"', '-3'));
    expect(check({ type: 'integer', max: 10 }, 11, false)).toEqual(bad('too_big', 'expected an integer <= 10, got 11', 11));
    expect(check({ type: 'integer', max: 10 }, '99999999999999999999', true)).toEqual(
      bad('too_big', 'expected an integer <= 10, got "99999999999999999999"', '99999999999999999999'),
    );
    expect(check({ type: 'integer', min: 0, max: 10 }, '10', true)).toEqual(ok(10));
  });
});

describe('number', () => {
  const col = { type: 'number' };
  it('coerces decimal and exponent text', () => {
    expect(check(col, '1.5', true)).toEqual(ok(1.5));
    expect(check(col, '-.5', true)).toEqual(ok(-0.5));
    expect(check(col, '5.', true)).toEqual(ok(5));
    expect(check(col, '1e3', true)).toEqual(ok(1000));
    expect(check(col, '2.5E-3', true)).toEqual(ok(0.0025));
    expect(check(col, '42', false)).toEqual(ok(42));
    expect(check(col, 0.1, false)).toEqual(ok(0.1));
    expect(check(col, '0.5', true)).toEqual(ok(0.5));
    expect(check(col, '-0.25', true)).toEqual(ok(-0.25));
    expect(check(col, '0e3', true)).toEqual(ok(0));
  });
  it.each(['00.5', '01', '-02.5', '007e1'])('rejects text %j with a leading zero, which a number would drop', (text) => {
    const message = `expected a number, got ${JSON.stringify(text)} (a number would drop the leading zero: declare the column "string" to keep the text)`;
    expect(check(col, text, true)).toEqual(bad('type', message, text));
  });
  it.each(['1e309', '-1e309'])('rejects text %j, too large for a double, saying so', (text) => {
    expect(check(col, text, true)).toEqual(bad('type', `expected a number, got ${JSON.stringify(text)} (too large for a double)`, text));
    // JSON's 1e400, which JSON.parse reads as Infinity.
    expect(check(col, Number(text), false)).toEqual(bad('type', `expected a number, got ${Number(text)} (too large for a double: JSON readers read it as Infinity)`, String(Number(text))));
  });
  it.each(['NaN', 'Infinity', '-Infinity', '0x10', '1,5', ' 42', '1.2.3', 'e5'])('rejects hostile text %j', (text) => {
    expect(check(col, text, true)).toEqual(bad('type', `expected a number, got ${JSON.stringify(text)}`, text));
    expect(check(col, text, false)).toEqual(bad('type', `expected a number, got ${JSON.stringify(text)}`, text));
  });
  it('rejects number text too small for a double, which would be stored as 0', () => {
    const message = (text: string) => `expected a number, got ${JSON.stringify(text)} (too small for a double: it would be stored as 0)`;
    for (const text of ['1e-400', '-2.5e-330', '0.00001e-400']) expect(check(col, text, true)).toEqual(bad('type', message(text), text));
    // Zero written any way is 0; the smallest subnormal is a double.
    expect(check(col, '0.000e-400', true)).toEqual(ok(0));
    expect(check(col, '5e-324', true)).toEqual(ok(5e-324));
  });
  it('checks min and max', () => {
    expect(check({ type: 'number', min: 0 }, '-3', true)).toEqual(bad('too_small', 'expected a number >= 0, got "-3"', '-3'));
    expect(check({ type: 'number', max: 1.5 }, 1.6, false)).toEqual(bad('too_big', 'expected a number <= 1.5, got 1.6', 1.6));
  });
});

describe('boolean', () => {
  const col = { type: 'boolean' };
  it.each([
    ['true', 1],
    ['FALSE', 0],
    ['1', 1],
    ['0', 0],
    ['yes', 1],
    ['YES', 1],
    ['No', 0],
    // PostgreSQL's (and DuckDB's) text for a boolean.
    ['t', 1],
    ['F', 0],
  ])('text %j -> %j', (text, row) => {
    expect(check(col, text, true)).toEqual(ok(row));
  });
  it.each(['Y', 'n', 'on', 'tr', 'ft', '2', ' true', ' t'])('rejects %j', (text) => {
    expect(check(col, text, true)).toEqual(bad('type', `expected true/false/t/f/1/0/yes/no, got ${JSON.stringify(text)}`, text));
  });
  it('accepts JSON booleans, 1/0 and words', () => {
    expect(check(col, true, false)).toEqual(ok(1));
    expect(check(col, false, false)).toEqual(ok(0));
    expect(check(col, 1, false)).toEqual(ok(1));
    expect(check(col, 'no', false)).toEqual(ok(0));
    expect(check(col, 2, false)).toEqual(bad('type', 'expected true/false/t/f/1/0/yes/no, got 2', 2));
  });
});

describe('date and datetime', () => {
  it('accepts real calendar dates only', () => {
    const col = { type: 'date' };
    expect(check(col, '2024-02-29', true)).toEqual(ok('2024-02-29'));
    expect(check(col, '2024-02-30', true)).toEqual(bad('type', 'expected a date YYYY-MM-DD, got "2024-02-30" (no such day in the calendar)', '2024-02-30'));
    expect(check(col, '2023-02-29', false)).toEqual(bad('type', 'expected a date YYYY-MM-DD, got "2023-02-29" (no such day in the calendar)', '2023-02-29'));
    expect(check(col, '2024-13-01', true)).toEqual(bad('type', 'expected a date YYYY-MM-DD, got "2024-13-01" (no such day in the calendar)', '2024-13-01'));
    expect(check(col, '2024-1-5', true)).toEqual(bad('type', 'expected a date YYYY-MM-DD, got "2024-1-5"', '2024-1-5'));
    expect(check(col, 20240105, false)).toEqual(bad('type', 'expected a date YYYY-MM-DD, got 20240105', 20240105));
  });
  it('accepts ISO 8601 datetimes as given', () => {
    const col = { type: 'datetime' };
    // A date alone too: what SQLite's CURRENT_DATE default writes into a DATETIME column.
    for (const text of ['2024-05-01T12:00:00Z', '2024-05-01T12:00:00.123+02:00', '2024-05-01T12:00:00', '2024-05-01T12:00', '2024-05-01']) {
      expect(check(col, text, true)).toEqual(ok(text));
    }
    const message = (v: string) => `expected an ISO 8601 datetime such as 2024-05-01T12:00:00Z, got ${JSON.stringify(v)}`;
    for (const text of ['2024-05', 'yesterday', '2024-05-01T12:00:00+25:00', '2024-05-01T', '2024-05-01 ']) {
      expect(check(col, text, true)).toEqual(bad('type', message(text), text));
    }
    // Text shaped like a datetime says what is wrong with it.
    const hinted: Array<[string, string]> = [
      ['2024-02-30T12:00:00Z', ' (no such day in the calendar)'],
      ['2024-05-01T25:00:00Z', ' (no such time of day)'],
      ['2024-05-01T12:60', ' (no such time of day)'],
      ['2024-05-01t12:00:00z', ' (T and Z are upper case)'],
      // PostgreSQL's timestamptz text: SQLite's date functions read only ±hh:mm.
      ['2024-01-05 10:00:00+00', ' (write 2024-01-05 10:00:00+00:00: an offset is written in hours and minutes)'],
      ['2024-01-05T10:00:00.123456-0530', ' (write 2024-01-05T10:00:00.123456-05:30: an offset is written in hours and minutes)'],
      ['2024-01-05T10:00Z', ' (write 2024-01-05T10:00:00Z: a time with a zone needs its seconds)'],
      ['2024-01-05T10:00+02:00', ' (write 2024-01-05T10:00:00+02:00: a time with a zone needs its seconds)'],
      // Both at once: the whole of what to write.
      ['2024-01-05T10:00+0200', ' (write 2024-01-05T10:00:00+02:00: an offset is written in hours and minutes, and a time with a zone needs its seconds)'],
      ['2024-02-30', ' (no such day in the calendar)'],
    ];
    for (const [text, hint] of hinted) expect(check(col, text, true)).toEqual(bad('type', message(text) + hint, text));
  });
  it('accepts a space in place of the T (RFC 3339; what SQLite\'s CURRENT_TIMESTAMP writes), stored as given', () => {
    const col = { type: 'datetime' };
    for (const text of ['2026-11-24 06:33:36', '2024-05-01 12:00', '2024-05-01 12:00:00.123', '2024-05-01 12:00:00Z', '2024-05-01 12:00:00.5-03:30']) {
      expect(check(col, text, true)).toEqual(ok(text));
      expect(check(col, text, false)).toEqual(ok(text));
    }
    const message = (v: string) => `expected an ISO 8601 datetime such as 2024-05-01T12:00:00Z, got ${JSON.stringify(v)}`;
    // One space only, in that place; the date and time are checked as with the T.
    for (const text of ['2024-05-01  12:00:00', '2024-05-01 12:00:00 ', ' 2024-05-01 12:00:00', '2024-05-01\t12:00:00', '20240501 120000']) {
      expect(check(col, text, true)).toEqual(bad('type', message(text), text));
    }
    expect(check(col, '2024-02-30 12:00:00', true)).toEqual(bad('type', message('2024-02-30 12:00:00') + ' (no such day in the calendar)', '2024-02-30 12:00:00'));
    expect(check(col, '2024-05-01 25:00:00', true)).toEqual(bad('type', message('2024-05-01 25:00:00') + ' (no such time of day)', '2024-05-01 25:00:00'));
    expect(check(col, '2024-05-01 12:00Z', true)).toEqual(bad('type', message('2024-05-01 12:00Z') + ' (write 2024-05-01 12:00:00Z: a time with a zone needs its seconds)', '2024-05-01 12:00Z'));
    expect(check(col, '2024-05-01t12:00:00', true)).toEqual(bad('type', message('2024-05-01t12:00:00') + ' (T and Z are upper case)', '2024-05-01t12:00:00'));
  });
});

describe('json', () => {
  const col = { type: 'json' };
  it('stores objects and arrays as JSON text', () => {
    expect(check(col, { a: [1, 'x'] }, false)).toEqual(ok('{"a":[1,"x"]}'));
    expect(check(col, [], false)).toEqual(ok('[]'));
    expect(check(col, ' {"a": 1} ', true)).toEqual(ok('{"a":1}'));
    expect(check(col, '[1, 2]', false)).toEqual(ok('[1,2]'));
  });
  it('rejects a value holding an integer beyond 2^53, which JSON.parse has already rounded', () => {
    const message = (shown: string) => `holds an integer beyond 2^53, which JSON readers round (read as ${shown}): quote it in the input to keep its digits`;
    expect(check(col, { id: 2 ** 60 }, false)).toEqual(bad('type', message('{"id":1152921504606847000}'), { id: 2 ** 60 }));
    expect(check(col, '{"ids":[1,9007199254740993]}', true)).toEqual(bad('type', message('"{\\"ids\\":[1,9007199254740993]}"'), '{"ids":[1,9007199254740993]}'));
    expect(check(col, { id: 18446744073709551615 }, false)).toEqual(bad('type', message('{"id":18446744073709552000}'), { id: 18446744073709551615 }));
    // Quoted ids, safe integers, and floats written in exponent form (printed so again) are kept.
    expect(check(col, { id: '9007199254740993', n: 2 ** 53 - 1, x: 0.5, avogadro: 6.02e23, big: 1.5e300 }, false)).toEqual(
      ok('{"id":"9007199254740993","n":9007199254740991,"x":0.5,"avogadro":6.02e+23,"big":1.5e+300}'),
    );
  });
  it('rejects a value holding a number too large for a double (1e400, which JSON.parse makes Infinity and JSON.stringify null)', () => {
    const message = (shown: string) => `holds a number too large for a double (read as Infinity), which JSON cannot hold: quote it in the input to keep it, got ${shown}`;
    const parsed = JSON.parse('{"x":1e400,"y":[-1e999]}') as unknown;
    expect(check(col, parsed, false)).toEqual(bad('type', message('{"x":Infinity,"y":[-Infinity]}'), parsed));
    expect(check(col, '{"x":1e400}', true)).toEqual(bad('type', message('"{\\"x\\":1e400}"'), '{"x":1e400}'));
    // In a string column, an object holding one is no text as written either.
    expect(check({ type: 'string' }, { x: Infinity }, false)).toEqual(
      bad('type', 'expected a string, got {"x":Infinity} (it holds a number too large for a double, read as Infinity: quote it in the input to keep it)', { x: Infinity }),
    );
  });
  it('rejects scalars and broken text', () => {
    expect(check(col, '5', true)).toEqual(bad('type', 'expected a JSON object or array, got "5"', '5'));
    expect(check(col, '{"a":', true)).toEqual(bad('type', 'expected a JSON object or array, got "{\\"a\\":"', '{"a":'));
    expect(check(col, 5, false)).toEqual(bad('type', 'expected a JSON object or array, got 5', 5));
    expect(check(col, 'x', false)).toEqual(bad('type', 'expected a JSON object or array, got "x"', 'x'));
  });
});

describe('string', () => {
  it('takes text as is, and any other JSON value as its JSON text', () => {
    const col = { type: 'string' };
    expect(check(col, ' padded ', true)).toEqual(ok(' padded '));
    expect(check(col, '02134', true)).toEqual(ok('02134'));
    expect(check(col, 2134, false)).toEqual(ok('2134'));
    expect(check(col, -0.5, false)).toEqual(ok('-0.5'));
    expect(check(col, false, false)).toEqual(ok('false'));
    expect(check(col, { a: [1, 'x'] }, false)).toEqual(ok('{"a":[1,"x"]}'));
    expect(check(col, [], false)).toEqual(ok('[]'));
    expect(check(col, '', false)).toEqual(ok('')); // JSON said "": it is a value
    // The text still meets the constraints.
    expect(check({ type: 'string', maxLength: 3 }, 12345, false)).toEqual(bad('too_big', 'expected at most 3 characters, got 5', 12345));
  });
  it('rejects JSON numbers whose text the parser has already changed', () => {
    const col = { type: 'string' };
    expect(check(col, 2 ** 60, false)).toEqual(
      bad('type', 'expected a string, got 1152921504606847000 (JSON readers round integers beyond 2^53: quote it in the input to keep its digits)', 2 ** 60),
    );
    expect(check(col, Infinity, false)).toEqual(bad('type', 'expected a string, got Infinity', 'Infinity'));
    expect(check(col, 6.02e23, false)).toEqual(ok('6.02e+23'));
  });
  it('counts characters as code points in its length messages, and reads a pattern with Unicode semantics', () => {
    const two = { type: 'string', minLength: 2, maxLength: 2 };
    expect(check(two, '🎉🎉', true)).toEqual(ok('🎉🎉'));
    expect(check(two, '🎉', true)).toEqual(bad('too_small', 'expected at least 2 characters, got 1', '🎉'));
    expect(check(two, '🎉🎉🎉', true)).toEqual(bad('too_big', 'expected at most 2 characters, got 3', '🎉🎉🎉'));
    expect(check({ type: 'string', pattern: '^\\p{L}+$' }, 'café', true)).toEqual(ok('café'));
    expect(check({ type: 'string', pattern: '^\\p{L}+$' }, 'p{L}', true)).toEqual(bad('pattern', 'does not match pattern ^\\p{L}+$, got "p{L}"', 'p{L}'));
    expect(check({ type: 'string', pattern: '^.$' }, '🎉', true)).toEqual(ok('🎉'));
    // Not valid with the u flag (an identity escape outside a class): read as before.
    expect(check({ type: 'string', pattern: '^a\\-b$' }, 'a-b', true)).toEqual(ok('a-b'));
  });
  it('checks lengths and patterns', () => {
    expect(check({ type: 'string', maxLength: 200 }, 'x'.repeat(250), true)).toEqual(
      bad('too_big', 'expected at most 200 characters, got 250', 'x'.repeat(250)),
    );
    expect(check({ type: 'string', minLength: 3 }, 'ab', true)).toEqual(bad('too_small', 'expected at least 3 characters, got 2', 'ab'));
    expect(check({ type: 'string', pattern: '^P-[0-9]+$' }, 'X1', true)).toEqual(
      bad('pattern', 'does not match pattern ^P-[0-9]+$, got "X1"', 'X1'),
    );
    expect(check({ type: 'string', pattern: '^P-[0-9]+$' }, 'P-12', true)).toEqual(ok('P-12'));
  });
  it('cuts long values in messages', () => {
    const long = 'y'.repeat(100);
    expect(check({ type: 'string', pattern: '^x' }, long, true)).toEqual(
      bad('pattern', `does not match pattern ^x, got "${'y'.repeat(60)}…"`, long),
    );
  });
});

describe('enum', () => {
  it('checks membership after coercion', () => {
    expect(check({ type: 'string', enum: ['tools', 'toys'] }, 'food', true)).toEqual(
      bad('enum', 'expected one of tools|toys, got "food"', 'food'),
    );
    expect(check({ type: 'string', enum: ['tools', 'toys'] }, 'toys', true)).toEqual(ok('toys'));
    expect(check({ type: 'integer', enum: [1, 2, 3] }, '2', true)).toEqual(ok(2));
    expect(check({ type: 'integer', enum: [1, 2, 3] }, '4', true)).toEqual(bad('enum', 'expected one of 1|2|3, got "4"', '4'));
  });
});

describe('missing values, required and default', () => {
  it('treats empty text, null and absent as missing', () => {
    for (const type of ['string', 'integer', 'number', 'boolean', 'date', 'datetime', 'json']) {
      expect(check({ type }, '', true)).toEqual(ok(null));
      expect(check({ type }, null, false)).toEqual(ok(null));
      expect(check({ type }, undefined, true)).toEqual(ok(null));
      if (type !== 'string') expect(check({ type }, '', false)).toEqual(ok(null));
    }
  });
  it('fails required', () => {
    expect(check({ type: 'string', required: true }, '', true)).toEqual(bad('required', 'is required', ''));
    // A CSV record without the column at all: its header lacks it (said, as it is every line's fault).
    expect(check({ type: 'integer', required: true }, undefined, true)).toEqual(bad('required', 'is required, and the input has no such column', null));
    expect(check({ type: 'integer', required: true }, undefined, false)).toEqual(bad('required', 'is required', null));
    expect(check({ type: 'integer', required: true }, null, false)).toEqual(bad('required', 'is required', null));
    expect(check({ type: 'string', required: true }, '', false)).toEqual(ok(''));
  });
  it('fills defaults in the stored form', () => {
    expect(check({ type: 'integer', default: 0 }, '', true)).toEqual(ok(0));
    expect(check({ type: 'integer', required: true, default: 5 }, undefined, true)).toEqual(ok(5));
    expect(check({ type: 'boolean', default: true }, '', true)).toEqual(ok(1));
    expect(check({ type: 'json', default: { a: 1 } }, undefined, false)).toEqual(ok('{"a":1}'));
    expect(check({ type: 'string', default: 'n/a' }, '', true)).toEqual(ok('n/a'));
  });
  it('JSON null is NULL where the column may hold NULL, even with a default; in a required column it is missing (the default)', () => {
    expect(check({ type: 'json', default: { a: 1 } }, null, false)).toEqual(ok(null));
    expect(check({ type: 'integer', default: 0 }, null, false)).toEqual(ok(null));
    expect(check({ type: 'string', default: 'new' }, null, false)).toEqual(ok(null));
    expect(check({ type: 'integer', required: true, default: 5 }, null, false)).toEqual(ok(5));
    expect(check({ type: 'integer', required: true }, null, false)).toEqual(bad('required', 'is required', null));
    // Text has no null: an empty field is missing.
    expect(check({ type: 'integer', default: 0 }, '', true)).toEqual(ok(0));
    // The same without the fast path.
    const spec = parseSchemaSpec({ table: 't', columns: { c: { type: 'integer', default: 0 }, d: { type: 'string', required: true, default: 'x' } } }, 'x');
    expect(compileValidator(spec, { fastPath: false }).validate({ c: null, d: null }, false)).toEqual({ ok: true, row: [null, 'x'] });
    expect(compileValidator(spec).validate({ c: null, d: null }, false)).toEqual({ ok: true, row: [null, 'x'] });
    expect(compileValidator(spec).given({ c: null, d: null }, false)).toEqual([true, false]);
    // A primary key column is NOT NULL: null there is missing, so its default.
    const keyed = parseSchemaSpec({ table: 't', primaryKey: ['code'], columns: { code: { type: 'string', default: 'X' }, n: { type: 'string' } } }, 'x');
    for (const fastPath of [true, false]) expect(compileValidator(keyed, { fastPath }).validate({ code: null, n: 'a' }, false)).toEqual({ ok: true, row: ['X', 'a'] });
  });
  it('requires primary key columns, except a lone integer key that SQLite assigns', () => {
    const text = compileValidator(parseSchemaSpec({ table: 't', primaryKey: ['k'], columns: { k: { type: 'string' } } }, 'x'));
    expect(text.validate({ k: '' }, true)).toEqual({ ok: false, errors: [{ column: 'k', code: 'required', message: 'is required', value: '' }] });
    const rowid = compileValidator(parseSchemaSpec({ table: 't', primaryKey: ['id'], columns: { id: { type: 'integer' } } }, 'x'));
    expect(rowid.validate({ id: '' }, true)).toEqual({ ok: true, row: [null] });
  });
});

describe('records', () => {
  const spec: SchemaSpec = parseSchemaSpec(
    {
      table: 'products',
      columns: {
        id: { type: 'string', required: true },
        price: { type: 'number', min: 0 },
        qty: { type: 'integer', default: 0 },
      },
    },
    'x',
  );

  it('builds the row in column order', () => {
    const v = compileValidator(spec);
    expect(v.columns).toEqual(['id', 'price', 'qty']);
    expect(v.validate({ qty: '3', price: '9.5', id: 'a' }, true)).toEqual({ ok: true, row: ['a', 9.5, 3] });
  });

  it('reports one error per column, then extra columns', () => {
    const v = compileValidator(spec);
    expect(v.validate({ id: '', price: '-3', qty: 'x', color: 'red', size: '' }, true)).toEqual({
      ok: false,
      errors: [
        { column: 'id', code: 'required', message: 'is required', value: '' },
        { column: 'price', code: 'too_small', message: 'expected a number >= 0, got "-3"', value: '-3' },
        { column: 'qty', code: 'type', message: 'expected an integer, got "x"', value: 'x' },
        {
          column: 'color',
          code: 'extra_column',
          message: 'unexpected column "color" (not in the schema; set "extraColumns": "ignore" to drop it)',
          value: 'red',
        },
      ],
    });
    // An empty CSV field is missing: an empty extra one is no error; from JSON, "" is a value.
    const alone = v.validate({ id: 'a' }, true);
    expect(alone.ok).toBe(true);
    expect(v.validate({ id: 'a', size: '' }, true)).toEqual(alone);
    expect(v.validate({ id: 'a', size: '' }, false)).toEqual({
      ok: false,
      errors: [{ column: 'size', code: 'extra_column', message: 'unexpected column "size" (not in the schema; set "extraColumns": "ignore" to drop it)', value: '' }],
    });
  });

  it('names the first 10 extra columns of a record, and counts the rest in one error (a 20,000-column input ran the heap out)', () => {
    const v = compileValidator(spec);
    const data: Record<string, unknown> = { id: 'a' };
    for (let i = 0; i < 15; i++) data[`c${i}`] = String(i);
    for (const text of [true, false]) {
      const result = v.validate(data, text);
      expect(result.ok).toBe(false);
      const errors = (result as { errors: Array<{ column: string | null; code: string; message: string }> }).errors;
      expect(errors.map((e) => e.column)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9', null]);
      expect(errors.every((e) => e.code === 'extra_column')).toBe(true);
      expect(errors.at(-1)!.message).toBe('and 5 more unexpected columns (not in the schema)');
    }
  });

  it('rejects a valid record that has an extra column', () => {
    const v = compileValidator(spec);
    expect(v.validate({ id: 'a', note: 'x' }, false)).toEqual({
      ok: false,
      errors: [
        {
          column: 'note',
          code: 'extra_column',
          message: 'unexpected column "note" (not in the schema; set "extraColumns": "ignore" to drop it)',
          value: 'x',
        },
      ],
    });
  });

  it('gives the same results when told the keys (a CSV header), checking them once per array of keys', () => {
    const v = compileValidator(spec);
    const plain = compileValidator(spec);
    const header = ['id', 'price', 'qty'];
    const withExtra = ['id', 'price', 'qty', 'note'];
    const withOwn = ['_barge_line', 'id', 'price', 'qty'];
    const records: Array<[Record<string, unknown>, string[]]> = [
      [{ id: 'a', price: '1', qty: '2' }, header],
      [{ id: 'b', price: '2', qty: '3', note: 'x' }, withExtra],
      [{ id: 'c', price: '-1', qty: '3', note: 'y' }, withExtra],
      [{ id: 'd', price: '3', qty: '4' }, header],
      [{ _barge_line: '9', id: 'e', price: '4', qty: '' }, withOwn],
    ];
    for (let round = 0; round < 2; round++) {
      for (const [data, keys] of records) expect(v.validate(data, true, keys)).toEqual(plain.validate(data, true));
    }
    expect(v.validate({ id: 'b', price: '2', qty: '3', note: 'x' }, true, withExtra).ok).toBe(false);
  });

  it('finds an extra JSON field whatever the records before it held (their keys are remembered by identity)', () => {
    const v = compileValidator(spec);
    const extra = (column: string, value: unknown) => ({
      ok: false,
      errors: [{ column, code: 'extra_column', message: `unexpected column "${column}" (not in the schema; set "extraColumns": "ignore" to drop it)`, value }],
    });
    const lines = [
      '{"id":"a","price":1,"qty":2}',
      '{"id":"b","price":1,"qty":2,"note":"after the same keys"}',
      '{"id":"b","price":1,"qty":2,"note":"again"}',
      '{"id":"c","price":1,"qty":2}',
      '{"note":"first","id":"d","price":1,"qty":2}',
      '{"id":"e","note":"between","price":1,"qty":2}',
      '{"qty":2,"id":"f"}',
      '{"qty":2,"id":"g","price":1,"note":"after fewer keys"}',
      '{"_barge_line":3,"id":"h"}',
      '{"_barge_line":3,"id":"i","extra":null}',
      '{"id":"j","price":1,"qty":2}',
    ];
    const results = lines.map((line) => v.validate(JSON.parse(line) as Record<string, unknown>, false));
    expect(results).toEqual([
      { ok: true, row: ['a', 1, 2] },
      extra('note', 'after the same keys'),
      extra('note', 'again'),
      { ok: true, row: ['c', 1, 2] },
      extra('note', 'first'),
      extra('note', 'between'),
      { ok: true, row: ['f', null, 2] },
      extra('note', 'after fewer keys'),
      { ok: true, row: ['h', null, 0] },
      extra('extra', null),
      { ok: true, row: ['j', 1, 2] },
    ]);
    // check(), the fast path's way in, agrees.
    expect(lines.map((line) => v.check(JSON.parse(line) as Record<string, unknown>, false) === undefined)).toEqual(results.map((r) => r.ok));
  });

  it('drops extra columns with extraColumns: ignore', () => {
    const v = compileValidator({ ...spec, extraColumns: 'ignore' });
    expect(v.validate({ id: 'a', note: 'x' }, false)).toEqual({ ok: true, row: ['a', null, 0] });
  });

  it("ignores barge's own _barge fields", () => {
    const v = compileValidator(spec);
    const report = { _barge_job: 'j1', _barge_line: 42, _barge_errors: [{ code: 'type' }], id: 'a', price: '1', qty: '' };
    expect(v.validate(report, false)).toEqual({ ok: true, row: ['a', 1, 0] });
    expect(v.validate({ ...report, _barge_line: '42' }, true)).toEqual({ ok: true, row: ['a', 1, 0] });
  });

  it('re-reads its CSV-born report as NDJSON (strings coerced)', () => {
    const v = compileValidator(spec);
    expect(v.validate({ id: 'a', price: '2.5', qty: '7' }, false)).toEqual({ ok: true, row: ['a', 2.5, 7] });
  });

  it('reports a record that is not an object', () => {
    const v = compileValidator(spec);
    expect(v.validate([1, 2] as unknown as Record<string, unknown>, false)).toEqual({
      ok: false,
      errors: [{ column: null, code: 'type', message: 'expected a record (an object of fields), got [1,2]', value: [1, 2] }],
    });
  });

  it('compiles once and is reused for both modes', () => {
    const col: ColumnSpec = { type: 'boolean' };
    const v = compileValidator({ table: 't', columns: { b: col } });
    for (let i = 0; i < 3; i++) {
      expect(v.validate({ b: 'yes' }, true)).toEqual({ ok: true, row: [1] });
      expect(v.validate({ b: false }, false)).toEqual({ ok: true, row: [0] });
    }
  });
});

describe('values no table could give back as they were read', () => {
  it('a string with half of a UTF-16 surrogate pair (a lone JSON escape) is rejected; a whole pair is text', () => {
    const message = 'expected well-formed text, got "a\\ud800b": it holds half of a UTF-16 surrogate pair (a lone \\ud800-\\udfff escape), which no text encoding can store';
    expect(check({ type: 'string' }, 'a\ud800b', false)).toEqual(bad('type', message, 'a\ud800b'));
    expect(check({ type: 'string', maxLength: 5 }, '\udc00', false)).toMatchObject({ code: 'type' });
    expect(check({ type: 'string' }, 'a\ud83d\ude00b', false)).toEqual(ok('a\ud83d\ude00b'));
  });

  it('an object given to a string column with an integer beyond 2^53 inside is rejected, as a bare one is', () => {
    const message = 'expected a string, got {"user":9007199254740992} (JSON readers round integers beyond 2^53: quote it in the input to keep its digits)';
    expect(check({ type: 'string' }, { user: 9007199254740993 }, false)).toEqual(bad('type', message, { user: 9007199254740992 }));
    expect(check({ type: 'string' }, { user: [9007199254740991, 1e21] }, false)).toEqual(ok('{"user":[9007199254740991,1e+21]}'));
  });

  it('JSON text in a json column nests at most 99 levels (its record is the 100th), and a deeper one is a type error, not a stack overflow', () => {
    const nest = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    expect(check({ type: 'json' }, nest(99), true)).toEqual(ok(nest(99)));
    for (const depth of [100, 200_000]) {
      const result = check({ type: 'json' }, nest(depth), true) as { code: string; message: string };
      expect(result.code).toBe('type');
      expect(result.message).toMatch(/^expected a JSON object or array, got "\[{60}…" \(nested more than 99 levels deep: its record could not be read back from NDJSON or JSON\)$/);
    }
  });
});
