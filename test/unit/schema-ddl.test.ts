import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { compileValidator, createTableStatements, parseSchemaSpec } from '../../src/schema/index.js';

const makers = parseSchemaSpec({ table: 'makers', primaryKey: ['id'], columns: { id: { type: 'string' } } }, 'makers.json');
const products = parseSchemaSpec(
  {
    table: 'products',
    primaryKey: ['id'],
    columns: {
      id: { type: 'string', required: true, pattern: '^P-[0-9]+$' },
      name: { type: 'string', required: true, maxLength: 200 },
      price: { type: 'number', min: 0 },
      qty: { type: 'integer', min: 0, default: 0 },
      active: { type: 'boolean', default: true },
      released: { type: 'date' },
      seen: { type: 'datetime' },
      category: { type: 'string', enum: ['tools', 'toys'], default: 'tools' },
      note: { type: 'string', default: "it's" },
      tags: { type: 'json', default: ['a'] },
      sku: { type: 'string', unique: true },
      maker_id: { type: 'string', references: 'makers.id' },
    },
    unique: [['name', 'maker_id']],
    indexes: [['category'], ['released', 'category']],
  },
  'products.json',
);

function freshDb(): Database.Database {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  for (const sql of [...createTableStatements(makers), ...createTableStatements(products)]) db.exec(sql);
  db.prepare('INSERT INTO makers (id) VALUES (?)').run('M1');
  return db;
}

const columns = Object.keys(products.columns);
const insertSql = `INSERT INTO products (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;

function insert(db: Database.Database, values: Record<string, unknown>): void {
  const v = compileValidator(products);
  const result = v.validate(values, false);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  db.prepare(insertSql).run(...result.row);
}

describe('createTableStatements', () => {
  it('writes the exact DDL', () => {
    expect(createTableStatements(products)).toEqual([
      `CREATE TABLE "products" (
  "id" TEXT NOT NULL PRIMARY KEY,
  "name" TEXT NOT NULL,
  "price" REAL,
  "qty" INTEGER DEFAULT 0,
  "active" INTEGER DEFAULT 1 CHECK ("active" IN (0, 1)),
  "released" TEXT,
  "seen" TEXT,
  "category" TEXT DEFAULT 'tools',
  "note" TEXT DEFAULT 'it''s',
  "tags" TEXT DEFAULT '["a"]',
  "sku" TEXT UNIQUE,
  "maker_id" TEXT,
  UNIQUE ("name", "maker_id"),
  FOREIGN KEY ("maker_id") REFERENCES "makers" ("id")
)`,
      'CREATE INDEX "products_category_idx" ON "products" ("category")',
      'CREATE INDEX "products_released_category_idx" ON "products" ("released", "category")',
    ]);
  });

  it('gives SQLite the declared types, NOT NULL, key and defaults', () => {
    const db = freshDb();
    const info = db.prepare('SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?)').all('products');
    expect(info).toEqual([
      { name: 'id', type: 'TEXT', notnull: 1, dflt_value: null, pk: 1 },
      { name: 'name', type: 'TEXT', notnull: 1, dflt_value: null, pk: 0 },
      { name: 'price', type: 'REAL', notnull: 0, dflt_value: null, pk: 0 },
      { name: 'qty', type: 'INTEGER', notnull: 0, dflt_value: '0', pk: 0 },
      { name: 'active', type: 'INTEGER', notnull: 0, dflt_value: '1', pk: 0 },
      { name: 'released', type: 'TEXT', notnull: 0, dflt_value: null, pk: 0 },
      { name: 'seen', type: 'TEXT', notnull: 0, dflt_value: null, pk: 0 },
      { name: 'category', type: 'TEXT', notnull: 0, dflt_value: "'tools'", pk: 0 },
      { name: 'note', type: 'TEXT', notnull: 0, dflt_value: "'it''s'", pk: 0 },
      { name: 'tags', type: 'TEXT', notnull: 0, dflt_value: `'["a"]'`, pk: 0 },
      { name: 'sku', type: 'TEXT', notnull: 0, dflt_value: null, pk: 0 },
      { name: 'maker_id', type: 'TEXT', notnull: 0, dflt_value: null, pk: 0 },
    ]);
    db.prepare('INSERT INTO products (id, name) VALUES (?, ?)').run('P-1', 'n');
    expect(db.prepare('SELECT qty, active, note, tags FROM products').get()).toEqual({ qty: 0, active: 1, note: "it's", tags: '["a"]' });
    expect(db.prepare(`SELECT name FROM pragma_index_list('products') WHERE origin = 'c' ORDER BY name`).pluck().all()).toEqual([
      'products_category_idx',
      'products_released_category_idx',
    ]);
  });

  it('stores validated rows', () => {
    const db = freshDb();
    insert(db, { id: 'P-1', name: 'Hammer', price: 9.5, active: false, tags: { a: 1 }, maker_id: 'M1' });
    expect(db.prepare('SELECT * FROM products').get()).toEqual({
      id: 'P-1',
      name: 'Hammer',
      price: 9.5,
      qty: 0,
      active: 0,
      released: null,
      seen: null,
      category: 'tools',
      note: "it's",
      tags: '{"a":1}',
      sku: null,
      maker_id: 'M1',
    });
  });

  it('enforces each constraint', () => {
    const db = freshDb();
    insert(db, { id: 'P-1', name: 'Hammer', sku: 'S1', maker_id: 'M1' });
    const raw = (sql: string, ...args: unknown[]) => () => db.prepare(sql).run(...args);
    expect(raw('INSERT INTO products (id, name) VALUES (?, NULL)', 'P-2')).toThrow('NOT NULL constraint failed: products.name');
    expect(raw('INSERT INTO products (id, name) VALUES (NULL, ?)', 'x')).toThrow('NOT NULL constraint failed: products.id');
    expect(raw('INSERT INTO products (id, name) VALUES (?, ?)', 'P-1', 'other')).toThrow('UNIQUE constraint failed: products.id');
    expect(raw('INSERT INTO products (id, name, sku) VALUES (?, ?, ?)', 'P-2', 'other', 'S1')).toThrow(
      'UNIQUE constraint failed: products.sku',
    );
    expect(raw('INSERT INTO products (id, name, maker_id) VALUES (?, ?, ?)', 'P-2', 'Hammer', 'M1')).toThrow(
      'UNIQUE constraint failed: products.name, products.maker_id',
    );
    expect(raw('INSERT INTO products (id, name, maker_id) VALUES (?, ?, ?)', 'P-2', 'Saw', 'M9')).toThrow('FOREIGN KEY constraint failed');
    expect(raw('INSERT INTO products (id, name, active) VALUES (?, ?, ?)', 'P-2', 'Saw', 2)).toThrow(
      'CHECK constraint failed: active',
    );
    expect(db.prepare('SELECT count(*) FROM products').pluck().get()).toBe(1);
  });

  it('uses a composite primary key as a table constraint and lets a lone integer key be the rowid', () => {
    const pair = parseSchemaSpec(
      { table: 'pairs', primaryKey: ['a', 'b'], columns: { a: { type: 'integer' }, b: { type: 'string' } } },
      'x',
    );
    expect(createTableStatements(pair)).toEqual([
      'CREATE TABLE "pairs" (\n  "a" INTEGER NOT NULL,\n  "b" TEXT NOT NULL,\n  PRIMARY KEY ("a", "b")\n)',
    ]);
    const auto = parseSchemaSpec({ table: 'auto', primaryKey: ['id'], columns: { id: { type: 'integer' }, x: { type: 'string' } } }, 'x');
    const db = new Database(':memory:');
    for (const sql of createTableStatements(auto)) db.exec(sql);
    const row = compileValidator(auto).validate({ x: 'a' }, true);
    expect(row).toEqual({ ok: true, row: [null, 'a'] });
    if (row.ok) db.prepare('INSERT INTO auto VALUES (?, ?)').run(...row.row);
    expect(db.prepare('SELECT id, x FROM auto').all()).toEqual([{ id: 1, x: 'a' }]);
  });

  it('quotes hostile names everywhere', () => {
    const spec = parseSchemaSpec(
      {
        table: '"; DROP TABLE x; --',
        primaryKey: ['select'],
        columns: { select: { type: 'string' }, 'a"b': { type: 'boolean', default: false }, "it's": { type: 'string', default: "'; --" } },
        indexes: [["it's"]],
      },
      'x',
    );
    const db = new Database(':memory:');
    db.exec('CREATE TABLE x (id INTEGER)');
    for (const sql of createTableStatements(spec)) db.exec(sql);
    const v = compileValidator(spec);
    const result = v.validate({ select: 'k', 'a"b': 'yes' }, true);
    if (!result.ok) throw new Error('invalid');
    db.prepare(`INSERT INTO """; DROP TABLE x; --" VALUES (?, ?, ?)`).run(...result.row);
    expect(db.prepare(`SELECT * FROM """; DROP TABLE x; --"`).all()).toEqual([{ select: 'k', 'a"b': 1, "it's": "'; --" }]);
    expect(db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'x'`).pluck().get()).toBe(1);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`).pluck().get()).toBe(
      `"; DROP TABLE x; --_it's_idx`,
    );
  });
});
