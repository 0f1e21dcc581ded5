import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { BargeError } from '../../src/errors.js';
import { createTableStatements, parseSchemaSpec, saveSchema, schemaFromTable } from '../../src/schema/index.js';

describe('schemaFromTable', () => {
  it('returns undefined for a missing table', () => {
    const db = new Database(':memory:');
    expect(schemaFromTable(db, 'nope')).toBeUndefined();
  });

  it("derives a schema from SQLite's catalogue", () => {
    const db = new Database(':memory:');
    db.exec(`
      CREATE TABLE makers (code TEXT PRIMARY KEY);
      CREATE TABLE "Item List" (
        id INTEGER PRIMARY KEY,
        name VARCHAR(80) NOT NULL,
        price DECIMAL(10,2) DEFAULT 0,
        weight DOUBLE,
        in_stock BOOLEAN NOT NULL DEFAULT TRUE,
        made DATE,
        seen_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
        meta JSON,
        note TEXT DEFAULT 'it''s',
        sku TEXT UNIQUE,
        blob_col BLOB,
        maker TEXT REFERENCES makers,
        a TEXT, b TEXT,
        UNIQUE (a, b)
      );
      CREATE INDEX by_name ON "Item List" (name);
      CREATE INDEX by_made_name ON "Item List" (made, name);
      CREATE INDEX by_expr ON "Item List" (lower(name));
    `);
    expect(schemaFromTable(db, 'item list')).toEqual({
      table: 'Item List',
      primaryKey: ['id'],
      columns: {
        id: { type: 'integer' },
        name: { type: 'string', required: true },
        price: { type: 'number', default: 0 },
        weight: { type: 'number' },
        in_stock: { type: 'boolean', required: true, default: true },
        made: { type: 'date' },
        seen_at: { type: 'datetime' },
        meta: { type: 'json' },
        note: { type: 'string', default: "it's" },
        sku: { type: 'string', unique: true },
        blob_col: { type: 'string' },
        maker: { type: 'string', references: 'makers.code' },
        a: { type: 'string' },
        b: { type: 'string' },
      },
      unique: [['a', 'b']],
      indexes: [['name'], ['made', 'name']],
      extraColumns: 'reject',
    });
  });

  it('derives composite keys', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE p (b TEXT, a INT, PRIMARY KEY (a, b))');
    expect(schemaFromTable(db, 'p')).toEqual({
      table: 'p',
      primaryKey: ['a', 'b'],
      columns: { b: { type: 'string' }, a: { type: 'integer' } },
      extraColumns: 'reject',
    });
  });

  it('prefers the exact schema barge kept', () => {
    const db = new Database(':memory:');
    const spec = parseSchemaSpec(
      {
        table: 'products',
        primaryKey: ['id'],
        columns: {
          id: { type: 'string', pattern: '^P-[0-9]+$' },
          active: { type: 'boolean' },
          tags: { type: 'json' },
          category: { type: 'string', enum: ['tools', 'toys'] },
        },
        extraColumns: 'ignore',
      },
      'x',
    );
    for (const sql of createTableStatements(spec)) db.exec(sql);
    saveSchema(db, spec);
    expect(schemaFromTable(db, 'products')).toEqual(spec);
    expect(db.prepare('SELECT table_name, schema_json FROM _barge_schemas').all()).toEqual([
      { table_name: 'products', schema_json: JSON.stringify(spec) },
    ]);
    // Saving again replaces the row.
    saveSchema(db, { ...spec, extraColumns: 'reject' });
    expect(db.prepare('SELECT count(*) FROM _barge_schemas').pluck().get()).toBe(1);
    expect(schemaFromTable(db, 'products')?.extraColumns).toBe('reject');
  });

  it('merges the kept schema with columns added to the table since', () => {
    const db = new Database(':memory:');
    const spec = parseSchemaSpec({ table: 't', columns: { id: { type: 'string', pattern: '^x' }, on: { type: 'boolean' } } }, 'x');
    for (const sql of createTableStatements(spec)) db.exec(sql);
    saveSchema(db, spec);
    db.exec('ALTER TABLE t ADD COLUMN added REAL');
    expect(schemaFromTable(db, 't')).toEqual({
      table: 't',
      columns: { id: { type: 'string', pattern: '^x' }, on: { type: 'boolean' }, added: { type: 'number' } },
      extraColumns: 'reject',
    });
  });

  it('says when the kept schema is broken', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (a TEXT)');
    saveSchema(db, { table: 't', columns: { a: { type: 'string' } } });
    db.prepare('UPDATE _barge_schemas SET schema_json = ?').run('{"table":"t","columns":{"a":{"type":"text"}}}');
    expect(() => schemaFromTable(db, 't')).toThrow(
      new BargeError(
        'schema',
        'schema kept in _barge_schemas for table "t": columns.a.type: expected one of string|integer|number|boolean|date|datetime|json, got "text"',
      ),
    );
  });
});
