import { describe, expect, it } from 'vitest';
import { barge, importMakers, workdir } from '../helpers/cli.js';

// `barge validate f.csv --table prodcts` (or `--db typo.db`): the table is not there, so the
// records are checked against a schema inferred from them, as import would create it. That
// passed with exit 0 and "(inferred schema)" as the only hint; a mistyped name now says so.

const file = 'fixtures/bad/products-bad-price.csv';
const inferred = 'the records are checked against a schema inferred from them (give --schema to check them against one)';

describe('validate --table naming no table', () => {
  it('a database that is not there: says so, then checks against the inferred schema (exit 0, as import would load them)', async () => {
    const dir = workdir();
    const result = await barge(dir, ['validate', file, '--table', 'prodcts', '--db', 'typo.db']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr.split('\n').slice(0, 3)).toEqual([
      `barge: no database typo.db, so no table "prodcts": ${inferred}`,
      `barge: validate ${file} against "prodcts" (inferred schema): every record is valid`,
      '  read 12, valid 12, rejected 0',
    ]);
  });

  it('a database without that table: says so, once', async () => {
    const dir = workdir();
    await importMakers(dir);
    const result = await barge(dir, ['validate', file, '--table', 'prodcts']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr.split('\n').slice(0, 3)).toEqual([
      `barge: no table "prodcts" in barge.db: ${inferred}`,
      `barge: validate ${file} against "prodcts" (inferred schema): every record is valid`,
      '  read 12, valid 12, rejected 0',
    ]);
    expect(result.stderr.split('\n').filter((line) => line.includes('no table'))).toHaveLength(1);
  });

  it('no --table: the table named after the file, inferred without a word, as before; the real table: no note', async () => {
    const dir = workdir();
    await importMakers(dir);
    const plain = await barge(dir, ['validate', file]);
    expect(plain.exitCode).toBe(0);
    expect(plain.stderr.split('\n').slice(0, 2)).toEqual([
      `barge: validate ${file} against "products-bad-price" (inferred schema): every record is valid`,
      '  read 12, valid 12, rejected 0',
    ]);
    expect(plain.stderr).not.toContain('no table');
    const real = await barge(dir, ['validate', 'fixtures/makers.csv', '--table', 'makers']);
    expect(real.exitCode).toBe(0);
    expect(real.stderr.split('\n').slice(0, 2)).toEqual([
      'barge: validate fixtures/makers.csv against "makers" (table schema): every record is valid',
      '  read 5, valid 5, rejected 0',
    ]);
    expect(real.stderr).not.toContain('no table');
  });

  it('--quiet: no note', async () => {
    const dir = workdir();
    const result = await barge(dir, ['validate', file, '--table', 'prodcts', '--quiet']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
  });
});
