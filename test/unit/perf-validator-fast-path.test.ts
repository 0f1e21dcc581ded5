import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { compileValidator } from '../../src/schema/compile-validator.js';
import { compileFastCheck, compileFastPath, plainDecimalOf } from '../../src/schema/fast-path.js';
import { parseSchemaSpec, schemaFromTable, type SchemaSpec } from '../../src/schema/index.js';
import { seededRandom } from '../helpers/random.js';

/**
 * The validator's fast path (fast-path.ts) stands beside zod, never instead of it.
 * Over generated records of every column type and constraint, in both modes (CSV text and
 * JSON values), this shows:
 *   - the fast path accepts only records zod accepts, with the very same row (Object.is);
 *   - the validator with it and the validator without it (zod alone) accept exactly the same
 *     records, with the same rows and the same errors;
 *   - the fast path is not vacuous: it accepts the ordinary valid records.
 */

const random = seededRandom;

const pick = <T>(next: () => number, values: readonly T[]): T => values[Math.floor(next() * values.length)]!;

const SPECS: Record<string, unknown>[] = [
  {
    // The benchmark's schema.
    table: 'bench',
    primaryKey: ['id'],
    columns: {
      id: { type: 'integer', required: true, min: 1 },
      name: { type: 'string', required: true, maxLength: 64 },
      email: { type: 'string', pattern: '^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$' },
      price: { type: 'number', min: 0 },
      qty: { type: 'integer', min: 0, max: 1000 },
      active: { type: 'boolean' },
      released: { type: 'date' },
      category: { type: 'string', enum: ['tools', 'toys', 'garden', 'kitchen', 'electronics', 'books'] },
      note: { type: 'string', maxLength: 200 },
      discount: { type: 'number', min: 0, max: 1 },
    },
  },
  {
    // Every type, optional, with defaults, bounds and enums of each kind.
    table: 'all',
    columns: {
      i: { type: 'integer', min: -10, max: 10, default: 5 },
      n: { type: 'number', min: 0.5, max: 2.5, default: 1.5 },
      b: { type: 'boolean', default: true },
      d: { type: 'date', default: '2024-01-01' },
      dt: { type: 'datetime' },
      j: { type: 'json' },
      s: { type: 'string', minLength: 2, maxLength: 3 },
      se: { type: 'string', enum: ['a', 'b', 'Ünï'] },
      ie: { type: 'integer', enum: [1, 2, 3] },
      ne: { type: 'number', enum: [0.5, 1] },
      be: { type: 'boolean', enum: [true] },
      big: { type: 'integer', min: 1.5, max: 1e300 },
      // Integers from 2^53 on: text of them is a BigInt after coercion, a double in a number column.
      nbig: { type: 'number', enum: [9007199254740992, -9007199254740994, 2, 1e300] },
    },
  },
  {
    // Required columns, a composite key (its columns are required), a pattern that matches "".
    table: 'req',
    primaryKey: ['k1', 'k2'],
    columns: {
      k1: { type: 'string' },
      k2: { type: 'integer' },
      r: { type: 'number', required: true },
      p: { type: 'string', pattern: '^[a-z]*$', minLength: 0, maxLength: 1 },
      flag: { type: 'boolean', required: true },
      when: { type: 'datetime', required: true },
    },
    extraColumns: 'ignore',
  },
];

/**
 * Schemas read from a table barge did not create (from-table.ts), with what no schema file can
 * say: untyped columns (`any`), NUMERIC ones (exact integers), SQL defaults, generated columns.
 */
function derivedSpecs(): SchemaSpec[] {
  const db = new Database(':memory:');
  db.exec(`CREATE TABLE foreign_t (
    id INTEGER PRIMARY KEY, v, b BLOB NOT NULL, amount NUMERIC, price DECIMAL(10,2) NOT NULL DEFAULT 0, r REAL,
    created TEXT DEFAULT CURRENT_TIMESTAMP, req DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, n INTEGER DEFAULT (1 + 1),
    g INTEGER GENERATED ALWAYS AS (id * 2), gs TEXT GENERATED ALWAYS AS (v || '') STORED NOT NULL, ts TIMESTAMP
  )`);
  const spec = schemaFromTable(db, 'foreign_t')!;
  db.close();
  return [spec];
}

const TEXT: Record<string, string[]> = {
  integer: ['', '0', '-0', '1', '5', '10', '11', '-10', '-11', '42', '-7', '007', '-01', '00', '+1', '1.0', '1e3', '0x10', ' 1', '1 ',
    '9007199254740991', '9007199254740992', '-9007199254740991', '-9007199254740992', '99999999999999999999',
    '9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809', 'abc', '١٢', '1000', '1001', '2'],
  number: ['', '0', '-0', '0.5', '1', '1.5', '2.5', '2.51', '.5', '5.', '-.5', '1e3', '1E-3', '1e309', '-1e309', 'NaN', 'Infinity',
    '1,5', '0x10', ' 1', '1.2.3', '00.1', '-00.5', '01e2', '0e1', '0.49', '2652.54', '0.78', '1.0000000000000002', '-1',
    '9007199254740991', '9007199254740992', '9007199254740993', '-9007199254740993', '9223372036854775807', '9223372036854775808',
    '-9223372036854775808', '-9223372036854775809', '12345678901234567000', '99999999999999999999', '1234567890123456', '9007199254740993.5', '1e20'],
  boolean: ['', 'true', 'false', 'TRUE', 'False', 'Yes', 'no', 'NO', '1', '0', 'y', 'on', ' true', 'truE', 't', 'f', 'T', 'F', 'tr', 'ft', ' t'],
  date: ['', '2024-02-29', '2023-02-29', '2024-02-30', '2024-13-01', '2024-1-01', '1900-02-29', '2000-02-29', '2024-12-31',
    '2024-12-31T00:00:00Z', 'x', '2024-01-01', ' 2024-01-01'],
  datetime: ['', '2024-05-01T12:00:00Z', '2024-05-01T12:00:00', '2024-05-01T12:00', '2024-05-01T12:00:00.123+02:00',
    '2024-05-01 12:00:00', '2024-05-01T24:00:00Z', '2024-02-30T00:00:00Z', '2024-05-01T12:00:00+2', '2024-05-01', '2024-05-01T12:00:00.5Z',
    // The space form (SQLite's CURRENT_TIMESTAMP), and near misses.
    '2026-11-24 06:33:36', '2024-05-01 12:00', '2024-05-01 12:00:00.5Z', '2024-05-01 12:00:00-03:30', '2024-05-01  12:00:00',
    '2024-05-01 12:00:00 ', '2024-02-30 12:00:00', '2024-05-01 24:00:00', '2024-05-01t12:00:00', '2024-05-01\t12:00:00'],
  json: ['', '{"a":1}', '[1,2]', '"str"', '1', 'null', '{bad', ' {"a":1}', '[]', '{}', '  [ ]', 'true', '['.repeat(99) + ']'.repeat(99), '['.repeat(100) + ']'.repeat(100)],
  string: ['', 'a', 'ab', 'abc', 'abcd', '😀', '😀😀', 'a😀', '😀😀a', '😀😀😀', 'Ünï', 'ü', 'A@B.CO', 'a@b.co', 'mia.weber68588@example.com',
    'a\u0000b', '\u0000', 'tools', 'Tools', 'books ', 'b', 'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(200), 'x'.repeat(201),
    'light hammer, foldable, "limited" stock', '\ud800', 'ab\ud800'],
  // A column with no declared type: any text, numbers as text (CSV) or strings (JSON).
  any: ['', 'x', '5', '-3', '1.5', '{"a":1}', 'true', 'a\u0000b', '\ud800', '9007199254740993', ' ', '😀'],
};

const JSON_VALUES: unknown[] = [undefined, null, true, false, 0, -0, 1, -1, 0.5, 1.5, 2.5, 3, 10, 11, -11, 2 ** 53 - 1, 2 ** 53, -(2 ** 53),
  1e300, Infinity, -Infinity, 1.0000000000000002, {}, [], { a: 1 }, [1], { a: [2 ** 60] }, [{ b: 2 ** 53 - 1 }], 'x',
  9007199254740993, -9007199254740993, 2 ** 63, -(2 ** 63), 12345678901234567000, 1e21, 1e20, 9007199254740993.5];

function valueFor(next: () => number, type: string, text: boolean): unknown {
  const pool = TEXT[type]!;
  if (text) return next() < 0.05 ? undefined : pick(next, pool);
  // JSON mode: JSON values of every kind, and strings as a report or a stringly producer gives them.
  return next() < 0.5 ? pick(next, JSON_VALUES) : pick(next, [...pool, ...TEXT.string!]);
}

/** An ordinary record with a few of its values swapped for awkward ones (or left out). */
function generate(next: () => number, spec: SchemaSpec, text: boolean): Record<string, unknown> {
  const data = ordinary(next, spec, text);
  for (const [name, col] of Object.entries(spec.columns)) {
    if (next() >= 0.1) continue;
    const value = valueFor(next, col.type, text);
    if (value === undefined) delete data[name];
    else data[name] = value;
  }
  if (next() < 0.03) data.unknown_field = 'x';
  if (next() < 0.03) data._barge_line = 3;
  return data;
}

/** A record every check accepts easily: the values a real file mostly holds. */
function ordinary(next: () => number, spec: SchemaSpec, text: boolean): Record<string, unknown> {
  const typical: Record<string, unknown[]> = text
    ? { integer: ['2', '3', '7'], number: ['0.5', '1', '0.75'], boolean: ['true', 'false', '1'], date: ['2024-01-01', '2020-02-29'],
        datetime: ['2024-05-01T12:00:00Z', '2024-05-01 12:00:00'], json: ['{"a":1}', '[1]'], string: ['ab', 'abc'], any: ['x', '5', '1.5'] }
    : { integer: [2, 3, 7, '2'], number: [0.5, 1, 0.75], boolean: [true, false, 1], date: ['2024-01-01'],
        datetime: ['2024-05-01T12:00:00Z', '2024-05-01 12:00:00'], json: [{ a: 1 }, [1]], string: ['ab', 'abc'], any: ['x', 5, 1.5, true, -3] };
  const data: Record<string, unknown> = {};
  for (const [name, col] of Object.entries(spec.columns)) {
    if (col.enum) data[name] = pick(next, col.enum);
    else if (name === 'email') data[name] = 'a.b@example.com';
    else if (name === 'p') data[name] = 'a';
    else data[name] = pick(next, typical[col.type]!);
    if (text && typeof data[name] !== 'string') data[name] = String(data[name]);
  }
  return data;
}

function sameRow(a: unknown[], b: unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

/**
 * Names a record reads from Object.prototype when it lacks them (a function): a column named so
 * sends every record to zod alone (compileFast), so comparing a schema with them to the same
 * schema with ordinary names compares zod with the fast path on every record.
 */
const PROTOTYPE_NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString',
  '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__'];

/** `spec` with its first columns renamed to PROTOTYPE_NAMES, and the map old name -> new name. */
function withPrototypeNames(spec: SchemaSpec): { spec: SchemaSpec; rename: Map<string, string> } {
  const rename = new Map(Object.keys(spec.columns).map((name, i) => [name, PROTOTYPE_NAMES[i] ?? name]));
  const to = (name: string) => rename.get(name) ?? name;
  const columns = Object.fromEntries(Object.entries(spec.columns).map(([name, col]) => [to(name), col]));
  return {
    spec: { ...spec, columns, primaryKey: spec.primaryKey?.map(to), unique: spec.unique?.map((g) => g.map(to)), indexes: spec.indexes?.map((g) => g.map(to)) },
    rename,
  };
}

function renamedRecord(data: Record<string, unknown>, rename: Map<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) out[rename.get(key) ?? key] = value;
  return out;
}

describe('the validator fast path', () => {
  const specs = [...SPECS.map((raw, index) => parseSchemaSpec(raw, `spec${index}.json`)), ...derivedSpecs()];
  for (const [index, spec] of specs.entries()) {
    for (const text of [true, false]) {
      it(`${spec.table}, ${text ? 'text (CSV)' : 'JSON'} values: accepts only what zod accepts, the same rows; same results with and without it`, () => {
        const names = Object.keys(spec.columns);
        const fast = compileFastPath(spec, names, text)!;
        expect(fast).toBeDefined();
        const fastCheck = compileFastCheck(spec, names, text)!;
        const zodOnly = compileValidator(spec, { fastPath: false });
        const withFast = compileValidator(spec);
        // zod may still reject a record the fast path takes for an extra field: the columns must agree.
        const zodColumnsOnly = compileValidator({ ...spec, extraColumns: 'ignore' }, { fastPath: false });
        let fastAccepted = 0;
        let zodAccepted = 0;
        for (let seed = 1; seed <= 6000; seed++) {
          const next = random(seed * 7919 + index * 31 + (text ? 1 : 0));
          const data = generate(next, spec, text);
          const byZod = zodOnly.validate(data, text);
          const row = fast(data);
          if (byZod.ok) zodAccepted++;
          if (row !== undefined) {
            fastAccepted++;
            const columnsOnly = zodColumnsOnly.validate(data, text);
            expect(columnsOnly.ok, `seed ${seed}: ${JSON.stringify(data)}`).toBe(true);
            if (columnsOnly.ok) expect(sameRow(row, columnsOnly.row), `seed ${seed}`).toBe(true);
          }
          const combined = withFast.validate(data, text);
          expect(combined.ok, `seed ${seed}: ${JSON.stringify(data)}`).toBe(byZod.ok);
          if (combined.ok && byZod.ok) expect(sameRow(combined.row, byZod.row), `seed ${seed}`).toBe(true);
          if (!combined.ok && !byZod.ok) expect(combined.errors).toEqual(byZod.errors);
          // check() (no row: barge validate) gives the same verdict and errors, and its fast check
          // takes exactly the records the fast path takes.
          expect(withFast.check(data, text), `seed ${seed}`).toEqual(byZod.ok ? undefined : byZod.errors);
          expect(fastCheck(data), `seed ${seed}`).toBe(row !== undefined);
        }
        // The generator reaches both verdicts often enough to mean something.
        expect(zodAccepted).toBeGreaterThan(20);
        expect(fastAccepted).toBeGreaterThan(10);

        for (let seed = 1; seed <= 500; seed++) {
          const data = ordinary(random(seed), spec, text);
          const byZod = zodOnly.validate(data, text);
          expect(byZod.ok, JSON.stringify(data)).toBe(true);
          const row = fast(data);
          expect(row, `the fast path declined an ordinary record: ${JSON.stringify(data)}`).toBeDefined();
          if (byZod.ok) expect(sameRow(row!, byZod.row)).toBe(true);
        }
      });
    }
  }

  for (const [index, spec] of specs.entries()) {
    for (const text of [true, false]) {
      it(`${spec.table}, ${text ? 'text (CSV)' : 'JSON'} values: columns named like Object.prototype members (zod alone) get the same verdicts, rows and errors`, () => {
        const { spec: prototypeSpec, rename } = withPrototypeNames(spec);
        expect(compileFastPath(prototypeSpec, Object.keys(prototypeSpec.columns), text)).toBeUndefined();
        const withFast = compileValidator(spec);
        const zodAlone = compileValidator(prototypeSpec);
        const back = new Map([...rename].map(([from, to]) => [to, from]));
        let accepted = 0;
        for (let seed = 1; seed <= 3000; seed++) {
          const data = generate(random(seed * 104729 + index * 17 + (text ? 1 : 0)), spec, text);
          const expected = withFast.validate(data, text);
          const got = zodAlone.validate(renamedRecord(data, rename), text);
          expect(got.ok, `seed ${seed}: ${JSON.stringify(data)}`).toBe(expected.ok);
          if (got.ok && expected.ok) {
            accepted++;
            expect(sameRow(got.row, expected.row), `seed ${seed}`).toBe(true);
          }
          if (!got.ok && !expected.ok) {
            const errors = got.errors.map((e) => ({ ...e, column: e.column === null ? null : (back.get(e.column) ?? e.column) }));
            expect(errors, `seed ${seed}: ${JSON.stringify(data)}`).toEqual(expected.errors);
          }
        }
        expect(accepted).toBeGreaterThan(20);
      });
    }
  }

  it('is not used for a column named like an Object.prototype member: zod decides', () => {
    const spec = parseSchemaSpec({ table: 't', columns: { constructor: { type: 'string' } } }, 't.json');
    expect(compileFastPath(spec, ['constructor'], true)).toBeUndefined();
    expect(compileValidator(spec).validate({}, true)).toEqual({ ok: true, row: [null] });
  });
});

describe('plainDecimalOf (the fast path\'s number and integer texts)', () => {
  const NUMBER_TEXT = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
  const INTEGER_TEXT = /^-?\d+$/;

  it('gives exactly Number(text) + 0 for every plain decimal it takes, and takes the ordinary ones', () => {
    const next = random(11);
    const texts = ['0', '-0', '-0.0', '.5', '-.5', '5.', '007', '00.10', '2652.54', '0.78', '999999999999999', '0.000000000000001',
      '123456789012.345', '-98765.4321', '1.7976931348623157', '0.1', '0.2', '0.3', '9007199254740993', '1234567890123456'];
    for (let n = 0; n < 20_000; n++) {
      const digits = 1 + Math.floor(next() * 17);
      let text = '';
      for (let d = 0; d < digits; d++) text += Math.floor(next() * 10);
      if (next() < 0.7) {
        const at = Math.floor(next() * (text.length + 1));
        text = text.slice(0, at) + '.' + text.slice(at);
      }
      texts.push(next() < 0.3 ? `-${text}` : text);
    }
    let taken = 0;
    for (const text of texts) {
      const value = plainDecimalOf(text, true);
      if (value === undefined) {
        // Only what the regex way must decide: more than 15 digits, or not plain.
        expect(text.replace(/[-.]/g, '').length > 15 || !/^-?\d*\.?\d*$/.test(text) || !/\d/.test(text), text).toBe(true);
        continue;
      }
      taken++;
      expect(NUMBER_TEXT.test(text), text).toBe(true);
      expect(Object.is(value, Number(text) + 0), text).toBe(true);
    }
    expect(taken).toBeGreaterThan(texts.length / 2);
  });

  it('without a point: integers only, as the integer column takes them', () => {
    for (const text of ['0', '-0', '7', '-7', '007', '113', '999999999999999', '-999999999999999']) {
      expect(INTEGER_TEXT.test(text)).toBe(true);
      expect(Object.is(plainDecimalOf(text, false), Number(text) + 0), text).toBe(true);
    }
    for (const text of ['', '-', '1.0', '.5', '1e3', '+1', ' 1', '1 ', '0x10', '1234567890123456', '١٢']) {
      expect(plainDecimalOf(text, false), text).toBeUndefined();
    }
    for (const text of ['', '-', '.', '-.', '1.2.3', '1e3', '1E-3', '+1', ' 1', 'NaN', 'Infinity', '1,5']) {
      expect(plainDecimalOf(text, true), text).toBeUndefined();
    }
  });
});
