import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { pageRowsFor } from '../../src/export/page-rows.js';

describe('pageRowsFor (rows per page of a whole-table export)', () => {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE small (id INTEGER PRIMARY KEY, name TEXT, price REAL); CREATE TABLE big (id INTEGER PRIMARY KEY, body TEXT, blob BLOB); CREATE TABLE empty (a, b)');
  const small = db.prepare('INSERT INTO small (name, price) VALUES (?, ?)');
  for (let i = 0; i < 100; i++) small.run(`item ${i}`, i / 3);
  const big = db.prepare('INSERT INTO big (body, blob) VALUES (?, ?)');
  for (let i = 0; i < 10; i++) big.run('x'.repeat(i === 5 ? 400_000 : 1000), Buffer.alloc(10));

  it('1000 for ordinary rows and for an empty table', () => {
    expect(pageRowsFor(db, 'small', ['id', 'name', 'price'])).toBe(1000);
    expect(pageRowsFor(db, 'empty', ['a', 'b'])).toBe(1000);
  });

  it('fewer for big rows, sized by the widest sampled: about 4 M characters a page', () => {
    expect(pageRowsFor(db, 'big', ['id', 'body', 'blob'])).toBe(Math.floor((4 << 20) / (400_000 + 3 + 24 + 20)));
    expect(pageRowsFor(db, 'big', ['id'])).toBe(1000);
  });
});
