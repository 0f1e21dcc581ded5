import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { csvPageSql, pageNeedsRewrite } from '../../src/export/csv-page-sql.js';
import { createFormatWriter } from '../../src/export/format-writers.js';
import type { ResultColumn } from '../../src/export/typed-values.js';
import { seededRandom } from '../helpers/random.js';

// Declared types give the columns SQLite's affinities; "anything" has none, so it keeps every
// value as given (integer, REAL, text, blob).
const COLUMNS: ResultColumn[] = [
  { name: 'anything', type: undefined },
  { name: 'flag', type: 'boolean' },
  { name: 'price', type: 'number' },
  { name: 'qty', type: 'integer' },
  { name: 'label, "x"', type: 'string' },
];
const DDL = 'CREATE TABLE t (anything, flag INTEGER, price REAL, qty INTEGER, "label, ""x""" TEXT)';

let db: Database.Database | undefined;
afterEach(() => db?.close());

function table(rows: unknown[][]): Database.Database {
  db = new Database(':memory:');
  db.exec(DDL);
  const insert = db.prepare('INSERT INTO t VALUES (?, ?, ?, ?, ?)');
  for (const row of rows) insert.run(row);
  return db;
}

/** Each row's line from SQLite (undefined where the page must be rewritten) and from format-writers.ts. */
function lines(conn: Database.Database, delimiter: ',' | '\t'): Array<{ sql: string | undefined; js: string; row: unknown[] }> {
  const page = conn.prepare(csvPageSql('t', COLUMNS, delimiter)).raw(true).safeIntegers(true);
  const writer = createFormatWriter(delimiter === ',' ? 'csv' : 'tsv', COLUMNS);
  const rows = conn.prepare('SELECT *, rowid FROM t ORDER BY rowid').raw(true).safeIntegers(true).all() as unknown[][];
  return rows.map((row) => {
    const rowid = row[row.length - 1] as bigint;
    const [text, count] = page.get(rowid, rowid) as [string, bigint];
    expect(count).toBe(1n);
    return { sql: pageNeedsRewrite(text, 1) ? undefined : text, js: writer.row(row), row };
  });
}

const AWKWARD_TEXT = ['', 'plain', 'a,b', 'say "hi"', '"', 'line\nbreak', 'cr\rlf\r\n', 'tab\there', 'ünïcødé — ✓ 𝄞', '1', '-2.5', 'x\u0000y'];
const AWKWARD_NUMBERS = [
  0, -0, 1, -1, 0.5, 2652.54, -2652.54, 0.78, 0.1 + 0.2, 1 / 3, 2 / 3, 1e-4, 0.0001234, 9.99e-5, 1e-7, 5e-324, 123456789012345.6,
  12345678901234.5, 999999999999999.9, 1e15 - 0.5, 1e15, 1e21, 2 ** 53, 2 ** 53 + 2, 2 ** 62, Number.MAX_VALUE, Infinity, -Infinity, 4.35, 1.005,
];

describe('a CSV page formatted by SQLite', () => {
  for (const delimiter of [',', '\t'] as const) {
    it(`${delimiter === ',' ? 'CSV' : 'TSV'}: every row SQLite formats is what format-writers.ts writes (awkward values)`, () => {
      const rows: unknown[][] = [];
      for (const n of AWKWARD_NUMBERS) rows.push([n, n, n, n, String(n)]);
      for (const s of AWKWARD_TEXT) rows.push([s, s, s, s, s]);
      for (const flag of [1, 0, 1.0, 0.0, 2, -1, 'yes', null, Buffer.from([1])]) rows.push([flag, flag, null, null, null]);
      const big = [9223372036854775807n, -9223372036854775808n, 9007199254740993n, 4611686018427387904n];
      for (const n of big) rows.push([n, n, null, n, null]);
      rows.push([Buffer.from([0, 15, 255]), Buffer.alloc(0), Buffer.from('a,b'), Buffer.from([7]), Buffer.from('"')]);
      rows.push([null, null, null, null, null]);
      const results = lines(table(rows), delimiter);
      for (const { sql, js } of results) if (sql !== undefined) expect(sql).toBe(js);

      // The rows SQLite must leave to format-writers.ts are the ones it would write otherwise, and only those:
      // REALs whose SQLite text is not String()'s (read in the untyped first column), and text holding NUL,
      // CR or LF (found in the page's text, not by SQLite).
      const rewritten = results.filter((r) => r.sql === undefined).map((r) => r.row[0]);
      const numbers = [1 / 3, 2 / 3, 5e-324, 1e-7, 9.99e-5, 123456789012345.6, 999999999999999.9, 1e15 - 0.5, 1e21, 2 ** 53, 2 ** 53 + 2, 2 ** 62,
        Number.MAX_VALUE, Infinity, -Infinity, 0.1 + 0.2];
      expect(rewritten.filter((v) => typeof v === 'number').sort()).toEqual([...numbers].sort());
      expect(rewritten.filter((v) => typeof v !== 'number').sort()).toEqual(['cr\rlf\r\n', 'line\nbreak', 'x\u0000y']);
    });
  }

  it('random decimals and doubles: the same text, and decimals up to 15 digits never need the rewrite', () => {
    const next = seededRandom(7);
    const rows: unknown[][] = [];
    const decimals = new Set<number>();
    for (let i = 0; i < 20_000; i++) {
      const digits = Math.floor(next() * 5);
      const magnitude = 10 ** Math.floor(next() * 10);
      const decimal = (next() < 0.5 ? -1 : 1) * Math.round(next() * magnitude * 10 ** digits) / 10 ** digits;
      const bits = new DataView(new ArrayBuffer(8));
      bits.setUint32(0, Math.floor(next() * 2 ** 32));
      bits.setUint32(4, Math.floor(next() * 2 ** 32));
      const any = bits.getFloat64(0);
      const near = decimal * (1 + (next() - 0.5) * 1e-15);
      rows.push([decimal, null, Number.isNaN(any) ? null : any, Number.isFinite(near) ? near : null, null]);
      if (Math.abs(decimal) >= 1e-4 || decimal === 0) decimals.add(decimal);
    }
    const results = lines(table(rows), ',');
    let rewritten = 0;
    for (const { sql, js } of results) {
      if (sql === undefined) rewritten++;
      else expect(sql).toBe(js);
    }
    // Random doubles are mostly outside [1e-4, 1e15) or need 17 digits: many rows are rewritten.
    // But a decimal alone never is:
    const only = table([...decimals].map((n) => [n, null, n, null, String(n)]));
    for (const { sql, js } of lines(only, ',')) expect(sql).toBe(js);
    expect(rewritten).toBeGreaterThan(0);
  });

  it('an empty range gives no text and a count of 0; a range gives its rows in rowid order', () => {
    const conn = table([[1, 1, 1.5, 1, 'a'], [2, 0, 2.5, 2, 'b'], [3, null, null, null, 'c']]);
    const page = conn.prepare(csvPageSql('t', COLUMNS, ',')).raw(true);
    expect(page.get(10, 20)).toEqual([null, 0]);
    expect(page.get(1, 3)).toEqual(['1,true,1.5,1,a\n2,false,2.5,2,b\n3,,,,c\n', 3]);
    expect(page.get(2, 2)).toEqual(['2,false,2.5,2,b\n', 1]);
  });
});
