import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BargeError } from '../../src/errors.js';
import { loadSchemaFile, parseSchemaSpec } from '../../src/schema/index.js';
import { tempDir } from '../helpers/temp-dirs.js';

const products = {
  table: 'products',
  primaryKey: ['id'],
  columns: {
    id: { type: 'string', required: true, pattern: '^P-[0-9]+$' },
    name: { type: 'string', required: true, maxLength: 200 },
    price: { type: 'number', min: 0 },
    qty: { type: 'integer', min: 0, default: 0 },
    active: { type: 'boolean' },
    released: { type: 'date' },
    category: { type: 'string', enum: ['tools', 'toys'] },
    tags: { type: 'json' },
    maker_id: { type: 'string', references: 'makers.id' },
  },
  unique: [['name', 'maker_id']],
  indexes: [['category']],
  extraColumns: 'reject',
};

function withColumns(columns: Record<string, unknown>, rest: Record<string, unknown> = {}): unknown {
  return { table: 't', columns, ...rest };
}

function schemaError(json: unknown, source = 'x.json'): string {
  try {
    parseSchemaSpec(json, source);
  } catch (error) {
    expect(error).toBeInstanceOf(BargeError);
    expect((error as BargeError).code).toBe('schema');
    return (error as BargeError).message;
  }
  throw new Error('expected a schema error');
}

describe('parseSchemaSpec', () => {
  it('accepts the SPEC example and keeps column order', () => {
    const spec = parseSchemaSpec(products, 'products.schema.json');
    expect(Object.keys(spec.columns)).toEqual(['id', 'name', 'price', 'qty', 'active', 'released', 'category', 'tags', 'maker_id']);
    expect(spec).toEqual(products);
  });

  it('defaults extraColumns to reject and accepts a single primary key name', () => {
    const spec = parseSchemaSpec({ table: 't', primaryKey: 'id', columns: { id: { type: 'integer' } } }, 'x.json');
    expect(spec).toEqual({ table: 't', primaryKey: ['id'], columns: { id: { type: 'integer' } }, extraColumns: 'reject' });
  });

  it('names the offending key for a bad type', () => {
    expect(schemaError(withColumns({ price: { type: 'float' } }), 'products.schema.json')).toBe(
      'schema products.schema.json: columns.price.type: expected one of string|integer|number|boolean|date|datetime|json, got "float"',
    );
  });

  it('an unknown key with no likely meaning lists the keys allowed there', () => {
    expect(schemaError(withColumns({ qty: { type: 'integer', zzz: 0 } }))).toBe(
      'schema x.json: columns.qty: unknown key "zzz"; the keys allowed here are type, required, default, min, max, minLength, maxLength, pattern, enum, unique, references',
    );
  });

  it('rejects unknown keys', () => {
    expect(schemaError(withColumns({ qty: { type: 'integer', minimum: 0 } }))).toBe('schema x.json: columns.qty: unknown key "minimum"; did you mean "min"?');
    expect(schemaError({ ...products, primary_key: ['id'] })).toBe('schema x.json: unknown key "primary_key"; did you mean "primaryKey"?');
  });

  it('requires table unless told otherwise', () => {
    expect(schemaError({ columns: { a: { type: 'string' } } })).toBe('schema x.json: table: is required (or pass --table)');
    expect(parseSchemaSpec({ columns: { a: { type: 'string' } } }, 'x.json', { tableOptional: true })).toEqual({
      table: '',
      columns: { a: { type: 'string' } },
      extraColumns: 'reject',
    });
  });

  it('reports wrong JSON types in words', () => {
    expect(schemaError([1])).toBe('schema x.json: expected a JSON object, got an array');
    expect(schemaError(withColumns({ a: { type: 'string', required: 'yes' } }))).toBe(
      'schema x.json: columns.a.required: expected true or false, got "yes"',
    );
    expect(schemaError(withColumns({ a: { type: 'string', maxLength: 1.5 } }))).toBe(
      'schema x.json: columns.a.maxLength: expected an integer, got 1.5',
    );
    expect(schemaError(withColumns({ a: { type: 'string' } }, { primaryKey: [1] }))).toBe(
      'schema x.json: primaryKey[0]: expected a string, got 1',
    );
    expect(schemaError(withColumns({ a: { type: 'string' } }, { unique: [[]] }))).toBe('schema x.json: unique[0]: must not be empty');
  });

  it('quotes column names that are not plain identifiers in paths', () => {
    expect(schemaError(withColumns({ 'unit price': { type: 'money' } }))).toBe(
      'schema x.json: columns["unit price"].type: expected one of string|integer|number|boolean|date|datetime|json, got "money"',
    );
  });

  it('checks that key, unique and index columns exist', () => {
    expect(schemaError(withColumns({ id: { type: 'string' } }, { primaryKey: ['sku'] }))).toBe(
      'schema x.json: primaryKey[0]: column "sku" is not defined in columns',
    );
    expect(schemaError(withColumns({ id: { type: 'string' } }, { unique: [['id', 'name']] }))).toBe(
      'schema x.json: unique[0][1]: column "name" is not defined in columns',
    );
    expect(schemaError(withColumns({ id: { type: 'string' } }, { indexes: [['id', 'id']] }))).toBe(
      'schema x.json: indexes[0][1]: column "id" is listed twice',
    );
  });

  it('a misspelt top-level key is named first, not the key it misses ("columns: is required (and 1 more problem)")', () => {
    expect(schemaError({ table: 't', colums: { x: { type: 'integer' } } })).toBe(
      'schema x.json: unknown key "colums"; did you mean "columns"? (and 1 more problem)',
    );
  });

  it('checks patterns, bounds and where constraints apply', () => {
    expect(schemaError(withColumns({ id: { type: 'string', pattern: '^(P-' } }))).toBe(
      'schema x.json: columns.id.pattern: is not a valid regular expression: Unterminated group',
    );
    expect(schemaError(withColumns({ n: { type: 'number', min: 10, max: 5 } }))).toBe(
      'schema x.json: columns.n: min (10) is greater than max (5)',
    );
    // Read rounded from the file (9007199254740993 as ...992): a bound the file does not say.
    expect(() => parseSchemaSpec(withColumns({ n: { type: 'integer', min: 9007199254740993 } }), 'x.json', { fromFile: true })).toThrow(
      'schema x.json: columns.n.min: expected an integer between -9007199254740991 and 9007199254740991, got 9007199254740992 (JSON numbers beyond 2^53 are not exact; a schema file cannot hold a larger one)',
    );
    // A schema kept by an earlier version is read as it was kept (not refused: it would lock the table out).
    expect(parseSchemaSpec(withColumns({ n: { type: 'integer', min: 9007199254740993 } }), 'kept').columns.n!.min).toBe(9007199254740992);
    expect(parseSchemaSpec(withColumns({ n: { type: 'number', max: 1e300 } }), 'x.json').columns.n!.max).toBe(1e300);
    // SQLite's own limits, written out, read as ±2^63: accepted, as before.
    const limits = parseSchemaSpec(withColumns({ n: { type: 'integer', min: -9223372036854775808, max: 9223372036854775807 } }), 'x.json', { fromFile: true }).columns.n!;
    expect([limits.min, limits.max]).toEqual([-(2 ** 63), 2 ** 63]);
    // Beyond SQLite's integers: no bound for them, whatever its rounding.
    expect(parseSchemaSpec(withColumns({ n: { type: 'integer', max: 1e300 } }), 'x.json').columns.n!.max).toBe(1e300);
    expect(schemaError(withColumns({ s: { type: 'string', minLength: 3, maxLength: 2 } }))).toBe(
      'schema x.json: columns.s: minLength (3) is greater than maxLength (2)',
    );
    expect(schemaError(withColumns({ s: { type: 'string', min: 1 } }))).toBe(
      'schema x.json: columns.s.min: applies only to integer and number columns (use minLength/maxLength for the length of a string)',
    );
    // A date bound written as a date: not "expected a number", which sent the user to write it as one.
    expect(schemaError(withColumns({ d: { type: 'date', min: '2024-01-01' } }))).toBe(
      'schema x.json: columns.d.min: applies only to integer and number columns: a date column has no bounds',
    );
    expect(schemaError(withColumns({ d: { type: 'datetime', max: 5 } }))).toBe(
      'schema x.json: columns.d.max: applies only to integer and number columns: a datetime column has no bounds',
    );
    expect(schemaError(withColumns({ s: { type: 'string', max: 'z' } }))).toBe(
      'schema x.json: columns.s.max: applies only to integer and number columns (use minLength/maxLength for the length of a string)',
    );
    expect(schemaError(withColumns({ n: { type: 'integer', min: '0' } }))).toBe('schema x.json: columns.n.min: expected a number, got "0"');
    expect(schemaError(withColumns({ n: { type: 'integer', pattern: '^1' } }))).toBe(
      'schema x.json: columns.n.pattern: applies only to string columns',
    );
  });

  it('checks defaults against the type and constraints', () => {
    expect(schemaError(withColumns({ qty: { type: 'integer', default: 'zero' } }))).toBe(
      'schema x.json: columns.qty.default: expected an integer, got "zero"',
    );
    expect(schemaError(withColumns({ qty: { type: 'integer', default: '5' } }))).toBe(
      'schema x.json: columns.qty.default: expected an integer, got "5"',
    );
    expect(schemaError(withColumns({ qty: { type: 'integer', min: 0, default: -1 } }))).toBe(
      'schema x.json: columns.qty.default: expected an integer >= 0, got -1',
    );
    expect(schemaError(withColumns({ d: { type: 'date', default: '2024-02-30' } }))).toBe(
      'schema x.json: columns.d.default: expected a date YYYY-MM-DD, got "2024-02-30" (no such day in the calendar)',
    );
    expect(schemaError(withColumns({ c: { type: 'string', enum: ['a', 'b'], default: 'c' } }))).toBe(
      'schema x.json: columns.c.default: expected one of a|b, got "c"',
    );
    expect(schemaError(withColumns({ b: { type: 'boolean', default: null } }))).toBe(
      'schema x.json: columns.b.default: expected true or false (a JSON boolean), got null',
    );
    expect(schemaError(withColumns({ j: { type: 'json', default: 3 } }))).toBe(
      'schema x.json: columns.j.default: expected a JSON object or array, got 3',
    );
  });

  it('checks enum values against the type', () => {
    expect(schemaError(withColumns({ n: { type: 'integer', enum: [1, 2, 'three'] } }))).toBe(
      'schema x.json: columns.n.enum[2]: expected an integer, got "three"',
    );
    expect(schemaError(withColumns({ s: { type: 'string', maxLength: 3, enum: ['ok', 'toolong'] } }))).toBe(
      'schema x.json: columns.s.enum[1]: expected at most 3 characters, got 7',
    );
    expect(schemaError(withColumns({ s: { type: 'string', enum: [] } }))).toBe('schema x.json: columns.s.enum: must not be empty');
  });

  it('checks references and names', () => {
    expect(schemaError(withColumns({ m: { type: 'string', references: 'makers' } }))).toBe(
      'schema x.json: columns.m.references: expected "table.column", got "makers"',
    );
    expect(schemaError(withColumns({ m: { type: 'string', references: 't.nope' } }))).toBe(
      'schema x.json: columns.m.references: column "nope" is not defined in columns',
    );
    expect(schemaError({ table: 'sqlite_x', columns: { a: { type: 'string' } } })).toBe(
      'schema x.json: table: table name "sqlite_x" starts with "sqlite_", which SQLite reserves; choose another name',
    );
    expect(schemaError(withColumns({ _barge_line: { type: 'integer' } }))).toBe(
      'schema x.json: columns._barge_line: column name "_barge_line" starts with "_barge", which barge reserves for its own tables and report fields; choose another name',
    );
    expect(schemaError(withColumns({}))).toBe('schema x.json: columns: must define at least one column');
  });

  it('words a default or enum value for the JSON of the file: a JSON boolean, an integer JSON can hold exactly', () => {
    expect(schemaError(withColumns({ b: { type: 'boolean', default: 'true' } }))).toBe('schema x.json: columns.b.default: expected true or false (a JSON boolean), got "true"');
    expect(schemaError(withColumns({ b: { type: 'boolean', enum: ['yes'] } }))).toBe('schema x.json: columns.b.enum[0]: expected true or false (a JSON boolean), got "yes"');
    expect(schemaError(withColumns({ b: { type: 'boolean', default: 1 } }))).toBe('schema x.json: columns.b.default: expected true or false (a JSON boolean), got 1');
    expect(schemaError(withColumns({ a: { type: 'integer', default: 9007199254740993 } }))).toBe(
      'schema x.json: columns.a.default: expected an integer between -9007199254740991 and 9007199254740991, got 9007199254740992 (JSON numbers beyond 2^53 are not exact; a schema file cannot hold a larger one)',
    );
  });

  it('refuses a column named "__proto__", which would vanish from the columns unseen', () => {
    const json = JSON.parse('{"table":"p","columns":{"__proto__":{"type":"integer","required":true},"b":{"type":"string"}}}') as unknown;
    expect(schemaError(json)).toBe('schema x.json: columns.__proto__: column name "__proto__" cannot be used (it is special in JavaScript objects)');
  });

  it('counts further problems in the one line', () => {
    expect(schemaError(withColumns({ a: { type: 'float' }, b: { type: 'text' } }))).toBe(
      'schema x.json: columns.a.type: expected one of string|integer|number|boolean|date|datetime|json, got "float" (and 1 more problem)',
    );
  });
});

describe('loadSchemaFile', () => {
  const dir = tempDir('barge-schema-');

  it('reads a file', () => {
    const path = join(dir, 'products.schema.json');
    writeFileSync(path, '\uFEFF' + JSON.stringify(products, null, 2));
    expect(loadSchemaFile(path)).toEqual(products);
  });

  it('says when the file is missing or not JSON', () => {
    const missing = join(dir, 'nope.json');
    expect(() => loadSchemaFile(missing)).toThrow(new BargeError('schema', `schema ${missing}: file not found`));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{\n  "table": "t",\n  "columns": {,}\n}');
    let message = '';
    try {
      loadSchemaFile(bad);
    } catch (error) {
      expect((error as BargeError).code).toBe('schema');
      message = (error as Error).message;
    }
    // Said as the input readers say JSON errors, at line and column.
    expect(message).toBe(`schema ${bad}: not valid JSON: expected a property name in double quotes, got ',' at line 3, column 15`);
  });

  it('a file that is no JSON at all: what is wrong and where, not V8\'s quote of its start; a CSV given as the schema is said to be a data file', () => {
    const csv = join(dir, 'products.csv');
    writeFileSync(csv, 'id,name,colour\n1,a,red\n');
    expect(() => loadSchemaFile(csv)).toThrow(new BargeError('schema', `schema "${csv}" looks like a data file, not a barge schema: pass it as the input (barge schema infer ${csv} writes a schema for it)`));
    const trailing = join(dir, 'trailing.json');
    writeFileSync(trailing, '{\n  "table": "t",\n  "columns": { "a": {"type":"string"}, }\n}');
    expect(() => loadSchemaFile(trailing)).toThrow(new BargeError('schema', `schema ${trailing}: not valid JSON: expected a property name in double quotes, got '}' at line 3, column 40; remove the trailing comma`));
  });

  it('names the file in content errors', () => {
    const path = join(dir, 'typo.json');
    writeFileSync(path, JSON.stringify(withColumns({ qty: { type: 'integer', minimum: 0 } })));
    expect(() => loadSchemaFile(path)).toThrow(`schema ${path}: columns.qty: unknown key "minimum"; did you mean "min"?`);
  });
});

/** Writes `content` as dir/name and loads it: 'loaded', or the error's message (the directory left out). */
function loadOrMessage(dir: string, name: string, content: string | Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  try {
    loadSchemaFile(file);
    return 'loaded';
  } catch (error) {
    return (error as BargeError).message.replace(`${dir}/`, '');
  }
}

describe('schema files as written by hand', () => {
  const dir = tempDir('barge-schema-hand-');
  const load = (name: string, content: string | Buffer) => loadOrMessage(dir, name, content);

  it('a key declared twice is refused, naming it and the line (the last one won: a min:0 was dropped, -3 loaded)', () => {
    expect(load('dup.json', '{"table":"p","columns":{\n"price":{"type":"number","min":0},\n"id":{"type":"integer"},\n"price":{"type":"number"}}}')).toBe(
      'schema dup.json: columns.price: declared twice (line 4 is the second); JSON keeps only the last, so remove one',
    );
    expect(load('dup2.json', '{"table":"p","primaryKey":["id"],"columns":{"id":{"type":"integer"}},"primaryKey":["id"]}')).toBe(
      'schema dup2.json: primaryKey: declared twice (line 1 is the second); JSON keeps only the last, so remove one',
    );
    expect(load('nested.json', '{"table":"p","columns":{"a":{"type":"json","default":{"x":1,"y":{"x":2}}}}}')).toBe('loaded');
    expect(load('strings.json', '{"table":"p","columns":{"a":{"type":"string","enum":["a\\":","a\\":"]}}}')).not.toContain('declared twice');
  });

  it('a file that is not UTF-8 is refused where the bad byte is (a latin1 "café" made a table named "caf\\uFFFD")', () => {
    expect(load('latin1.json', Buffer.from('{"table":"caf\xe9","columns":{"a":{"type":"integer"}}}', 'latin1'))).toBe(
      'schema latin1.json: invalid UTF-8 at line 1, column 14 (byte offset 13); save it as UTF-8',
    );
  });

  it('a misspelled key gets the key meant: minLen is minLength (it said "min"), requried is required (it got no hint)', () => {
    expect(load('minlen.json', '{"table":"p","columns":{"a":{"type":"string","minLen":1}}}')).toBe('schema minlen.json: columns.a: unknown key "minLen"; did you mean "minLength"?');
    expect(load('req.json', '{"table":"p","columns":{"a":{"type":"string","requried":true}}}')).toBe('schema req.json: columns.a: unknown key "requried"; did you mean "required"?');
  });
});

describe('an integer column whose min and max hold no integer', () => {
  it('is refused (every record was rejected)', () => {
    expect(schemaError({ table: 't', columns: { n: { type: 'integer', min: 1.2, max: 1.8 } } })).toBe('schema x.json: columns.n: no integer lies between min (1.2) and max (1.8)');
    expect(() => parseSchemaSpec({ table: 't', columns: { n: { type: 'integer', min: 1.2, max: 2 } } }, 'x.json')).not.toThrow();
  });
});

describe('schema files that are not UTF-8, found by the review', () => {
  const dir = tempDir('barge-schema-utf-');
  const load = (name: string, content: Buffer) => loadOrMessage(dir, name, content);
  it('a bad first byte is at column 1 (it said column -61), and UTF-16 is named', () => {
    expect(load('first.json', Buffer.from([0xe9, 0x7b, 0x7d]))).toBe('schema first.json: invalid UTF-8 at line 1, column 1 (byte offset 0); save it as UTF-8');
    expect(load('u16.json', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{}', 'utf16le')]))).toBe('schema u16.json: is UTF-16 (it starts with a byte order mark); save it as UTF-8');
  });
});
