import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { BargeError } from '../../src/errors.js';
import { checkName, createTableStatements, indexName, parseSchemaSpec, quoteIdent } from '../../src/schema/index.js';

function usageMessage(fn: () => void): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BargeError);
    expect((error as BargeError).code).toBe('usage');
    return (error as BargeError).message;
  }
  throw new Error('expected a BargeError');
}

describe('quoteIdent', () => {
  it('double-quotes and doubles inner quotes', () => {
    expect(quoteIdent('price')).toBe('"price"');
    expect(quoteIdent('a"b')).toBe('"a""b"');
    expect(quoteIdent('"; DROP TABLE x; --')).toBe('"""; DROP TABLE x; --"');
  });
});

describe('checkName', () => {
  it('accepts names that are only safe because they are quoted: each makes a table and a column that hold a value', () => {
    for (const name of ['price', 'unit price', 'select', "it's", 'a"b', '"; DROP TABLE x; --', 'Größe', '2024', 'x'.repeat(128)]) {
      expect(checkName(name, 'table')).toBeUndefined();
      expect(checkName(name, 'column')).toBeUndefined();
      // The table and an indexed column carry the name, through the DDL barge writes.
      const spec = parseSchemaSpec(
        { table: name, primaryKey: ['n'], columns: { n: { type: 'integer' }, [name]: { type: 'string', required: true } }, indexes: [[name]] },
        'names.json',
      );
      const db = new Database(':memory:');
      db.exec('CREATE TABLE x (id INTEGER)');
      try {
        for (const statement of createTableStatements(spec)) db.exec(statement);
        const table = quoteIdent(name);
        db.prepare(`INSERT INTO ${table} (n, ${quoteIdent(name)}) VALUES (?, ?)`).run(42, `value of ${name}`);
        expect(db.prepare(`SELECT n, ${quoteIdent(name)} AS v FROM ${table} WHERE ${quoteIdent(name)} = ?`).all(`value of ${name}`), name)
          .toEqual([{ n: 42, v: `value of ${name}` }]);
        // The table's columns have exactly these names, and nothing else was made or dropped.
        expect(db.prepare('SELECT name FROM pragma_table_info(?) ORDER BY cid').pluck().all(name), name).toEqual(Object.keys(spec.columns));
        expect(Object.keys(spec.columns).sort()).toEqual(['n', name].sort());
        expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all(), name).toEqual([name, 'x'].sort());
        // The index on the column is made, under the name barge gives it.
        expect(db.prepare("SELECT name FROM pragma_index_list(?) WHERE origin = 'c'").pluck().all(name), name).toEqual([indexName(name, [name])]);
        expect(db.prepare('SELECT name FROM pragma_index_info(?)').pluck().all(indexName(name, [name])), name).toEqual([name]);
      } finally {
        db.close();
      }
    }
  });

  it('rejects names barge cannot handle, with a usage error', () => {
    expect(usageMessage(() => checkName('', 'table'))).toBe('table name is empty');
    expect(usageMessage(() => checkName('x'.repeat(129), 'column'))).toBe(
      'column name "xxxxxxxxxxxxxxxxxxxx…" is longer than 128 characters (129)',
    );
    expect(usageMessage(() => checkName('a\u0000b', 'column'))).toBe('column name "a\\u0000b" contains a control character');
    expect(usageMessage(() => checkName('a\nb', 'column'))).toBe('column name "a\\nb" contains a control character');
    expect(usageMessage(() => checkName('sqlite_stat1', 'table'))).toBe(
      'table name "sqlite_stat1" starts with "sqlite_", which SQLite reserves; choose another name',
    );
    expect(usageMessage(() => checkName('SQLITE_x', 'table'))).toContain('which SQLite reserves');
    expect(usageMessage(() => checkName('_barge_jobs', 'table'))).toBe(
      'table name "_barge_jobs" starts with "_barge", which barge reserves for its own tables and report fields; choose another name',
    );
    expect(usageMessage(() => checkName('_BARGE_line', 'column'))).toContain('which barge reserves');
    expect(usageMessage(() => checkName('__proto__', 'column'))).toBe(
      'column name "__proto__" cannot be used (it is special in JavaScript objects)',
    );
    expect(usageMessage(() => checkName('a\uD800b', 'column'))).toContain('is not valid Unicode');
  });

  it('hostile names work end to end in SQLite when quoted', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE x (id INTEGER)');
    const table = '"; DROP TABLE x; --';
    const columns = ['select', 'unit price', 'a"b', "it's", '"; DROP TABLE x; --'];
    for (const name of [table, ...columns]) checkName(name, 'column');
    db.exec(`CREATE TABLE ${quoteIdent(table)} (${columns.map((c) => `${quoteIdent(c)} TEXT`).join(', ')})`);
    db.prepare(`INSERT INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) VALUES (?, ?, ?, ?, ?)`).run(
      'a',
      'b',
      'c',
      'd',
      'e',
    );
    expect(db.prepare(`SELECT * FROM ${quoteIdent(table)}`).all()).toEqual([
      { select: 'a', 'unit price': 'b', 'a"b': 'c', "it's": 'd', '"; DROP TABLE x; --': 'e' },
    ]);
    // The table named like an injection did not drop x.
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all()).toEqual([
      '"; DROP TABLE x; --',
      'x',
    ]);
  });
});

describe('a name starting with U+FEFF', () => {
  it('is refused: a CSV export\'s header would begin with it, and every reader drops a byte order mark there', async () => {
    const { nameProblem } = await import('../../src/schema/names.js');
    expect(nameProblem('\uFEFFa', 'column')).toBe('column name "\\ufeffa" starts with U+FEFF (a byte order mark), which a CSV file\'s first name loses; remove it');
    expect(nameProblem('a\uFEFF', 'column')).toBeUndefined();
  });
});
