import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { barge, rows, workdir } from '../helpers/cli.js';

// The database file an import creates, and one it is given (src/store/open-database.ts).

const SCHEMA = ['--schema', 'fixtures/makers.schema.json'];

function pragma(file: string, name: string): unknown {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.pragma(name, { simple: true });
  } finally {
    db.close();
  }
}

describe('the database an import writes', () => {
  it('a database it creates (or an empty file) gets 16 KB pages, in WAL mode', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'empty.db'), '');
    for (const db of ['new.db', 'empty.db']) {
      const result = await barge(dir, ['import', 'fixtures/makers.csv', ...SCHEMA, '--db', db]);
      expect(result.exitCode).toBe(0);
      // No WAL left behind (checked before this test's own connections), and the database is whole.
      expect(fs.existsSync(path.join(dir, `${db}-wal`))).toBe(false);
      expect(pragma(path.join(dir, db), 'page_size')).toBe(16384);
      expect(pragma(path.join(dir, db), 'journal_mode')).toBe('wal');
      expect(pragma(path.join(dir, db), 'integrity_check')).toBe('ok');
      expect(rows(path.join(dir, db), 'SELECT count(*) AS n FROM makers')).toEqual([{ n: 5 }]);
    }
  });

  it('an existing database keeps its page size', async () => {
    const dir = workdir();
    const file = path.join(dir, 'own.db');
    const own = new Database(file);
    own.pragma('page_size = 4096');
    own.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
    own.close();
    const result = await barge(dir, ['import', 'fixtures/makers.csv', ...SCHEMA, '--db', 'own.db']);
    expect(result.exitCode).toBe(0);
    expect(pragma(file, 'page_size')).toBe(4096);
    expect(rows(file, 'SELECT count(*) AS n FROM makers')).toEqual([{ n: 5 }]);
  });
});

describe('a table barge did not make', () => {
  it('a CHECK failure is a record-level error naming the check, not a column made of its expression', async () => {
    const dir = workdir();
    const db = new Database(path.join(dir, 'barge.db'));
    db.exec('PRAGMA journal_mode = WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, q INTEGER CHECK (q > 0), r INTEGER CONSTRAINT r_small CHECK (r < 10))');
    db.close();
    fs.writeFileSync(path.join(dir, 't.csv'), 'id,q,r\n1,0,1\n2,5,50\n3,5,5\n');
    const result = await barge(dir, ['import', 't.csv', '--mode', 'row']);
    expect(result.exitCode).toBe(1);
    const report = fs.readFileSync(path.join(dir, 't.errors.ndjson'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(report.map((entry) => entry._barge_errors[0])).toEqual([
      { column: null, code: 'check', message: 'line 2: fails a CHECK constraint (CHECK constraint failed: q > 0)', value: null },
      { column: null, code: 'check', message: 'line 3: fails a CHECK constraint (CHECK constraint failed: r_small)', value: null },
    ]);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT id FROM t')).toEqual([{ id: 3 }]);
  });
});
