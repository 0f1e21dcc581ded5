import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { barge, readNdjson, rows } from '../helpers/cli.js';
import { canMountReadOnly, inNamespace } from '../helpers/namespace.js';

/**
 * Hostile names, hostile database paths and text encodings.
 *
 * - Table and column names with quotes, spaces, SQL keywords, unicode and
 *   `"; DROP TABLE x; --`, from a CSV header, from --table, from the file name and from a
 *   schema file, are used as exactly those names and never executed; the names barge
 *   refuses are one-line usage errors (exit 2) that write nothing.
 * - --db that is a directory, in a missing directory, not a database, on a read-only file
 *   system or on a full disk: one clear line, exit 2 or 3.
 * - --encoding latin1 and utf16le (with and without a BOM) load the right text; bytes that
 *   are invalid in the encoding stop the import with a line naming where (exit 2).
 */

const made: string[] = [];

afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

function tmpdir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-hostile-'));
  made.push(dir);
  return dir;
}

function write(dir: string, name: string, content: string | Buffer): string {
  fs.writeFileSync(path.join(dir, name), content);
  return name;
}

function expectOneLine(stderr: string, expected: string): void {
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr).toBe(`barge: error: ${expected}`);
}

/** `SELECT * FROM <table>` with the name quoted as SQL requires, rowid order. */
function all(db: string, table: string): Array<Record<string, unknown>> {
  return rows(db, `SELECT * FROM "${table.replaceAll('"', '""')}" ORDER BY rowid`);
}

function columnsOf(db: string, table: string): string[] {
  return rows<{ name: string }>(db, 'SELECT name FROM pragma_table_info(?)', table).map((r) => r.name);
}

function userTables(db: string): string[] {
  return rows<{ name: string }>(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_barge%' ESCAPE '\\' ORDER BY name").map((r) => r.name);
}

// ---- names ----------------------------------------------------------------------------------

/** Column names as a CSV header gives them, and the header line that gives them. */
const HOSTILE_COLUMNS = ['we"ird', 'with space', 'select', 'order', 'ünï', '"; DROP TABLE x; --', 'price, EUR', "it's", '🚀 launch', 'Mixed Case', '[x]', '`y`', 'a.b'];
const HOSTILE_HEADER = '"we""ird",with space,select,order,ünï,"""; DROP TABLE x; --","price, EUR",it\'s,🚀 launch,Mixed Case,[x],`y`,a.b';
const HOSTILE_ROW = '1,two,3,four,5,six,"7,5",eight,9,ten,11,twelve,13';
const HOSTILE_VALUES = {
  'we"ird': 1, 'with space': 'two', select: 3, order: 'four', 'ünï': 5, '"; DROP TABLE x; --': 'six', 'price, EUR': '7,5',
  "it's": 'eight', '🚀 launch': 9, 'Mixed Case': 'ten', '[x]': 11, '`y`': 'twelve', 'a.b': 13,
};

const HOSTILE_TABLES = [
  '"; DROP TABLE x; --',
  'x; DELETE FROM x',
  'select',
  'order by',
  'my "table"',
  "it's",
  'tåble 🚀',
  'a.b',
  '[x]',
  'trailing space ',
];

/** A directory with a canary table "x" (two rows) that no hostile name may touch. */
async function withCanary(): Promise<string> {
  const dir = tmpdir();
  write(dir, 'x.csv', 'id,note\n1,keep me\n2,and me\n');
  const result = await barge(dir, ['import', 'x.csv']);
  expect(result.exitCode, result.stderr).toBe(0);
  write(dir, 'hostile.csv', `${HOSTILE_HEADER}\n${HOSTILE_ROW}\n`);
  return dir;
}

const CANARY = [{ id: 1, note: 'keep me' }, { id: 2, note: 'and me' }];

describe('hostile names are names, never SQL', () => {
  it('from --table and a CSV header: the table and its columns exist with exactly those names', async () => {
    const dir = await withCanary();
    const db = path.join(dir, 'barge.db');
    for (const table of HOSTILE_TABLES) {
      const result = await barge(dir, ['import', 'hostile.csv', '--table', table]);
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(result.exitCode, `${table}: ${result.stderr}`).toBe(0);
      expect(columnsOf(db, table), table).toEqual(HOSTILE_COLUMNS);
      expect(all(db, table), table).toEqual([HOSTILE_VALUES]);
    }
    expect(userTables(db)).toEqual([...HOSTILE_TABLES, 'x'].sort());
    expect(all(db, 'x')).toEqual(CANARY);
  });

  it('from the input file name', async () => {
    const dir = await withCanary();
    const db = path.join(dir, 'barge.db');
    fs.copyFileSync(path.join(dir, 'hostile.csv'), path.join(dir, '"; DROP TABLE x; --.csv'));
    const result = await barge(dir, ['import', '"; DROP TABLE x; --.csv']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(userTables(db)).toEqual(['"; DROP TABLE x; --', 'x']);
    expect(all(db, '"; DROP TABLE x; --')).toEqual([HOSTILE_VALUES]);
    expect(all(db, 'x')).toEqual(CANARY);
  });

  it('a second import into the hostile table uses the schema kept for it, and reports by the hostile names', async () => {
    const dir = await withCanary();
    const db = path.join(dir, 'barge.db');
    const table = '"; DROP TABLE x; --';
    expect((await barge(dir, ['import', 'hostile.csv', '--table', table])).exitCode).toBe(0);
    write(dir, 'more.csv', `${HOSTILE_HEADER}\n2,a,3,b,5,c,d,e,9,f,11,g,13\n3,a,not a number,b,5,c,d,e,9,f,11,g,13\n`);
    const result = await barge(dir, ['import', 'more.csv', '--table', table, '--mode', 'row']);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).toContain('more.csv:line 3, column "select": expected an integer, got "not a number"');
    const report = readNdjson(path.join(dir, 'more.errors.ndjson'));
    expect(report.map((e) => e._barge_errors)).toEqual([[
      { column: 'select', code: 'type', message: 'line 3, column "select": expected an integer, got "not a number"', value: 'not a number' },
    ]]);
    expect(report[0]!['"; DROP TABLE x; --']).toBe('c');
    expect(all(db, table).map((r) => r['we"ird'])).toEqual([1, 2]);
    expect(all(db, 'x')).toEqual(CANARY);
  });

  it('from a schema file: primary key, unique, index and foreign key over hostile names; upsert by them', async () => {
    const dir = await withCanary();
    const db = path.join(dir, 'barge.db');
    write(dir, 'makers.schema.json', JSON.stringify({
      table: 'maker\'s "list"',
      primaryKey: ['maker id'],
      columns: { 'maker id': { type: 'string', required: true }, 'select': { type: 'string' } },
    }));
    write(dir, 'makers.csv', 'maker id,select\nM 1,Acme\nM 2,Globex\n');
    write(dir, 'parts.schema.json', JSON.stringify({
      table: 'order "details"; DROP TABLE x; --',
      primaryKey: ['we"ird'],
      columns: {
        'we"ird': { type: 'integer', required: true },
        'price, EUR': { type: 'number', min: 0 },
        'order': { type: 'string' },
        'group': { type: 'string' },
        'maker ref': { type: 'string', references: 'maker\'s "list".maker id' },
      },
      unique: [['order', 'group']],
      indexes: [['price, EUR']],
    }));
    const table = 'order "details"; DROP TABLE x; --';
    expect((await barge(dir, ['import', 'makers.csv', '--schema', 'makers.schema.json'])).exitCode).toBe(0);
    write(dir, 'parts.csv', '"we""ird","price, EUR",order,group,maker ref\n1,9.5,a,g,M 1\n2,-1,b,g,M 1\n3,4,c,g,M 9\n4,5,a,g,M 2\n5,6,e,g,M 2\n');
    const result = await barge(dir, ['import', 'parts.csv', '--schema', 'parts.schema.json', '--mode', 'row', '--batch-size', '2']);
    expect(result.exitCode, result.stderr).toBe(1);
    const report = readNdjson(path.join(dir, 'parts.errors.ndjson'));
    expect(report.map((e) => [e._barge_line, e._barge_errors[0].column, e._barge_errors[0].code])).toEqual([
      [3, 'price, EUR', 'too_small'],
      [4, 'maker ref', 'foreign_key'],
      [5, null, 'unique'],
    ].map(([line, column, code]) => [line, code === 'unique' ? report[2]!._barge_errors[0].column : column, code]));
    expect(all(db, table)).toEqual([
      { 'we"ird': 1, 'price, EUR': 9.5, order: 'a', group: 'g', 'maker ref': 'M 1' },
      { 'we"ird': 5, 'price, EUR': 6, order: 'e', group: 'g', 'maker ref': 'M 2' },
    ]);
    const indexes = rows<{ name: string }>(db, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", table).map((r) => r.name);
    expect(indexes).toEqual([`${table}_price, EUR_idx`]);
    // An upsert on the hostile primary key, through the kept schema.
    write(dir, 'update.csv', '"we""ird","price, EUR"\n1,10.25\n');
    const update = await barge(dir, ['import', 'update.csv', '--table', table, '--on-conflict', 'update', '--json']);
    expect(update.exitCode, update.stderr).toBe(0);
    expect(JSON.parse(update.stdout).counts).toMatchObject({ inserted: 0, updated: 1 });
    expect(all(db, table)[0]).toEqual({ 'we"ird': 1, 'price, EUR': 10.25, order: 'a', group: 'g', 'maker ref': 'M 1' });
    expect(all(db, 'x')).toEqual(CANARY);
    expect(all(db, 'maker\'s "list"')).toEqual([{ 'maker id': 'M 1', select: 'Acme' }, { 'maker id': 'M 2', select: 'Globex' }]);
  });

  it('validate and schema infer take hostile names too', async () => {
    const dir = await withCanary();
    const table = 'select';
    expect((await barge(dir, ['import', 'hostile.csv', '--table', table])).exitCode).toBe(0);
    const valid = await barge(dir, ['validate', 'hostile.csv', '--table', table]);
    expect(valid.exitCode, valid.stderr).toBe(0);
    const infer = await barge(dir, ['schema', 'infer', 'hostile.csv', '--table', 'my "table"']);
    expect(infer.exitCode, infer.stderr).toBe(0);
    const schema = JSON.parse(infer.stdout);
    expect(schema.table).toBe('my "table"');
    expect(Object.keys(schema.columns)).toEqual(HOSTILE_COLUMNS);
  });

  it('columns named like Object.prototype members (constructor, toString, valueOf) are ordinary columns', async () => {
    const dir = tmpdir();
    const db = path.join(dir, 'barge.db');
    write(dir, 'proto.csv', 'id,constructor,toString,valueOf\n1,a,b,c\n');
    expect((await barge(dir, ['import', 'proto.csv'])).exitCode).toBe(0);
    expect(all(db, 'proto')).toEqual([{ id: 1, constructor: 'a', toString: 'b', valueOf: 'c' }]);
    // Missing from a record: NULL (or "required"), not the inherited function.
    write(dir, 'proto.schema.json', JSON.stringify({
      table: 'proto2',
      columns: { id: { type: 'integer' }, constructor: { type: 'string' }, toString: { type: 'json' }, hasOwnProperty: { type: 'string', required: true } },
    }));
    write(dir, 'proto.ndjson', '{"id": 1, "hasOwnProperty": "x"}\n{"id": 2}\n');
    const result = await barge(dir, ['import', 'proto.ndjson', '--schema', 'proto.schema.json', '--mode', 'row']);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(readNdjson(path.join(dir, 'proto.errors.ndjson')).map((e) => e._barge_errors)).toEqual([[
      { column: 'hasOwnProperty', code: 'required', message: 'line 2, column "hasOwnProperty": is required', value: null },
    ]]);
    expect(all(db, 'proto2')).toEqual([{ id: 1, constructor: null, toString: null, hasOwnProperty: 'x' }]);
  });

  it('a name that differs from an existing table only in case names that table (SQLite names are case-insensitive)', async () => {
    const dir = tmpdir();
    const db = path.join(dir, 'barge.db');
    write(dir, 'things.csv', 'id,name\n1,a\n');
    write(dir, 'things.schema.json', JSON.stringify({ table: 'THINGS', columns: { id: { type: 'integer' }, name: { type: 'string' } } }));
    expect((await barge(dir, ['import', 'things.csv'])).exitCode).toBe(0);
    const result = await barge(dir, ['import', 'things.csv', '--schema', 'things.schema.json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(userTables(db)).toEqual(['things']);
    expect(all(db, 'things')).toEqual([{ id: 1, name: 'a' }, { id: 1, name: 'a' }]);
  });

  it('a table named "excluded": --on-conflict update updates it (excluded."v" was the row\'s own value)', async () => {
    const dir = tmpdir();
    const db = path.join(dir, 'barge.db');
    write(dir, 'ex.json', JSON.stringify({ table: 'Excluded', primaryKey: ['id'], columns: { id: { type: 'integer' }, v: { type: 'string' }, w: { type: 'string' } } }));
    write(dir, 'ex1.csv', 'id,v,w\n1,a,keep\n2,b,keep\n');
    write(dir, 'ex2.csv', 'id,v\n1,NEW\n3,c\n');
    expect((await barge(dir, ['import', 'ex1.csv', '--schema', 'ex.json'])).exitCode).toBe(0);
    const result = await barge(dir, ['import', 'ex2.csv', '--schema', 'ex.json', '--on-conflict', 'update', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).counts).toEqual({ read: 2, inserted: 1, updated: 1, ignored: 0, rejected: 0 });
    expect(all(db, 'Excluded')).toEqual([{ id: 1, v: 'NEW', w: 'keep' }, { id: 2, v: 'b', w: 'keep' }, { id: 3, v: 'c', w: null }]);
  });

  it('tables and views named like SQLite\'s pragma functions (pragma_table_info, …) are tables like any other, and hide nothing barge reads', async () => {
    const dir = tmpdir();
    const db = path.join(dir, 'barge.db');
    write(dir, 's.csv', 'x,y\n1,2\n');
    for (const name of ['pragma_table_info', 'pragma_table_xinfo', 'pragma_index_list', 'pragma_index_info', 'pragma_table_list', 'pragma_foreign_key_list']) {
      const made = await barge(dir, ['import', 's.csv', '--table', name]);
      expect(made.exitCode, `${name}: ${made.stderr}`).toBe(0);
    }
    for (let round = 0; round < 2; round++) {
      const other = await barge(dir, ['import', 's.csv', '--table', 'other']);
      expect(other.exitCode, other.stderr).toBe(0);
    }
    expect(all(db, 'other')).toEqual([{ x: 1, y: 2 }, { x: 1, y: 2 }]);
    expect(all(db, 'pragma_table_info')).toEqual([{ x: 1, y: 2 }]);
    const exported = await barge(dir, ['export', '--table', 'other', '--out', '-']);
    expect(exported.exitCode, exported.stderr).toBe(0);
    expect(exported.stdout).toBe('x,y\n1,2\n1,2');
    const stats = await barge(dir, ['stats', '--json']);
    expect(stats.exitCode, stats.stderr).toBe(0);
    expect(JSON.parse(stats.stdout).tables.find((t: { name: string }) => t.name === 'other')).toMatchObject({ rows: 2, columns: [{ name: 'x' }, { name: 'y' }] });
  });

  describe('names barge refuses: exit 2, one line, nothing written', () => {
    const TABLES: Array<[string, string]> = [
      // An empty value is refused as such, whatever the option (an unset shell variable).
      ['', '--table was given an empty value (an unset shell variable?); give it a value or leave it out'],
      ['sqlite_x', 'table name "sqlite_x" starts with "sqlite_", which SQLite reserves; choose another name'],
      ['SQLite_Master', 'table name "SQLite_Master" starts with "sqlite_", which SQLite reserves; choose another name'],
      ['_barge_x', 'table name "_barge_x" starts with "_barge", which barge reserves for its own tables and report fields; choose another name'],
      ['_BARGE_jobs', 'table name "_BARGE_jobs" starts with "_barge", which barge reserves for its own tables and report fields; choose another name'],
      ['a\tb', 'table name "a\\tb" contains a control character'],
      ['a\nb', 'table name "a\\nb" contains a control character'],
      ['a\u007fb\u0085', 'table name "a\\u007fb\\u0085" contains a control character'],
      ['__proto__', 'table name "__proto__" cannot be used (it is special in JavaScript objects)'],
      ['x'.repeat(129), `table name "${'x'.repeat(20)}…" is longer than 128 characters (129)`],
    ];
    for (const [table, message] of TABLES) {
      it(`--table ${JSON.stringify(table.length > 20 ? `${table.slice(0, 20)}…` : table)}`, async () => {
        const dir = tmpdir();
        write(dir, 'ok.csv', 'id,name\n1,a\n');
        const result = await barge(dir, ['import', 'ok.csv', '--table', table]);
        expect(result.exitCode).toBe(2);
        expectOneLine(result.stderr, message);
        expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
      });
    }

    it('a table named after the input file: the message says so and how to fix it, --table (it named only the problem)', async () => {
      const dir = tmpdir();
      write(dir, 'new\nline.csv', 'id\n1\n');
      write(dir, `${'y'.repeat(140)}.csv`, 'id\n1\n');
      expect(await barge(dir, ['import', 'new\nline.csv'])).toMatchObject({
        exitCode: 2, stderr: 'barge: error: table name "new\\nline" contains a control character (named after the input new\\nline.csv); pass --table <name>',
      });
      expect(await barge(dir, ['import', `${'y'.repeat(140)}.csv`])).toMatchObject({
        exitCode: 2, stderr: `barge: error: table name "${'y'.repeat(20)}…" is longer than 128 characters (140) (named after the input ${'y'.repeat(140)}.csv); pass --table <name>`,
      });
      expect((await barge(dir, ['import', 'new\nline.csv', '--table', 'ok', '--quiet'])).exitCode).toBe(0);
    });

    const HEADERS: Array<[string, string, string]> = [
      ['reserved.csv', 'id,sqlite_x\n1,2\n', 'cannot infer a schema from reserved.csv: column name "sqlite_x" starts with "sqlite_", which SQLite reserves; choose another name'],
      ['control.csv', 'id,a\u0001b\n1,2\n', 'cannot infer a schema from control.csv: column name "a\\u0001b" contains a control character'],
      ['proto.csv', 'id,__proto__\n1,2\n', 'proto.csv:1: column "__proto__" in the header is not supported; rename it with --columns'],
      ['case.csv', 'id,name,ID\n1,a,2\n', 'case.csv:1: columns "id" and "ID", one column to SQLite, which ignores case in names, in the header; rename the columns with --columns a,b,c'],
      ['long.csv', `id,${'n'.repeat(200)}\n1,2\n`, `cannot infer a schema from long.csv: column name "${'n'.repeat(20)}…" is longer than 128 characters (200)`],
    ];
    for (const [file, content, message] of HEADERS) {
      it(`a CSV header: ${file}`, async () => {
        const dir = tmpdir();
        write(dir, file, content);
        const result = await barge(dir, ['import', file]);
        expect(result.exitCode).toBe(2);
        expectOneLine(result.stderr, message);
        expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
      });
    }

    const SCHEMAS: Array<[string, object, string]> = [
      ['reserved table', { table: 'sqlite_x', columns: { id: { type: 'integer' } } }, 'schema s.json: table: table name "sqlite_x" starts with "sqlite_", which SQLite reserves; choose another name'],
      ['reserved column', { table: 't', columns: { id: { type: 'integer' }, _barge_x: { type: 'string' } } }, 'schema s.json: columns._barge_x: column name "_barge_x" starts with "_barge", which barge reserves for its own tables and report fields; choose another name'],
      ['columns differing in case', { table: 't', columns: { id: { type: 'integer' }, Id: { type: 'string' } } }, 'schema s.json: columns.Id: differs from column "id" only in case, and SQLite takes them for the same column'],
      [
        'more columns than SQLite allows',
        { table: 't', columns: Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [`c${i}`, { type: 'string' }])) },
        'schema s.json: columns: defines 2001 columns; SQLite allows at most 2000 in a table',
      ],
    ];
    for (const [label, schema, message] of SCHEMAS) {
      it(`a schema file: ${label}`, async () => {
        const dir = tmpdir();
        write(dir, 'ok.csv', 'id\n1\n');
        write(dir, 's.json', JSON.stringify(schema));
        const result = await barge(dir, ['import', 'ok.csv', '--schema', 's.json']);
        expect(result.exitCode).toBe(2);
        expectOneLine(result.stderr, message);
        expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
      });
    }

    it('a refused name leaves an existing database exactly as it was', async () => {
      const dir = await withCanary();
      const db = path.join(dir, 'barge.db');
      const before = fs.readFileSync(db);
      const result = await barge(dir, ['import', 'hostile.csv', '--table', 'sqlite_master']);
      expect(result.exitCode).toBe(2);
      expectOneLine(result.stderr, 'table name "sqlite_master" starts with "sqlite_", which SQLite reserves; choose another name');
      expect(userTables(db)).toEqual(['x']);
      expect(rows(db, 'SELECT count(*) AS n FROM _barge_jobs')).toEqual([{ n: 1 }]);
      expect(fs.readFileSync(db).equals(before)).toBe(true);
    });
  });
});

// ---- database paths -------------------------------------------------------------------------

/**
 * A read-only or full file system needs a mount. Tests run as root, where chmod stops
 * nothing, so a private mount namespace (unshare -rm, also allowed to ordinary users where
 * unprivileged user namespaces are on) mounts a small tmpfs for the database: remounted
 * read-only, or too small for the import. Skipped where unshare or tmpfs mounts are not allowed.
 */
let namespaces = false;

beforeAll(async () => {
  const dir = tmpdir();
  namespaces = await canMountReadOnly(dir);
});

function read(dir: string, name: string): string {
  return fs.readFileSync(path.join(dir, name), 'utf8');
}

describe('database paths', () => {
  it('a directory: exit 2', async () => {
    const dir = tmpdir();
    fs.mkdirSync(path.join(dir, 'data'));
    write(dir, 'ok.csv', 'id\n1\n');
    const result = await barge(dir, ['import', 'ok.csv', '--db', 'data']);
    expect(result.exitCode).toBe(2);
    expectOneLine(result.stderr, 'database "data" is a directory; pass a file path with --db');
    expect(fs.readdirSync(path.join(dir, 'data'))).toEqual([]);
  });

  it('in a directory that does not exist: exit 2, nothing created', async () => {
    const dir = tmpdir();
    write(dir, 'ok.csv', 'id\n1\n');
    const result = await barge(dir, ['import', 'ok.csv', '--db', 'missing/sub/x.db']);
    expect(result.exitCode).toBe(2);
    expectOneLine(result.stderr, 'database "missing/sub/x.db": the directory "missing/sub" does not exist; create it or pass another --db');
    expect(fs.existsSync(path.join(dir, 'missing'))).toBe(false);
  });

  it('under a path that is a file: exit 2', async () => {
    const dir = tmpdir();
    write(dir, 'ok.csv', 'id\n1\n');
    const result = await barge(dir, ['import', 'ok.csv', '--db', 'ok.csv/x.db']);
    expect(result.exitCode).toBe(2);
    expectOneLine(result.stderr, 'database "ok.csv/x.db": "ok.csv" is not a directory; pass another --db');
  });

  it('an empty path: exit 2 (SQLite would open a temporary database and keep nothing)', async () => {
    const dir = tmpdir();
    write(dir, 'ok.csv', 'id\n1\n');
    const result = await barge(dir, ['import', 'ok.csv', '--db', '']);
    expect(result.exitCode).toBe(2);
    expectOneLine(result.stderr, '--db was given an empty value (an unset shell variable?); give it a value or leave it out');
  });

  it('a file that is not a database: exit 3, the file untouched', async () => {
    const dir = tmpdir();
    write(dir, 'ok.csv', 'id\n1\n');
    const text = 'this is not a database, just text that is long enough to fill a header...............................\n';
    write(dir, 'notes.db', text);
    const result = await barge(dir, ['import', 'ok.csv', '--db', 'notes.db']);
    expect(result.exitCode).toBe(3);
    expectOneLine(result.stderr, 'database "notes.db" is not a SQLite database (or is encrypted); pass another --db');
    expect(read(dir, 'notes.db')).toBe(text);
    expect(fs.readdirSync(dir).sort()).toEqual(['notes.db', 'ok.csv']);
  });

  it.skipIf(process.platform !== 'linux')('on a read-only file system: exit 3, the database unchanged (skipped without mount namespaces)', async (ctx) => {
    if (!namespaces) ctx.skip();
    const dir = tmpdir();
    write(dir, 'ok.csv', 'id,name\n1,a\n2,b\n');
    fs.mkdirSync(path.join(dir, 'after'));
    await inNamespace(dir, `
      mkdir d && mount -t tmpfs -o size=1m tmpfs d
      $BARGE import ok.csv --db d/x.db --quiet; echo $? > seed.rc
      mount -o remount,ro d
      $BARGE import ok.csv --db d/x.db --table other 2> existing.err; echo $? > existing.rc
      $BARGE import ok.csv --db d/new.db 2> new.err; echo $? > new.rc
      cp d/* after/
    `);
    expect(read(dir, 'seed.rc').trim()).toBe('0');
    expect(read(dir, 'existing.rc').trim()).toBe('3');
    expectOneLine(read(dir, 'existing.err').trimEnd(), 'database "d/x.db" is on a read-only file system; pass a --db on a writable one');
    expect(read(dir, 'new.rc').trim()).toBe('3');
    expectOneLine(read(dir, 'new.err').trimEnd(), 'database "d/new.db" is on a read-only file system; pass a --db on a writable one');
    const db = path.join(dir, 'after/x.db');
    expect(fs.readdirSync(path.join(dir, 'after'))).toEqual(['x.db']);
    expect(userTables(db)).toEqual(['ok']);
    expect(all(db, 'ok')).toEqual([{ id: 1, name: 'a' }, { id: 2, name: 'b' }]);
  });

  it.skipIf(process.platform !== 'linux')('on a full disk: exit 3; atomic keeps nothing; a row job resumes once there is room, with hostile names in a CSV report (skipped without mount namespaces)', async (ctx) => {
    if (!namespaces) ctx.skip();
    const dir = tmpdir();
    // 20,000 rows; every 700th has a bad price, so the report gets entries before and after the disk fills.
    let csv = '"we""ird","price, EUR",select\n';
    for (let i = 1; i <= 20_000; i++) csv += `${i},${i % 700 === 0 ? 'n/a' : (i / 10).toFixed(1)},row ${i} with some padding text\n`;
    write(dir, 'data.csv', csv);
    // Atomic needs valid records: a job that rolls back anyway never writes its pages to disk.
    write(dir, 'clean.csv', csv.replaceAll(',n/a,', ',0,'));
    write(dir, 's.json', JSON.stringify({
      table: 'fill "it"',
      primaryKey: ['we"ird'],
      columns: { 'we"ird': { type: 'integer', required: true }, 'price, EUR': { type: 'number' }, select: { type: 'string' } },
    }));
    fs.mkdirSync(path.join(dir, 'atomic'));
    fs.mkdirSync(path.join(dir, 'row'));
    fs.mkdirSync(path.join(dir, 'full'));
    await inNamespace(dir, `
      mkdir d && mount -t tmpfs -o size=512k tmpfs d
      $BARGE import clean.csv --schema s.json --db d/atomic.db 2> atomic.err; echo $? > atomic.rc
      cp d/atomic.db* atomic/
      rm -f d/atomic.db*
      $BARGE import data.csv --schema s.json --db d/x.db --mode row --batch-size 500 --errors report.csv --job-id fill 2> full.err; echo $? > full.rc
      cp d/x.db* full/
      mount -o remount,size=64m d
      $BARGE import --resume fill --db d/x.db --json > resume.json 2> resume.err; echo $? > resume.rc
      cp d/x.db* row/
    `);
    // Atomic: the disk fills, the job's transaction rolls back, nothing of it stays.
    expect(read(dir, 'atomic.rc').trim()).toBe('3');
    expectOneLine(read(dir, 'atomic.err').trimEnd(), 'database "d/atomic.db": the disk is full (the database\'s, or the one SQLite\'s sorts spill to: SQLITE_TMPDIR, else TMPDIR, else /var/tmp); free space and run the import again (an atomic job rolled back and left nothing)');
    const atomicDb = path.join(dir, 'atomic/atomic.db');
    expect(userTables(atomicDb)).toEqual([]);
    // Row mode: the disk fills after some batches; they stay, and the job resumes after them.
    expect(read(dir, 'full.rc').trim()).toBe('3');
    expect(read(dir, 'full.err').trimEnd()).toMatch(
      /^barge: error: database "d\/x\.db": the disk is full \(the database's, or the one SQLite's sorts spill to: SQLITE_TMPDIR, else TMPDIR, else \/var\/tmp\); free space and resume it: barge import --resume fill --db d\/x\.db \(job fill: the [\d,]+ batches committed before this, [\d,]+ records, stay; the 2 records rejected before it are in \S+\/report\.csv\)$/,
    );
    // Whole batches were committed before the disk filled: 500 records each, less the rejected ones.
    const committed = rows<{ n: number }>(path.join(dir, 'full/x.db'), 'SELECT count(*) AS n FROM "fill ""it"""')[0]!.n;
    expect(committed).toBeGreaterThan(0);
    expect(committed).toBeLessThan(19_972);
    expect((committed + Math.floor(committed / 699)) % 500).toBe(0);
    // The message and the job say what the table holds: the batch whose commit failed is not
    // counted (it was: one batch, ~500 records, more than the table held).
    const said = /the ([\d,]+) batches committed before this, ([\d,]+) records, stay/.exec(read(dir, 'full.err'))!;
    expect(Number(said[2]!.replaceAll(',', ''))).toBe(committed);
    expect(Number(said[1]!.replaceAll(',', ''))).toBe((committed + Math.floor(committed / 699)) / 500);
    expect(rows(path.join(dir, 'full/x.db'), "SELECT batches_committed AS b, inserted FROM _barge_jobs WHERE id = 'fill'")[0]).toEqual({ b: Number(said[1]!.replaceAll(',', '')), inserted: committed });
    expect(read(dir, 'resume.rc').trim(), read(dir, 'resume.err')).toBe('1');
    const summary = JSON.parse(read(dir, 'resume.json'));
    expect(summary).toMatchObject({ status: 'partial', counts: { read: 20_000, rejected: 28 } });
    const db = path.join(dir, 'row/x.db');
    const loaded = rows<{ n: number; distinct: number; lo: number; hi: number }>(
      db, 'SELECT count(*) AS n, count(DISTINCT "we""ird") AS "distinct", min("we""ird") AS lo, max("we""ird") AS hi FROM "fill ""it"""',
    )[0];
    expect(loaded).toEqual({ n: 19_972, distinct: 19_972, lo: 1, hi: 20_000 });
    expect(rows(db, 'SELECT count(*) AS n FROM "fill ""it""" WHERE "we""ird" % 700 = 0')).toEqual([{ n: 0 }]);
    // The CSV report, written by both runs: every bad record once, under the right columns
    // (a header name with a comma or a quote must not shift the rows appended on resume).
    const report = parseCsv(read(dir, 'report.csv'), { columns: true }) as Array<Record<string, string>>;
    expect(report.map((r) => Number(r._barge_line))).toEqual(Array.from({ length: 28 }, (_, i) => (i + 1) * 700 + 1));
    for (const entry of report) {
      expect(entry['price, EUR']).toBe('n/a');
      expect(entry.select).toBe(`row ${entry['we"ird']} with some padding text`);
      expect(Number(entry['we"ird'])).toBe(Number(entry._barge_line) - 1);
      expect(Object.keys(entry)).toEqual(Object.keys(report[0]!));
    }
    expect(Object.keys(report[0]!).slice(-3)).toEqual(['we"ird', 'price, EUR', 'select']);
  });
});

// ---- encodings ------------------------------------------------------------------------------

const TEXT = [
  { name: 'Köln', note: 'Straße, ÿ, ½' },
  { name: 'Málaga', note: '«quoted» ©' },
];

function csvOf(header: string, records: Array<{ name: string; note: string }>): string {
  return `${header}\n${records.map((r) => `${r.name},"${r.note}"`).join('\n')}\n`;
}

describe('encodings', () => {
  it('--encoding latin1 loads the text, header names included', async () => {
    const dir = tmpdir();
    write(dir, 'towns.csv', Buffer.from(csvOf('name,Straßennote', TEXT), 'latin1'));
    const result = await barge(dir, ['import', 'towns.csv', '--encoding', 'latin1']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(all(path.join(dir, 'barge.db'), 'towns')).toEqual(TEXT.map((r) => ({ name: r.name, Straßennote: r.note })));
  });

  const UNICODE = [...TEXT, { name: '東京', note: '🚀 launch, 𝄞' }];
  const UTF16: Array<[string, Buffer, string[]]> = [
    ['with a BOM and --encoding utf16le', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csvOf('name,nöte', UNICODE), 'utf16le')]), ['--encoding', 'utf16le']],
    ['with a BOM, detected without --encoding', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csvOf('name,nöte', UNICODE), 'utf16le')]), []],
    ['without a BOM, with --encoding utf16le', Buffer.from(csvOf('name,nöte', UNICODE), 'utf16le'), ['--encoding', 'utf16le']],
  ];
  for (const [label, bytes, args] of UTF16) {
    it(`utf16le ${label} loads the text`, async () => {
      const dir = tmpdir();
      write(dir, 'towns.csv', bytes);
      const result = await barge(dir, ['import', 'towns.csv', ...args]);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(all(path.join(dir, 'barge.db'), 'towns')).toEqual(UNICODE.map((r) => ({ name: r.name, nöte: r.note })));
    });
  }

  it('utf16le NDJSON and JSON with a BOM', async () => {
    const dir = tmpdir();
    const bom = Buffer.from([0xff, 0xfe]);
    write(dir, 'a.ndjson', Buffer.concat([bom, Buffer.from(UNICODE.map((r) => JSON.stringify(r)).join('\n') + '\n', 'utf16le')]));
    write(dir, 'b.json', Buffer.concat([bom, Buffer.from(JSON.stringify(UNICODE), 'utf16le')]));
    for (const file of ['a.ndjson', 'b.json']) {
      const result = await barge(dir, ['import', file, '--table', 'towns']);
      expect(result.exitCode, result.stderr).toBe(0);
    }
    expect(all(path.join(dir, 'barge.db'), 'towns')).toEqual([...UNICODE, ...UNICODE]);
  });

  /** [label, bytes, args, the error line] */
  const BAD: Array<[string, Buffer, string[], string]> = [
    [
      'invalid UTF-8 on the first line of data (a latin1 file read as UTF-8)',
      Buffer.from(csvOf('name,note', TEXT), 'latin1'),
      [],
      'towns.csv:2: invalid UTF-8 at column 2 (byte offset 11 in the input); pass --encoding windows-1252 (a file from Windows), latin1 or utf16le if the file is not UTF-8',
    ],
    [
      'invalid UTF-8 further down',
      Buffer.from(csvOf('name,note', [{ name: 'Bonn', note: 'x' }, ...TEXT]), 'latin1'),
      [],
      'towns.csv:3: invalid UTF-8 at column 2 (byte offset 20 in the input); pass --encoding windows-1252 (a file from Windows), latin1 or utf16le if the file is not UTF-8',
    ],
    [
      'UTF-16LE without a BOM, read as UTF-8',
      Buffer.from(csvOf('name,nöte', TEXT), 'utf16le'),
      [],
      // It said "invalid UTF-8", and pointed to three encodings: the zero bytes say which.
      'towns.csv: looks like UTF-16LE without a byte order mark (a zero byte in every other place of its first 100 bytes), read as UTF-8; pass --encoding utf16le',
    ],
    [
      'ASCII UTF-16LE without a BOM, read as UTF-8 (NULs in the header)',
      Buffer.from('id,name\n1,a\n', 'utf16le'),
      [],
      'towns.csv: looks like UTF-16LE without a byte order mark (a zero byte in every other place of its first 24 bytes), read as UTF-8; pass --encoding utf16le',
    ],
    [
      'an unpaired surrogate in UTF-16LE',
      Buffer.concat([Buffer.from('name,note\nKöln,a', 'utf16le'), Buffer.from([0x00, 0xd8]), Buffer.from('b\n', 'utf16le')]),
      ['--encoding', 'utf16le'],
      'towns.csv:2: invalid UTF-16LE (an unpaired surrogate) at column 7 (byte offset 32 in the input); check --encoding',
    ],
    [
      'UTF-16LE cut after an odd number of bytes',
      Buffer.concat([Buffer.from('name,note\nKöln,a\nBonn,b', 'utf16le'), Buffer.from([0x41])]),
      ['--encoding', 'utf16le'],
      'towns.csv:3: the input ends with half a UTF-16LE character (an odd number of bytes) at byte 46; is it truncated, or not UTF-16LE? check --encoding',
    ],
    [
      'an unsupported --encoding',
      Buffer.from(csvOf('name,note', TEXT)),
      ['--encoding', 'ebcdic'],
      'unsupported --encoding "ebcdic"; use utf8, utf16le, latin1 or windows-1252',
    ],
  ];
  for (const [label, bytes, args, message] of BAD) {
    it(`${label}: exit 2 naming the line, nothing loaded`, async () => {
      const dir = tmpdir();
      write(dir, 'towns.csv', bytes);
      const result = await barge(dir, ['import', 'towns.csv', ...args]);
      expect(result.exitCode).toBe(2);
      expectOneLine(result.stderr, message);
      // Refused before anything was written: no database, no report beside the input.
      expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
      expect(fs.readdirSync(dir)).toEqual(['towns.csv']);
    });
  }
});

describe('a new table whose name is taken by another kind of object', () => {
  it('a view or an index named like --table, or like an index the schema asks for: exit 2, no job, nothing written', async () => {
    const dir = tmpdir();
    const db = path.join(dir, 'vw.db');
    const made = new Database(db);
    made.exec('CREATE TABLE base (x INT); CREATE VIEW v AS SELECT x FROM base; CREATE INDEX base_x ON base (x); CREATE TABLE p_cat_idx (y INT)');
    made.close();
    write(dir, 'vx.csv', 'x\n1\n');
    const view = await barge(dir, ['import', 'vx.csv', '--db', 'vw.db', '--table', 'V']);
    expect(view.exitCode).toBe(2);
    expect(view.stderr.trim()).toBe('barge: error: "V" is a view, and barge loads tables only: give --table the table it shows');
    const index = await barge(dir, ['import', 'vx.csv', '--db', 'vw.db', '--table', 'base_x']);
    expect(index.exitCode).toBe(2);
    expect(index.stderr.trim()).toBe('barge: error: cannot create table "base_x": the database already has an index named so; choose another --table');
    write(dir, 'p.json', JSON.stringify({ table: 'p', columns: { cat: { type: 'string' } }, indexes: [['cat']] }));
    write(dir, 'p.csv', 'cat\na\n');
    const indexed = await barge(dir, ['import', 'p.csv', '--db', 'vw.db', '--schema', 'p.json']);
    expect(indexed.exitCode).toBe(2);
    expect(indexed.stderr.trim()).toBe('barge: error: cannot create the index of "p" on "cat": the database already has a table named "p_cat_idx", the name barge gives that index; rename that table, or choose another --table');
    expect(rows(db, "SELECT type, name FROM sqlite_master ORDER BY name")).toEqual([
      { type: 'table', name: 'base' }, { type: 'index', name: 'base_x' }, { type: 'table', name: 'p_cat_idx' }, { type: 'view', name: 'v' },
    ]);
  });
});

describe('input whose records have no fields', () => {
  it('import, validate and schema infer: exit 2 saying so (import gave a SQL syntax error, exit 3)', async () => {
    const dir = tmpdir();
    write(dir, 'empty.ndjson', '{}\n{}\n');
    for (const command of [['import', 'empty.ndjson'], ['validate', 'empty.ndjson'], ['schema', 'infer', 'empty.ndjson']]) {
      const result = await barge(dir, command);
      expect(result.exitCode, command.join(' ')).toBe(2);
      expect(result.stderr.trim(), command.join(' ')).toBe('barge: error: cannot infer a schema for "empty" from empty.ndjson: its records have no fields; pass --schema naming the columns');
    }
    expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
  });
});
