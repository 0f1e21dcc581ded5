import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { compileValidator, parseSchemaSpec, saveSchema, schemaFromTable, withTableKeyRule, type SchemaSpec } from '../../src/schema/index.js';
import { typeFromDeclared } from '../../src/schema/from-table.js';
import { underflowingNumberIn } from '../../src/schema/coerce-value.js';
import { isEffectivelyRequired } from '../../src/schema/zod-schema.js';
import { openReadable } from '../../src/source/open-input.js';
import { parseJsonArray } from '../../src/source/parse-json-array.js';
import { parseNdjson } from '../../src/source/parse-ndjson.js';
import type { SourceOptions, SourceRecord } from '../../src/source/types.js';

/**
 * Findings of a differential audit (an independent oracle of SQLite's rules against barge). Each
 * check runs with and without the validator's fast path, which must agree with zod.
 */

function derived(ddl: string, table: string): { db: Database.Database; spec: SchemaSpec } {
  const db = new Database(':memory:');
  db.exec(ddl);
  return { db, spec: schemaFromTable(db, table)! };
}

/** The row, or the error messages, of `data` under `spec`, the same with the fast path and without (zod alone). */
function outcome(spec: SchemaSpec, data: Record<string, unknown>, text: boolean): unknown {
  const results = [compileValidator(spec), compileValidator(spec, { fastPath: false })].map((v) => {
    const result = v.validate(data, text);
    return result.ok ? { row: result.row } : { errors: result.errors.map((e) => `${e.column}: ${e.message}`) };
  });
  expect(results[0]).toEqual(results[1]);
  return results[0];
}

describe('1. a column declared ANY outside a STRICT table has NUMERIC affinity', () => {
  it('is a string column that rejects text SQLite would store as another number; in a STRICT table it stays `any`', () => {
    const plain = derived('CREATE TABLE zips (zip ANY, city TEXT)', 'zips').spec;
    expect(plain.columns.zip).toEqual({ type: 'string', numericAffinity: true });
    const strict = derived('CREATE TABLE zips (zip ANY, city TEXT) STRICT', 'zips').spec;
    expect(strict.columns.zip).toEqual({ type: 'any' });
    expect(typeFromDeclared('ANY')).toBe('string');
    expect(typeFromDeclared('any', true)).toBe('any');
  });

  it('rejects "02134" and "1.50" (CSV or JSON), keeps what SQLite keeps; a STRICT ANY keeps them all as text', () => {
    const plain = derived('CREATE TABLE zips (zip ANY, city TEXT)', 'zips').spec;
    const stored = (zip: string) => `zip: would be stored as ${zip}`;
    expect(outcome(plain, { zip: '02134', city: 'Boston' }, true)).toEqual({ errors: [expect.stringContaining(stored('2134'))] });
    expect(outcome(plain, { zip: '1.50', city: 'X' }, true)).toEqual({ errors: [expect.stringContaining(stored('1.5'))] });
    expect(outcome(plain, { zip: '007' }, false)).toEqual({ errors: [expect.stringContaining(stored('7'))] });
    expect(outcome(plain, { zip: '12345', city: 'Y' }, true)).toEqual({ row: ['12345', 'Y'] });
    expect(outcome(plain, { zip: 'abc' }, false)).toEqual({ row: ['abc', null] });
    const strict = derived('CREATE TABLE zips (zip ANY, city TEXT) STRICT', 'zips').spec;
    expect(outcome(strict, { zip: '02134', city: 'Boston' }, true)).toEqual({ row: ['02134', 'Boston'] });
  });

  it('a STRICT ANY column keeps the spec barge saved for it (it holds any value as given)', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE zips (zip ANY, city TEXT) STRICT');
    saveSchema(db, parseSchemaSpec({ table: 'zips', columns: { zip: { type: 'string', pattern: '^[0-9]{5}$' }, city: { type: 'string' } } }, 's.json'));
    expect(schemaFromTable(db, 'zips')!.columns.zip).toEqual({ type: 'string', pattern: '^[0-9]{5}$' });
  });
});

describe('2. a missing lone integer primary key is SQLite\'s to fill in only where the schema does not constrain it', () => {
  const spec = (id: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    parseSchemaSpec({ table: 'pk', primaryKey: ['id'], columns: { id: { type: 'integer', ...id }, name: { type: 'string' } }, ...extra }, 'pk.json');

  it('is required with a min, max, enum or reference, and says why', () => {
    const why = (constraint: string) => `id: is required: SQLite would give a missing key the next rowid, a number its ${constraint} may not allow`;
    expect(outcome(spec({ min: 1, max: 3 }), { id: '', name: 'b' }, true)).toEqual({ errors: [why('max 3')] });
    expect(outcome(spec({ enum: [10, 20] }), { name: 'a' }, true)).toEqual({ errors: [why('enum 10|20')] });
    expect(outcome(spec({ max: 3 }), { id: null, name: 'a' }, false)).toEqual({ errors: [why('max 3')] });
    expect(outcome(spec({ min: 2 }), { name: 'a' }, false)).toEqual({ errors: [why('min 2')] });
    const referencing = parseSchemaSpec(
      { table: 'pk', primaryKey: ['id'], columns: { id: { type: 'integer', references: 'users.id' } } },
      'pk.json',
    );
    expect(outcome(referencing, {}, true)).toEqual({ errors: [why('reference to users.id')] });
    // Given, the value is checked as before.
    expect(outcome(spec({ min: 1, max: 3 }), { id: '3', name: 'a' }, true)).toEqual({ row: [3, 'a'] });
  });

  it('stays optional without such constraints, or with a default (which fills it in)', () => {
    expect(outcome(spec({}), { id: '', name: 'b' }, true)).toEqual({ row: [null, 'b'] });
    // min 1 is what an auto-numbered id says, and the next rowid meets it.
    expect(outcome(spec({ min: 1 }), { id: '', name: 'b' }, true)).toEqual({ row: [null, 'b'] });
    expect(outcome(spec({ min: 0 }), { name: 'b' }, false)).toEqual({ row: [null, 'b'] });
    expect(outcome(spec({ max: 3, default: 1 }), { name: 'b' }, true)).toEqual({ row: [1, 'b'] });
    expect(isEffectivelyRequired(spec({}), 'id')).toBe(false);
    expect(isEffectivelyRequired(spec({ enum: [1] }), 'id')).toBe(true);
  });
});

describe('3. a lone integer primary key that is not the rowid alias is required', () => {
  const cases: Array<[string, boolean]> = [
    ['CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)', false],
    ['CREATE TABLE t (id integer primary key asc, name TEXT)', false],
    // A table constraint's DESC still makes the alias; only the column constraint's does not.
    ['CREATE TABLE t (id INTEGER, name TEXT, PRIMARY KEY (id DESC))', false],
    ['CREATE TABLE t (id INT PRIMARY KEY, name TEXT)', true],
    ['CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT)', true],
    ['CREATE TABLE t (id INTEGER PRIMARY KEY DESC, name TEXT)', true],
    ['CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT) WITHOUT ROWID', true],
  ];
  for (const [ddl, required] of cases) {
    it(`${ddl}: ${required ? 'required' : 'SQLite fills it in'}`, () => {
      const { db, spec } = derived(ddl, 't');
      expect(isEffectivelyRequired(spec, 'id')).toBe(required);
      expect(outcome(spec, { id: '', name: 'ann' }, true)).toEqual(required ? { errors: ['id: is required'] } : { row: [null, 'ann'] });
      expect(outcome(spec, { id: null, name: 'ann' }, false)).toEqual(required ? { errors: ['id: is required'] } : { row: [null, 'ann'] });
      // And what SQLite does with NULL there, which is why.
      if (ddl.includes('WITHOUT ROWID')) return;
      db.prepare('INSERT INTO t (id, name) VALUES (NULL, ?)').run('ann');
      expect(db.prepare('SELECT id IS NULL AS nullKey FROM t').get()).toEqual({ nullKey: required ? 1 : 0 });
    });
  }

  it('holds for a schema barge kept for such a table, and for a schema file given for it (withTableKeyRule)', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE users (id INT PRIMARY KEY, name TEXT); CREATE TABLE plain (id INTEGER, name TEXT); CREATE TABLE alias (id INTEGER PRIMARY KEY, name TEXT)');
    const file = (table: string) => parseSchemaSpec({ table, primaryKey: ['id'], columns: { id: { type: 'integer' }, name: { type: 'string' } } }, 's.json');
    saveSchema(db, file('users'));
    expect(schemaFromTable(db, 'users')!.columns.id).toEqual({ type: 'integer', required: true });
    // A file's key the table does not have as its rowid: SQLite fills in nothing either.
    expect(withTableKeyRule(db, file('users')).columns.id).toEqual({ type: 'integer', required: true });
    expect(withTableKeyRule(db, file('plain')).columns.id).toEqual({ type: 'integer', required: true });
    expect(withTableKeyRule(db, file('alias')).columns.id).toEqual({ type: 'integer' });
    // No such table yet: barge creates it with the key as the rowid.
    expect(withTableKeyRule(db, file('missing')).columns.id).toEqual({ type: 'integer' });
    // The file's own spec is left as written.
    const given = file('users');
    withTableKeyRule(db, given);
    expect(given.columns.id).toEqual({ type: 'integer' });
  });
});

describe('4. a number too small for a double inside a json value is rejected', () => {
  const spec = parseSchemaSpec({ table: 'j', columns: { doc: { type: 'json' }, x: { type: 'number' } } }, 'j.json');

  it('from CSV text or a JSON string, as a number column rejects it', () => {
    const message = (n: string, got: string) => `doc: holds a number too small for a double (${n}, which would be stored as 0): quote it in the input to keep it, got ${got}`;
    expect(outcome(spec, { doc: '{"v":1e-400}', x: '' }, true)).toEqual({ errors: [message('1e-400', JSON.stringify('{"v":1e-400}'))] });
    expect(outcome(spec, { doc: '[1, -2.5E-999]' }, false)).toEqual({ errors: [message('-2.5E-999', JSON.stringify('[1, -2.5E-999]'))] });
    const tiny = `0.${'0'.repeat(330)}1`;
    expect(outcome(spec, { doc: `[${tiny}]` }, true)).toEqual({ errors: [expect.stringContaining('doc: holds a number too small for a double (0.000')] });
    expect(outcome(spec, { x: '1e-400' }, true)).toEqual({ errors: ['x: expected a number, got "1e-400" (too small for a double: it would be stored as 0)'] });
  });

  it('leaves alone zeros, small doubles and number-like text in strings', () => {
    for (const doc of ['{"v":0e-5}', '{"v":0.0E-400}', '{"v":-0}', '{"v":5e-324}', '{"v":1e-300}', '{"s":"1e-400"}', '{"s":"a\\"1e-400"}', `[0.${'0'.repeat(322)}1]`]) {
      const result = outcome(spec, { doc }, true) as { row?: unknown[] };
      expect(result.row?.[0], doc).toBe(JSON.stringify(JSON.parse(doc)));
    }
  });

  it('underflowingNumberIn finds the first such number, outside strings', () => {
    expect(underflowingNumberIn('{"a":"1e-400","b":[1,2e-400,3e-500]}')).toBe('2e-400');
    expect(underflowingNumberIn('{"a\\\\":1e-999}')).toBe('1e-999');
    expect(underflowingNumberIn('{"a\\"":"1e-999"}')).toBeUndefined();
    expect(underflowingNumberIn('[0e-999, -0.0e-1000, 1e-300]')).toBeUndefined();
  });
});

describe('5. NUMERIC integer text just beyond SQLite\'s 64-bit range is a REAL, both signs', () => {
  it('takes -9223372036854775809 as SQLite does (REAL), from text and JSON strings; -2^63 itself stays exact', () => {
    const { spec } = derived('CREATE TABLE n (v NUMERIC)', 'n');
    expect(outcome(spec, { v: '-9223372036854775809' }, true)).toEqual({ row: [-(2 ** 63)] });
    expect(outcome(spec, { v: '9223372036854775808' }, true)).toEqual({ row: [2 ** 63] });
    expect(outcome(spec, { v: '-9223372036854775809' }, false)).toEqual({ row: [-(2 ** 63)] });
    expect(outcome(spec, { v: '-9223372036854775808' }, true)).toEqual({ row: [-(2n ** 63n)] });
    // The bare JSON numbers ±2^63 are REALs as barge's export writes them; one inside the range is still refused.
    expect(outcome(spec, { v: -(2 ** 63) }, false)).toEqual({ row: [-(2 ** 63)] });
    expect(outcome(spec, { v: -(2 ** 62) - 1024 }, false)).toEqual({ errors: [expect.stringContaining('v: holds an integer beyond 2^53')] });
  });
});

describe('6. a number enum holding an integer from 2^53 on', () => {
  const raw = (first: string) => ({ table: 't', columns: { [first]: { type: 'string' }, big: { type: 'number', enum: [9007199254740992, 2] } } });

  it('takes the listed double from text, whatever the other columns are named (constructor forces zod alone)', () => {
    for (const first of ['id', 'constructor']) {
      const spec = parseSchemaSpec(raw(first), 't.json');
      expect(outcome(spec, { [first]: 'a', big: '9007199254740992' }, true), first).toEqual({ row: ['a', 9007199254740992] });
      expect(outcome(spec, { [first]: 'a', big: '9007199254740992' }, false), first).toEqual({ row: ['a', 9007199254740992] });
      // The text of the neighbouring integer is the same double, as a number column reads it.
      expect(outcome(spec, { [first]: 'a', big: '9007199254740993' }, true), first).toEqual({ row: ['a', 9007199254740992] });
      expect(outcome(spec, { [first]: 'a', big: '9007199254740994' }, true), first).toEqual({ errors: ['big: expected one of 9007199254740992|2, got "9007199254740994"'] });
    }
  });

  it('adds no false enum error to a record rejected for another field', () => {
    const spec = parseSchemaSpec({ table: 't', columns: { n: { type: 'integer' }, big: { type: 'number', enum: [9007199254740992, 2] } } }, 't.json');
    expect(outcome(spec, { n: 'x', big: '9007199254740992' }, true)).toEqual({ errors: ['n: expected an integer, got "x"'] });
  });
});

describe('8. an NDJSON line and a JSON array element nest as deep as their text', () => {
  const options: SourceOptions = { header: true, encoding: 'utf8' };
  async function read(parse: typeof parseNdjson, text: string): Promise<SourceRecord[]> {
    const input = await openReadable(Readable.from([Buffer.from(text)]), { name: 'in', path: 'in' }, options);
    const records: SourceRecord[] = [];
    for await (const batch of parse(input, options)) records.push(...batch);
    return records;
  }
  const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);

  it('a deep value that a duplicate key drops still counts; brackets in strings do not', async () => {
    const records = [
      `{"a":${nested(100)},"a":1}`, // 101 deep in its first value
      `{"a":${nested(99)},"a":1}`, // 100 deep: allowed
      `{"a":"${'['.repeat(150)}","b":${nested(99)}}`,
      `{"a":"\\"${'{'.repeat(150)}","b":1}`,
    ];
    const ndjson = await read(parseNdjson, records.join('\n') + '\n');
    const array = await read(parseJsonArray, `[${records.join(',\n')}]`);
    for (const got of [ndjson, array]) {
      expect(got.map((r) => r.parseError?.code ?? 'ok')).toEqual(['too_deep', 'ok', 'ok', 'ok']);
    }
  });
});
