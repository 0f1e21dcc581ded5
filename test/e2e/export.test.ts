import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { execa } from 'execa';
import { barge, BIN, importMakers, openDb, readNdjson, rows, workdir } from '../helpers/cli.js';
import { waitForChild, waitsToWriteStdout, writeLockHeld } from '../helpers/process-waits.js';
import { waitUntil } from '../helpers/waits.js';

const SCHEMA = ['--schema', 'fixtures/products.schema.json'];
const COLUMNS = ['id', 'name', 'price', 'qty', 'active', 'released', 'category', 'tags', 'maker_id'];

/** Every value with its SQLite storage class: REAL 12.0 and INTEGER 12 are both 12 in JavaScript. */
const TYPED_ROWS = `SELECT ${COLUMNS.map((c) => `quote("${c}") AS "${c}", typeof("${c}") AS "${c}_type"`).join(', ')} FROM products ORDER BY id`;

/** Runs barge, expects exit 0; stdout and stderr exactly as written (final newline kept). */
async function ok(dir: string, args: string[]) {
  const result = await barge(dir, args, { stripFinalNewline: false });
  if (result.exitCode !== 0) throw new Error(`barge ${args.join(' ')} exited ${result.exitCode}: ${result.stderr}`);
  return result;
}

/** A directory with makers and products loaded into barge.db. */
async function loaded(): Promise<string> {
  const dir = workdir();
  await importMakers(dir);
  await ok(dir, ['import', 'fixtures/products.csv', ...SCHEMA]);
  return dir;
}

describe('export: round trip (SPEC §7)', () => {
  // The fixture holds NULLs, booleans, json, unicode, quotes, commas and a newline inside a name.
  for (const format of ['csv', 'tsv', 'ndjson', 'json'] as const) {
    it(`${format}: export, import into a fresh database, identical rows and types`, async () => {
      const dir = await loaded();
      const file = `exported.${format}`;
      await ok(dir, ['export', '--table', 'products', '--out', file]);
      await importMakers(dir, 'copy.db');
      await ok(dir, ['import', file, ...SCHEMA, '--db', 'copy.db']);
      const original = rows(path.join(dir, 'barge.db'), 'SELECT * FROM products ORDER BY id');
      const copy = rows(path.join(dir, 'copy.db'), 'SELECT * FROM products ORDER BY id');
      expect(original).toHaveLength(12);
      expect(copy).toEqual(original);
      expect(rows(path.join(dir, 'copy.db'), TYPED_ROWS)).toEqual(rows(path.join(dir, 'barge.db'), TYPED_ROWS));
    });
  }

  it('tsv quotes a value holding a newline or tab, or starting with a quote (not one with a quote inside), and import reads it back', async () => {
    const dir = await loaded();
    await ok(dir, ['export', '--table', 'products', '--out', 'p.tsv', '--where', "id IN ('P-4', 'P-7')", '--order-by', 'id']);
    expect(fs.readFileSync(path.join(dir, 'p.tsv'), 'utf8')).toBe(
      'id\tname\tprice\tqty\tactive\treleased\tcategory\ttags\tmaker_id\n' +
      'P-4\tBench Vise "Pro"\t89.9\t8\tfalse\t2018-01-20\ttools\t{"jaw_mm":125}\tM-3\n' +
      'P-7\t"Kite\nwith tail"\t15.25\t0\tfalse\t2017-05-05\ttoys\t\tM-4\n',
    );
    await importMakers(dir, 'copy.db');
    await ok(dir, ['import', 'p.tsv', ...SCHEMA, '--db', 'copy.db']);
    const sql = "SELECT * FROM products WHERE id IN ('P-4', 'P-7') ORDER BY id";
    expect(rows(path.join(dir, 'copy.db'), sql)).toEqual(rows(path.join(dir, 'barge.db'), sql));
  });

  it('tsv: a text of over 1 Mi characters with a quote inside is written bare, and reads back as it was (quoted, it came back with its quotes)', async () => {
    const dir = workdir();
    const long = 'x'.repeat(1_048_576) + '"q';
    fs.writeFileSync(path.join(dir, 'one.ndjson'), JSON.stringify({ id: 1, s: long }) + '\n' + JSON.stringify({ id: 2, s: '"starts quoted' }) + '\n');
    fs.writeFileSync(path.join(dir, 'one.schema.json'), JSON.stringify({ table: 'one', columns: { id: { type: 'integer' }, s: { type: 'string' } } }));
    await ok(dir, ['import', 'one.ndjson', '--schema', 'one.schema.json', '--db', 'a.db']);
    await ok(dir, ['export', '--db', 'a.db', '--table', 'one', '--out', 'one.tsv']);
    expect(fs.readFileSync(path.join(dir, 'one.tsv'), 'utf8')).toBe(`id\ts\n1\t${long}\n2\t"""starts quoted"\n`);
    await ok(dir, ['import', 'one.tsv', '--schema', 'one.schema.json', '--db', 'b.db']);
    expect(rows(path.join(dir, 'b.db'), 'SELECT id, s FROM one ORDER BY id')).toEqual([{ id: 1, s: long }, { id: 2, s: '"starts quoted' }]);
  });

  // CSV cannot tell an empty string from NULL: import reads an empty field as missing (SPEC §3),
  // so "" comes back as NULL through CSV/TSV. NDJSON and JSON keep the difference.
  for (const format of ['ndjson', 'json'] as const) {
    it(`${format}: an empty string stays an empty string, NULL stays NULL; integers beyond 2^53 stay exact`, async () => {
      const dir = workdir();
      const schema = { table: 'notes', primaryKey: ['id'], columns: { id: { type: 'integer', required: true }, body: { type: 'string' }, n: { type: 'integer' } } };
      fs.writeFileSync(path.join(dir, 'notes.schema.json'), JSON.stringify(schema));
      fs.writeFileSync(path.join(dir, 'notes.csv'), 'id,body,n\n1,"  spaced\ttab  ",9007199254740993\n2,,-9223372036854775808\n');
      fs.writeFileSync(path.join(dir, 'more.ndjson'), '{"id":3,"body":""}\n{"id":4,"body":null}\n');
      await ok(dir, ['import', 'notes.csv', '--schema', 'notes.schema.json']);
      await ok(dir, ['import', 'more.ndjson', '--schema', 'notes.schema.json']);
      await ok(dir, ['export', '--table', 'notes', '--out', `notes-out.${format}`]);
      const text = fs.readFileSync(path.join(dir, `notes-out.${format}`), 'utf8');
      // Beyond 2^53 a JSON number would be rounded by JSON readers: a string of digits, which import reads exactly.
      expect(text).toContain('"n":"9007199254740993"');
      expect(text).toContain('"n":"-9223372036854775808"');
      const sql = 'SELECT id, quote(body) AS body, CAST(n AS TEXT) AS n, typeof(n) AS t FROM notes ORDER BY id';
      const original = rows(path.join(dir, 'barge.db'), sql);
      expect(original.map((r) => r.body)).toEqual(["'  spaced\ttab  '", 'NULL', "''", 'NULL']);
      await ok(dir, ['import', `notes-out.${format}`, '--schema', 'notes.schema.json', '--db', 'copy.db']);
      expect(rows(path.join(dir, 'copy.db'), sql)).toEqual(original);
    });
  }

  for (const format of ['ndjson', 'json'] as const) {
    it(`${format}: NULL in a column with a default stays NULL (not the default) through the round trip`, async () => {
      const dir = workdir();
      for (const [file, rowsSql] of [['a.db', "INSERT INTO f VALUES (1, NULL, NULL), (2, 'done', 3)"], ['b.db', '']] as const) {
        const db = new Database(path.join(dir, file));
        db.exec(`CREATE TABLE f (id INTEGER PRIMARY KEY, status TEXT DEFAULT 'new', qty INTEGER DEFAULT 0); ${rowsSql}`);
        db.close();
      }
      await ok(dir, ['export', '--db', 'a.db', '--table', 'f', '--out', `f.${format}`]);
      await ok(dir, ['import', `f.${format}`, '--db', 'b.db', '--table', 'f']);
      const sql = 'SELECT id, quote(status) AS status, quote(qty) AS qty FROM f ORDER BY id';
      expect(rows(path.join(dir, 'b.db'), sql)).toEqual([{ id: 1, status: 'NULL', qty: 'NULL' }, { id: 2, status: "'done'", qty: '3' }]);
    });
  }

  it('csv: integers beyond 2^53 are written and read back exactly', async () => {
    const dir = workdir();
    const schema = { table: 'big', columns: { n: { type: 'integer' } } };
    fs.writeFileSync(path.join(dir, 'big.schema.json'), JSON.stringify(schema));
    fs.writeFileSync(path.join(dir, 'big.csv'), 'n\n9007199254740993\n-9223372036854775808\n9223372036854775807\n');
    await ok(dir, ['import', 'big.csv', '--schema', 'big.schema.json']);
    await ok(dir, ['export', '--table', 'big', '--out', 'big-out.csv']);
    expect(fs.readFileSync(path.join(dir, 'big-out.csv'), 'utf8')).toBe('n\n9007199254740993\n-9223372036854775808\n9223372036854775807\n');
    await ok(dir, ['import', 'big-out.csv', '--schema', 'big.schema.json', '--db', 'copy.db']);
    const sql = 'SELECT CAST(n AS TEXT) AS n FROM big ORDER BY rowid';
    expect(rows(path.join(dir, 'copy.db'), sql)).toEqual(rows(path.join(dir, 'barge.db'), sql));
  });
});

describe('export: values keep their types', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await loaded();
  });

  it('ndjson: booleans, nested json, numbers and nulls', async () => {
    await ok(dir, ['export', '--table', 'products', '--out', 'typed.ndjson']);
    const records = readNdjson(path.join(dir, 'typed.ndjson'));
    expect(records).toHaveLength(12);
    expect(records[0]).toEqual({
      id: 'P-1', name: 'Claw Hammer', price: 19.99, qty: 120, active: true, released: '2021-03-14',
      category: 'tools', tags: ['steel', '16oz'], maker_id: 'M-1',
    });
    expect(records.find((r) => r.id === 'P-4')).toMatchObject({ active: false, tags: { jaw_mm: 125 }, name: 'Bench Vise "Pro"' });
    expect(records.find((r) => r.id === 'P-7')).toMatchObject({ name: 'Kite\nwith tail', tags: null });
    // qty was empty in the CSV: it took the schema's default, 0.
    expect(records.find((r) => r.id === 'P-8')).toEqual({
      id: 'P-8', name: 'Screwdriver Set', price: null, qty: 0, active: null, released: null, category: 'tools', tags: null, maker_id: null,
    });
  });

  it('csv: true/false, json as JSON text, NULL as an empty field, a header row', async () => {
    const result = await ok(dir, ['export', '--table', 'products', '--where', "id IN ('P-1', 'P-3', 'P-8')", '--order-by', 'id']);
    expect(result.stdout).toBe(
      'id,name,price,qty,active,released,category,tags,maker_id\n' +
      'P-1,Claw Hammer,19.99,120,true,2021-03-14,tools,"[""steel"",""16oz""]",M-1\n' +
      'P-3,Stacking Bricks (100),12,300,true,2019-06-30,toys,"[""kids"",""3+""]",M-2\n' +
      'P-8,Screwdriver Set,,0,,,tools,,\n',
    );
  });

  it('json: one streamed top-level array', async () => {
    await ok(dir, ['export', '--table', 'products', '--out', 'typed.json', '--limit', '2']);
    const text = fs.readFileSync(path.join(dir, 'typed.json'), 'utf8');
    expect(text.startsWith('[\n{"id":"P-1",')).toBe(true);
    expect(text.endsWith('}\n]\n')).toBe(true);
    expect(JSON.parse(text).map((r: { id: string; active: boolean }) => [r.id, r.active])).toEqual([['P-1', true], ['P-2', true]]);
    await ok(dir, ['export', '--table', 'products', '--out', 'none.json', '--where', '0']);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'none.json'), 'utf8'))).toEqual([]);
  });

  it('--query is typed from the columns it reads: aliases and joins too; expressions as SQLite gives them', async () => {
    const result = await ok(dir, [
      'export', '--format', 'ndjson', '--query',
      "SELECT p.id, p.active AS on_sale, m.name AS maker, p.tags, p.active + 0 AS raw FROM products p JOIN makers m ON m.id = p.maker_id WHERE p.id IN ('P-1', 'P-4') ORDER BY p.id",
    ]);
    expect(result.stdout.trim().split('\n').map((line) => JSON.parse(line))).toEqual([
      { id: 'P-1', on_sale: true, maker: 'Acme Tools', tags: ['steel', '16oz'], raw: 1 },
      { id: 'P-4', on_sale: false, maker: 'Kögel, Söhne & Co', tags: { jaw_mm: 125 }, raw: 0 },
    ]);
  });

  for (const format of ['csv', 'tsv', 'ndjson', 'json']) {
    it(`${format}: --query "SELECT * FROM products" gives the same bytes as --table products`, async () => {
      const byTable = await ok(dir, ['export', '--table', 'products', '--format', format]);
      const byQuery = await ok(dir, ['export', '--query', 'SELECT * FROM products', '--format', format]);
      expect(byQuery.stdout).toBe(byTable.stdout);
      expect(byTable.stdout.length).toBeGreaterThan(500);
    });
  }
});

describe('export: choosing rows and output', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await loaded();
  });

  it('--where, --order-by, --columns and --limit', async () => {
    const result = await ok(dir, ['export', '--table', 'products', '--where', "category = 'toys'", '--order-by', 'price DESC', '--columns', 'id,price,active', '--limit', '3']);
    expect(result.stdout).toBe('id,price,active\nP-5,34.75,true\nP-9,18,true\nP-7,15.25,false\n');
  });

  it('--limit on --query keeps the query\'s own order; --limit 0 gives just the header', async () => {
    const result = await ok(dir, ['export', '--query', 'SELECT id FROM products ORDER BY qty DESC;', '--limit', '2']);
    expect(result.stdout).toBe('id\nP-11\nP-3\n');
    expect((await ok(dir, ['export', '--table', 'makers', '--limit', '0'])).stdout).toBe('id,name,country,founded\n');
    // --query with --limit 0 (it failed with exit 3 after putting the file in place, leaving -wal/-shm files).
    expect((await ok(dir, ['export', '--query', 'SELECT id, name FROM makers', '--limit', '0'])).stdout).toBe('id,name\n');
    fs.writeFileSync(path.join(dir, 'zero.ndjson'), 'old content\n');
    const json = await ok(dir, ['export', '--query', 'SELECT id FROM makers', '--limit', '0', '--out', 'zero.ndjson', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ rows: 0, out: 'zero.ndjson', format: 'ndjson' });
    expect(fs.readFileSync(path.join(dir, 'zero.ndjson'), 'utf8')).toBe('');
  });

  it('a single column keeps its empty fields as "" so no row becomes a blank line', async () => {
    const result = await ok(dir, ['export', '--table', 'products', '--columns', 'maker_id', '--where', "id IN ('P-7', 'P-8')", '--order-by', 'id']);
    expect(result.stdout).toBe('maker_id\nM-4\n""\n');
  });

  it('--out - and no --out write exactly the data on stdout; the summary goes to stderr', async () => {
    await ok(dir, ['export', '--table', 'products', '--out', 'file.ndjson']);
    const file = fs.readFileSync(path.join(dir, 'file.ndjson'), 'utf8');
    const dash = await ok(dir, ['export', '--table', 'products', '--out', '-', '--format', 'jsonl']);
    expect(dash.stdout).toBe(file);
    expect(dash.stderr).toMatch(/^barge: exported 12 rows from "products" to stdout \(\d+\.\d s, [\d,]+ rows\/s\)\n$/);
    const none = await ok(dir, ['export', '--table', 'products', '--format', 'ndjson', '--quiet']);
    expect(none.stdout).toBe(file);
    expect(none.stderr).toBe('');
  });

  it('--out x.csv.gz is gzipped; the format comes from the extension before .gz', async () => {
    await ok(dir, ['export', '--table', 'products', '--out', 'plain.csv']);
    await ok(dir, ['export', '--table', 'products', '--out', 'packed.csv.gz']);
    const packed = fs.readFileSync(path.join(dir, 'packed.csv.gz'));
    expect(packed[0]).toBe(0x1f);
    expect(packed[1]).toBe(0x8b);
    expect(zlib.gunzipSync(packed).toString('utf8')).toBe(fs.readFileSync(path.join(dir, 'plain.csv'), 'utf8'));
  });

  it('--json prints one summary on stdout, with --out', async () => {
    const result = await ok(dir, ['export', '--table', 'products', '--out', 'summary.tsv', '--json']);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ command: 'export', table: 'products', query: null, format: 'tsv', out: 'summary.tsv', rows: 12 });
    expect(typeof summary.durationMs).toBe('number');
    expect(typeof summary.rowsPerSecond).toBe('number');
    expect(result.stderr).toMatch(/^barge: exported 12 rows from "products" to summary\.tsv \(\d+\.\d s, [\d,]+ rows\/s\)\n$/);
    const query = JSON.parse((await ok(dir, ['export', '--query', 'SELECT id FROM makers', '--out', 'm.json', '--json', '--quiet'])).stdout);
    expect(query).toMatchObject({ table: null, query: 'SELECT id FROM makers', format: 'json', rows: 5 });
  });

  it('--columns finds a column whose name has spaces around it by its trimmed text (the flag is trimmed: "a, b")', async () => {
    const spaced = workdir();
    fs.writeFileSync(path.join(spaced, 's.json'), JSON.stringify({ table: 'sp', columns: { 'a ': { type: 'string' }, b: { type: 'string' } } }));
    fs.writeFileSync(path.join(spaced, 'in.ndjson'), '{"a ":"x","b":"y"}\n');
    await ok(spaced, ['import', 'in.ndjson', '--schema', 's.json', '--quiet']);
    expect((await ok(spaced, ['export', '--table', 'sp', '--columns', 'a ,b', '--format', 'ndjson'])).stdout).toBe('{"a ":"x","b":"y"}\n');
    // In any case, as SQLite finds names; two names trimming alike are refused, not guessed.
    const db = new Database(path.join(spaced, 'barge.db'));
    db.exec(`CREATE TABLE e (" A " TEXT, "b " TEXT, " b" TEXT); INSERT INTO e VALUES (1, 2, 3)`);
    db.close();
    expect((await ok(spaced, ['export', '--table', 'e', '--columns', 'a'])).stdout).toBe(' A \n1\n');
    const ambiguous = await barge(spaced, ['export', '--table', 'e', '--columns', 'b']);
    expect(ambiguous.exitCode).toBe(2);
    expect(ambiguous.stderr).toBe('barge: error: --columns: "b" could be any of "b ", " b" in table "e"; the flag\'s names are trimmed, so export such columns with --query');
  });

  it('the table name is found as SQLite finds it (any case); a view exports typed like its table', async () => {
    expect((await ok(dir, ['export', '--table', 'MAKERS', '--columns', 'ID', '--limit', '1'])).stdout).toBe('id\nM-1\n');
    const db = new Database(path.join(dir, 'barge.db'));
    db.exec("CREATE VIEW IF NOT EXISTS toys AS SELECT id, active, tags FROM products WHERE category = 'toys'");
    db.close();
    const result = await ok(dir, ['export', '--table', 'toys', '--format', 'ndjson', '--limit', '1']);
    expect(JSON.parse(result.stdout)).toEqual({ id: 'P-3', active: true, tags: ['kids', '3+'] });
  });
});

describe('export: refusals', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await loaded();
  });

  const cases: Array<[string, string[], string]> = [
    ['neither --table nor --query', ['export'], 'export needs --table <name> or --query "SELECT ..."; list the tables with: barge stats'],
    ['both --table and --query', ['export', '--table', 'products', '--query', 'SELECT 1'], 'give either --table or --query, not both'],
    ['an unknown table', ['export', '--table', 'nope'], 'no table "nope" in barge.db; list the tables with: barge stats --db barge.db'],
    ['an unknown column', ['export', '--table', 'products', '--columns', 'id,colour'], '--columns: no column "colour" in table "products"; its columns are "id", "name", "price", "qty", "active", "released", "category", "tags", "maker_id"'],
    ['--json without --out', ['export', '--table', 'products', '--json'], '--json needs --out <file>: without it stdout carries the exported data'],
    ['--where with --query', ['export', '--query', 'SELECT * FROM products', '--where', 'qty > 1'], '--where goes with --table; with --query, write it into the query itself'],
    ['--order-by with --query', ['export', '--query', 'SELECT * FROM products', '--order-by', 'id'], '--order-by goes with --table; with --query, write it into the query itself'],
    ['a --where that is not SQL', ['export', '--table', 'products', '--where', 'colour = 1'], '--where: no such column: colour'],
    ['a bad --limit', ['export', '--table', 'products', '--limit', 'ten'], '--limit must be an integer from 0 to 9007199254740991, got "ten"'],
    ['a --format the extension contradicts', ['export', '--table', 'products', '--out', 'x.csv', '--format', 'json'], '--format json does not match --out x.csv, which names csv; drop one of them'],
    ['an unknown --format', ['export', '--table', 'products', '--format', 'xml'], '--format must be csv, tsv, ndjson, jsonl or json, got "xml"'],
    ['--out in a missing directory', ['export', '--table', 'products', '--out', 'missing/x.csv'], '--out missing/x.csv: the directory missing does not exist; create it or pass another --out'],
    ['--out over the database', ['export', '--table', 'products', '--out', 'barge.db'], '--out barge.db is the database itself; give another file'],
    ['a missing database', ['export', '--table', 'products', '--db', 'other.db'], 'database "other.db" does not exist; check --db (or $BARGE_DB), or import into it first'],
    ['two JSON keys of one name', ['export', '--query', 'SELECT id, id FROM products', '--format', 'ndjson'], 'the result has two columns named "id", which one JSON object cannot hold; rename one with AS'],
  ];
  for (const [what, args, message] of cases) {
    it(`${what}: exit 2, one clear line, no output`, async () => {
      expect(await barge(dir, args)).toEqual({ exitCode: 2, stdout: '', stderr: `barge: error: ${message}` });
    });
  }

  it('--json with --out -: refused as without --out, since - is stdout, which carries the data (without --json it does)', async () => {
    expect(await barge(dir, ['export', '--table', 'products', '--json', '--out', '-'])).toEqual({
      exitCode: 2, stdout: '', stderr: 'barge: error: --json needs --out <file>: without it stdout carries the exported data',
    });
    const toStdout = await barge(dir, ['export', '--table', 'products', '--columns', 'id', '--out', '-', '--quiet']);
    expect(toStdout).toEqual({ exitCode: 0, stdout: ['id', ...Array.from({ length: 12 }, (_, i) => `P-${i + 1}`)].join('\n'), stderr: '' });
    // A file named "-" is not made: it was stdout.
    expect(fs.existsSync(path.join(dir, '-'))).toBe(false);
  });

  it('the database is read-only: a --query that writes is refused and the rows stay', async () => {
    const writes = 'barge: error: --query: export runs only a query that reads rows (SELECT ...); it never changes the database';
    const cases: Array<[string, string]> = [
      ['DELETE FROM products', writes],
      ['DELETE FROM products RETURNING *', writes],
      ['SELECT 1; DELETE FROM products', 'barge: error: --query: more than one statement (a ";" ends one); give a single one'],
      ['DROP TABLE products', writes],
    ];
    for (const [query, message] of cases) {
      expect(await barge(dir, ['export', '--query', query]), query).toEqual({ exitCode: 2, stdout: '', stderr: message });
    }
    const db = openDb(path.join(dir, 'barge.db'));
    try {
      expect(db.prepare('SELECT COUNT(*) AS n FROM products').get()).toEqual({ n: 12 });
    } finally {
      db.close();
    }
  });

  it('a query that fails while running: exit 3, and the previous file at --out is left as it was', async () => {
    fs.writeFileSync(path.join(dir, 'keep.csv'), 'old contents\n');
    const result = await barge(dir, ['export', '--query', "SELECT json_extract(tags, '$[') FROM products", '--out', 'keep.csv']);
    expect(result).toEqual({ exitCode: 3, stdout: '', stderr: "barge: error: the query failed: bad JSON path: '$['; nothing was written to keep.csv" });
    expect(fs.readFileSync(path.join(dir, 'keep.csv'), 'utf8')).toBe('old contents\n');
    expect(fs.readdirSync(dir).filter((name) => name.includes('barge-tmp'))).toEqual([]);
  });

  it('the temporary files of exports killed with kill -9 go with the next export to that --out; a live process\'s, another machine\'s and what barge never wrote stay', async () => {
    const gone = spawnSync('true').pid!;
    const host = os.hostname().replace(/[^A-Za-z0-9.-]/g, '_');
    const stale = `.k9.csv.${host}.${gone}.barge-tmp`;
    const kept = [
      // This test's own process: alive, as an export in progress would be.
      `.k9.csv.${host}.${process.pid}.barge-tmp`,
      // Another machine's export into a shared directory: its processes are not seen from here.
      `.k9.csv.elsewhere-${host}.${gone}.barge-tmp`,
      // Another --out's, and names barge does not write.
      `.other.csv.${host}.${gone}.barge-tmp`,
      `.k9.csv.${host}.1e3.barge-tmp`,
    ];
    for (const name of [stale, ...kept]) fs.writeFileSync(path.join(dir, name), 'half an export');
    // A directory of that name is no file of barge's: left, and the export goes on.
    const directory = `.k9.csv.${host}.${spawnSync('true').pid!}.barge-tmp`;
    fs.mkdirSync(path.join(dir, directory));
    await ok(dir, ['export', '--table', 'products', '--out', 'k9.csv']);
    const left = fs.readdirSync(dir).filter((name) => name.includes('barge-tmp')).sort();
    for (const name of left) fs.rmSync(path.join(dir, name), { recursive: true });
    expect(left).toEqual([...kept, directory].sort());
    // Whole: what the same export writes to stdout.
    const toStdout = await barge(dir, ['export', '--table', 'products']);
    expect(toStdout.stdout.length).toBeGreaterThan(100);
    expect(fs.readFileSync(path.join(dir, 'k9.csv'), 'utf8')).toBe(toStdout.stdout + '\n');
  });
});

describe('export: a whole table is read in pages of rowids', () => {
  // table-pages.ts reads 1000 rows per page: 2345 rows with gaps and negative rowids span
  // three pages and end inside one.
  let dir: string;
  beforeAll(() => {
    dir = workdir();
    const db = new Database(path.join(dir, 'pages.db'));
    db.exec(`CREATE TABLE t (a INTEGER, b TEXT, c REAL);
      CREATE TABLE keyed (k TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID;
      CREATE TABLE shadow ("rowid" TEXT, v INTEGER);`);
    const insert = db.prepare('INSERT INTO t (rowid, a, b, c) VALUES (?, ?, ?, ?)');
    const keyed = db.prepare('INSERT INTO keyed VALUES (?, ?)');
    const shadow = db.prepare('INSERT INTO shadow VALUES (?, ?)');
    db.transaction(() => {
      for (let i = 0; i < 2600; i++) insert.run(i * 3 - 500, i, `row "${i}", with a comma`, i / 4);
      db.exec('DELETE FROM t WHERE rowid % 7 = 0 AND rowid > 0');
      for (let i = 0; i < 1500; i++) keyed.run(`k${String(2000 - i).padStart(5, '0')}`, i);
      for (let i = 0; i < 1500; i++) shadow.run(`r${1500 - i}`, i);
    })();
    db.close();
  });
  const count = (stdout: string) => stdout.trim().split('\n').length - 1;

  for (const format of ['csv', 'ndjson']) {
    it(`${format}: --table gives the rows of SELECT * ... ORDER BY rowid, all of them, once each`, async () => {
      const byTable = await ok(dir, ['export', '--db', 'pages.db', '--table', 't', '--format', format]);
      const byQuery = await ok(dir, ['export', '--db', 'pages.db', '--query', 'SELECT * FROM t ORDER BY rowid', '--format', format]);
      expect(byTable.stdout).toBe(byQuery.stdout);
      const stored = rows<{ n: number }>(path.join(dir, 'pages.db'), 'SELECT count(*) AS n FROM t')[0]!.n;
      expect(stored).toBeGreaterThan(2000);
      expect(byTable.stdout.trim().split('\n')).toHaveLength(format === 'csv' ? stored + 1 : stored);
    });
  }

  it('--limit stops inside a page and at a page boundary; --columns keeps the chosen columns', async () => {
    for (const limit of ['1500', '1000', '1']) {
      const byTable = await ok(dir, ['export', '--db', 'pages.db', '--table', 't', '--limit', limit]);
      const byQuery = await ok(dir, ['export', '--db', 'pages.db', '--query', 'SELECT * FROM t ORDER BY rowid', '--limit', limit]);
      expect(byTable.stdout).toBe(byQuery.stdout);
      expect(count(byTable.stdout)).toBe(Number(limit));
    }
    const columns = await ok(dir, ['export', '--db', 'pages.db', '--table', 't', '--columns', 'c,a']);
    const query = await ok(dir, ['export', '--db', 'pages.db', '--query', 'SELECT c, a FROM t ORDER BY rowid']);
    expect(columns.stdout).toBe(query.stdout);
  });

  it('a WITHOUT ROWID table, and a table with a column named rowid, are read as before', async () => {
    const keyed = await ok(dir, ['export', '--db', 'pages.db', '--table', 'keyed']);
    expect(keyed.stdout).toBe((await ok(dir, ['export', '--db', 'pages.db', '--query', 'SELECT * FROM keyed'])).stdout);
    expect(count(keyed.stdout)).toBe(1500);
    const shadow = await ok(dir, ['export', '--db', 'pages.db', '--table', 'shadow']);
    expect(shadow.stdout).toBe((await ok(dir, ['export', '--db', 'pages.db', '--query', 'SELECT * FROM shadow'])).stdout);
    expect(shadow.stdout.split('\n')[1]).toBe('r1500,0');
    expect(count(shadow.stdout)).toBe(1500);
  });
});

describe('export: CSV and TSV pages formatted by SQLite, on two threads (csv-pages.ts)', () => {
  // 7091 rows over 8 pages, with rowid gaps and negative rowids, and values SQLite must leave to
  // format-writers.ts (a REAL needing 17 digits, an exponent, text holding LF, CR or NUL), one
  // to a page. With BARGE_WORKER=always pages 0, 2, 4, 6 are this thread's, 1, 3, 5, 7 the
  // worker's: each thread formats pages in SQL and has pages rewritten.
  let dir: string;
  beforeAll(() => {
    dir = workdir();
    const db = new Database(path.join(dir, 'wide.db'));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (id INTEGER, price REAL, label TEXT, raw BLOB, anything)');
    const insert = db.prepare('INSERT INTO t (rowid, id, price, label, raw, anything) VALUES (?, ?, ?, ?, ?, ?)');
    const texts = ['plain', 'a,b', 'say "hi"', 'a "quoted", comma', 'tab\there', 'ünï 𝄞', ''];
    // Page by page (1000 rows each, after the deletes): 1: a REAL of 17 digits; 2: a text holding LF;
    // 4: an exponent; 5: a text holding CR; 6: a text holding NUL. Pages 0 and 3 are clean.
    const special: Record<number, string> = { 2750: 'line\nbreak', 6050: 'cr\r', 7150: 'nul\u0000inside' };
    db.transaction(() => {
      for (let i = 0; i < 7800; i++) {
        const price = i === 1650 ? 1 / 3 : i === 4950 ? 1e-9 : i % 3 === 0 ? null : i / 8;
        const anything = i % 4 === 0 ? i : i % 4 === 1 ? i + 0.25 : i % 4 === 2 ? texts[i % texts.length]! : Buffer.from([i % 256, 0]);
        insert.run(i * 2 - 1000, i, price, special[i] ?? texts[i % texts.length]!, i % 5 === 0 ? Buffer.from([255, i % 256]) : null, anything);
      }
      db.exec('DELETE FROM t WHERE rowid % 11 = 0');
    })();
    db.close();
  });
  const byQuery = (format: string) => ok(dir, ['export', '--db', 'wide.db', '--query', 'SELECT * FROM t ORDER BY rowid', '--format', format]);

  for (const worker of ['always', 'never']) {
    for (const format of ['csv', 'tsv']) {
      it(`${format}, worker ${worker}: the same bytes as format-writers.ts writes row by row`, async () => {
        const paged = await barge(dir, ['export', '--db', 'wide.db', '--table', 't', '--format', format], { env: { BARGE_WORKER: worker }, stripFinalNewline: false });
        expect(paged.exitCode).toBe(0);
        const expected = (await byQuery(format)).stdout;
        expect(paged.stdout).toBe(expected);
        expect(expected.split('\n').length).toBeGreaterThan(7000);
        expect(expected).toContain('0.3333333333333333');
        expect(expected).toContain('1e-9');
        expect(expected).toContain('nul\u0000inside');
        expect(expected).toContain('"line\nbreak"');
      });
    }
  }

  it('a gzipped file and a table barge wrote (booleans, json): the same as row by row', async () => {
    const gz = await barge(dir, ['export', '--db', 'wide.db', '--table', 't', '--out', 'wide.csv.gz'], { env: { BARGE_WORKER: 'always' } });
    expect(gz.exitCode).toBe(0);
    expect(zlib.gunzipSync(fs.readFileSync(path.join(dir, 'wide.csv.gz'))).toString('utf8')).toBe((await byQuery('csv')).stdout);

    const products = await loaded();
    const paged = await barge(products, ['export', '--table', 'products'], { env: { BARGE_WORKER: 'always' }, stripFinalNewline: false });
    const rowByRow = await ok(products, ['export', '--query', 'SELECT * FROM products ORDER BY rowid']);
    expect(paged.stdout).toBe(rowByRow.stdout);
    expect(paged.stdout).toMatch(/,(true|false),/);
  });

  it('while another connection holds the write lock, the export reads alone; running, it holds no write lock once its worker has its snapshot', async () => {
    const holder = new Database(path.join(dir, 'wide.db'));
    holder.exec('BEGIN IMMEDIATE');
    holder.prepare('UPDATE t SET label = ? WHERE rowid = 2').run('uncommitted');
    try {
      const paged = await barge(dir, ['export', '--db', 'wide.db', '--table', 't'], { env: { BARGE_WORKER: 'always' }, stripFinalNewline: false });
      expect(paged.exitCode).toBe(0);
      expect(paged.stdout).not.toContain('uncommitted');
      holder.exec('ROLLBACK');
      expect(paged.stdout).toBe((await byQuery('csv')).stdout);
    } finally {
      if (holder.inTransaction) holder.exec('ROLLBACK');
      holder.close();
    }
    // With nobody holding it, the export takes the write lock (the gate, csv-pages.ts) until its
    // worker's snapshot is taken, and lets it go before the first page: caught mid-run, waiting
    // for room in a stdout nobody reads, it holds none. (200,000 rows, ~9 MB: more than the
    // pipe and the reader's buffer hold.)
    const big = new Database(path.join(dir, 'gate.db'));
    big.pragma('journal_mode = WAL');
    big.exec("CREATE TABLE g (id INTEGER PRIMARY KEY, pad TEXT); WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 200000) INSERT INTO g SELECT n, printf('%040d', n) FROM s");
    big.close();
    const child = spawn('node', [BIN, 'export', '--db', 'gate.db', '--table', 'g'], {
      cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BARGE_DB: '', BARGE_WORKER: 'always', NO_COLOR: '1' },
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => { stderr += String(chunk); });
    const chunks: Buffer[] = [];
    // The first rows are out (the gate was let go before them), then nobody reads for now.
    const firstRows = new Promise<void>((resolve) => child.stdout!.once('data', () => { child.stdout!.pause(); resolve(); }));
    child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk));
    await firstRows;
    try {
      await waitForChild(child, 'the export waiting to write more to stdout', waitsToWriteStdout);
      expect(writeLockHeld(path.join(dir, 'gate.db'))).toBe(false);
    } finally {
      child.stdout!.resume();
    }
    expect(await exited, stderr).toBe(0);
    expect(stderr).toMatch(/^barge: exported 200,000 rows from "g" to stdout \(/);
    const lines = Buffer.concat(chunks).toString('utf8').split('\n');
    expect(lines).toHaveLength(200_002);
    expect([lines[0], lines[1], lines[200_000], lines[200_001]]).toEqual(['id,pad', `1,${'1'.padStart(40, '0')}`, `200000,${'200000'.padStart(40, '0')}`, '']);
  });

  it('both threads read one snapshot while a writer commits throughout', async () => {
    // Each commit sets every page's marker row to the same new value. Pages alternate between
    // the threads, so two snapshots would show two values.
    const file = path.join(dir, 'race.db');
    const setup = new Database(file);
    setup.pragma('journal_mode = WAL');
    setup.exec('CREATE TABLE r (id INTEGER PRIMARY KEY, marker INTEGER, pad TEXT)');
    const insert = setup.prepare('INSERT INTO r VALUES (?, 0, ?)');
    setup.transaction(() => {
      for (let i = 1; i <= 120_000; i++) insert.run(i, `padding ${'x'.repeat(i % 50)}, ${i}`);
    })();
    setup.close();
    const writer = new Database(file, { timeout: 10_000 });
    const bump = writer.prepare('UPDATE r SET marker = ? WHERE id % 1000 = 1');
    const exporting = barge(dir, ['export', '--db', 'race.db', '--table', 'r', '--out', 'race.csv'], { env: { BARGE_WORKER: 'always' } });
    let commits = 0;
    let done = false;
    void exporting.then(() => { done = true; });
    while (!done) {
      bump.run(++commits);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    writer.close();
    expect((await exporting).exitCode).toBe(0);
    const markers = new Set(fs.readFileSync(path.join(dir, 'race.csv'), 'utf8').trim().split('\n').slice(1)
      .map((line) => line.split(','))
      .filter((fields) => Number(fields[0]) % 1000 === 1)
      .map((fields) => fields[1]));
    expect(commits).toBeGreaterThan(5);
    expect(markers.size).toBe(1);
  });
});

describe('export: signals and the file it replaces', () => {
  // 3 billion steps of a recursive query giving a row every 100: minutes, and its writes never wait.
  const SLOW = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000000) SELECT x FROM c WHERE x % 100 = 0';

  it.each([
    ['to --out', (dir: string) => ['--out', path.join(dir, 'q.csv')], (dir: string) => `barge: error: export interrupted; nothing was written to ${path.join(dir, 'q.csv')}\n`],
    // The count said is the rows stdout got: the lines of stdout.csv after its header.
    ['to stdout redirected to a file', () => [], (dir: string) => {
      const lines = fs.readFileSync(path.join(dir, 'stdout.csv'), 'utf8').split('\n');
      expect(lines[0]).toBe('x');
      expect(lines.at(-1)).toBe('');
      return `barge: error: export interrupted after ${lines.length - 2} rows\n`;
    }],
  ])('SIGINT stops an export whose writes never wait (%s): exit 130, no file', async (_, out, message) => {
    const dir = workdir();
    new Database(path.join(dir, 'q.db')).exec('CREATE TABLE t (x)');
    const stdout = fs.openSync(path.join(dir, 'stdout.csv'), 'w');
    // Killed by the timeout long before the query would end, were SIGINT not to stop it: with
    // SIGKILL, which barge cannot turn into an exit 130 (SIGTERM it would).
    const child = spawn('node', [BIN, 'export', '--db', 'q.db', '--query', SLOW, ...out(dir)], {
      cwd: dir, stdio: ['ignore', stdout, 'pipe'], env: { ...process.env, BARGE_DB: '' }, timeout: 30_000, killSignal: 'SIGKILL',
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => { stderr += String(chunk); });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
    // Rows written: into the temporary file beside --out, or into stdout.csv.
    const size = (name: string) => {
      try {
        return fs.statSync(path.join(dir, name)).size;
      } catch {
        return 0;
      }
    };
    const written = () => fs.readdirSync(dir).some((name) => (name.endsWith('.barge-tmp') || name === 'stdout.csv') && size(name) > 0);
    await waitUntil('the first rows written', () => written() || child.exitCode !== null);
    child.kill('SIGINT');
    const { code, signal } = await exited;
    fs.closeSync(stdout);
    expect(signal, 'killed by the timeout').toBeNull();
    expect(code, stderr).toBe(130);
    expect(stderr).toBe(message(dir));
    expect(fs.readdirSync(dir).filter((name) => name.includes('barge-tmp') || name === 'q.csv')).toEqual([]);
  });

  it('--out naming a symlink: the link stays, its file is replaced whole (keeping its mode), or left as it was when the export fails', async () => {
    const dir = await loaded();
    fs.mkdirSync(path.join(dir, 'real'));
    const target = path.join(dir, 'real', 'data.csv');
    fs.writeFileSync(target, 'PRECIOUS\n');
    fs.chmodSync(target, 0o600);
    fs.symlinkSync(path.join('real', 'data.csv'), path.join(dir, 'current.csv'));
    const failed = await barge(dir, ['export', '--query', "SELECT id, json_extract(CASE WHEN id = 'P-9' THEN 'x{' ELSE '[1]' END, '$') FROM products", '--out', 'current.csv']);
    expect(failed.exitCode).toBe(3);
    expect(fs.readFileSync(target, 'utf8')).toBe('PRECIOUS\n');
    const done = await barge(dir, ['export', '--table', 'products', '--columns', 'id', '--out', 'current.csv']);
    expect(done.exitCode, done.stderr).toBe(0);
    expect(fs.lstatSync(path.join(dir, 'current.csv')).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(target, 'utf8').split('\n').slice(0, 3)).toEqual(['id', 'P-1', 'P-2']);
    expect(fs.statSync(target).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.join(dir, 'real'))).toEqual(['data.csv']);
  });

  it('--out /dev/stdout, /dev/fd/3 or /dev/stderr writes to the descriptor as the shell opened it (appending), not over the file behind it', async () => {
    const dir = await loaded();
    fs.writeFileSync(path.join(dir, 'log.txt'), 'PRECIOUS\n');
    const run = (out: string, redirects: string) => execaShell(`{ echo before; node '${BIN}' export --table products --columns id --limit 2 --quiet --out ${out}; echo after; } ${redirects}`, dir);
    expect((await run('/dev/stdout', '>> log.txt')).exitCode).toBe(0);
    expect((await run('/dev/fd/3', '>> log.txt 3>&1')).exitCode).toBe(0);
    expect((await run('/dev/stderr --format ndjson', '>> log.txt 2>&1')).exitCode).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'log.txt'), 'utf8')).toBe(
      ['PRECIOUS', 'before', 'id', 'P-1', 'P-2', 'after', 'before', 'id', 'P-1', 'P-2', 'after', 'before', '{"id":"P-1"}', '{"id":"P-2"}', 'after', ''].join('\n'),
    );
    // The file stdout is redirected to, by its own name, is stdout too (it was written beside and
    // renamed over: PRECIOUS, and the group's other lines, were lost, with exit 0).
    fs.writeFileSync(path.join(dir, 'same.txt'), 'PRECIOUS\n');
    expect((await run('same.txt', '>> same.txt')).exitCode).toBe(0);
    expect((await run('same.txt --format ndjson', '>> same.txt')).exitCode).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'same.txt'), 'utf8')).toBe(
      ['PRECIOUS', 'before', 'id', 'P-1', 'P-2', 'after', 'before', '{"id":"P-1"}', '{"id":"P-2"}', 'after', ''].join('\n'),
    );
    expect((await run('fresh.txt', '> fresh.txt')).exitCode).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'fresh.txt'), 'utf8')).toBe('before\nid\nP-1\nP-2\nafter\n');
    // A descriptor the shell did not open is one of Node's own (its event loop's): not written.
    // It said "cannot create a file in /proc/<pid>/fd" (exit 3), the directory behind /dev/fd/.
    for (const out of ['/dev/fd/5', '/dev/fd/9', '/dev/fd/77', '/proc/self/fd/7']) {
      const unopened = await barge(dir, ['export', '--table', 'products', '--out', out]);
      expect(unopened.exitCode, unopened.stderr).toBe(2);
      const fd = out.split('/').at(-1);
      expect(unopened.stderr).toBe(`barge: error: cannot write ${out}: file descriptor ${fd} is not open (a shell opens it with ${fd}>file)`);
      expect(unopened.stdout).toBe('');
    }
  });
});

describe('export --out /dev/fd/N: decided before the database is opened', () => {
  // Looked at once the database was open, /dev/fd/N named barge's own descriptors too: the
  // database's -shm or -wal file, a regular file, was taken for one the shell had opened, and
  // the rows were written into it ("exported 3 rows … to /dev/fd/20", exit 0).
  it.skipIf(!fs.existsSync('/proc/self/fdinfo'))('only a descriptor open when barge started is written to; any other is refused, exit 2', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'p.csv'), 'id,name\n1,a\n2,b\n');
    expect((await barge(dir, ['import', 'p.csv'])).exitCode).toBe(0);
    // The descriptors a process started as barge is (the same stdio) has before it opens anything.
    const started = await execa('node', ['-e', "process.stdout.write(require('fs').readdirSync('/proc/self/fd').join(','))"], { cwd: dir, stdin: 'ignore', reject: false });
    const open = new Set(started.stdout.split(',').map(Number));
    for (let fd = 3; fd <= 32; fd++) {
      if (open.has(fd)) continue;
      const run = await barge(dir, ['export', '--table', 'p', '--out', `/dev/fd/${fd}`]);
      expect(run.stderr, `/dev/fd/${fd}`).toBe(`barge: error: cannot write /dev/fd/${fd}: file descriptor ${fd} is not open (a shell opens it with ${fd}>file)`);
      expect(run.exitCode).toBe(2);
    }
  });

  it('a pipe the shell gave (--out >(cat > o.csv)) is said to be one, with the redirect to use; the event loop\'s own pipes are "not open"', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'p.csv'), 'id,name\n1,a\n2,b\n');
    expect((await barge(dir, ['import', 'p.csv'])).exitCode).toBe(0);
    const env = { ...process.env, BARGE_DB: '', NO_COLOR: '1' };
    const substituted = await execa('bash', ['-c', `node '${BIN}' export --table p --out >(cat > o.csv)`], { cwd: dir, reject: false, env });
    expect(substituted.exitCode).toBe(2);
    expect(substituted.stderr).toMatch(/^barge: error: cannot write \/dev\/fd\/(\d+): descriptor \1 is a pipe, which barge writes only as stdout: pass --out - and redirect it \(barge export … --out - > >\(…\)\)$/);
    const redirected = await execa('bash', ['-c', `node '${BIN}' export --table p --quiet --out - > >(cat > o.csv); wait $!`], { cwd: dir, reject: false, env });
    expect(redirected.exitCode, redirected.stderr).toBe(0);
    await waitUntil('o.csv written', () => fs.existsSync(path.join(dir, 'o.csv')) && fs.readFileSync(path.join(dir, 'o.csv'), 'utf8').endsWith('2,b\n'));
    expect(fs.readFileSync(path.join(dir, 'o.csv'), 'utf8')).toBe('id,name\n1,a\n2,b\n');
  });
});

function execaShell(script: string, cwd: string): Promise<{ exitCode: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', script], { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, BARGE_DB: '', NO_COLOR: '1' } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += String(chunk); });
    child.on('close', (exitCode) => resolve({ exitCode, stderr }));
  });
}

describe('export: wide tables', () => {
  it.each([999, 1000, 1200, 2000])('a %i-column table exports as CSV and TSV, every value in place', async (width) => {
    const dir = workdir();
    const names = Array.from({ length: width }, (_, i) => `c${i}`);
    const lines = [names.join(','), ...[1, 2, 3].map((r) => names.map((_, i) => String(r * i)).join(','))];
    fs.writeFileSync(path.join(dir, 'wide.csv'), lines.join('\n') + '\n');
    expect((await barge(dir, ['import', 'wide.csv'])).exitCode).toBe(0);
    for (const format of ['csv', 'tsv']) {
      const result = await barge(dir, ['export', '--table', 'wide', '--out', `out.${format}`]);
      expect(result.exitCode, result.stderr).toBe(0);
      const text = fs.readFileSync(path.join(dir, `out.${format}`), 'utf8');
      expect(text).toBe(lines.map((line) => (format === 'tsv' ? line.replaceAll(',', '\t') : line)).join('\n') + '\n');
    }
  });
});

describe('export: values JSON has no word for', () => {
  it('a REAL holding ±Infinity (a table barge did not make) is written as ±1e999, which JSON readers read back as ±Infinity', async () => {
    const dir = workdir();
    const db = new Database(path.join(dir, 'inf.db'));
    db.exec('CREATE TABLE r (id INTEGER PRIMARY KEY, x REAL); INSERT INTO r VALUES (1, 9e999), (2, -9e999), (3, 1.5), (4, NULL);');
    db.close();
    for (const format of ['ndjson', 'json']) {
      const result = await barge(dir, ['export', '--db', 'inf.db', '--table', 'r', '--out', `r.${format}`]);
      expect(result.exitCode, result.stderr).toBe(0);
      const text = fs.readFileSync(path.join(dir, `r.${format}`), 'utf8');
      expect(text).toContain('"x":1e999');
      const values = format === 'json' ? JSON.parse(text) : text.trim().split('\n').map((line) => JSON.parse(line));
      expect(values.map((row: { x: number | null }) => row.x)).toEqual([Infinity, -Infinity, 1.5, null]);
    }
  });

  it('a whole REAL from 2^53 up is written in exponent form, which Python\'s json reads as that double (its digits, 8474337369372327000, an int 88 away)', async () => {
    const dir = workdir();
    const db = new Database(path.join(dir, 'big.db'));
    db.exec('CREATE TABLE r (id INTEGER PRIMARY KEY, x REAL, n INTEGER); INSERT INTO r VALUES (1, 8474337369372326912.0, 9007199254740993), (2, 9007199254740991.0, 2);');
    db.close();
    for (const format of ['csv', 'tsv', 'ndjson', 'json']) {
      const result = await barge(dir, ['export', '--db', 'big.db', '--table', 'r', '--out', `r.${format}`]);
      expect(result.exitCode, result.stderr).toBe(0);
      const text = fs.readFileSync(path.join(dir, `r.${format}`), 'utf8');
      // Integers keep their digits (a JSON string beyond 2^53); a REAL below 2^53 its digits too.
      const expected = {
        csv: 'id,x,n\n1,8.474337369372327e+18,9007199254740993\n2,9007199254740991,2\n',
        tsv: 'id\tx\tn\n1\t8.474337369372327e+18\t9007199254740993\n2\t9007199254740991\t2\n',
        ndjson: '{"id":1,"x":8.474337369372327e+18,"n":"9007199254740993"}\n{"id":2,"x":9007199254740991,"n":2}\n',
        json: '[\n{"id":1,"x":8.474337369372327e+18,"n":"9007199254740993"},\n{"id":2,"x":9007199254740991,"n":2}\n]\n',
      }[format];
      expect(text).toBe(expected);
    }
    // Python's json reads the exponent form as the double itself (8474337369372326912); the digits as an int.
    const python = spawnSync('python3', ['-c', "import json; v = json.loads(open('r.ndjson').readline())['x']; print(type(v).__name__, int(v))"], { cwd: dir, encoding: 'utf8' });
    if (python.error === undefined) expect(python.stdout).toBe('float 8474337369372326912\n');
    // sqlite3's .import into a NUMERIC column keeps it exact too (from the digits: 8474337369372327000).
    const imported = spawnSync('sqlite3', [path.join(dir, 'copy.db'), 'CREATE TABLE r (id INTEGER, x NUMERIC, n INTEGER)', '.import --csv --skip 1 r.csv r', 'SELECT CAST(x AS TEXT) FROM r WHERE id = 1'], { cwd: dir, encoding: 'utf8' });
    if (imported.error === undefined) expect(imported.stdout).toBe('8474337369372326912\n');
  });
});

describe('export: a json column\'s text as it is stored', () => {
  it('ndjson/json write its numbers as stored (an integer beyond 2^53, 1e400), without its spacing; text that is not JSON stays a string', async () => {
    const dir = workdir();
    const db = new Database(path.join(dir, 'ev.db'));
    db.exec('CREATE TABLE ev (id INTEGER PRIMARY KEY, payload JSON)');
    const insert = db.prepare('INSERT INTO ev VALUES (?, ?)');
    const stored = [
      '{"user_id":1234567890123456789,"amount":1e400}',
      '{\n  "a" : [ 1, 2.50 ,\t-0 ],\r\n  "b c" : "x y\\n\\" }"\n}',
      '[ ]',
      'not json {',
      '{"k": "a\\tb", "n": 9007199254740993}',
    ];
    stored.forEach((text, i) => insert.run(i + 1, text));
    db.close();
    const expected = [
      '{"user_id":1234567890123456789,"amount":1e400}',
      '{"a":[1,2.50,-0],"b c":"x y\\n\\" }"}',
      '[]',
      '"not json {"',
      '{"k":"a\\tb","n":9007199254740993}',
    ];
    const ndjson = await barge(dir, ['export', '--db', 'ev.db', '--table', 'ev', '--format', 'ndjson']);
    expect(ndjson.exitCode, ndjson.stderr).toBe(0);
    expect(ndjson.stdout.trimEnd().split('\n')).toEqual(expected.map((payload, i) => `{"id":${i + 1},"payload":${payload}}`));
    const json = await barge(dir, ['export', '--db', 'ev.db', '--table', 'ev', '--format', 'json']);
    expect(json.exitCode, json.stderr).toBe(0);
    expect(json.stdout).toContain(`{"id":1,"payload":${expected[0]}}`);
    // The JSON text written parses: numbers as a reader would take them.
    expect((JSON.parse(json.stdout) as Array<{ payload: unknown }>).map((row) => row.payload)).toEqual(stored.map((text, i) => (i === 3 ? text : JSON.parse(text))));
  });
});

describe('export: big rows', () => {
  it('a table of 300 KB rows exports in pages sized to them, every format exact (13 rows a page)', async () => {
    const dir = workdir();
    const db = new Database(path.join(dir, 'big.db'));
    db.exec('PRAGMA journal_mode = WAL; CREATE TABLE b (id INTEGER PRIMARY KEY, body TEXT, note TEXT)');
    const insert = db.prepare('INSERT INTO b (body, note) VALUES (?, ?)');
    const bodies = Array.from({ length: 40 }, (_, i) => String.fromCharCode(97 + (i % 26)).repeat(300_000));
    bodies.forEach((body, i) => insert.run(body, i % 2 ? 'a,b' : null));
    db.close();
    const csv = await barge(dir, ['export', '--db', 'big.db', '--table', 'b', '--out', 'b.csv']);
    expect(csv.exitCode, csv.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'b.csv'), 'utf8')).toBe(['id,body,note', ...bodies.map((body, i) => `${i + 1},${body},${i % 2 ? '"a,b"' : ''}`)].join('\n') + '\n');
    const nd = await barge(dir, ['export', '--db', 'big.db', '--table', 'b', '--out', 'b.ndjson']);
    expect(nd.exitCode, nd.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'b.ndjson'), 'utf8').trim().split('\n').map((line) => JSON.parse(line))).toEqual(
      bodies.map((body, i) => ({ id: i + 1, body, note: i % 2 ? 'a,b' : null })),
    );
  });
});
