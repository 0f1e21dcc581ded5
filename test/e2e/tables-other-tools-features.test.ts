import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { barge, rows, workdir } from '../helpers/cli.js';

/**
 * Tables made by other tools with SQLite features barge must not mishandle: triggers, declared
 * conflict actions, unique indexes with their own collation or on expressions, names that differ
 * only in non-ASCII case, foreign keys SQLite cannot use, virtual tables' shadow tables.
 */

function database(dir: string, sql: string): string {
  const file = path.join(dir, 'x.db');
  const db = new Database(file);
  db.exec(sql);
  db.close();
  return file;
}

function write(dir: string, name: string, text: string): void {
  fs.writeFileSync(path.join(dir, name), text);
}

describe('--on-conflict replace and triggers', () => {
  it('is refused for a table with triggers: an outer OR REPLACE reached into a trigger and deleted another table\'s row and its children', async () => {
    const dir = workdir();
    const db = database(dir, `PRAGMA foreign_keys=ON;
      CREATE TABLE categories(id INTEGER PRIMARY KEY, name TEXT UNIQUE);
      CREATE TABLE cat_notes(cat_id INTEGER REFERENCES categories(id) ON DELETE CASCADE, note TEXT);
      CREATE TABLE items(sku TEXT PRIMARY KEY, category TEXT, qty INTEGER);
      CREATE TRIGGER items_cat AFTER INSERT ON items BEGIN INSERT OR IGNORE INTO categories(name) VALUES (NEW.category); END;
      INSERT INTO items VALUES ('A','tools',1); INSERT INTO cat_notes VALUES (1,'important');`);
    write(dir, 'in.csv', 'sku,category,qty\nA,tools,5\nB,tools,2\n');
    const result = await barge(dir, ['import', 'in.csv', '--table', 'items', '--db', db, '--on-conflict', 'replace']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('barge: error: --on-conflict replace cannot load "items": it has a trigger ("items_cat"), which SQLite would run under REPLACE too (a conflict inside it replaces rows of other tables) and whose DELETE triggers a replaced row skips; load with --on-conflict update instead');
    expect(rows(db, 'SELECT id, name FROM categories')).toEqual([{ id: 1, name: 'tools' }]);
    expect(rows(db, 'SELECT cat_id, note FROM cat_notes')).toEqual([{ cat_id: 1, note: 'important' }]);
    expect(rows(db, 'SELECT sku, qty FROM items')).toEqual([{ sku: 'A', qty: 1 }]);
    // update runs the trigger as its SQL says: the category row and its note stay.
    const updated = await barge(dir, ['import', 'in.csv', '--table', 'items', '--db', db, '--on-conflict', 'update', '--json']);
    expect(updated.exitCode, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout).counts).toMatchObject({ inserted: 1, updated: 1 });
    expect(rows(db, 'SELECT id, name FROM categories')).toEqual([{ id: 1, name: 'tools' }]);
    expect(rows(db, 'SELECT cat_id, note FROM cat_notes')).toEqual([{ cat_id: 1, note: 'important' }]);
  });

  it('a trigger\'s failed write into another table is not pinned on a column of the record, and replace is not suggested for such a table', async () => {
    const dir = workdir();
    const db = database(dir, `CREATE TABLE items(sku TEXT PRIMARY KEY, name TEXT);
      CREATE TABLE audit(name TEXT UNIQUE);
      CREATE TRIGGER items_audit AFTER INSERT ON items BEGIN INSERT INTO audit VALUES (NEW.name); END;
      INSERT INTO items VALUES ('A','a');`);
    write(dir, 'in.csv', 'sku,name\nA,x\nB,a\n');
    const result = await barge(dir, ['import', 'in.csv', '--table', 'items', '--db', db, '--mode', 'row']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('  in.csv:line 2, column "sku": duplicate value "A": a row with it already exists (use --on-conflict ignore or update to allow this)\n');
    // It read `column "name": duplicate value "a"` (audit.name taken for items.name) and suggested replace.
    expect(result.stderr).toContain('  in.csv:line 3: a trigger\'s write into another table failed (UNIQUE constraint failed: audit.name)\n');
    const report = fs.readFileSync(path.join(dir, 'in.errors.ndjson'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(report[1]._barge_errors).toEqual([{ column: null, code: 'constraint', message: 'line 3: a trigger\'s write into another table failed (UNIQUE constraint failed: audit.name)', value: null }]);
    expect(rows(db, 'SELECT sku, name FROM items')).toEqual([{ sku: 'A', name: 'a' }]);
  });
});

describe('a conflict action the table declares', () => {
  const accounts = `PRAGMA foreign_keys=ON;
    CREATE TABLE accounts(id INTEGER PRIMARY KEY, email TEXT UNIQUE ON CONFLICT REPLACE, name TEXT);
    CREATE TABLE orders(id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES accounts(id) ON DELETE CASCADE, total REAL);
    INSERT INTO accounts VALUES (1,'a@x','A'); INSERT INTO orders VALUES (1,1,10),(2,1,20);`;

  it('UNIQUE ON CONFLICT REPLACE under the default --on-conflict error: the duplicate is rejected (it replaced the row and cascaded into its orders, exit 0)', async () => {
    const dir = workdir();
    const db = database(dir, accounts);
    write(dir, 'in.csv', 'email,name\na@x,A again\nb@x,B\n');
    const result = await barge(dir, ['import', 'in.csv', '--table', 'accounts', '--db', db, '--mode', 'row', '--json']);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ counts: { read: 2, inserted: 1, rejected: 1 }, firstErrors: ['in.csv:line 2, column "email": duplicate value "a@x": a row with it already exists (use --on-conflict ignore, replace or update to allow this)'] });
    expect(rows(db, 'SELECT id, email, name FROM accounts ORDER BY id')).toEqual([{ id: 1, email: 'a@x', name: 'A' }, { id: 2, email: 'b@x', name: 'B' }]);
    expect(rows(db, 'SELECT count(*) AS n FROM orders')).toEqual([{ n: 2 }]);
  });

  it('with --on-conflict update, a new row whose email another row holds is rejected, as the README says, not replaced', async () => {
    const dir = workdir();
    const db = database(dir, accounts);
    write(dir, 'in.csv', 'id,email,name\n3,a@x,C\n1,a@x,A1\n');
    const result = await barge(dir, ['import', 'in.csv', '--table', 'accounts', '--db', db, '--mode', 'row', '--on-conflict', 'update', '--json']);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ counts: { read: 2, inserted: 0, updated: 1, rejected: 1 } });
    expect(rows(db, 'SELECT id, email, name FROM accounts ORDER BY id')).toEqual([{ id: 1, email: 'a@x', name: 'A1' }]);
    expect(rows(db, 'SELECT count(*) AS n FROM orders')).toEqual([{ n: 2 }]);
  });

  it('UNIQUE ON CONFLICT IGNORE: the duplicate is rejected and reported, not dropped unseen and counted as inserted', async () => {
    const dir = workdir();
    const db = database(dir, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT UNIQUE ON CONFLICT IGNORE); INSERT INTO t VALUES (1, 'a');");
    write(dir, 'in.ndjson', '{"id":2,"v":"a"}\n{"id":3,"v":"b"}\n');
    const result = await barge(dir, ['import', 'in.ndjson', '--table', 't', '--db', db, '--mode', 'row', '--json']);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ counts: { read: 2, inserted: 1, rejected: 1 }, firstErrors: ['in.ndjson:line 1, column "v": duplicate value "a": a row with it already exists (use --on-conflict ignore, replace or update to allow this)'] });
    expect(rows(db, 'SELECT id, v FROM t ORDER BY id')).toEqual([{ id: 1, v: 'a' }, { id: 3, v: 'b' }]);
  });
});

describe('unique keys barge probes to count updates', () => {
  it('a UNIQUE INDEX with COLLATE NOCASE on a BINARY column: the row it matches is counted as updated (or replaced), not inserted', async () => {
    const dir = workdir();
    const db = database(dir, `CREATE TABLE u(email TEXT, name TEXT);
      CREATE UNIQUE INDEX u_email ON u(email COLLATE NOCASE);
      INSERT INTO u(email, name) VALUES ('a@x', 'A');`);
    write(dir, 'in.csv', 'email,name\nA@X,A2\nb@x,B\n');
    const replaced = await barge(dir, ['import', 'in.csv', '--table', 'u', '--db', db, '--on-conflict', 'replace', '--json']);
    expect(replaced.exitCode, replaced.stderr).toBe(0);
    expect(JSON.parse(replaced.stdout).counts).toMatchObject({ inserted: 1, updated: 1 });
    expect(rows(db, 'SELECT email, name FROM u ORDER BY email COLLATE NOCASE')).toEqual([{ email: 'A@X', name: 'A2' }, { email: 'b@x', name: 'B' }]);
    write(dir, 'more.csv', 'email,name\nB@X,B3\n');
    const updated = await barge(dir, ['import', 'more.csv', '--table', 'u', '--db', db, '--on-conflict', 'update', '--json']);
    expect(updated.exitCode, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout).counts).toMatchObject({ inserted: 0, updated: 1 });
    expect(rows(db, 'SELECT email, name FROM u ORDER BY email COLLATE NOCASE')).toEqual([{ email: 'A@X', name: 'A2' }, { email: 'b@x', name: 'B3' }]);
  });

  it('a duplicate in a unique index on expressions names the index, not a column "index \'ue\'"', async () => {
    const dir = workdir();
    const db = database(dir, `CREATE TABLE e(id INTEGER PRIMARY KEY, email TEXT);
      CREATE UNIQUE INDEX ue ON e(lower(email));
      INSERT INTO e(email) VALUES ('a@x');`);
    write(dir, 'in.csv', 'email\nA@x\n');
    const result = await barge(dir, ['import', 'in.csv', '--table', 'e', '--db', db, '--mode', 'row']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('  in.csv:line 2: duplicate key in the unique index "ue" (on expressions): a row with it already exists (use --on-conflict ignore, replace or update to allow this)\n');
    const [entry] = fs.readFileSync(path.join(dir, 'in.errors.ndjson'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(entry._barge_errors[0]).toMatchObject({ column: null, code: 'unique', value: null });
  });

  it('a STRICT table\'s type check names its column', async () => {
    const dir = workdir();
    const db = database(dir, 'CREATE TABLE s(id INTEGER PRIMARY KEY, b BLOB) STRICT;');
    write(dir, 'in.ndjson', '{"id":1,"b":"text"}\n');
    const result = await barge(dir, ['import', 'in.ndjson', '--table', 's', '--db', db, '--mode', 'row']);
    expect(result.exitCode).toBe(1);
    const [entry] = fs.readFileSync(path.join(dir, 'in.errors.ndjson'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(entry._barge_errors[0]).toMatchObject({ column: 'b', value: 'text' });
  });
});

describe('--truncate and the tables that reference the one reloaded', () => {
  it('a table whose name differs only in a non-ASCII letter\'s case is another table (SQLite folds ASCII only): its CASCADE key is seen, and the truncate refused', async () => {
    const dir = workdir();
    const db = database(dir, `PRAGMA foreign_keys=ON;
      CREATE TABLE "Élève"(id INTEGER PRIMARY KEY, name TEXT);
      CREATE TABLE "élève"(id INTEGER PRIMARY KEY, parent INTEGER REFERENCES "Élève"(id) ON DELETE CASCADE, note TEXT);
      INSERT INTO "Élève" VALUES (1,'a'),(2,'b'); INSERT INTO "élève" VALUES (10,1,'x'),(20,2,'y');`);
    write(dir, 'in.csv', 'id,name\n1,a\n2,b\n');
    const result = await barge(dir, ['import', 'in.csv', '--table', 'Élève', '--db', db, '--truncate']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('barge: error: --truncate cannot empty "Élève": rows of "élève" (parent → id) ON DELETE CASCADE reference it, and emptying it would change those rows; load with --on-conflict update instead of --truncate, or empty those tables first');
    expect(rows(db, 'SELECT id, parent, note FROM "élève" ORDER BY id')).toEqual([{ id: 10, parent: 1, note: 'x' }, { id: 20, parent: 2, note: 'y' }]);
  });

  it('rows that pointed nowhere before the reload do not refuse it; a row the reload orphans still does', async () => {
    const dir = workdir();
    // The orphan (99) was written while foreign keys were off, as another tool may have.
    const db = database(dir, `PRAGMA foreign_keys=OFF;
      CREATE TABLE parent(id INTEGER PRIMARY KEY, name TEXT);
      CREATE TABLE child(id INTEGER PRIMARY KEY, pid INTEGER REFERENCES parent(id));
      INSERT INTO parent VALUES (1,'a'),(2,'b'); INSERT INTO child VALUES (1,1),(2,99);`);
    write(dir, 'same.csv', 'id,name\n1,a2\n2,b2\n');
    const reload = await barge(dir, ['import', 'same.csv', '--table', 'parent', '--db', db, '--truncate', '--json']);
    expect(reload.exitCode, reload.stderr).toBe(0);
    expect(rows(db, 'SELECT id, name FROM parent ORDER BY id')).toEqual([{ id: 1, name: 'a2' }, { id: 2, name: 'b2' }]);
    write(dir, 'fewer.csv', 'id,name\n2,b3\n');
    const orphaning = await barge(dir, ['import', 'fewer.csv', '--table', 'parent', '--db', db, '--truncate']);
    expect(orphaning.exitCode).toBe(2);
    expect(orphaning.stderr).toBe('barge: error: --truncate: after the reload of "parent", 1 row of "child" (child.pid = 1) points at a key it no longer has; nothing was changed: add those keys to the input, or delete or update those rows first');
    expect(rows(db, 'SELECT id, name FROM parent ORDER BY id')).toEqual([{ id: 1, name: 'a2' }, { id: 2, name: 'b2' }]);
  });
});

it('a foreign key SQLite cannot use (into columns that are no key) is a configuration error naming both tables, exit 2, not a runtime failure (exit 3)', async () => {
  const dir = workdir();
  const db = database(dir, `CREATE TABLE p(id INTEGER PRIMARY KEY, code TEXT, name TEXT);
    CREATE TABLE c3(a INTEGER, b TEXT, FOREIGN KEY (a, b) REFERENCES p(id, code));`);
  write(dir, 'p.csv', 'id,code,name\n1,a,x\n2,b,y\n');
  const result = await barge(dir, ['import', 'p.csv', '--table', 'p', '--db', db]);
  expect(result.exitCode).toBe(2);
  expect(result.stderr).toBe(`barge: error: database "${db}": table "c3" has a foreign key into "p" on columns that are not "p"'s primary key or a unique key (SQLite: foreign key mismatch - "c3" referencing "p"), so SQLite, with foreign keys enforced as barge has them, cannot write "p" or "c3"; give "p" a unique index on those columns, or fix "c3"'s foreign key`);
  expect(rows(db, 'SELECT count(*) AS n FROM p')).toEqual([{ n: 0 }]);
});

it('stats lists a virtual table once, not its shadow tables', async () => {
  const dir = workdir();
  const db = database(dir, `CREATE VIRTUAL TABLE docs USING fts5(body); INSERT INTO docs VALUES ('hello');
    CREATE TABLE plain(id INTEGER PRIMARY KEY);`);
  const result = await barge(dir, ['stats', '--db', db, '--json']);
  expect(result.exitCode, result.stderr).toBe(0);
  expect(JSON.parse(result.stdout).tables.map((t: { name: string }) => t.name)).toEqual(['docs', 'plain']);
});

describe('review of the fixes above', () => {
  it('--on-conflict update of a record that leaves out a NOT NULL column (the plain UPDATE path) also overrides a declared UNIQUE ON CONFLICT REPLACE: rejected, not a row and its orders deleted', async () => {
    const dir = workdir();
    const db = database(dir, `PRAGMA foreign_keys=ON;
      CREATE TABLE acc(code TEXT PRIMARY KEY, email TEXT UNIQUE ON CONFLICT REPLACE, name TEXT NOT NULL);
      CREATE TABLE ord(id INTEGER PRIMARY KEY, acc TEXT REFERENCES acc(code) ON DELETE CASCADE);
      INSERT INTO acc VALUES ('A','a@x','Ann'), ('B','b@x','Bob'); INSERT INTO ord VALUES (1,'B'), (2,'B');`);
    write(dir, 'up.ndjson', '{"code":"A","email":"b@x"}\n');
    const result = await barge(dir, ['import', 'up.ndjson', '--table', 'acc', '--db', db, '--on-conflict', 'update', '--json']);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(JSON.parse(result.stdout).counts).toMatchObject({ updated: 0, rejected: 1 });
    expect(rows(db, 'SELECT code, email, name FROM acc ORDER BY code')).toEqual([{ code: 'A', email: 'a@x', name: 'Ann' }, { code: 'B', email: 'b@x', name: 'Bob' }]);
    expect(rows(db, 'SELECT count(*) AS n FROM ord')).toEqual([{ n: 2 }]);
  });

  it('a declared ON CONFLICT REPLACE is found past a comment or a quoted name holding a parenthesis', async () => {
    for (const declaration of ['email TEXT UNIQUE /* natural key */ ON CONFLICT REPLACE', 'email TEXT, UNIQUE("email") -- the key\n ON CONFLICT REPLACE']) {
      const dir = workdir();
      const db = database(dir, `CREATE TABLE a(id INTEGER PRIMARY KEY, ${declaration}); INSERT INTO a VALUES (1, 'a@x');`);
      write(dir, 'in.csv', 'id,email\n2,a@x\n');
      const result = await barge(dir, ['import', 'in.csv', '--table', 'a', '--db', db, '--mode', 'row', '--json']);
      expect(result.exitCode, declaration).toBe(1);
      expect(rows(db, 'SELECT id, email FROM a')).toEqual([{ id: 1, email: 'a@x' }]);
    }
  });

  it('two unique indexes on one column (BINARY and NOCASE): a row either one matches counts as replaced', async () => {
    const dir = workdir();
    const db = database(dir, `CREATE TABLE w(email TEXT, v TEXT); CREATE UNIQUE INDEX wn ON w(email COLLATE NOCASE);
      CREATE UNIQUE INDEX wb ON w(email); INSERT INTO w VALUES ('a@x', 'old');`);
    write(dir, 'w.csv', 'email,v\nA@x,new\n');
    const result = await barge(dir, ['import', 'w.csv', '--table', 'w', '--db', db, '--on-conflict', 'replace', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).counts).toMatchObject({ inserted: 0, updated: 1 });
  });

  it('--truncate with a WITHOUT ROWID child: its rows cannot be told apart, so an old orphan does not hide one the reload makes', async () => {
    const dir = workdir();
    const db = database(dir, `PRAGMA foreign_keys=OFF; CREATE TABLE p(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO p VALUES (1,'a'),(2,'b');
      CREATE TABLE c(id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id)) WITHOUT ROWID; INSERT INTO c VALUES (10,1),(11,99);`);
    write(dir, 'swap.csv', 'id,name\n2,b\n99,z\n');
    const result = await barge(dir, ['import', 'swap.csv', '--table', 'p', '--db', db, '--truncate']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--truncate: after the reload of "p", 1 row of "c" points at a key it no longer has');
    expect(rows(db, 'SELECT id, name FROM p ORDER BY id')).toEqual([{ id: 1, name: 'a' }, { id: 2, name: 'b' }]);
  });

  it('a schema file declaring a column without a default: a record that leaves it out gets the table\'s DEFAULT (it got NULL, and NOT NULL DEFAULT 0 rejected it)', async () => {
    const dir = workdir();
    const db = database(dir, "CREATE TABLE people(id INTEGER PRIMARY KEY, name TEXT, kind TEXT DEFAULT 'x', n INTEGER NOT NULL DEFAULT 0)");
    write(dir, 's.json', JSON.stringify({ table: 'people', columns: { id: { type: 'integer' }, name: { type: 'string' }, kind: { type: 'string' }, n: { type: 'integer' } } }));
    write(dir, 'in.ndjson', '{"id":1,"name":"a"}\n{"id":2,"name":"b","kind":"y","n":5}\n');
    const result = await barge(dir, ['import', 'in.ndjson', '--schema', 's.json', '--db', db, '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(rows(db, 'SELECT id, kind, n FROM people ORDER BY id')).toEqual([{ id: 1, kind: 'x', n: 0 }, { id: 2, kind: 'y', n: 5 }]);
  });

  it('the table\'s DEFAULT taken for a schema file\'s column is the table\'s value, not judged by the schema\'s type or rules, and not kept in the schema (a json column DEFAULT \'{}\' was exit 2; CURRENT_TIMESTAMP kept as sqlDefault broke every later command)', async () => {
    const dir = workdir();
    const db = database(dir, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, meta TEXT DEFAULT '{}', flag INTEGER DEFAULT 1, st TEXT DEFAULT 'new', d TEXT DEFAULT 'abc', at TEXT DEFAULT CURRENT_TIMESTAMP)");
    write(dir, 's.json', JSON.stringify({ table: 't', primaryKey: ['id'], columns: { id: { type: 'integer' }, name: { type: 'string' }, meta: { type: 'json' }, flag: { type: 'boolean' }, st: { type: 'string', enum: ['open', 'closed'] }, d: { type: 'date' }, at: { type: 'datetime' } } }));
    write(dir, 'a.csv', 'id,name\n1,a\n');
    write(dir, 'b.csv', 'id,name\n2,b\n');
    for (const args of [['import', 'a.csv', '--schema', 's.json'], ['import', 'b.csv', '--schema', 's.json'], ['import', 'b.csv', '--table', 't', '--on-conflict', 'update'], ['validate', 'a.csv', '--table', 't'], ['export', '--table', 't', '--out', 'o.ndjson']]) {
      const result = await barge(dir, [...args, '--db', db]);
      expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    }
    expect(rows(db, 'SELECT id, meta, flag, st, d, at IS NOT NULL AS stamped FROM t ORDER BY id')).toEqual([
      { id: 1, meta: '{}', flag: 1, st: 'new', d: 'abc', stamped: 1 }, { id: 2, meta: '{}', flag: 1, st: 'new', d: 'abc', stamped: 1 },
    ]);
    expect(rows(db, "SELECT instr(schema_json, 'sqlDefault') AS found FROM _barge_schemas")).toEqual([{ found: 0 }]);
  });

  it('--on-conflict update whose key column is left out and has an expression DEFAULT matches the existing row by the evaluated default (it was "is required (no row has this key yet…)")', async () => {
    const dir = workdir();
    const db = database(dir, "CREATE TABLE s(sku TEXT NOT NULL, day TEXT NOT NULL DEFAULT (date('now')), name TEXT NOT NULL, qty INTEGER, UNIQUE(sku, day)); INSERT INTO s VALUES ('s1', date('now'), 'n', 1);");
    write(dir, 'snap.csv', 'sku,qty\ns1,5\n');
    const result = await barge(dir, ['import', 'snap.csv', '--table', 's', '--db', db, '--on-conflict', 'update', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).counts).toMatchObject({ inserted: 0, updated: 1 });
    expect(rows(db, 'SELECT sku, name, qty FROM s')).toEqual([{ sku: 's1', name: 'n', qty: 5 }]);
  });

  it('--on-conflict update with two unique indexes on its key (NOCASE and BINARY) matches whichever was made first', async () => {
    for (const order of ['ue, ub', 'ub, ue']) {
      const dir = workdir();
      const indexes = { ue: 'CREATE UNIQUE INDEX ue ON t(email COLLATE NOCASE);', ub: 'CREATE UNIQUE INDEX ub ON t(email);' };
      const db = database(dir, `CREATE TABLE t(email TEXT, name TEXT NOT NULL, v TEXT); ${order.split(', ').map((name) => indexes[name as 'ue' | 'ub']).join(' ')} INSERT INTO t VALUES ('a@x', 'nm', 'old');`);
      write(dir, 'e.csv', 'email,v\nA@X,new\n');
      const result = await barge(dir, ['import', 'e.csv', '--table', 't', '--db', db, '--on-conflict', 'update', '--json']);
      expect(result.exitCode, `${order}: ${result.stderr}`).toBe(0);
      expect(rows(db, 'SELECT email, name, v FROM t')).toEqual([{ email: 'a@x', name: 'nm', v: 'new' }]);
    }
  });

  it('the ALTER TABLE a refusal names adds a reference and a unique index too', async () => {
    const dir = workdir();
    const db = database(dir, 'CREATE TABLE p(id INTEGER PRIMARY KEY); CREATE TABLE t(id INTEGER PRIMARY KEY);');
    write(dir, 's.json', JSON.stringify({ table: 't', columns: { id: { type: 'integer' }, pid: { type: 'integer', references: 'p.id', unique: true } } }));
    write(dir, 'in.csv', 'id,pid\n1,1\n');
    const result = await barge(dir, ['import', 'in.csv', '--schema', 's.json', '--db', db]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('barge: error: table "t" has no column "pid" that the schema declares; add it to the table (ALTER TABLE "t" ADD COLUMN "pid" INTEGER REFERENCES "p"("id"); CREATE UNIQUE INDEX "t_pid_unique" ON "t"("pid")) or remove it from the schema');
  });

  it('--on-conflict update with a schema file that declares no key matches by the table\'s primary key (it said the table "has neither")', async () => {
    const dir = workdir();
    const db = database(dir, "CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO items VALUES (1, 'a');");
    write(dir, 's.json', JSON.stringify({ table: 'items', columns: { id: { type: 'integer' }, name: { type: 'string' } } }));
    write(dir, 'in.csv', 'id,name\n1,A\n2,b\n');
    const result = await barge(dir, ['import', 'in.csv', '--schema', 's.json', '--db', db, '--on-conflict', 'update', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).counts).toMatchObject({ inserted: 1, updated: 1 });
    expect(rows(db, 'SELECT id, name FROM items ORDER BY id')).toEqual([{ id: 1, name: 'A' }, { id: 2, name: 'b' }]);
  });

  it('a table named _barge_jobs or _barge_schemas that another tool made: a usage error naming it (it was "no such column", an unexpected failure, exit 3)', async () => {
    const dir = workdir();
    const db = database(dir, 'CREATE TABLE _barge_schemas(x INTEGER); CREATE TABLE t(id INTEGER);');
    for (const args of [['export', '--table', 't', '--db', db], ['stats', '--db', db], ['import', 'fixtures/makers.csv', '--db', db]]) {
      const result = await barge(dir, args);
      expect(result.exitCode, args[0]).toBe(2);
      expect(result.stderr).toBe(`barge: error: database "${db}" has a table "_barge_schemas" that barge did not make (it has no column "table_name"): barge keeps the schemas of the tables it made there; rename that table (sqlite3 ${JSON.stringify(db)} 'ALTER TABLE _barge_schemas RENAME TO other_name'), or pass another --db`);
    }
  });
});
