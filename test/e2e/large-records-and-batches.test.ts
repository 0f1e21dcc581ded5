import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { barge, rows } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dirs.js';

/**
 * Sizes well inside barge's limits (a record of 16 Mi characters, a batch of 1,000,000) that
 * overflowed the stack: a regular expression run over a whole record, and spreads of one
 * argument per record into Math.min or push. Each was "Maximum call stack size exceeded", exit 3.
 */
describe('large records and batches', () => {
  it('a JSON record with a 10 MB string, without --schema: inferred and loaded', async () => {
    const dir = tempDir('barge-large-');
    const text = 'x'.repeat(10_000_000);
    fs.writeFileSync(path.join(dir, 'big.ndjson'), `${JSON.stringify({ id: 1, price: 2.0, body: text })}\n${JSON.stringify({ id: 2, price: 3.5, body: 'short' })}\n`);
    const result = await barge(dir, ['import', 'big.ndjson', '--db', 'x.db']);
    expect(result.exitCode, result.stderr).toBe(0);
    // price written 2.0 stays a number column (what the expression looks for).
    expect(rows(path.join(dir, 'x.db'), "SELECT id, price, typeof(price) AS t, length(body) AS n FROM big ORDER BY id")).toEqual([
      { id: 1, price: 2, t: 'real', n: 10_000_000 },
      { id: 2, price: 3.5, t: 'real', n: 5 },
    ]);
  });

  it('--mode batch --batch-size 1000000, every record of 200,000 rejected: the batch rolled back and reported, exit 1', async () => {
    const dir = tempDir('barge-large-');
    const lines = ['id,n'];
    for (let i = 1; i <= 200_000; i++) lines.push(`${i},x`);
    fs.writeFileSync(path.join(dir, 'bad.csv'), lines.join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 't', columns: { id: { type: 'integer' }, n: { type: 'integer' } } }));
    const result = await barge(dir, ['import', 'bad.csv', '--schema', 's.json', '--db', 'x.db', '--mode', 'batch', '--batch-size', '1000000', '--errors', 'r.ndjson']);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr.split('\n').slice(0, 2)).toEqual([
      'barge: import of bad.csv into "t": partial: 200,000 records rejected, nothing loaded',
      '  read 200,000, inserted 0, rejected 200,000',
    ]);
    const report = fs.readFileSync(path.join(dir, 'r.ndjson'), 'utf8').trimEnd().split('\n');
    expect(report.length).toBe(200_000);
    expect(JSON.parse(report[199_999]!)._barge_errors[0].message).toBe('line 200001, column "n": expected an integer, got "x"');
  });

  it('atomic, a batch of 130,000 rows waiting for parents in the next batch: the first 100,000 wait, the rest are rejected saying so (no overflow)', async () => {
    const dir = tempDir('barge-large-');
    const n = 130_000;
    const lines = ['id,parent'];
    for (let i = 0; i < n; i++) lines.push(`${i},${i + n}`);
    for (let i = n; i < 2 * n; i++) lines.push(`${i},`);
    fs.writeFileSync(path.join(dir, 'tree.csv'), lines.join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 's', primaryKey: ['id'], columns: { id: { type: 'integer' }, parent: { type: 'integer', references: 's.id' } } }));
    const result = await barge(dir, ['import', 'tree.csv', '--schema', 's.json', '--db', 'x.db', '--batch-size', String(n)]);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr.split('\n').slice(0, 2)).toEqual([
      'barge: import of tree.csv into "s": failed: 30,000 records rejected, rolled back, nothing was written',
      `  read ${(2 * n).toLocaleString('en-US')}, inserted 0, rejected 30,000`,
    ]);
    expect(result.stderr).toContain('tree.csv:line 100002, column "parent": no row in s.id has the value 230000 (foreign key); more than 100,000 records waited for rows later in the input: put parent rows first');
  });
});
