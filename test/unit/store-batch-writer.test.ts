import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { BatchWriter, type OnConflict } from '../../src/store/batch-writer.js';

// BatchWriter writes 25 rows per statement. With --on-conflict error on a table with no trigger
// and no foreign key the statement is an INSERT OR FAIL (no statement journal): a failing row
// leaves the rows before it written, and the writer must count them by changes() and retry only
// from the failing row on. Elsewhere the statement is undone whole and every row is retried.

const COLUMNS = ['id', 'name', 'code'];

function tableWith(extra = ''): Database.Database {
  const db = new Database(':memory:');
  db.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, code TEXT UNIQUE CHECK (code <> 'bad'))${extra}`);
  return db;
}

function rowsOf(count: number): unknown[][] {
  return Array.from({ length: count }, (_, i) => [i + 1, `n${i + 1}`, `c${i + 1}`]);
}

function write(db: Database.Database, rows: unknown[][], onConflict: OnConflict = 'error') {
  const writer = new BatchWriter(db, 't', COLUMNS, { onConflict, conflictColumns: onConflict === 'error' ? [] : ['id'] });
  return writer.write(rows);
}

function idsIn(db: Database.Database): number[] {
  return (db.prepare('SELECT id FROM t ORDER BY id').pluck().all() as number[]);
}

describe('BatchWriter: a failing row inside a 25-row statement', () => {
  const cases: Array<{ what: string; spoil: (row: unknown[]) => void; code: string }> = [
    { what: 'NOT NULL', spoil: (row) => { row[1] = null; }, code: 'required' },
    { what: 'UNIQUE', spoil: (row) => { row[2] = 'c1'; }, code: 'unique' },
    { what: 'CHECK', spoil: (row) => { row[2] = 'bad'; }, code: 'check' },
    { what: 'PRIMARY KEY', spoil: (row) => { row[0] = 1; }, code: 'unique' },
  ];
  for (const { what, spoil } of cases) {
    for (const at of [1, 12, 24, 25, 49]) {
      it(`${what} failing at row ${at}: every other row written once, that one reported`, () => {
        const db = tableWith();
        const rows = rowsOf(60);
        spoil(rows[at]!);
        db.exec('BEGIN');
        const outcome = write(db, rows);
        db.exec('COMMIT');
        expect(outcome.failures.map((f) => f.index)).toEqual([at]);
        expect(outcome.inserted).toBe(59);
        expect(outcome.ignored).toBe(0);
        expect(idsIn(db)).toEqual(rows.filter((_, i) => i !== at).map((r) => r[0]));
      });
    }
  }

  it('the statement is INSERT OR FAIL only where changes() tells where it stopped', () => {
    const plain = tableWith();
    const withTrigger = tableWith();
    withTrigger.exec(`CREATE TRIGGER skip BEFORE INSERT ON t WHEN NEW.name = 'skip' BEGIN SELECT RAISE(IGNORE); END`);
    const statementsOf = (db: Database.Database, onConflict: OnConflict) => {
      const seen: string[] = [];
      const prepare = db.prepare.bind(db);
      (db as { prepare: unknown }).prepare = (sql: string) => { seen.push(sql); return prepare(sql); };
      new BatchWriter(db, 't', COLUMNS, { onConflict, conflictColumns: onConflict === 'error' ? [] : ['id'] });
      return seen.filter((sql) => sql.startsWith('INSERT') && sql.includes('), ('));
    };
    expect(statementsOf(plain, 'error')[0]).toMatch(/^INSERT OR FAIL INTO "t"/);
    expect(statementsOf(withTrigger, 'error')[0]).toMatch(/^INSERT INTO "t"/);
    expect(statementsOf(tableWith(), 'ignore')[0]).toMatch(/^INSERT INTO "t" .* ON CONFLICT DO NOTHING$/);
  });

  it('a table with a trigger that skips rows: rows skipped before a failing one do not shift the retry', () => {
    const db = tableWith();
    db.exec(`CREATE TRIGGER skip BEFORE INSERT ON t WHEN NEW.name = 'skip' BEGIN SELECT RAISE(IGNORE); END`);
    const rows = rowsOf(25);
    rows[3]![1] = 'skip';
    rows[10]![1] = null;
    db.exec('BEGIN');
    const outcome = write(db, rows);
    db.exec('COMMIT');
    expect(outcome.failures.map((f) => f.index)).toEqual([10]);
    expect(outcome.inserted).toBe(23);
    expect(outcome.ignored).toBe(1);
    expect(idsIn(db)).toEqual(rows.filter((_, i) => i !== 3 && i !== 10).map((r) => r[0]));
  });

  it('a table with a foreign key: a NOT NULL failure mid-statement still writes every other row once', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    db.exec(`CREATE TABLE p (id INTEGER PRIMARY KEY); INSERT INTO p VALUES (1); CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, code TEXT REFERENCES p (id))`);
    const rows = Array.from({ length: 25 }, (_, i) => [i + 1, `n${i + 1}`, 1]);
    rows[7]![1] = null;
    rows[15]![2] = 2;
    db.exec('BEGIN');
    const writer = new BatchWriter(db, 't', COLUMNS, { onConflict: 'error', conflictColumns: [] });
    const outcome = writer.write(rows);
    db.exec('COMMIT');
    expect(outcome.failures.map((f) => f.index)).toEqual([7, 15]);
    expect(outcome.inserted).toBe(23);
    expect(idsIn(db)).toEqual(rows.filter((_, i) => i !== 7 && i !== 15).map((r) => r[0]));
  });

  it('--on-conflict ignore: duplicates before a failing row are counted as ignored, not written twice', () => {
    const db = tableWith();
    db.exec(`INSERT INTO t VALUES (3, 'old', 'old3')`);
    const rows = rowsOf(25);
    rows[9]![1] = null;
    db.exec('BEGIN');
    const outcome = write(db, rows, 'ignore');
    db.exec('COMMIT');
    expect(outcome.failures.map((f) => f.index)).toEqual([9]);
    expect(outcome.inserted).toBe(23);
    expect(outcome.ignored).toBe(1);
    expect(db.prepare('SELECT name FROM t WHERE id = 3').pluck().get()).toBe('old');
    expect(idsIn(db)).toHaveLength(24);
  });
});

describe('BatchWriter: a key of more columns than SQLite nests in one expression', () => {
  for (const onConflict of ['replace', 'update'] as const) {
    it(`--on-conflict ${onConflict} on a 1,200-column unique key finds the existing row (was "Expression tree is too large")`, () => {
      const db = new Database(':memory:');
      const key = Array.from({ length: 1200 }, (_, i) => `k${i}`);
      db.exec(`CREATE TABLE t (${key.map((c) => `"${c}" INTEGER NOT NULL`).join(', ')}, v TEXT, PRIMARY KEY (${key.map((c) => `"${c}"`).join(', ')}))`);
      const columns = [...key, 'v'];
      const row = (v: string) => [...key.map((_, i) => i), v];
      const writer = new BatchWriter(db, 't', columns, { onConflict, conflictColumns: key });
      const given = [columns.map(() => true)];
      expect(writer.write([row('first')], onConflict === 'update' ? given : undefined)).toMatchObject({ inserted: 1, updated: 0, failures: [] });
      expect(writer.write([row('second')], onConflict === 'update' ? given : undefined)).toMatchObject({ inserted: 0, updated: 1, failures: [] });
      expect(db.prepare('SELECT count(*) AS n, max(v) AS v FROM t').get()).toEqual({ n: 1, v: 'second' });
    });
  }
});

describe('BatchWriter: the schema changed by another connection between batches', () => {
  it('a trigger that skips rows, made after the writer: a failing row mid-statement still writes every other row once', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-writer-'));
    try {
      const file = path.join(dir, 'w.db');
      const db = new Database(file);
      db.exec('CREATE TABLE t (id INTEGER, name TEXT NOT NULL, code TEXT)');
      const writer = new BatchWriter(db, 't', COLUMNS, { onConflict: 'error', conflictColumns: [] });
      db.exec('BEGIN IMMEDIATE');
      expect(writer.write(rowsOf(25)).inserted).toBe(25);
      db.exec('COMMIT');
      const other = new Database(file);
      other.exec("CREATE TRIGGER skip BEFORE INSERT ON t WHEN NEW.id = 27 BEGIN SELECT RAISE(IGNORE); END");
      other.close();
      const rows = rowsOf(50).slice(25);
      rows[9]![1] = null; // id 35
      db.exec('BEGIN IMMEDIATE');
      const outcome = writer.write(rows);
      db.exec('COMMIT');
      expect(outcome.failures.map((f) => f.index)).toEqual([9]);
      expect(outcome).toMatchObject({ inserted: 23, ignored: 1 });
      expect(db.prepare('SELECT id FROM t GROUP BY id HAVING count(*) > 1').all()).toEqual([]);
      expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 48 });
      db.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a table declaring ON CONFLICT ROLLBACK: a duplicate is a failure of its row; the batch\'s transaction stays open', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY ON CONFLICT ROLLBACK, name TEXT NOT NULL ON CONFLICT FAIL, code TEXT)');
    db.exec("INSERT INTO t VALUES (5, 'old', 'c')");
    const rows = rowsOf(30);
    rows[7]![1] = null;
    db.exec('BEGIN');
    const outcome = write(db, rows);
    expect(db.inTransaction).toBe(true);
    db.exec('COMMIT');
    expect(outcome.failures.map((f) => f.index)).toEqual([4, 7]);
    expect(outcome.inserted).toBe(28);
    expect(idsIn(db)).toEqual(rows.filter((_, i) => i !== 7).map((r) => r[0]));
  });
});

describe('BatchWriter: --on-conflict ignore and update on a table declaring ON CONFLICT ROLLBACK', () => {
  for (const onConflict of ['ignore', 'update'] as const) {
    it(`${onConflict}: a NOT NULL failure is its row's alone; the transaction stays open`, () => {
      const db = new Database(':memory:');
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY ON CONFLICT ROLLBACK, name TEXT NOT NULL ON CONFLICT ROLLBACK, code TEXT)');
      db.exec("INSERT INTO t VALUES (2, 'old', 'c')");
      const rows = rowsOf(30);
      rows[10]![1] = null;
      db.exec('BEGIN');
      const writer = new BatchWriter(db, 't', COLUMNS, { onConflict, conflictColumns: ['id'] });
      const outcome = writer.write(rows, onConflict === 'update' ? rows.map(() => [true, true, true]) : undefined);
      expect(db.inTransaction).toBe(true);
      db.exec('COMMIT');
      expect(outcome.failures.map((f) => f.index)).toEqual([10]);
      expect(outcome).toMatchObject(onConflict === 'update' ? { inserted: 28, updated: 1 } : { inserted: 28, ignored: 1 });
      expect(db.prepare('SELECT name FROM t WHERE id = 2').pluck().get()).toBe(onConflict === 'update' ? 'n2' : 'old');
      expect(idsIn(db)).toHaveLength(29);
    });
  }
});
