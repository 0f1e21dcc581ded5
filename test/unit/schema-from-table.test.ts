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
        price: { type: 'number', default: 0, exactIntegers: true },
        weight: { type: 'number' },
        in_stock: { type: 'boolean', required: true, default: true },
        made: { type: 'date' },
        seen_at: { type: 'datetime', sqlDefault: 'CURRENT_TIMESTAMP' },
        meta: { type: 'json' },
        note: { type: 'string', default: "it's" },
        sku: { type: 'string', unique: true },
        blob_col: { type: 'any' },
        maker: { type: 'string', references: 'makers.code' },
        a: { type: 'string' },
        b: { type: 'string' },
      },
      unique: [['a', 'b']],
      indexes: [['name'], ['made', 'name']],
      extraColumns: 'reject',
    });
  });

  it('reads DEFAULTs as values where barge can give what SQLite would store, else as SQL for SQLite to evaluate', () => {
    const db = new Database(':memory:');
    db.exec(`CREATE TABLE d (
      i1 INTEGER DEFAULT -5, i2 INTEGER DEFAULT 9007199254740993, i3 INTEGER DEFAULT 1.0, i4 INTEGER DEFAULT 0x10,
      n1 REAL DEFAULT +1.5, n2 REAL DEFAULT 1e3, n3 NUMERIC DEFAULT 9223372036854775807, n4 NUMERIC DEFAULT 2.5,
      s1 TEXT DEFAULT 'it''s', s2 TEXT DEFAULT 42, s3 TEXT DEFAULT 1.50, s4 TEXT DEFAULT X'00', s5 TEXT DEFAULT NULL, s6 TEXT DEFAULT (NULL),
      b1 BOOLEAN DEFAULT FALSE, b2 BOOLEAN DEFAULT 'maybe',
      d1 DATE DEFAULT CURRENT_DATE, d2 DATE DEFAULT '2024-02-30', t1 DATETIME DEFAULT '2024-05-01 12:00:00', t2 DATETIME DEFAULT (datetime('now', '+1 day')),
      j1 JSON DEFAULT '{"a":1}', j2 JSON DEFAULT '[', j3 JSON DEFAULT 5
    )`);
    const columns = schemaFromTable(db, 'd')!.columns;
    const read = Object.fromEntries(Object.entries(columns).map(([name, col]) => [name, col.default !== undefined ? { value: col.default } : col.sqlDefault !== undefined ? { sql: col.sqlDefault } : {}]));
    expect(read).toEqual({
      i1: { value: -5 }, i2: { sql: '9007199254740993' }, i3: { sql: '1.0' }, i4: { sql: '0x10' },
      n1: { value: 1.5 }, n2: { value: 1000 }, n3: { sql: '9223372036854775807' }, n4: { value: 2.5 },
      s1: { value: "it's" }, s2: { value: '42' }, s3: { sql: '1.50' }, s4: { sql: "X'00'" }, s5: {}, s6: {},
      b1: { value: false }, b2: { sql: "'maybe'" },
      d1: { sql: 'CURRENT_DATE' }, d2: { sql: "'2024-02-30'" }, t1: { value: '2024-05-01 12:00:00' }, t2: { sql: "datetime('now', '+1 day')" },
      j1: { value: { a: 1 } }, j2: { sql: "'['" }, j3: { sql: '5' },
    });
  });

  it('reads a DEFAULT that is an identifier ("d", d, `d`, [d]) as the string SQLite\'s grammar takes it for', () => {
    const db = new Database(':memory:');
    db.exec(`CREATE TABLE q (id INTEGER, a TEXT NOT NULL DEFAULT "d", b TEXT DEFAULT abc, c TEXT DEFAULT \`x"y\`, e INTEGER DEFAULT [7], f BOOLEAN DEFAULT "maybe", g TEXT DEFAULT current_timestamp)`);
    const columns = schemaFromTable(db, 'q')!.columns;
    const read = Object.fromEntries(Object.entries(columns).map(([name, col]) => [name, col.default !== undefined ? { value: col.default } : col.sqlDefault !== undefined ? { sql: col.sqlDefault } : {}]));
    expect(read).toEqual({ id: {}, a: { value: 'd' }, b: { value: 'abc' }, c: { value: 'x"y' }, e: { value: 7 }, f: { sql: "'maybe'" }, g: { sql: 'current_timestamp' } });
    // The SQL barge gives SQLite for f stores what SQLite's own INSERT does.
    db.exec('INSERT INTO q (id) VALUES (1)');
    expect(db.prepare(`SELECT f, (${columns.f!.sqlDefault}) AS mine FROM q`).get()).toEqual({ f: 'maybe', mine: 'maybe' });
  });

  it('reads generated columns (pragma table_info leaves them out), untyped columns as any, NUMERIC as exact', () => {
    const db = new Database(':memory:');
    db.exec(`CREATE TABLE g (id INTEGER PRIMARY KEY, a NUMERIC, u, b BLOB, n INT GENERATED ALWAYS AS (a + 1) NOT NULL, s TEXT AS (u || '') STORED,
      r DOUBLE PRECISION, f FLOAT, x DECIMAL(10, 2))`);
    expect(schemaFromTable(db, 'g')?.columns).toEqual({
      id: { type: 'integer' },
      a: { type: 'number', exactIntegers: true },
      u: { type: 'any' },
      b: { type: 'any' },
      n: { type: 'integer', generated: true },
      s: { type: 'string', generated: true },
      r: { type: 'number' },
      f: { type: 'number' },
      x: { type: 'number', exactIntegers: true },
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

  it('reads a column made again by another tool with a type that cannot hold the kept schema\'s from the table; the others keep their spec', () => {
    const db = new Database(':memory:');
    const spec = parseSchemaSpec({ table: 'flags', columns: { id: { type: 'integer' }, flag: { type: 'boolean' }, price: { type: 'number' }, code: { type: 'string', pattern: '^c' } } }, 'x');
    for (const sql of createTableStatements(spec)) db.exec(sql);
    saveSchema(db, spec);
    expect(schemaFromTable(db, 'flags')).toEqual(spec);
    // price became TEXT, which a number column cannot be (SQLite would keep "5" as text).
    db.exec('DROP TABLE flags; CREATE TABLE flags (id INTEGER, flag INTEGER, price TEXT, code TEXT)');
    expect(schemaFromTable(db, 'flags')).toEqual({
      table: 'flags',
      columns: { id: { type: 'integer' }, flag: { type: 'boolean' }, price: { type: 'string' }, code: { type: 'string', pattern: '^c' } },
      extraColumns: 'reject',
    });
  });

  it('keeps a --schema saved for a table barge did not create, whose declared types are its own (VARCHAR(20), a plain INTEGER for a boolean)', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(20), active INTEGER, seen DATETIME)');
    const spec = parseSchemaSpec({ table: 't', primaryKey: ['id'], columns: { id: { type: 'integer' }, name: { type: 'string', required: true, maxLength: 5 }, active: { type: 'boolean' }, seen: { type: 'datetime' } } }, 'x');
    saveSchema(db, spec);
    expect(schemaFromTable(db, 't')).toEqual(spec);
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
