import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { barge, rows, workdir } from '../helpers/cli.js';

/**
 * Tables made by ORMs' migrations (Django, Rails, Prisma): NOT NULL on the rowid alias,
 * triggers that RAISE, DEFERRABLE INITIALLY DEFERRED foreign keys.
 */

function makeDb(dir: string, file: string, sql: string): string {
  const at = path.join(dir, file);
  const db = new Database(at);
  db.exec(sql);
  db.close();
  return at;
}

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
