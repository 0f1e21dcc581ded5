import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { barge, rows, workdir, makeDb } from '../helpers/cli.js';

/**
 * Tables made by ORMs' migrations (Django, Rails, Prisma): NOT NULL on the rowid alias,
 * triggers that RAISE, DEFERRABLE INITIALLY DEFERRED foreign keys.
 */


describe('an id declared `integer NOT NULL PRIMARY KEY AUTOINCREMENT` is filled in by SQLite, not required', () => {
  for (const ddl of [
    'CREATE TABLE "app_tag" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(50) NOT NULL)',
    'CREATE TABLE "app_tag" ("id" INTEGER PRIMARY KEY NOT NULL, "name" varchar(50) NOT NULL)',
  ]) {
    it(ddl, async () => {
      const dir = workdir();
      const db = makeDb(dir, 'orm.db', ddl);
      fs.writeFileSync(path.join(dir, 'tags.csv'), 'name\nred\ngreen\n');
      const validated = await barge(dir, ['validate', 'tags.csv', '--db', 'orm.db', '--table', 'app_tag']);
      expect(validated.stderr).toContain('every record is valid');
      expect(validated.exitCode).toBe(0);
      const result = await barge(dir, ['import', 'tags.csv', '--db', 'orm.db', '--table', 'app_tag', '--json']);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(rows(db, 'SELECT id, name FROM app_tag ORDER BY id')).toEqual([
        { id: 1, name: 'red' },
        { id: 2, name: 'green' },
      ]);
    });
  }

  it('a NOT NULL integer key that is no rowid alias (INT) stays required', async () => {
    const dir = workdir();
    makeDb(dir, 'orm.db', 'CREATE TABLE t (id INT NOT NULL PRIMARY KEY, name TEXT)');
    fs.writeFileSync(path.join(dir, 'in.csv'), 'name\nred\n');
    const result = await barge(dir, ['import', 'in.csv', '--db', 'orm.db', '--table', 't']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('in.csv:line 2, column "id": is required');
  });
});

describe('triggers that RAISE(FAIL) or RAISE(ROLLBACK)', () => {
  const lines = (n: number, bad: number, withId: boolean) =>
    `${withId ? 'id,' : ''}v\n${Array.from({ length: n }, (_, i) => `${withId ? `${i + 1},` : ''}${i + 1 === bad ? 'bad' : `ok${i + 1}`}`).join('\n')}\n`;

  it('RAISE(FAIL) in row mode: only the failing record is rejected; no row is written twice (ok26-ok29 were, 63 rows for 59)', async () => {
    const dir = workdir();
    const db = makeDb(dir, 'rf.db', "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); CREATE TRIGGER t_f BEFORE INSERT ON t WHEN NEW.v = 'bad' BEGIN SELECT RAISE(FAIL, 'v is bad'); END;");
    fs.writeFileSync(path.join(dir, 'rf.csv'), lines(60, 30, false));
    const result = await barge(dir, ['import', 'rf.csv', '--db', 'rf.db', '--table', 't', '--mode', 'row', '--json']);
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.stdout).counts).toMatchObject({ read: 60, inserted: 59, rejected: 1 });
    expect(rows(db, 'SELECT count(*) AS n, count(DISTINCT v) AS d FROM t')).toEqual([{ n: 59, d: 59 }]);
    const report = fs.readFileSync(path.join(dir, 'rf.errors.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(report.map((e) => [e._barge_line, e._barge_errors[0].message, e._barge_errors[0].value])).toEqual([[31, 'line 31: v is bad', null]]);
  });

  it('RAISE(ROLLBACK), atomic: exit 3 with the trigger\'s reason, and nothing is left behind (34 rows were, written after the rollback)', async () => {
    const dir = workdir();
    const db = makeDb(dir, 'rb.db', "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); CREATE TRIGGER t_rb BEFORE INSERT ON t WHEN NEW.v = 'bad' BEGIN SELECT RAISE(ROLLBACK, 'v is bad'); END;");
    fs.writeFileSync(path.join(dir, 'rb.csv'), lines(60, 30, true));
    const result = await barge(dir, ['import', 'rb.csv', '--db', 'rb.db', '--table', 't']);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('barge: error: a trigger of table "t" rolled back the whole transaction (v is bad): barge cannot reject one record there; have the trigger RAISE(ABORT, …) instead, which rejects just the record');
    expect(rows(db, 'SELECT count(*) AS n FROM t')).toEqual([{ n: 0 }]);
    expect(rows(db, 'SELECT status, inserted FROM _barge_jobs')).toEqual([{ status: 'failed', inserted: 0 }]);
  });

  it('RAISE(ROLLBACK), row mode: the batches committed before it stay, and the job says exactly those', async () => {
    const dir = workdir();
    const db = makeDb(dir, 'rb.db', "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); CREATE TRIGGER t_rb BEFORE INSERT ON t WHEN NEW.v = 'bad' BEGIN SELECT RAISE(ROLLBACK, 'v is bad'); END;");
    fs.writeFileSync(path.join(dir, 'rb.csv'), lines(3000, 2500, true));
    const result = await barge(dir, ['import', 'rb.csv', '--db', 'rb.db', '--table', 't', '--mode', 'row']);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('(job ');
    expect(result.stderr).toContain(': the 2 batches committed before this, 2,000 records, stay)');
    expect(rows(db, 'SELECT count(*) AS n, max(id) AS top FROM t')).toEqual([{ n: 2000, top: 2000 }]);
    expect(rows(db, 'SELECT status, inserted, batches_committed AS b FROM _barge_jobs')).toEqual([{ status: 'failed', inserted: 2000, b: 2 }]);
  });

  // The job's row says what was read of what it committed: the batch the trigger rolled back is read
  // again by a resume. Counted, `barge jobs` said "read 4" of a job that had kept 2 records and read
  // its last 2 again when resumed (read 6 of an input of 4).
  it('RAISE(ROLLBACK), row mode: the job\'s read count leaves out the batch that was rolled back; the resume reads it again', async () => {
    const dir = workdir();
    const db = makeDb(dir, 'rr.db', "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); CREATE TRIGGER t_rb BEFORE INSERT ON t WHEN NEW.v = 'boom' BEGIN SELECT RAISE(ROLLBACK, 'v is boom'); END;");
    fs.writeFileSync(path.join(dir, 'rr.csv'), 'id,v\n1,a\n2,b\n3,boom\n4,d\n');
    const result = await barge(dir, ['import', 'rr.csv', '--db', 'rr.db', '--table', 't', '--mode', 'row', '--batch-size', '2']);
    expect(result.exitCode).toBe(3);
    const [job] = rows<{ id: string }>(db, 'SELECT id FROM _barge_jobs');
    expect(result.stderr).toBe(`barge: error: a trigger of table "t" rolled back the whole transaction (v is boom): barge cannot reject one record there; have the trigger RAISE(ABORT, …) instead, which rejects just the record (job ${job!.id}: the 1 batch committed before this, 2 records, stay)`);
    expect(rows(db, 'SELECT status, read_count AS read, inserted, rejected, batches_committed AS b FROM _barge_jobs')).toEqual([{ status: 'failed', read: 2, inserted: 2, rejected: 0, b: 1 }]);
    expect(rows(db, 'SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);

    makeDb(dir, 'rr.db', 'DROP TRIGGER t_rb'); // the trigger fixed
    const resumed = await barge(dir, ['import', '--resume', job!.id, '--db', 'rr.db', '--json']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).counts).toEqual({ read: 4, inserted: 4, updated: 0, ignored: 0, rejected: 0 });
    expect(rows(db, 'SELECT status, read_count AS read, inserted, batches_committed AS b FROM _barge_jobs')).toEqual([{ status: 'succeeded', read: 4, inserted: 4, b: 2 }]);
    expect(rows(db, 'SELECT id, v FROM t ORDER BY id')).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }, { id: 3, v: 'boom' }, { id: 4, v: 'd' }]);
  });
});

describe('a foreign key DEFERRABLE INITIALLY DEFERRED (Django\'s) names its culprit (every mode failed at COMMIT, exit 3, no record named)', () => {
  const ddl = 'CREATE TABLE parent (id INTEGER PRIMARY KEY); INSERT INTO parent VALUES (1); CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);';

  it('row mode: the orphan is rejected, the others load, exit 1', async () => {
    const dir = workdir();
    const db = makeDb(dir, 'dj.db', ddl);
    fs.writeFileSync(path.join(dir, 'child.csv'), 'id,parent_id\n1,1\n2,99\n3,1\n');
    const result = await barge(dir, ['import', 'child.csv', '--db', 'dj.db', '--table', 'child', '--mode', 'row']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('child.csv:line 3, column "parent_id": no row in parent.id has the value 99 (foreign key)');
    expect(rows(db, 'SELECT id, parent_id FROM child ORDER BY id')).toEqual([{ id: 1, parent_id: 1 }, { id: 3, parent_id: 1 }]);
  });

  it('atomic: rolled back with the culprit named, exit 1', async () => {
    const dir = workdir();
    const db = makeDb(dir, 'dj.db', ddl);
    fs.writeFileSync(path.join(dir, 'child.csv'), 'id,parent_id\n1,1\n2,99\n3,1\n');
    const result = await barge(dir, ['import', 'child.csv', '--db', 'dj.db', '--table', 'child']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('child.csv:line 3, column "parent_id": no row in parent.id has the value 99 (foreign key)');
    expect(rows(db, 'SELECT count(*) AS n FROM child')).toEqual([{ n: 0 }]);
  });
});

describe('a database in the sqlite3 shell\'s DELETE journal mode', () => {
  it('--dry-run leaves it in that mode (it switched it to WAL for good); a real import switches it, as the README says', async () => {
    const dir = workdir();
    const db = makeDb(dir, 'j.db', 'PRAGMA user_version = 42; CREATE TABLE p (id INTEGER PRIMARY KEY, v TEXT)');
    const mode = () => rows<{ journal_mode: string }>(db, 'PRAGMA journal_mode')[0]!.journal_mode;
    expect(mode()).toBe('delete');
    fs.writeFileSync(path.join(dir, 'p.csv'), 'id,v\n1,a\n');
    const dry = await barge(dir, ['import', 'p.csv', '--db', 'j.db', '--table', 'p', '--dry-run']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(mode()).toBe('delete');
    expect(rows(db, 'SELECT count(*) AS n FROM p')).toEqual([{ n: 0 }]);
    const real = await barge(dir, ['import', 'p.csv', '--db', 'j.db', '--table', 'p']);
    expect(real.exitCode, real.stderr).toBe(0);
    expect(mode()).toBe('wal');
    expect(rows(db, 'PRAGMA user_version')).toEqual([{ user_version: 42 }]);
  });
});

describe('a view given as --table', () => {
  it('import says it is a view (it said "cannot create table"), and validate says so in its warning', async () => {
    const dir = workdir();
    makeDb(dir, 'v.db', 'CREATE TABLE base (id INTEGER PRIMARY KEY, v TEXT); CREATE VIEW vw AS SELECT * FROM base');
    fs.writeFileSync(path.join(dir, 'in.csv'), 'id,v\n1,a\n');
    const imported = await barge(dir, ['import', 'in.csv', '--db', 'v.db', '--table', 'vw']);
    expect(imported.exitCode).toBe(2);
    expect(imported.stderr).toBe('barge: error: "vw" is a view, and barge loads tables only: give --table the table it shows');
    const validated = await barge(dir, ['validate', 'in.csv', '--db', 'v.db', '--table', 'vw']);
    expect(validated.exitCode).toBe(0);
    expect(validated.stderr.split('\n').slice(0, 3)).toEqual([
      'barge: no table "vw" in v.db (it is a view; give --table the table it shows): the records are checked against a schema inferred from them (give --schema to check them against one)',
      'barge: validate in.csv against "vw" (inferred schema): every record is valid',
      '  read 1, valid 1, rejected 0',
    ]);
  });
});

describe('a DEFERRABLE key with --on-conflict ignore, replace or update, and keys the review found', () => {
  it('names the culprit in every mode of conflict (exit 3 at COMMIT, no record named)', async () => {
    for (const onConflict of ['ignore', 'replace', 'update']) {
      const dir = workdir();
      const db = makeDb(dir, 'd.db', 'CREATE TABLE dept (id INTEGER PRIMARY KEY); INSERT INTO dept VALUES (1); CREATE TABLE item (id INTEGER PRIMARY KEY, dept INTEGER REFERENCES dept (id) DEFERRABLE INITIALLY DEFERRED)');
      fs.writeFileSync(path.join(dir, 'i.csv'), 'id,dept\n1,1\n2,9\n3,1\n');
      const result = await barge(dir, ['import', 'i.csv', '--db', 'd.db', '--table', 'item', '--mode', 'row', '--on-conflict', onConflict]);
      expect(result.exitCode, `${onConflict}: ${result.stderr}`).toBe(1);
      expect(result.stderr).toContain('i.csv:line 3, column "dept": no row in dept.id has the value 9 (foreign key)');
      expect(rows(db, 'SELECT id FROM item ORDER BY id')).toEqual([{ id: 1 }, { id: 3 }]);
    }
  });

  it('a key column whose value is a SQL default expression is checked with that value', async () => {
    const dir = workdir();
    const db = makeDb(dir, 'c.db', 'CREATE TABLE dept (id INTEGER PRIMARY KEY); INSERT INTO dept VALUES (1); CREATE TABLE item (id INTEGER PRIMARY KEY, dept INTEGER DEFAULT (0+7) REFERENCES dept (id) DEFERRABLE INITIALLY DEFERRED)');
    fs.writeFileSync(path.join(dir, 'i.csv'), 'id,dept\n1,1\n2,\n');
    const result = await barge(dir, ['import', 'i.csv', '--db', 'c.db', '--table', 'item', '--mode', 'row']);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).toContain('i.csv:line 3, column "dept": no row in dept.id has the value 7 (foreign key)');
    expect(rows(db, 'SELECT id FROM item')).toEqual([{ id: 1 }]);
  });

  it('a REAL child of a TEXT key compares as SQLite stores it ("6.0"), so a row naming 6 finds no "6"', async () => {
    const dir = workdir();
    makeDb(dir, 'r.db', 'CREATE TABLE t (code TEXT PRIMARY KEY, parent REAL REFERENCES t (code))');
    fs.writeFileSync(path.join(dir, 'r.csv'), 'code,parent\n6.0,\nx,6\n');
    const result = await barge(dir, ['import', 'r.csv', '--db', 'r.db', '--table', 't']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr.split('\n').slice(0, 2)).toEqual(['barge: import of r.csv into "t": succeeded', '  read 2, inserted 2, rejected 0']);
    // 6 stored as REAL in "parent" is the TEXT "6.0" of its parent row's key.
    expect(rows(path.join(dir, 'r.db'), 'SELECT code, typeof(code) AS tc, parent, typeof(parent) AS tp FROM t ORDER BY rowid')).toEqual([
      { code: '6.0', tc: 'text', parent: null, tp: 'null' },
      { code: 'x', tc: 'text', parent: 6, tp: 'real' },
    ]);
  });
});

describe('a foreign key to a generated UNIQUE column', () => {
  it('is accepted, as SQLite enforces it (it said the table had no such column, exit 2)', async () => {
    const dir = workdir();
    const db = makeDb(dir, 'g.db', 'CREATE TABLE t (id TEXT PRIMARY KEY, k TEXT GENERATED ALWAYS AS (lower(id)) STORED UNIQUE, boss TEXT REFERENCES t (k))');
    fs.writeFileSync(path.join(dir, 'g.csv'), 'id,boss\nA,\nB,a\nC,zz\n');
    const result = await barge(dir, ['import', 'g.csv', '--db', 'g.db', '--table', 't', '--mode', 'row']);
    expect(result.stderr).not.toContain('has no column');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('g.csv:line 4, column "boss": no row in t.k has the value "zz" (foreign key)');
    expect(rows(db, 'SELECT id, boss FROM t ORDER BY id')).toEqual([{ id: 'A', boss: null }, { id: 'B', boss: 'a' }]);
  });
});
