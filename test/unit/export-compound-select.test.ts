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
    'SELECT * FROM (SELECT flag FROM a UNION ALL SELECT qty FROM b)',
    'SELECT * FROM a JOIN (SELECT id FROM a INTERSECT SELECT id FROM b) USING (id)',
    'WITH x AS (SELECT flag FROM a UNION SELECT qty FROM b) SELECT * FROM x',
    'SELECT * FROM "both"',
    'SELECT * FROM outer_view',
    'SELECT * FROM a, [both]',
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
  ])('%s: no', (sql) => {
    expect(readsCompoundSelect(db, sql)).toBe(false);
  });
});
