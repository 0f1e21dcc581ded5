import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { barge, readNdjson, rows, workdir } from '../helpers/cli.js';

/**
 * A table whose foreign key refers to itself (employees and their bosses, categories and their
 * parents). A row may refer to a row that comes later in the input: in atomic mode anywhere in
 * the job, in batch and row modes within its batch. Before, it loaded or not by where SQLite's
 * 25-row statements happened to fall, and a table exported after a REPLACE did not load back.
 */

const SCHEMA = JSON.stringify({
  table: 'emp',
  primaryKey: ['id'],
  columns: { id: { type: 'string', required: true }, name: { type: 'string' }, boss: { type: 'string', references: 'emp.id' } },
});

function setUp(files: Record<string, string>): string {
  const dir = workdir();
  fs.writeFileSync(path.join(dir, 'emp.json'), SCHEMA);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

async function ok(dir: string, args: string[]) {
  const result = await barge(dir, args);
  expect(result.exitCode, result.stderr).toBe(0);
  return result;
}

/** E2 (boss E1) first, then E1, then E3..E25 with no boss: 25 records. */
const FORWARD = `id,name,boss\nE2,Bob,E1\nE1,Ann,\n${Array.from({ length: 23 }, (_, i) => `E${i + 3},n${i + 3},`).join('\n')}\n`;

describe('self references', () => {
  it('SPEC §7: a table exported after a REPLACE moved a boss after its report loads back identical, every format', async () => {
    const dir = setUp({ 'seed.csv': 'id,name,boss\nE1,Ann,\nE2,Bob,E1\n', 'fix.csv': 'id,name,boss\nE1,Ann Smith,\n' });
    await ok(dir, ['import', 'seed.csv', '--schema', 'emp.json', '--db', 'a.db', '--quiet']);
    await ok(dir, ['import', 'fix.csv', '--table', 'emp', '--db', 'a.db', '--on-conflict', 'replace', '--quiet']);
    for (const format of ['csv', 'ndjson', 'json']) {
      await ok(dir, ['export', '--table', 'emp', '--db', 'a.db', '--out', `out.${format}`, '--quiet']);
      if (format === 'ndjson') expect(readNdjson(path.join(dir, 'out.ndjson')).map((r) => r.id)).toEqual(['E2', 'E1']);
      await ok(dir, ['import', `out.${format}`, '--schema', 'emp.json', '--db', `${format}.db`, '--quiet']);
      expect(rows(path.join(dir, `${format}.db`), 'SELECT id, name, boss FROM emp ORDER BY id')).toEqual([
        { id: 'E1', name: 'Ann Smith', boss: null },
        { id: 'E2', name: 'Bob', boss: 'E1' },
      ]);
    }
  });

  it('atomic: a reference to a later row loads whatever the batch size (it failed with --batch-size 10 and loaded with 1000)', async () => {
    const dir = setUp({ 'fw.csv': FORWARD });
    for (const size of ['1', '10', '1000']) {
      await ok(dir, ['import', 'fw.csv', '--schema', 'emp.json', '--db', `b${size}.db`, '--batch-size', size, '--quiet']);
      expect(rows(path.join(dir, `b${size}.db`), 'SELECT count(*) AS n FROM emp')).toEqual([{ n: 25 }]);
      expect(rows(path.join(dir, `b${size}.db`), "SELECT boss FROM emp WHERE id = 'E2'")).toEqual([{ boss: 'E1' }]);
    }
  });

  it('atomic: rows that refer to each other in a cycle load; a row whose boss never comes is rejected and all is rolled back', async () => {
    const dir = setUp({ 'cycle.csv': 'id,name,boss\nE1,Ann,E1\nE3,Cy,E4\nE4,Di,E3\n', 'orphan.csv': 'id,name,boss\nE3,Cy,E4\nE4,Di,E3\nE5,Ed,E9\n' });
    await ok(dir, ['import', 'cycle.csv', '--schema', 'emp.json', '--db', 'c.db', '--quiet']);
    expect(rows(path.join(dir, 'c.db'), 'SELECT id, boss FROM emp ORDER BY id')).toEqual([{ id: 'E1', boss: 'E1' }, { id: 'E3', boss: 'E4' }, { id: 'E4', boss: 'E3' }]);
    const result = await barge(dir, ['import', 'orphan.csv', '--schema', 'emp.json', '--db', 'o.db']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('read 3, inserted 0, rejected 1');
    expect(result.stderr).toContain('orphan.csv:line 4, column "boss": no row in emp.id has the value "E9" (foreign key)');
    // The table the job made is gone with it.
    expect(rows(path.join(dir, 'o.db'), "SELECT count(*) AS n FROM sqlite_schema WHERE name = 'emp'")).toEqual([{ n: 0 }]);
  });

  it('row mode: a duplicate in the 25 rows no longer takes a forward reference down with it (line 2 was rejected too)', async () => {
    const dir = setUp({ 'dup.csv': FORWARD.replace('E9,n9,', 'E3,dup,') });
    const result = await barge(dir, ['import', 'dup.csv', '--schema', 'emp.json', '--db', 'r.db', '--mode', 'row']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('read 25, inserted 24, rejected 1');
    const report = readNdjson(path.join(dir, 'dup.errors.ndjson'));
    expect(report.map((e) => e._barge_line)).toEqual([10]);
    expect(rows(path.join(dir, 'r.db'), "SELECT boss FROM emp WHERE id = 'E2'")).toEqual([{ boss: 'E1' }]);
  });

  it('row mode: a reference to a row of a later batch is rejected, and the message says why', async () => {
    const dir = setUp({ 'fw.csv': FORWARD });
    const result = await barge(dir, ['import', 'fw.csv', '--schema', 'emp.json', '--db', 'r.db', '--mode', 'row', '--batch-size', '1']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('fw.csv:line 2, column "boss": no row in emp.id has the value "E1" (foreign key); in batch and row modes a row can refer only to rows of its own batch or earlier ones');
    expect(rows(path.join(dir, 'r.db'), 'SELECT count(*) AS n FROM emp')).toEqual([{ n: 24 }]);
  });
});

describe('--truncate of a table two keys of another table point into', () => {
  it('each key\'s orphans are counted once, with an example of its own (a kept key was named, and one row counted twice)', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'mk.json'), JSON.stringify({ table: 'makers', primaryKey: ['id'], columns: { id: { type: 'string', required: true }, code: { type: 'string', unique: true } } }));
    fs.writeFileSync(path.join(dir, 'pr.json'), JSON.stringify({ table: 'products', primaryKey: ['sku'], columns: { sku: { type: 'string', required: true }, maker_id: { type: 'string', references: 'makers.id' }, parent_code: { type: 'string', references: 'makers.code' } } }));
    fs.writeFileSync(path.join(dir, 'm.csv'), 'id,code\nM-1,AC\nM-2,BR\n');
    fs.writeFileSync(path.join(dir, 'p.csv'), 'sku,maker_id,parent_code\nS1,M-1,AC\nS9,M-2,AC\n');
    fs.writeFileSync(path.join(dir, 'reload.csv'), 'id,code\nM-1,AC\n');
    await ok(dir, ['import', 'm.csv', '--schema', 'mk.json', '--quiet']);
    await ok(dir, ['import', 'p.csv', '--schema', 'pr.json', '--quiet']);
    const result = await barge(dir, ['import', 'reload.csv', '--table', 'makers', '--truncate']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--truncate: after the reload of "makers", 1 row of "products" (products.maker_id = "M-2") points at a key it no longer has; nothing was changed');
    expect(rows(path.join(dir, 'barge.db'), 'SELECT id FROM makers ORDER BY id')).toEqual([{ id: 'M-1' }, { id: 'M-2' }]);
  });
});

describe('self references: what the review of the first version found', () => {
  function table(dir: string, file: string, sql: string): string {
    const at = path.join(dir, file);
    const db = new Database(at);
    db.exec(sql);
    db.close();
    return at;
  }

  it('a tree in reverse order (every row refers to the next) loads in one pass, not one round per row (20,000 rows took 55 s)', async () => {
    const dir = workdir();
    const db = table(dir, 'c.db', 'CREATE TABLE emp (id INTEGER PRIMARY KEY, boss INTEGER REFERENCES emp (id))');
    const n = 3000;
    fs.writeFileSync(path.join(dir, 'chain.csv'), `id,boss\n${Array.from({ length: n }, (_, i) => `${i + 1},${i + 1 < n ? i + 2 : ''}`).join('\n')}\n`);
    const result = await barge(dir, ['import', 'chain.csv', '--db', 'c.db', '--table', 'emp', '--quiet']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(rows(db, 'SELECT count(*) AS n, count(boss) AS b FROM emp')).toEqual([{ n, b: n - 1 }]);
  });

  it('an integer child of a TEXT key finds its parent as SQLite does (6 was looked for as "6.0")', async () => {
    const dir = workdir();
    const db = table(dir, 'a.db', 'CREATE TABLE emp (id TEXT PRIMARY KEY, boss INTEGER REFERENCES emp (id))');
    fs.writeFileSync(path.join(dir, 'a.csv'), 'id,boss\n6,\n5,6\n');
    const result = await barge(dir, ['import', 'a.csv', '--db', 'a.db', '--table', 'emp']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(rows(db, 'SELECT id, boss FROM emp ORDER BY id')).toEqual([{ id: '5', boss: 6 }, { id: '6', boss: null }]);
  });

  it('a NOCASE key a row names only in another case is rejected, naming it (exit 3 at COMMIT, no record named)', async () => {
    const dir = workdir();
    table(dir, 't.db', 'CREATE TABLE emp (id TEXT PRIMARY KEY COLLATE NOCASE, boss TEXT REFERENCES emp (id))');
    fs.writeFileSync(path.join(dir, 'n.csv'), 'id,boss\nR,\nC,c\n');
    const result = await barge(dir, ['import', 'n.csv', '--db', 't.db', '--table', 'emp']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('n.csv:line 3, column "boss": no row in emp.id has the value "c" (foreign key)');
  });

  it('--on-conflict ignore/replace/update keep input order and SQLite\'s own check: a duplicate whose boss is missing is ignored', async () => {
    const dir = workdir();
    const db = table(dir, 'i.db', "CREATE TABLE emp (id INTEGER PRIMARY KEY, boss INTEGER REFERENCES emp (id), name TEXT); INSERT INTO emp VALUES (1, NULL, 'a'), (2, 1, 'x')");
    fs.writeFileSync(path.join(dir, 'ig.csv'), 'id,boss,name\n2,99,b\n');
    const result = await barge(dir, ['import', 'ig.csv', '--db', 'i.db', '--table', 'emp', '--on-conflict', 'ignore']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain('read 1, inserted 0, ignored 1, rejected 0');
    expect(rows(db, 'SELECT id, boss, name FROM emp WHERE id = 2')).toEqual([{ id: 2, boss: 1, name: 'x' }]);
  });

  it('stopped by --fail-fast, rows waiting for parents later in the unread input are not called orphans', async () => {
    const dir = workdir();
    table(dir, 'h.db', 'CREATE TABLE emp (id INTEGER PRIMARY KEY, boss INTEGER REFERENCES emp (id), name TEXT)');
    fs.writeFileSync(path.join(dir, 'h.csv'), 'id,boss,name\n1,90,a\n2,91,b\n3,92,c\n4,,d\n5,x,bad\n6,,e\n90,,p\n91,,p\n92,,p\n');
    const result = await barge(dir, ['import', 'h.csv', '--db', 'h.db', '--table', 'emp', '--fail-fast', '--batch-size', '2']);
    expect(result.exitCode).toBe(1);
    expect(readNdjson(path.join(dir, 'h.errors.ndjson')).map((e) => e._barge_line)).toEqual([6]);
  });

  it('a DEFERRABLE INITIALLY DEFERRED key: rows of one batch that refer to each other in a cycle load, an orphan beside them is rejected (row mode)', async () => {
    const dir = workdir();
    const db = table(dir, 'dj.db', 'CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT, parent_id INTEGER REFERENCES item (id) DEFERRABLE INITIALLY DEFERRED)');
    fs.writeFileSync(path.join(dir, 'dj.csv'), 'id,name,parent_id\n1,a,2\n2,b,1\n3,c,9\n');
    const result = await barge(dir, ['import', 'dj.csv', '--db', 'dj.db', '--table', 'item', '--mode', 'row']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('dj.csv:line 4, column "parent_id": no row in item.id has the value 9 (foreign key)');
    expect(rows(db, 'SELECT id, parent_id FROM item ORDER BY id')).toEqual([{ id: 1, parent_id: 2 }, { id: 2, parent_id: 1 }]);
  });
});

describe('self references: a tree in random order, with cycles and orphans', () => {
  /** 3,000 rows, each boss a random row; rows 1-30 refer to ids that do not exist. Deterministic. */
  function randomTree(): string {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const lines = ['id,boss'];
    for (let id = 1; id <= 3000; id++) lines.push(`${id},${id <= 30 ? 5000 + id : 1 + Math.floor(next() * 3000)}`);
    return `${lines.join('\n')}\n`;
  }

  it('row mode loads every row whose chain of bosses ends in a cycle, rejects those under a missing one, and leaves no broken key', async () => {
    const dir = workdir();
    const at = path.join(dir, 't.db');
    const db = new Database(at);
    db.exec('CREATE TABLE emp (id INTEGER PRIMARY KEY, boss INTEGER REFERENCES emp (id))');
    db.close();
    const text = randomTree();
    fs.writeFileSync(path.join(dir, 'tree.csv'), text);
    const result = await barge(dir, ['import', 'tree.csv', '--db', 't.db', '--table', 'emp', '--mode', 'row', '--batch-size', '3000', '--json']);
    expect(result.exitCode).toBe(1);
    // Expected: walk each row's bosses; a row is rejected when the walk reaches an id over 3000.
    const boss = new Map(text.trim().split('\n').slice(1).map((line) => line.split(',').map(Number) as [number, number]));
    const doomed = (id: number) => {
      const seen = new Set<number>();
      for (let at = id; !seen.has(at); at = boss.get(at)!) {
        if (!boss.has(at)) return true;
        seen.add(at);
      }
      return false;
    };
    const expected = [...boss.keys()].filter((id) => !doomed(id));
    expect(JSON.parse(result.stdout).counts).toMatchObject({ read: 3000, inserted: expected.length, rejected: 3000 - expected.length });
    expect(rows(at, 'SELECT id FROM emp ORDER BY id').map((r) => r.id)).toEqual(expected);
    expect(rows(at, 'PRAGMA foreign_key_check')).toEqual([]);
    const report = readNdjson(path.join(dir, 'tree.errors.ndjson'));
    const first = report.find((e) => e._barge_line === 2)!;
    expect(first._barge_errors[0].message).toBe('line 2, column "boss": no row in emp.id has the value 5001 (foreign key); in batch and row modes a row can refer only to rows of its own batch or earlier ones');
    expect(report.some((e) => e._barge_errors[0].message.endsWith('; the row holding it is rejected too (a row above it refers to one that is missing)'))).toBe(true);
  });
});

describe('self references: the cap on rows held in atomic mode', () => {
  it('past 100,000 rows waiting, a row is rejected saying why, and nothing is written', async () => {
    const dir = workdir();
    const at = path.join(dir, 'c.db');
    const db = new Database(at);
    db.exec('CREATE TABLE emp (id INTEGER PRIMARY KEY, boss INTEGER REFERENCES emp (id))');
    db.close();
    // Every row refers to the next: the rows of the first 101 batches all wait (the last batch's
    // rows find theirs in it), and rows 100,001 on are past the cap.
    const n = 101_500;
    fs.writeFileSync(path.join(dir, 'chain.csv'), `id,boss\n${Array.from({ length: n }, (_, i) => `${i + 1},${i + 1 < n ? i + 2 : ''}`).join('\n')}\n`);
    const result = await barge(dir, ['import', 'chain.csv', '--db', 'c.db', '--table', 'emp', '--max-errors', '3', '--json']);
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.stdout).counts).toMatchObject({ inserted: 0, rejected: 1000 }); // the capped batch's 1,000; the job then stops (--max-errors)
    expect(result.stderr).toContain('chain.csv:line 100002, column "boss": no row in emp.id has the value 100002 (foreign key); more than 100,000 records waited for rows later in the input: put parent rows first');
    expect(rows(at, 'SELECT count(*) AS n FROM emp')).toEqual([{ n: 0 }]);
  });
});
