import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { barge, readNdjson, rows, workdir, makeDb } from '../helpers/cli.js';

/**
 * Tables barge did not create (the sqlite3 shell, another tool): their schema is read from the
 * catalogue. SPEC §7 holds for them too: export a table, import the file into an empty table of
 * the same definition, and the two are identical row for row, storage classes included.
 */

const FORMATS = ['csv', 'tsv', 'ndjson', 'json'] as const;
const DATETIME_GLOB = '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]';

async function ok(dir: string, args: string[], env: Record<string, string> = {}) {
  const result = await barge(dir, args, { env });
  if (result.exitCode !== 0) throw new Error(`barge ${args.join(' ')} exited ${result.exitCode}: ${result.stderr}`);
  return result;
}

/** A database at dir/file made by better-sqlite3 (not barge), running `sql`. */

/** Every value of every column as SQLite holds it: quote() and typeof(), so 5 and '5' and 5.0 differ. */
function typedRows(file: string, table: string): unknown[] {
  const columns = rows<{ name: string }>(file, 'SELECT name FROM pragma_table_xinfo(?)', table).map((c) => c.name);
  const list = columns.map((c) => `quote("${c}") || ':' || typeof("${c}")`).join(', ');
  return rows(file, `SELECT ${list} FROM "${table}" ORDER BY rowid`).map((row) => Object.values(row as object));
}

/** Export `table` of a.db in each format, import each file into an empty table of the same definition, compare. */
async function roundTrip(dir: string, table: string, ddl: string, formats: readonly string[] = FORMATS, env: Record<string, string> = {}) {
  const original = typedRows(path.join(dir, 'a.db'), table);
  for (const format of formats) {
    const file = `${table}.${format}`;
    await ok(dir, ['export', '--db', 'a.db', '--table', table, '--out', file, '--quiet']);
    const copy = `copy-${format}.db`;
    makeDb(dir, copy, ddl);
    await ok(dir, ['import', file, '--db', copy, '--table', table, '--quiet'], env);
    expect(typedRows(path.join(dir, copy), table), `${format} round trip`).toEqual(original);
  }
  return original;
}

describe('expression defaults (CURRENT_TIMESTAMP, (expr)) are SQLite\'s to fill in', () => {
  const ddl = `CREATE TABLE ev (
    id INTEGER PRIMARY KEY, name TEXT,
    created TEXT DEFAULT CURRENT_TIMESTAMP,
    n INTEGER DEFAULT (1+1),
    stamped TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    day TEXT DEFAULT (date('2024-01-01', '+1 day'))
  )`;

  for (const worker of ['never', 'always']) {
    it(`a missing value (absent, empty CSV field) gets the default, as SQLite's INSERT gives it (worker ${worker})`, async () => {
      const dir = workdir();
      const db = makeDb(dir, 'a.db', ddl);
      fs.writeFileSync(path.join(dir, 'ev.csv'), 'id,name,n,stamped\n1,a,,\n2,b,5,given\n');
      await ok(dir, ['import', 'ev.csv', '--db', 'a.db', '--quiet'], { BARGE_WORKER: worker });
      fs.writeFileSync(path.join(dir, 'ev.ndjson'), '{"id":3,"created":null,"n":null,"stamped":null}\n{"id":4}\n');
      await ok(dir, ['import', 'ev.ndjson', '--db', 'a.db', '--table', 'ev', '--quiet'], { BARGE_WORKER: worker });
      expect(rows(db, `SELECT id, created GLOB '${DATETIME_GLOB}' AS c, quote(n) AS n, stamped GLOB '${DATETIME_GLOB}' AS s, stamped = 'given' AS g, day FROM ev ORDER BY id`)).toEqual([
        { id: 1, c: 1, n: '2', s: 1, g: 0, day: '2024-01-02' },
        { id: 2, c: 1, n: '5', s: 0, g: 1, day: '2024-01-02' },
        // JSON null is NULL where NULL may be; in the NOT NULL column it is missing: the default.
        { id: 3, c: null, n: 'NULL', s: 1, g: 0, day: '2024-01-02' },
        { id: 4, c: 1, n: '2', s: 1, g: 0, day: '2024-01-02' },
      ]);
    });
  }

  it('round trip: such a table exports and imports back identical, in every format', async () => {
    const dir = workdir();
    makeDb(dir, 'a.db', `${ddl}; INSERT INTO ev (id, name, n) VALUES (1, 'a', 3), (2, NULL, 7); INSERT INTO ev (id) VALUES (3)`);
    const original = await roundTrip(dir, 'ev', ddl);
    expect(original).toHaveLength(3);
  });

  it('round trip: a NULL where a default is comes back NULL from NDJSON and JSON (CSV has no NULL: an empty field is missing)', async () => {
    const dir = workdir();
    makeDb(dir, 'a.db', `${ddl}; INSERT INTO ev (id, name, created, n, day) VALUES (1, 'a', NULL, NULL, NULL), (2, NULL, '2000-01-01 00:00:00', 7, 'd')`);
    const original = await roundTrip(dir, 'ev', ddl, ['ndjson', 'json'], { BARGE_WORKER: 'always' });
    expect((original[0] as string[]).slice(2, 4)).toEqual(['NULL:null', 'NULL:null']);
  });
});

describe('NUMERIC and DECIMAL columns keep integers beyond 2^53 exact', () => {
  const ddl = 'CREATE TABLE nm (id INTEGER PRIMARY KEY, amount NUMERIC, price DECIMAL(20,2))';
  const data = `INSERT INTO nm VALUES
    (1, 9007199254740993, 1.5), (2, 9223372036854775807, -9223372036854775808), (3, -9007199254740993, 100),
    (4, 12345678901234567000.0, NULL), (5, 2.5, 9007199254740992), (6, NULL, 0)`;

  it('round trip, every format', async () => {
    const dir = workdir();
    makeDb(dir, 'a.db', `${ddl}; ${data}`);
    const original = await roundTrip(dir, 'nm', ddl, FORMATS, { BARGE_WORKER: 'always' });
    expect(original[0]).toEqual(['1:integer', '9007199254740993:integer', '1.5:real']);
    expect((original[3] as string[])[1]).toMatch(/^1\.23456789012345\d*e\+19:real$/);
  });

  it('a bare JSON integer beyond 2^53 (already rounded by JSON.parse) is rejected, not stored rounded; quoted it is kept', async () => {
    const dir = workdir();
    const db = makeDb(dir, 'a.db', ddl);
    fs.writeFileSync(path.join(dir, 'nm.ndjson'), '{"id":1,"amount":9007199254740993}\n{"id":2,"amount":"9007199254740993"}\n');
    const result = await barge(dir, ['import', 'nm.ndjson', '--db', 'a.db', '--mode', 'row']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('column "amount": holds an integer beyond 2^53, which JSON readers round (read as 9007199254740992): quote it in the input to keep its digits');
    expect(rows(db, 'SELECT id, CAST(amount AS TEXT) AS a, typeof(amount) AS t FROM nm')).toEqual([{ id: 2, a: '9007199254740993', t: 'integer' }]);
  });
});

describe('a declared type SQLite gives NUMERIC affinity (STRING, UUID) is a string column that rejects text SQLite would change', () => {
  const ddl = 'CREATE TABLE codes (id INTEGER PRIMARY KEY, code STRING)';

  for (const worker of ['always', 'never']) {
    it(`keeps "abc", "12345" and "1.5" (stored as SQLite reads them) and rejects "02134", "1.50", " 7" (BARGE_WORKER=${worker})`, async () => {
      const dir = workdir();
      const db = makeDb(dir, 'a.db', ddl);
      fs.writeFileSync(path.join(dir, 'codes.csv'), 'id,code\n1,02134\n2,1.50\n3,12345\n4,abc\n5,1.5\n6, 7\n');
      const result = await barge(dir, ['import', 'codes.csv', '--db', 'a.db', '--mode', 'row'], { env: { BARGE_WORKER: worker } });
      expect(result.exitCode).toBe(1);
      const why = "the column's declared type gives it SQLite's NUMERIC affinity, which turns number-like text into a number (declare the column TEXT to keep the text)";
      expect(result.stderr).toContain(`codes.csv:line 2, column "code": would be stored as 2134, got "02134": ${why}`);
      expect(result.stderr).toContain(`codes.csv:line 3, column "code": would be stored as 1.5, got "1.50": ${why}`);
      expect(result.stderr).toContain(`codes.csv:line 7, column "code": would be stored as 7, got " 7": ${why}`);
      expect(rows(db, 'SELECT id, quote(code) AS q FROM codes ORDER BY id')).toEqual([
        { id: 3, q: '12345' },
        { id: 4, q: "'abc'" },
        { id: 5, q: '1.5' },
      ]);
    });
  }

  it('barge validate says the same, exit 1', async () => {
    const dir = workdir();
    makeDb(dir, 'a.db', ddl);
    fs.writeFileSync(path.join(dir, 'codes.ndjson'), '{"id":1,"code":"007"}\n{"id":2,"code":42}\n');
    const result = await barge(dir, ['validate', 'codes.ndjson', '--db', 'a.db', '--table', 'codes']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('codes.ndjson:line 1, column "code": would be stored as 7, got "007"');
    expect(result.stderr).not.toContain('line 2');
  });
});

describe('a column with no declared type keeps each value\'s type', () => {
  const ddl = 'CREATE TABLE u (id INTEGER PRIMARY KEY, v)';

  it('NDJSON and JSON round trip: integers, floats, text that looks like a number, NULL', async () => {
    const dir = workdir();
    makeDb(dir, 'a.db', `${ddl}; INSERT INTO u VALUES (1, 5), (2, 'x'), (3, 1.5), (4, NULL), (5, '5'), (6, ''), (7, -3), (8, '{"a":1}'), (9, 9007199254740991)`);
    await roundTrip(dir, 'u', ddl, ['ndjson', 'json']);
    expect(rows(path.join(dir, 'copy-ndjson.db'), 'SELECT count(*) AS n FROM u WHERE v = 5')).toEqual([{ n: 1 }]);
  });

  it('JSON booleans are 1/0 and objects their JSON text; CSV text stays text, as sqlite3\'s .import keeps it', async () => {
    const dir = workdir();
    const db = makeDb(dir, 'a.db', ddl);
    fs.writeFileSync(path.join(dir, 'u.ndjson'), '{"id":1,"v":true}\n{"id":2,"v":{"a":[1,"b"]}}\n{"id":3,"v":false}\n');
    await ok(dir, ['import', 'u.ndjson', '--db', 'a.db', '--quiet']);
    fs.writeFileSync(path.join(dir, 'u.csv'), 'id,v\n4,5\n5,1.5\n6,\n');
    await ok(dir, ['import', 'u.csv', '--db', 'a.db', '--quiet']);
    expect(typedRows(db, 'u').map((r) => (r as string[])[1])).toEqual(['1:integer', `'{"a":[1,"b"]}':text`, '0:integer', "'5':text", "'1.5':text", 'NULL:null']);
  });

  it('barge stats names its type "any"', async () => {
    const dir = workdir();
    makeDb(dir, 'a.db', ddl);
    const stats = JSON.parse((await ok(dir, ['stats', '--db', 'a.db', '--json'])).stdout) as { tables: Array<{ columns: unknown[] }> };
    expect(stats.tables[0]?.columns).toEqual([
      { name: 'id', declaredType: 'INTEGER', type: 'integer' },
      { name: 'v', declaredType: '', type: 'any' },
    ]);
  });

  it('barge stats prints a STRICT table\'s ANY column as declared, with no "(any)" beside it (it printed "v ANY (any)")', async () => {
    const dir = workdir();
    makeDb(dir, 'a.db', 'CREATE TABLE s (id INTEGER PRIMARY KEY, v ANY, w TEXT) STRICT; CREATE TABLE n (id INTEGER PRIMARY KEY, v ANY)');
    const text = (await ok(dir, ['stats', '--db', 'a.db'])).stdout;
    expect(text).toContain('v ANY, w TEXT');
    expect(text).not.toContain('(any)');
    const json = JSON.parse((await ok(dir, ['stats', '--db', 'a.db', '--json'])).stdout) as { tables: Array<{ name: string; columns: unknown[] }> };
    expect(json.tables.find((t) => t.name === 's')?.columns).toContainEqual({ name: 'v', declaredType: 'ANY', type: 'any' });
    expect(json.tables.find((t) => t.name === 'n')?.columns).toContainEqual({ name: 'v', declaredType: 'ANY', type: 'string' });
  });
});

describe('SQLite\'s own datetime text (a space for the T) in DATETIME/TIMESTAMP columns', () => {
  const ddl = 'CREATE TABLE d (id INTEGER PRIMARY KEY, at DATETIME, seen TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)';

  it('round trip, every format; stored as given', async () => {
    const dir = workdir();
    makeDb(dir, 'a.db', `${ddl}; INSERT INTO d (id, at) VALUES (1, CURRENT_TIMESTAMP), (2, '2024-05-01T12:00:00Z'), (3, '2024-05-01 12:00:00.123+02:00'), (4, NULL)`);
    const original = await roundTrip(dir, 'd', ddl);
    expect((original[0] as string[])[1]).toMatch(/^'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d':text$/);
  });

  it('still rejects what is no datetime', async () => {
    const dir = workdir();
    makeDb(dir, 'a.db', ddl);
    fs.writeFileSync(path.join(dir, 'd.csv'), 'id,at\n1,2024-05-01 25:00:00\n');
    const result = await barge(dir, ['import', 'd.csv', '--db', 'a.db']);
    expect(result.exitCode).toBe(1);
    const told = result.stderr.split('\n');
    expect([told[0], told[1], told[3]]).toEqual([
      'barge: import of d.csv into "d": failed: 1 record rejected, rolled back, nothing was written',
      '  read 1, inserted 0, rejected 1',
      '  d.csv:line 2, column "at": expected an ISO 8601 datetime such as 2024-05-01T12:00:00Z, got "2024-05-01 25:00:00" (no such time of day)',
    ]);
    expect(rows(path.join(dir, 'a.db'), 'SELECT count(*) AS n FROM d')).toEqual([{ n: 0 }]);
  });
});

describe('generated columns: an export holds them, an import ignores them (SQLite computes them)', () => {
  const ddl = `CREATE TABLE g (id INTEGER PRIMARY KEY, a INTEGER,
    b INTEGER GENERATED ALWAYS AS (a * 2) VIRTUAL,
    c TEXT GENERATED ALWAYS AS (coalesce(a, '') || 'x') STORED NOT NULL)`;

  it('round trip, every format', async () => {
    const dir = workdir();
    makeDb(dir, 'a.db', `${ddl}; INSERT INTO g (id, a) VALUES (1, 2), (2, NULL), (3, -7)`);
    await roundTrip(dir, 'g', ddl, FORMATS, { BARGE_WORKER: 'always' });
    expect(fs.readFileSync(path.join(dir, 'g.csv'), 'utf8')).toBe('id,a,b,c\n1,2,4,2x\n2,,,x\n3,-7,-14,-7x\n');
  });

  it('a field for a generated column is ignored whatever it holds; an upsert leaves it to SQLite too', async () => {
    const dir = workdir();
    const db = makeDb(dir, 'a.db', ddl);
    fs.writeFileSync(path.join(dir, 'g.ndjson'), '{"id":1,"a":1,"b":"junk","c":null}\n{"id":2,"a":3}\n');
    await ok(dir, ['import', 'g.ndjson', '--db', 'a.db', '--quiet']);
    fs.writeFileSync(path.join(dir, 'g2.ndjson'), '{"id":1,"a":10,"b":99}\n');
    await ok(dir, ['import', 'g2.ndjson', '--db', 'a.db', '--table', 'g', '--on-conflict', 'update', '--quiet']);
    expect(rows(db, 'SELECT * FROM g ORDER BY id')).toEqual([{ id: 1, a: 10, b: 20, c: '10x' }, { id: 2, a: 3, b: 6, c: '3x' }]);
    // Another field is still an error.
    fs.writeFileSync(path.join(dir, 'g3.ndjson'), '{"id":3,"a":1,"z":1}\n');
    const result = await barge(dir, ['import', 'g3.ndjson', '--db', 'a.db', '--table', 'g']);
    expect(result.exitCode).toBe(1);
    const told = result.stderr.split('\n');
    expect([told[0], told[1], told[3]]).toEqual([
      'barge: import of g3.ndjson into "g": failed: 1 record rejected, rolled back, nothing was written',
      '  read 1, inserted 0, rejected 1',
      '  g3.ndjson:line 1, column "z": unexpected column "z" (not in the schema; set "extraColumns": "ignore" to drop it)',
    ]);
    expect(readNdjson(path.join(dir, 'g3.errors.ndjson'))).toMatchObject([
      { _barge_line: 1, _barge_errors: [{ column: 'z', code: 'extra_column', value: 1 }], id: 3, a: 1, z: 1 },
    ]);
    expect(rows(db, 'SELECT id FROM g ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
  });
});

describe('a DEFAULT written as an identifier (DEFAULT "d"), which SQLite takes as a string', () => {
  it('is given to records that leave the column out (every import failed: "no such column")', async () => {
    const dir = workdir();
    const db = makeDb(dir, 'dq.db', 'CREATE TABLE dq (id INTEGER PRIMARY KEY, v TEXT NOT NULL DEFAULT "d", w TEXT DEFAULT "x""y")');
    fs.writeFileSync(path.join(dir, 'dq.csv'), 'id\n1\n2\n');
    await ok(dir, ['import', 'dq.csv', '--db', 'dq.db', '--table', 'dq']);
    expect(rows(db, 'SELECT id, v, w FROM dq ORDER BY id')).toEqual([{ id: 1, v: 'd', w: 'x"y' }, { id: 2, v: 'd', w: 'x"y' }]);
  });
});
