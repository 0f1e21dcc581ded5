import { describe, expect, it } from 'vitest';
import { BargeError } from '../../src/errors.js';
import { compileValidator, inferSchema } from '../../src/schema/index.js';

const csv = (...rows: Record<string, string>[]) => rows.map((data) => ({ data, text: true }));
const json = (...rows: Record<string, unknown>[]) => rows.map((data) => ({ data, text: false }));
const typesOf = (samples: Parameters<typeof inferSchema>[0]) =>
  Object.fromEntries(Object.entries(inferSchema(samples, 't').columns).map(([name, col]) => [name, col.type]));

describe('inferSchema from text', () => {
  it('picks the narrowest type every value fits', () => {
    expect(
      typesOf(
        csv(
          { id: '1', price: '9.5', active: 'true', day: '2024-02-29', at: '2024-05-01T12:00:00Z', name: 'Hammer', flag: '1' },
          { id: '-20', price: '3', active: 'No', day: '2024-01-01', at: '2024-05-01T12:00:00+02:00', name: '42', flag: '0' },
        ),
      ),
    ).toEqual({ id: 'integer', price: 'number', active: 'boolean', day: 'date', at: 'datetime', name: 'string', flag: 'integer' });
  });

  it('never turns leading zeros into numbers', () => {
    expect(typesOf(csv({ zip: '02134' }, { zip: '10001' }))).toEqual({ zip: 'string' });
    expect(typesOf(csv({ code: '007' }))).toEqual({ code: 'string' });
    expect(typesOf(csv({ n: '0' }, { n: '10' }))).toEqual({ n: 'integer' });
    expect(typesOf(csv({ n: '-0' }))).toEqual({ n: 'string' });
    expect(typesOf(csv({ n: '0.5' }, { n: '00.5' }))).toEqual({ n: 'string' });
    expect(typesOf(csv({ n: '0.5' }, { n: '-0.25' }))).toEqual({ n: 'number' });
  });

  it('keeps unsafe integers, hostile numbers and mixed values as strings', () => {
    expect(typesOf(csv({ id: '9007199254740993' }))).toEqual({ id: 'string' });
    expect(typesOf(csv({ n: '1e309' }))).toEqual({ n: 'string' });
    expect(typesOf(csv({ n: 'NaN' }))).toEqual({ n: 'string' });
    expect(typesOf(csv({ b: 'yes' }, { b: '2' }))).toEqual({ b: 'string' });
    // A datetime column takes a date alone (what SQLite's CURRENT_DATE writes into one).
    expect(typesOf(csv({ d: '2024-01-01' }, { d: '2024-01-01T10:00:00Z' }))).toEqual({ d: 'datetime' });
    expect(typesOf(csv({ d: '2024-01-01' }, { d: '2024-01-02' }))).toEqual({ d: 'date' });
    expect(typesOf(csv({ d: '2024-02-30' }))).toEqual({ d: 'string' });
    expect(typesOf(csv({ j: '{"a":1}' }))).toEqual({ j: 'string' });
  });

  it('takes 0 and 1 among boolean words for booleans, alone for integers', () => {
    // A boolean column takes all of them; a text column gave `true` back as "true".
    expect(typesOf(csv({ b: 'yes' }, { b: '1' }, { b: 'no' }, { b: '0' }))).toEqual({ b: 'boolean' });
    expect(typesOf(csv({ b: 'true' }, { b: 'FALSE' }, { b: '0' }))).toEqual({ b: 'boolean' });
    expect(typesOf(csv({ b: '1' }, { b: '0' }))).toEqual({ b: 'integer' });
    expect(typesOf(csv({ b: '1' }, { b: 'true' }, { b: '-1' }))).toEqual({ b: 'string' });
    expect(typesOf(json({ a: true, b: 1 }, { a: 1, b: 0 }, { a: 0, b: true }))).toEqual({ a: 'boolean', b: 'boolean' });
    expect(typesOf(json({ a: 1 }, { a: 0 }))).toEqual({ a: 'integer' });
    expect(typesOf(json({ a: true }, { a: 2 }))).toEqual({ a: 'string' });
  });

  it('reads dates of the first century as dates (their leading zeros are no number\'s)', () => {
    expect(typesOf(csv({ d: '0001-01-01' }, { d: '2024-02-29' }))).toEqual({ d: 'date' });
    expect(typesOf(csv({ d: '0999-12-31T23:59:59Z' }))).toEqual({ d: 'datetime' });
    expect(typesOf(csv({ d: '0001' }))).toEqual({ d: 'string' });
  });

  it('skips missing values; all missing is a string', () => {
    expect(typesOf(csv({ a: '', b: '1' }, { a: '', b: '' }, { b: '2' }))).toEqual({ a: 'string', b: 'integer' });
  });
});

describe('inferSchema from JSON', () => {
  it('follows native types', () => {
    expect(
      typesOf(json({ n: 1, x: 1.5, b: true, o: { a: 1 }, l: [1], s: 'hi', q: '42', d: '2024-01-01', z: null }, { n: 2, x: 2, b: false })),
    ).toEqual({ n: 'integer', x: 'number', b: 'boolean', o: 'json', l: 'json', s: 'string', q: 'string', d: 'date', z: 'string' });
  });

  it('lets numbers and numeric strings share a number type', () => {
    expect(typesOf(json({ n: 1 }, { n: '2' }))).toEqual({ n: 'integer' });
    expect(typesOf(json({ n: 1 }, { n: 'two' }))).toEqual({ n: 'string' });
  });

  it('an integer beyond 2^53 (rounded by JSON.parse) makes an integer column, which rejects it, not a number column that rounds it', () => {
    // Two distinct ids, read as one double: a number column stored them both as 1234567890123456768.
    const spec = inferSchema(json({ id: 1234567890123456789 }, { id: 1234567890123456790 }), 't');
    expect(spec.columns.id!.type).toBe('integer');
    const validator = compileValidator(spec);
    expect(validator.validate({ id: 1234567890123456789 }).ok).toBe(false);
    expect(typesOf(json({ n: 2 ** 60 }))).toEqual({ n: 'integer' });
    // Among fractions, a number like them (a float column's large value, 2.5e18 written exactly).
    expect(typesOf(json({ n: 2 ** 60 }, { n: 1.5 }))).toEqual({ n: 'number' });
    expect(typesOf(json({ n: 1.5 }, { n: 2.5e18 }, { n: 0.25 }))).toEqual({ n: 'number' });
    // 1e400 is Infinity after JSON.parse: no type keeps it; the string column rejects it, saying why.
    expect(typesOf(json({ n: 1 }, { n: Infinity }))).toEqual({ n: 'string' });
  });
});

describe('inferSchema picks a number type only for text a double keeps', () => {
  it('out of range: 1e400 and 1e-400 (Infinity and 0) stay strings, which every record of the file then passes', () => {
    expect(typesOf(csv({ a: '1e-400' }, { a: '2' }))).toEqual({ a: 'string' });
    expect(typesOf(csv({ a: '1e400' }))).toEqual({ a: 'string' });
    expect(typesOf(csv({ a: '0.0' }, { a: '0e5' }))).toEqual({ a: 'number' });
  });

  it('more significant digits than a double holds: a string (12345678901234567.89 was stored as 12345678901234568)', () => {
    expect(typesOf(csv({ a: '12345678901234567.89' }, { a: '0.1' }))).toEqual({ a: 'string' });
    expect(typesOf(csv({ a: '9007199254740993.0' }))).toEqual({ a: 'string' });
    expect(typesOf(csv({ a: '0.30000000000000004' }))).toEqual({ a: 'number' });
  });

  it('trailing zeros and the exponent\'s form are not digits lost', () => {
    expect(typesOf(csv({ a: '1.50' }, { a: '1e3' }, { a: '-0.0150e3' }, { a: '2.5E-7' }, { a: '.5' }, { a: '100.000' }))).toEqual({ a: 'number' });
  });
});

describe('inferSchema shape', () => {
  it('keeps first-seen order, infers no key and nothing required, ignores _barge fields', () => {
    const spec = inferSchema(csv({ b: '1', _barge_line: '3', a: 'x' }, { c: '2', b: '3' }), 'items');
    expect(spec).toEqual({
      table: 'items',
      columns: { b: { type: 'integer' }, a: { type: 'string' }, c: { type: 'integer' } },
      extraColumns: 'reject',
    });
  });

  it('infers a schema that accepts its own samples', () => {
    const samples = csv(
      { id: '1', zip: '02134', price: '1e3', ok: 'YES', when: '2024-05-01T12:00', note: '' },
      { id: '2', zip: '10001', price: '.5', ok: 'no', when: '2024-05-01T12:00:00Z', note: 'x' },
    );
    const v = compileValidator(inferSchema(samples, 't'));
    expect(samples.map((s) => v.validate(s.data, true))).toEqual([
      { ok: true, row: [1, '02134', 1000, 1, '2024-05-01T12:00', null] },
      { ok: true, row: [2, '10001', 0.5, 0, '2024-05-01T12:00:00Z', 'x'] },
    ]);
  });

  it('refuses names barge cannot use', () => {
    expect(() => inferSchema(csv({ '': '1' }), 't')).toThrow(new BargeError('usage', 'cannot infer a schema: column name is empty'));
    expect(() => inferSchema([], 'sqlite_t')).toThrow(BargeError);
  });
});

describe('inferSchema of records with no fields', () => {
  it('is a usage error naming why (CREATE TABLE of no columns was a syntax error, exit 3)', () => {
    expect(() => inferSchema([{ data: {}, text: false, input: 'empty.ndjson', line: 1 }], 't')).toThrow(
      new BargeError('usage', 'cannot infer a schema for "t" from empty.ndjson: its records have no fields; pass --schema naming the columns', { input: 'empty.ndjson' }),
    );
    expect(() => inferSchema([{ data: { _barge_note: 'hello' }, text: true, input: 'ob.csv' }], 't')).toThrow(
      "cannot infer a schema for \"t\" from ob.csv: its records have no fields (fields whose names start with _barge are barge's own, and left out); pass --schema naming the columns",
    );
  });
});
