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
