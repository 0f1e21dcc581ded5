import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { pageRowsFor } from '../../src/export/page-rows.js';

/** About how much text one page of a whole-table export may hold (4 MiB of characters). */
const PAGE_BOUND = 4 * 1024 * 1024;

describe('pageRowsFor (rows per page of a whole-table export)', () => {
  const db = new Database(':memory:');
  db.exec(`
    CREATE TABLE small (id INTEGER PRIMARY KEY, name TEXT, price REAL);
    CREATE TABLE big (id INTEGER PRIMARY KEY, body TEXT, blob BLOB);
    CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB);
    CREATE TABLE huge (id INTEGER PRIMARY KEY, body TEXT);
    CREATE TABLE empty (a, b)`);
  const small = db.prepare('INSERT INTO small (name, price) VALUES (?, ?)');
  for (let i = 0; i < 100; i++) small.run(`item ${i}`, i / 3);
  const big = db.prepare('INSERT INTO big (body, blob) VALUES (?, ?)');
  for (let i = 0; i < 10; i++) big.run('x'.repeat(i === 5 ? 400_000 : 1000), Buffer.alloc(10));
  // A BLOB is written as hex: two characters a byte.
  const blobs = db.prepare('INSERT INTO blobs (data) VALUES (?)');
  for (let i = 0; i < 10; i++) blobs.run(Buffer.alloc(300_000, i));
  // One row bigger than a whole page's bound.
  db.prepare('INSERT INTO huge (body) VALUES (?)').run('y'.repeat(5_000_000));

  /** The text of the widest of the table's rows as an export writes it (a BLOB as hex). */
  function widestRow(sql: string): number {
    return db.prepare(sql).pluck().get() as number;
  }

  it('1000 for ordinary rows and for an empty table', () => {
    expect(pageRowsFor(db, 'small', ['id', 'name', 'price'])).toBe(1000);
    expect(pageRowsFor(db, 'empty', ['a', 'b'])).toBe(1000);
  });

  it('fewer for big rows: a page of the widest rows stays within the bound, and is not needlessly small', () => {
    const pageRows = pageRowsFor(db, 'big', ['id', 'body', 'blob']);
    const widest = widestRow('SELECT max(length(id) + length(body) + length(hex(blob))) FROM big');
    expect(widest).toBe(400_021);
    // Within the bound: a page of 400 KB rows holds at most 10 of them (not 1000: 400 MB) ...
    expect(pageRows * widest).toBeLessThanOrEqual(PAGE_BOUND);
    // ... and holds at least 8 of them (a page of 3.2 MB), not a handful.
    expect(pageRows).toBeGreaterThanOrEqual(8);
    // The columns exported decide: without the wide one, the rows are ordinary.
    expect(pageRowsFor(db, 'big', ['id'])).toBe(1000);
    expect(pageRowsFor(db, 'big', ['id', 'blob'])).toBe(1000);
  });

  it('a BLOB counts as its hex text, twice its bytes', () => {
    const pageRows = pageRowsFor(db, 'blobs', ['id', 'data']);
    const widest = widestRow('SELECT max(length(id) + length(hex(data))) FROM blobs');
    expect(widest).toBe(600_002);
    // 600,002 characters a row: at most 6 rows to a page (counted as bytes, 13 would fit) ...
    expect(pageRows * widest).toBeLessThanOrEqual(PAGE_BOUND);
    // ... and at least 5.
    expect(pageRows).toBeGreaterThanOrEqual(5);
  });

  it('a row wider than the bound still gets a page of its own: at least one row', () => {
    expect(pageRowsFor(db, 'huge', ['id', 'body'])).toBe(1);
  });
});
