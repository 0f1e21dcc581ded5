import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { readsCompoundSelect } from '../../src/export/compound-select.js';

describe('readsCompoundSelect: whether a query\'s rows come from a compound SELECT', () => {
  const db = new Database(':memory:');
  db.exec(`CREATE TABLE a (id INTEGER, flag INTEGER); CREATE TABLE b (id INTEGER, qty INTEGER);
    CREATE VIEW "both" AS SELECT id, flag AS v FROM a UNION ALL SELECT id, qty FROM b;
    CREATE VIEW outer_view AS SELECT * FROM "both";
    CREATE VIEW plain AS SELECT id FROM a WHERE id IN (SELECT 1 UNION SELECT 2);
    CREATE VIEW v AS SELECT 1 AS x UNION SELECT 2;`);

  it.each([
    'SELECT id, flag FROM a UNION ALL SELECT id, qty FROM b',
    'select * from a except select * from b',
    'SELECT * FROM "both"',
    'SELECT * FROM outer_view WHERE v > 0',
    'SELECT v FROM [both] ORDER BY v',
  ])('%s: yes', (sql) => {
    expect(readsCompoundSelect(db, sql)).toBe(true);
  });

  it.each([
    'SELECT id, flag FROM a',
    'SELECT id FROM a WHERE id IN (SELECT 1 UNION SELECT 2)',
    "SELECT id, 'union' AS w, \"except\" FROM a -- union",
    'SELECT (SELECT 1 UNION SELECT 2) AS s, flag FROM a',
    'SELECT flag, id AS v FROM a',
    'SELECT * FROM plain',
    'SELECT a.flag FROM a WHERE a.id > 0 ORDER BY id',
    // A compound that only filters or joins: the columns still read their tables.
    'SELECT a.* FROM a JOIN (SELECT 1 AS k UNION SELECT 2) x ON x.k = a.id',
    'WITH x(k) AS (SELECT 1 UNION SELECT 2) SELECT id, flag FROM a',
    'SELECT * FROM a, [both]',
  ])('%s: no', (sql) => {
    expect(readsCompoundSelect(db, sql)).toBe(false);
  });
});
