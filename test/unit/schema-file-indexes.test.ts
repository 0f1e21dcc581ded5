import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { BargeError } from '../../src/errors.js';
import { foreignKeysOf, referenceProblem } from '../../src/pipeline/table-checks.js';
import { createTableStatements, indexName, loadSchemaFile, parseSchemaSpec } from '../../src/schema/index.js';
import { tempDir } from '../helpers/temp-dirs.js';

// Repeated and redundant indexes, references to a key of the table itself (src/schema/schema-file.ts),
// index names (src/schema/to-ddl.ts) and references into a database (src/pipeline/table-checks.ts).

function fileError(json: unknown, source = 'x.json'): string {
  try {
    parseSchemaSpec(json, source, { fromFile: true });
  } catch (error) {
    expect(error).toBeInstanceOf(BargeError);
    expect((error as BargeError).code).toBe('schema');
    return (error as BargeError).message;
  }
  throw new Error('expected a schema error');
}

const columns = { a: { type: 'integer' }, b: { type: 'integer' }, c: { type: 'string', unique: true } };

describe('indexes in a schema file', () => {
  it('an index repeating another, the primary key or a unique constraint is an error naming it; other lists are not', () => {
    const t = (rest: Record<string, unknown>) => ({ table: 't', columns, ...rest });
    expect(fileError(t({ indexes: [['a'], ['a']] }))).toBe('schema x.json: indexes[1]: repeats indexes[0]; list each index once');
    expect(fileError(t({ indexes: [['a', 'b'], ['b'], ['a', 'b']] }))).toBe('schema x.json: indexes[2]: repeats indexes[0]; list each index once');
    expect(fileError(t({ primaryKey: 'a', indexes: [['a']] }))).toBe('schema x.json: indexes[0]: is the primary key, which SQLite indexes already; remove it');
    expect(fileError(t({ primaryKey: ['a', 'b'], indexes: [['b'], ['a', 'b']] }))).toBe(
      'schema x.json: indexes[1]: is the primary key, which SQLite indexes already; remove it',
    );
    expect(fileError(t({ unique: [['c', 'a'], ['b', 'a']], indexes: [['b', 'a']] }))).toBe(
      'schema x.json: indexes[0]: repeats unique[1], which SQLite indexes already; remove it',
    );
    expect(fileError(t({ indexes: [['c']] }))).toBe('schema x.json: indexes[0]: column "c" is unique, which SQLite indexes already; remove it');
    expect(fileError(t({ indexes: [['a'], ['a'], ['a']] }))).toBe('schema x.json: indexes[1]: repeats indexes[0]; list each index once (and 1 more problem)');
    // Another order, a prefix or a longer list is another index.
    const spec = parseSchemaSpec(
      { table: 't', columns, primaryKey: ['a', 'b'], unique: [['b', 'c']], indexes: [['b', 'a'], ['a'], ['c', 'b'], ['c', 'a']] },
      'x.json',
      { fromFile: true },
    );
    expect(spec.indexes).toEqual([['b', 'a'], ['a'], ['c', 'b'], ['c', 'a']]);
  });

  it('loadSchemaFile checks them; a schema barge kept (parsed without fromFile) still reads, and its repeat is created once', () => {
    const dir = tempDir('barge-schema-');
    const file = join(dir, 'dup.json');
    const json = { table: 't', columns, indexes: [['a'], ['a']] };
    writeFileSync(file, JSON.stringify(json));
    expect(() => loadSchemaFile(file)).toThrow(`schema ${file}: indexes[1]: repeats indexes[0]; list each index once`);
    const kept = parseSchemaSpec(json, 'kept in _barge_schemas for table "t"', { tableOptional: true });
    expect(kept.indexes).toEqual([['a'], ['a']]);
    expect(createTableStatements(kept).slice(1)).toEqual(['CREATE INDEX "t_a_idx" ON "t" ("a")']);
  });
});

describe('references to the table itself', () => {
  const self = (references: string, rest: Record<string, unknown> = {}) => ({
    table: 't',
    columns: { id: { type: 'integer' }, a: { type: 'string' }, u: { type: 'string', unique: true }, m: { type: 'string', references } },
    ...rest,
  });

  it('must name its primary key or a unique column, and can', () => {
    expect(fileError(self('t.a'))).toBe(
      'schema x.json: columns.m.references: t.a is not the primary key or a unique column of "t", and SQLite can only reference one of those: "u"',
    );
    expect(fileError(self('t.a', { primaryKey: ['id', 'a'], indexes: [['a']] }))).toBe(
      'schema x.json: columns.m.references: t.a is not the primary key or a unique column of "t", and SQLite can only reference one of those: "u"',
    );
    expect(fileError({ table: 't', primaryKey: ['id'], columns: { id: { type: 'integer' }, m: { type: 'string', references: 't.m' } } })).toBe(
      'schema x.json: columns.m.references: t.m is not the primary key or a unique column of "t", and SQLite can only reference one of those: "id"',
    );
    expect(fileError({ table: 't', columns: { a: { type: 'string', references: 't.a' } } })).toBe(
      'schema x.json: columns.a.references: t.a is not the primary key or a unique column of "t", and SQLite can only reference one of those (it has none)',
    );
    expect(fileError(self('T.nope'))).toBe('schema x.json: columns.m.references: column "nope" is not defined in columns');
    // The sole primary key, a unique column or a one-column unique constraint will do, in any case.
    for (const [references, rest] of [
      ['t.id', { primaryKey: 'id' }],
      ['t.U', {}],
      ['T.a', { unique: [['a'], ['id', 'a']] }],
    ] as const) {
      expect(parseSchemaSpec(self(references, rest), 'x.json', { fromFile: true }).columns.m).toEqual({ type: 'string', references });
    }
    // A kept schema is read as it was kept: an import checks it against its table.
    expect(parseSchemaSpec(self('t.a'), 'kept').columns.m).toEqual({ type: 'string', references: 't.a' });
  });
});

describe('indexName', () => {
  it('keeps names without "_" as they were, and brackets the others', () => {
    expect(indexName('products', ['released', 'category'])).toBe('products_released_category_idx');
    expect(indexName('price, EUR', ["it's"])).toBe("price, EUR_it's_idx");
    expect(indexName('order', ['item_id'])).toBe('order_[item_id]_idx');
    expect(indexName('order_item', ['id'])).toBe('[order_item]_id_idx');
    expect(indexName('t', ['a_b'])).toBe('t_[a_b]_idx');
    expect(indexName('t', ['a', 'b'])).toBe('t_a_b_idx');
    expect(indexName('t', ['[x', 'y]_', 'x]'])).toBe('t_[[x]_[y]]_]_x]_idx');
  });

  it('gives every table and column list its own name', () => {
    // Every name of up to 3 characters from the characters that matter, as table, column, column.
    const alphabet = ['a', '_', '[', ']'];
    let names = [''];
    const all: string[] = [];
    for (let length = 1; length <= 3; length++) {
      names = names.flatMap((prefix) => alphabet.map((c) => prefix + c));
      all.push(...names);
    }
    const seen = new Map<string, string>();
    const lists = [...all.flatMap((t) => all.map((c) => [t, c])), ...all.slice(0, 20).flatMap((t) => all.flatMap((c) => all.slice(0, 20).map((d) => [t, c, d])))];
    for (const [table, ...cols] of lists) {
      const name = indexName(table!, cols);
      const key = JSON.stringify([table, ...cols]);
      expect(seen.get(name) ?? key, name).toBe(key);
      seen.set(name, key);
    }
    expect(seen.size).toBe(lists.length);
  });

  it('tables whose old names collided both get their indexes', () => {
    const db = new Database(':memory:');
    const cols = { id: { type: 'integer' }, item_id: { type: 'integer' }, a_b: { type: 'integer' }, a: { type: 'integer' }, b: { type: 'integer' } };
    for (const [table, indexes] of [['order', [['item_id'], ['a_b'], ['a', 'b']]], ['order_item', [['id']]]] as const) {
      for (const sql of createTableStatements(parseSchemaSpec({ table, columns: cols, indexes }, 'x.json', { fromFile: true }))) db.exec(sql);
    }
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY rowid").pluck().all()).toEqual([
      'order_[item_id]_idx',
      'order_[a_b]_idx',
      'order_a_b_idx',
      '[order_item]_id_idx',
    ]);
  });
});

describe('referenceProblem against a database', () => {
  const db = new Database(':memory:');
  db.exec(`
    CREATE TABLE p (id TEXT PRIMARY KEY, u TEXT UNIQUE, pu TEXT, e TEXT, pair1 TEXT, pair2 TEXT, plain TEXT);
    CREATE UNIQUE INDEX p_pu ON p (pu) WHERE pu IS NOT NULL;
    CREATE UNIQUE INDEX p_e ON p (lower(e));
    CREATE UNIQUE INDEX p_pair ON p (pair1, pair2);
    CREATE INDEX p_plain ON p (plain);
    CREATE TABLE r (id INTEGER PRIMARY KEY, x TEXT);
    CREATE TABLE w (a TEXT, b TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID;
  `);
  const problem = (references: string) => {
    const spec = parseSchemaSpec({ table: 'c', columns: { m: { type: 'string', references } } }, 'x.json');
    return referenceProblem(db, spec, foreignKeysOf(spec)[0]!);
  };

  it('the primary key (rowid or not) and unique columns are keys; a partial, expression, composite or plain index is not', () => {
    for (const ok of ['p.id', 'p.U', 'P.u', 'r.id', 'missing.x']) expect(problem(ok), ok).toBeUndefined();
    for (const no of ['p.pu', 'p.e', 'p.pair1', 'p.plain']) expect(problem(no), no).toEqual({ keys: ['id', 'u'] });
    expect(problem('r.x')).toEqual({ keys: ['id'] });
    expect(problem('w.a')).toEqual({ keys: [] });
    expect(problem('p.nope')).toEqual({});
  });
});
