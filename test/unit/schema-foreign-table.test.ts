import { MessageChannel } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { packChunk, unpackChunk } from '../../src/pipeline/packed-chunk.js';
import { compileValidator, createTableStatements, parseSchemaSpec, schemaFromTable, type SchemaSpec } from '../../src/schema/index.js';
import { typeFromDeclared } from '../../src/schema/from-table.js';
import { isSqlDefault, SQL_DEFAULT } from '../../src/schema/zod-schema.js';
import { BatchWriter } from '../../src/store/batch-writer.js';

/**
 * Tables barge did not create (made by the sqlite3 shell or another tool): the schema read from
 * their catalogue, the validator it compiles to, and the writes, so that an export of such a
 * table imports back into one of the same definition row for row (SPEC §7).
 */

const DATETIME_GLOB = '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]';

/** The one-row INSERT a writer prepared. */
function statementSql(writer: BatchWriter): string {
  return (writer as unknown as { single: { source: string } }).single.source;
}

function derived(ddl: string, table: string): { db: Database.Database; spec: SchemaSpec } {
  const db = new Database(':memory:');
  db.exec(ddl);
  return { db, spec: schemaFromTable(db, table)! };
}

/** Validates `records` against the table's derived schema, writes them, returns `select` over the table. */
function load(db: Database.Database, spec: SchemaSpec, records: Record<string, unknown>[], text: boolean, select: string): unknown[] {
  const validator = compileValidator(spec);
  const rows = records.map((data) => {
    const result = validator.validate(data, text);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    return result.row;
  });
  const writer = new BatchWriter(db, spec.table, validator.columns, { onConflict: 'error', conflictColumns: [] });
  const outcome = writer.write(rows);
  expect(outcome.failures).toEqual([]);
  return db.prepare(select).raw().all();
}

describe('expression defaults (R3)', () => {
  const ddl = `CREATE TABLE ev (
    id INTEGER PRIMARY KEY, name TEXT,
    created TEXT DEFAULT CURRENT_TIMESTAMP,
    n INTEGER DEFAULT (1+1),
    req TEXT NOT NULL DEFAULT (upper('x') || (1+2)),
    lit INTEGER DEFAULT 7,
    misfit INTEGER DEFAULT 'none',
    nul TEXT DEFAULT NULL
  )`;

  it('are read as SQL for SQLite to evaluate; literals that fit stay values; a NOT NULL column with one is not required', () => {
    const { spec } = derived(ddl, 'ev');
    expect(spec.columns).toEqual({
      id: { type: 'integer' },
      name: { type: 'string' },
      created: { type: 'string', sqlDefault: 'CURRENT_TIMESTAMP' },
      n: { type: 'integer', sqlDefault: '1+1' },
      req: { type: 'string', required: true, sqlDefault: "upper('x') || (1+2)" },
      lit: { type: 'integer', default: 7 },
      misfit: { type: 'integer', sqlDefault: "'none'" },
      nul: { type: 'string' },
    });
  });

  it('give a missing value (absent, empty CSV field, JSON null in a NOT NULL column) the row value SQL_DEFAULT; JSON null elsewhere is NULL', () => {
    const { spec } = derived(ddl, 'ev');
    const validator = compileValidator(spec);
    const slow = compileValidator(spec, { fastPath: false });
    for (const v of [validator, slow]) {
      const csv = v.validate({ id: '1', name: 'a', created: '', n: '' }, true);
      expect(csv).toEqual({ ok: true, row: [1, 'a', SQL_DEFAULT, SQL_DEFAULT, SQL_DEFAULT, 7, SQL_DEFAULT, null] });
      const json = v.validate({ id: 2, created: null, n: 5, req: null }, false);
      expect(json).toEqual({ ok: true, row: [2, null, null, 5, SQL_DEFAULT, 7, SQL_DEFAULT, null] });
      if (json.ok) expect(json.row[4]).toBe(SQL_DEFAULT);
    }
    expect(validator.given({ id: 2, created: null, n: 5 }, false)).toEqual([true, false, true, true, false, false, false, false]);
  });

  it('are evaluated by SQLite per row, as its own INSERT would', () => {
    const { db, spec } = derived(ddl, 'ev');
    const rows = load(
      db,
      spec,
      [{ id: 1, name: 'a' }, { id: 2, created: null, n: 5, req: 'given', misfit: 3 }, { id: 3 }],
      false,
      `SELECT id, created GLOB '${DATETIME_GLOB}', typeof(created), n, req, lit, quote(misfit), nul FROM ev ORDER BY id`,
    );
    expect(rows).toEqual([
      [1, 1, 'text', 2, 'X3', 7, "'none'", null],
      [2, null, 'null', 5, 'given', 7, '3', null],
      [3, 1, 'text', 2, 'X3', 7, "'none'", null],
    ]);
  });

  it('survive the worker\'s packed chunks (a structured clone), and stay off the plain INSERT of other tables', async () => {
    const packed = packChunk({ id: 0, rows: [[1, SQL_DEFAULT]], errors: [null], records: [undefined] }, 2, undefined);
    const { port1, port2 } = new MessageChannel();
    const cloned = await new Promise<typeof packed>((resolve) => {
      port2.once('message', resolve);
      port1.postMessage(packed, [packed.buffer]);
    });
    port1.close();
    const value = unpackChunk(cloned).rows[0]![1];
    expect(isSqlDefault(value)).toBe(true);
    expect(isSqlDefault(new Uint8Array(1))).toBe(false);
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, c TEXT DEFAULT CURRENT_TIMESTAMP, d TEXT)');
    const writer = new BatchWriter(db, 't', ['id', 'c', 'd'], { onConflict: 'error', conflictColumns: [] });
    expect(statementSql(writer)).toBe(`INSERT INTO "t" ("id", "c", "d") VALUES (?, CASE WHEN typeof(?) = 'blob' THEN (CURRENT_TIMESTAMP) ELSE ? END, ?)`);
    writer.write([[1, value, 'x'], [2, 'given', null]]);
    expect(db.prepare(`SELECT id, c GLOB '${DATETIME_GLOB}', c, d FROM t ORDER BY id`).raw().all()).toEqual([
      [1, 1, expect.any(String), 'x'],
      [2, 0, 'given', null],
    ]);
    // A table whose defaults are values (every table barge makes): the INSERT binds the row as it is.
    const plain = new Database(':memory:');
    plain.exec("CREATE TABLE p (id INTEGER PRIMARY KEY, q INTEGER DEFAULT 0, s TEXT DEFAULT 'x', r REAL DEFAULT 1.5, b INTEGER DEFAULT 1)");
    const plainWriter = new BatchWriter(plain, 'p', ['id', 'q', 's', 'r', 'b'], { onConflict: 'error', conflictColumns: [] });
    expect(statementSql(plainWriter)).toBe('INSERT INTO "p" ("id", "q", "s", "r", "b") VALUES (?, ?, ?, ?, ?)');
    expect((plainWriter as unknown as { slots: unknown }).slots).toBeUndefined();
  });

  it('take part in an upsert: a missing value keeps the existing row\'s, a new row gets the default', () => {
    const { db, spec } = derived('CREATE TABLE u (id INTEGER PRIMARY KEY, v TEXT, at TEXT NOT NULL DEFAULT (\'d\' || 1))', 'u');
    db.exec("INSERT INTO u VALUES (1, 'old', 'kept')");
    const validator = compileValidator(spec);
    const records = [{ id: 1, v: 'new' }, { id: 2 }];
    const rows = records.map((r) => (validator.validate(r, false) as { row: unknown[] }).row);
    const writer = new BatchWriter(db, 'u', validator.columns, { onConflict: 'update', conflictColumns: ['id'] });
    expect(writer.write(rows, records.map((r) => validator.given(r, false)))).toMatchObject({ inserted: 1, updated: 1 });
    expect(db.prepare('SELECT * FROM u ORDER BY id').raw().all()).toEqual([[1, 'new', 'kept'], [2, null, 'd1']]);
  });
});

describe('NUMERIC and DECIMAL columns (R4)', () => {
  const ddl = 'CREATE TABLE nm (id INTEGER PRIMARY KEY, amount NUMERIC, price DECIMAL(10,2), r REAL, big NUMERIC DEFAULT 9007199254740993)';

  it('are number columns that keep integers exact; REAL ones are not', () => {
    const { spec } = derived(ddl, 'nm');
    expect(spec.columns).toEqual({
      id: { type: 'integer' },
      amount: { type: 'number', exactIntegers: true },
      price: { type: 'number', exactIntegers: true },
      r: { type: 'number' },
      big: { type: 'number', exactIntegers: true, sqlDefault: '9007199254740993' },
    });
    expect(typeFromDeclared('DECIMAL(10,2)')).toBe('number');
  });

  it('take integer text beyond 2^53 as a BigInt within SQLite\'s range, a REAL beyond it, and reject an integer JSON.parse rounded', () => {
    const { spec } = derived(ddl, 'nm');
    for (const validator of [compileValidator(spec), compileValidator(spec, { fastPath: false })]) {
      const row = (data: Record<string, unknown>, text: boolean): unknown => {
        const result = validator.validate({ id: 1, ...data }, text);
        return result.ok ? result.row[1] : result.errors;
      };
      expect(row({ amount: '9007199254740993' }, true)).toBe(9007199254740993n);
      expect(row({ amount: '-9223372036854775808' }, true)).toBe(-9223372036854775808n);
      expect(row({ amount: '9223372036854775808' }, true)).toBe(9223372036854775808);
      expect(row({ amount: '12345678901234567000' }, true)).toBe(12345678901234567000);
      expect(row({ amount: '1.5' }, true)).toBe(1.5);
      expect(row({ amount: '42' }, true)).toBe(42);
      // Other number text whose double is an integer beyond 2^53: that double's integer, as
      // SQLite's NUMERIC affinity makes of the text (it was refused as a JSON-rounded integer).
      expect(row({ amount: '1e17' }, true)).toBe(100000000000000000n);
      expect(row({ amount: '12345678901234567.50' }, true)).toBe(12345678901234568n);
      expect(row({ amount: '-9007199254740993.0' }, true)).toBe(-9007199254740992n);
      expect(row({ amount: '1.5e20' }, true)).toBe(1.5e20);
      expect(row({ amount: '12345678901234567.50' }, false)).toBe(12345678901234568n);
      expect(row({ amount: '9007199254740993' }, false)).toBe(9007199254740993n);
      expect(row({ amount: 42 }, false)).toBe(42);
      // What barge's export writes for a REAL beyond SQLite's integers: kept.
      expect(row({ amount: 12345678901234567000 }, false)).toBe(12345678901234567000);
      expect(row({ amount: 9007199254740993 }, false)).toEqual([
        {
          column: 'amount',
          code: 'type',
          message: 'holds an integer beyond 2^53, which JSON readers round (read as 9007199254740992): quote it in the input to keep its digits',
          value: 9007199254740992,
        },
      ]);
      // A REAL column: the double, as before.
      const real = validator.validate({ id: 1, r: '9007199254740993' }, true);
      expect(real.ok && real.row[3]).toBe(9007199254740992);
      const realJson = validator.validate({ id: 1, r: 9007199254740993 }, false);
      expect(realJson.ok && realJson.row[3]).toBe(9007199254740992);
    }
  });

  it('store them exactly', () => {
    const { db, spec } = derived(ddl, 'nm');
    const rows = load(db, spec, [{ id: 1, amount: '9007199254740993', price: '9223372036854775807' }, { id: 2, amount: '2.5' }, { id: 3, amount: '1e17', price: '12345678901234567.50' }], true,
      'SELECT typeof(amount), CAST(amount AS TEXT), typeof(price), CAST(price AS TEXT), CAST(big AS TEXT) FROM nm ORDER BY id');
    expect(rows).toEqual([
      ['integer', '9007199254740993', 'integer', '9223372036854775807', '9007199254740993'],
      ['real', '2.5', 'null', null, '9007199254740993'],
      // What `INSERT … VALUES ('1e17', '12345678901234567.50')` stores.
      ['integer', '100000000000000000', 'integer', '12345678901234568', '9007199254740993'],
    ]);
  });
});

describe('columns with no declared type (R5)', () => {
  const ddl = "CREATE TABLE u (id INTEGER PRIMARY KEY, v, b BLOB, a ANY, d DEFAULT 5, e DEFAULT 'x', f DEFAULT 1.0)";

  it('are `any`, a type no schema file names', () => {
    const { spec } = derived(ddl, 'u');
    expect(spec.columns).toEqual({
      id: { type: 'integer' },
      v: { type: 'any' },
      b: { type: 'any' },
      // ANY keeps values as given only in a STRICT table; here it has NUMERIC affinity (schema-differential-findings.test.ts).
      a: { type: 'string', numericAffinity: true },
      d: { type: 'any', default: 5 },
      e: { type: 'any', default: 'x' },
      f: { type: 'any', sqlDefault: '1.0' },
    });
    expect(typeFromDeclared('')).toBe('any');
    expect(typeFromDeclared('MONEY')).toBe('string');
    expect(() => parseSchemaSpec({ table: 't', columns: { v: { type: 'any' } } }, 's.json')).toThrow(/columns\.v\.type: expected one of/);
    expect(() => parseSchemaSpec({ table: 't', columns: { v: { type: 'string', sqlDefault: 'x' } } }, 's.json')).toThrow(/unknown key "sqlDefault"/);
  });

  it('keep each JSON value\'s type, and CSV text as text', () => {
    const { db, spec } = derived(ddl, 'u');
    const json = [5, -3, 1.5, 'x', '5', '', true, false, { a: [1, 'b'] }, [1], 2 ** 53 - 1, 1e300, null];
    const rows = load(db, spec, json.map((v, i) => ({ id: i + 1, v })), false, 'SELECT typeof(v), quote(v) FROM u ORDER BY id');
    expect(rows).toEqual([
      ['integer', '5'], ['integer', '-3'], ['real', '1.5'], ['text', "'x'"], ['text', "'5'"], ['text', "''"], ['integer', '1'], ['integer', '0'],
      ['text', `'{"a":[1,"b"]}'`], ['text', "'[1]'"], ['integer', '9007199254740991'], ['real', '1.0e+300'], ['null', 'NULL'],
    ]);
    db.exec('DELETE FROM u');
    const csv = load(db, spec, [{ id: '1', v: '5' }, { id: '2', v: '' }, { id: '3', v: '1.5' }], true, 'SELECT typeof(v), quote(v), typeof(d), quote(e), quote(f) FROM u ORDER BY id');
    expect(csv).toEqual([
      ['text', "'5'", 'integer', "'x'", '1.0'],
      ['null', 'NULL', 'integer', "'x'", '1.0'],
      ['text', "'1.5'", 'integer', "'x'", '1.0'],
    ]);
  });

  it('reject what they could not keep as given: an integer JSON.parse rounded, Infinity, NUL', () => {
    const { spec } = derived(ddl, 'u');
    for (const validator of [compileValidator(spec), compileValidator(spec, { fastPath: false })]) {
      const errors = (v: unknown, text = false) => {
        const result = validator.validate({ id: 1, v }, text);
        return result.ok ? result.row : result.errors.map((e) => e.message);
      };
      expect(errors(9007199254740993)).toEqual([
        'holds an integer beyond 2^53, which JSON readers round (read as 9007199254740992): quote it in the input to keep its digits',
      ]);
      expect(errors({ id: 2 ** 60 })).toEqual([
        'expected text, a finite number, true/false or a JSON object or array, got {"id":1152921504606847000} (JSON readers round integers beyond 2^53: quote it in the input to keep its digits)',
      ]);
      expect(errors(Infinity)).toEqual(['expected text, a finite number, true/false or a JSON object or array, got Infinity']);
      expect(errors('a\u0000b', true)).toEqual(['expected text without NUL (\\u0000) characters, got "a\\u0000b"']);
    }
  });
});

describe('generated columns (R10)', () => {
  const ddl = `CREATE TABLE g (id INTEGER PRIMARY KEY, a INTEGER,
    b INTEGER GENERATED ALWAYS AS (a * 2) VIRTUAL,
    c TEXT GENERATED ALWAYS AS (a || 'x') STORED NOT NULL)`;

  it('are read (an export holds them), marked generated, never required', () => {
    const { spec } = derived(ddl, 'g');
    expect(spec.columns).toEqual({
      id: { type: 'integer' },
      a: { type: 'integer' },
      b: { type: 'integer', generated: true },
      c: { type: 'string', generated: true },
    });
  });

  it('ignore a record\'s field for them, whatever it holds, and are computed by SQLite', () => {
    const { db, spec } = derived(ddl, 'g');
    const records = [{ id: 1, a: 2, b: 4, c: '2x' }, { id: 2, a: 3, b: 'junk', c: null }, { id: 3, a: 4 }];
    expect(load(db, spec, records, false, 'SELECT * FROM g ORDER BY id')).toEqual([[1, 2, 4, '2x'], [2, 3, 6, '3x'], [3, 4, 8, '4x']]);
    db.exec('DELETE FROM g');
    expect(load(db, spec, [{ id: '1', a: '5', b: 'x', c: '' }], true, 'SELECT * FROM g')).toEqual([[1, 5, 10, '5x']]);
  });
});

describe('the DDL of a derived schema', () => {
  it('keeps untyped columns untyped, NUMERIC affinity and SQL defaults', () => {
    const { spec } = derived('CREATE TABLE t (id INTEGER PRIMARY KEY, v, n NUMERIC, at TEXT DEFAULT CURRENT_TIMESTAMP, d DEFAULT 5)', 't');
    expect(createTableStatements(spec)[0]).toBe(
      'CREATE TABLE "t" (\n  "id" INTEGER PRIMARY KEY,\n  "v",\n  "n" NUMERIC,\n  "at" TEXT DEFAULT (CURRENT_TIMESTAMP),\n  "d" DEFAULT 5\n)',
    );
  });
});
