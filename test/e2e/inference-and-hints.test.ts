import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { barge, rows, workdir } from '../helpers/cli.js';

describe('JSON inference reads how a number is written', () => {
  it('10.0 and 1e5 make a number column, as CSV\'s do (an integer column rejected tomorrow\'s 12.5)', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'py.ndjson'), '{"id":1,"price":10.0,"big":1e5}\n{"id":2,"price":11.0,"big":2e5}\n');
    const inferred = await barge(dir, ['schema', 'infer', 'py.ndjson']);
    expect(inferred.exitCode, inferred.stderr).toBe(0);
    expect(JSON.parse(inferred.stdout).columns).toEqual({ id: { type: 'integer' }, price: { type: 'number' }, big: { type: 'number' } });
    const first = await barge(dir, ['import', 'py.ndjson', '--db', 'p.db', '--quiet']);
    expect(first.exitCode, first.stderr).toBe(0);
    fs.writeFileSync(path.join(dir, 'day2.ndjson'), '{"id":3,"price":12.5,"big":1}\n');
    const next = await barge(dir, ['import', 'day2.ndjson', '--table', 'py', '--db', 'p.db', '--quiet']);
    expect(next.exitCode, next.stderr).toBe(0);
    expect(rows(path.join(dir, 'p.db'), 'SELECT price, typeof(price) AS t FROM py ORDER BY id')).toEqual([
      { price: 10, t: 'real' }, { price: 11, t: 'real' }, { price: 12.5, t: 'real' },
    ]);
  });
});

describe('the summary after rejections', () => {
  it('syntax errors alone bring no advice to write out the inferred schema', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'f.ndjson'), '{"a":1}\n{"a":2,}\n');
    const result = await barge(dir, ['import', 'f.ndjson', '--table', 't', '--db', 'f.db', '--mode', 'row']);
    expect(result.exitCode).toBe(1);
    const told = result.stderr.split('\n');
    expect([told[0], told[1], told[3], told[4]]).toEqual([
      'barge: import of f.ndjson into "t": partial: 1 record rejected, 1 loaded',
      '  read 2, inserted 1, rejected 1',
      '  f.ndjson:line 2: not valid JSON: expected a property name in double quotes, got \'}\' at column 8; remove the trailing comma',
      `  report: ${path.join(fs.realpathSync(dir), 'f.errors.ndjson')} (fix the records and import it again)`,
    ]);
    expect(told).toHaveLength(5);
    expect(result.stderr).not.toContain('the schema was inferred');
  });

  it('a field name holding a lone surrogate is escaped in the column prefix (it printed as U+FFFD)', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'a.json'), JSON.stringify({ table: 't', columns: { a: { type: 'integer' } } }));
    fs.writeFileSync(path.join(dir, 'sk.ndjson'), '{"a":1}\n{"a":2,"b\\ud800":1}\n');
    const result = await barge(dir, ['validate', 'sk.ndjson', '--schema', 'a.json']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('sk.ndjson:line 2, column "b\\ud800": unexpected column');
    expect(result.stderr).not.toContain('\ufffd');
  });

  it('a header a sniffed format cannot read says it was sniffed', async () => {
    const dir = workdir();
    const result = await barge(dir, ['import', '-', '--table', 't', '--db', 's.db'], { input: '  \n\n"x" {"a":1}\n' });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('barge: error: stdin:1: column 1 has an empty name (only whitespace) in the header; rename the columns with --columns a,b,c (stdin was read as CSV, its format sniffed from its first bytes; if it is not, pass --format)');
    expect(fs.existsSync(path.join(dir, 's.db'))).toBe(false);
  });
});

describe('a schema for an existing table', () => {
  it('adding an index the table lacks is refused, saying to create it (it was kept in the schema and never made)', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'a.csv'), 'a\n1\n');
    fs.writeFileSync(path.join(dir, 's1.json'), JSON.stringify({ table: 'a', columns: { a: { type: 'integer' } } }));
    fs.writeFileSync(path.join(dir, 's2.json'), JSON.stringify({ table: 'a', columns: { a: { type: 'integer' } }, indexes: [['a']] }));
    expect((await barge(dir, ['import', 'a.csv', '--schema', 's1.json', '--quiet'])).exitCode).toBe(0);
    const result = await barge(dir, ['import', 'a.csv', '--schema', 's2.json']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('barge: error: table "a" has no index on (a), which the schema declares: barge makes indexes only with the table; create it in the database, or remove it from the schema');
  });

  it('a primary key other than the table\'s says which the table has (it said it had none)', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'k.csv'), 'id,n\n1,2\n');
    fs.writeFileSync(path.join(dir, 's1.json'), JSON.stringify({ table: 'k', primaryKey: ['id'], columns: { id: { type: 'integer' }, n: { type: 'integer' } } }));
    fs.writeFileSync(path.join(dir, 's2.json'), JSON.stringify({ table: 'k', primaryKey: ['n'], columns: { id: { type: 'integer' }, n: { type: 'integer' } } }));
    expect((await barge(dir, ['import', 'k.csv', '--schema', 's1.json', '--quiet'])).exitCode).toBe(0);
    const result = await barge(dir, ['import', 'k.csv', '--schema', 's2.json']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('table "k" has no primary key (n) (its primary key is (id)), which the schema declares');
  });
});
