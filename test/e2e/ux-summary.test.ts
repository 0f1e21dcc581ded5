import path from 'node:path';
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { barge, importMakers, rows, workdir } from '../helpers/cli.js';

/**
 * SPEC §9: at the end, a short human summary on stderr: what happened (one
 * headline), counts by outcome, duration, rate, job id, the first rejections and
 * the report's path. Checked line by line as a person reads them.
 */

const SCHEMA = ['--schema', 'fixtures/products.schema.json'];
const TIMING = /^ {2}\d+\.\d s, [\d,]+ records\/s, job (\S+)$/;

function linesOf(stderr: string): string[] {
  return stderr.split('\n');
}

/** Every row of products, in key order: what a run that writes nothing must leave as it was. */
function products(dir: string): Array<Record<string, unknown>> {
  return rows(path.join(dir, 'barge.db'), 'SELECT * FROM products ORDER BY id');
}

function jobCount(dir: string): number {
  return rows<{ n: number }>(path.join(dir, 'barge.db'), 'SELECT count(*) AS n FROM _barge_jobs')[0]!.n;
}

describe('the human summary', () => {
  // Shared by the tests below, each of which works from this state alone (so `-t` runs any one):
  // makers and products loaded (products by the job "loaded"), and many-bad.csv: 12 records, each
  // with a negative qty.
  let dir: string;
  let real: string;
  beforeAll(async () => {
    dir = workdir();
    real = fs.realpathSync(dir);
    await importMakers(dir);
    const loaded = await barge(dir, ['import', 'fixtures/products.csv', ...SCHEMA, '--job-id', 'loaded']);
    if (loaded.exitCode !== 0) throw new Error(`importing products failed: ${loaded.stderr}`);
    const lines = ['id,name,price,qty,active,released,category,tags,maker_id'];
    for (let i = 1; i <= 12; i++) lines.push(`Q-${i},thing ${i},1,-${i},true,2024-01-01,tools,[],M-1`);
    fs.writeFileSync(path.join(dir, 'many-bad.csv'), lines.join('\n') + '\n');
  });

  it('succeeded', async () => {
    const fresh = workdir();
    await importMakers(fresh);
    const result = await barge(fresh, ['import', 'fixtures/products.csv', ...SCHEMA, '--job-id', 'first']);
    expect(result.exitCode).toBe(0);
    const lines = linesOf(result.stderr);
    expect(lines[0]).toBe('barge: import of fixtures/products.csv into "products": succeeded');
    expect(lines[1]).toBe('  read 12, inserted 12, rejected 0');
    expect(TIMING.exec(lines[2]!)?.[1]).toBe('first');
    expect(lines).toHaveLength(3);
    expect(products(fresh)).toHaveLength(12);
  });

  it('the same job id again: nothing to do', async () => {
    const before = products(dir);
    const jobs = jobCount(dir);
    const result = await barge(dir, ['import', 'fixtures/products.csv', ...SCHEMA, '--job-id', 'loaded']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('barge: job loaded already succeeded; nothing to do');
    expect(products(dir)).toEqual(before);
    expect(jobCount(dir)).toBe(jobs);
  });

  it('partial (row mode, updates): one record rejected, the rest loaded; its message and the report', async () => {
    const result = await barge(dir, ['import', 'fixtures/bad/products-bad-price.csv', ...SCHEMA, '--mode', 'row', '--on-conflict', 'update']);
    expect(result.exitCode).toBe(1);
    const lines = linesOf(result.stderr);
    expect(lines[0]).toBe('barge: import of fixtures/bad/products-bad-price.csv into "products": partial: 1 record rejected, 11 loaded');
    expect(lines[1]).toBe('  read 12, inserted 0, updated 11, rejected 1');
    expect(lines[2]).toMatch(TIMING);
    expect(lines.slice(3)).toEqual([
      '  fixtures/bad/products-bad-price.csv:line 7, column "price": expected a number >= 0, got "-3"',
      `  report: ${path.join(real, 'products-bad-price.errors.ndjson')} (fix the records and import it again)`,
    ]);
  });

  it('failed (atomic): rolled back, nothing written', async () => {
    const before = products(dir);
    expect(before).toHaveLength(12);
    const result = await barge(dir, ['import', 'fixtures/bad/products-bad-qty.csv', ...SCHEMA, '--on-conflict', 'update', '--errors', 'qty.ndjson']);
    expect(result.exitCode).toBe(1);
    const lines = linesOf(result.stderr);
    // products-bad-qty.csv has one bad record: P-6's qty "many".
    expect(lines[0]).toBe('barge: import of fixtures/bad/products-bad-qty.csv into "products": failed: 1 record rejected, rolled back, nothing was written');
    expect(lines[1]).toBe('  read 12, inserted 0, rejected 1');
    expect(lines[2]).toMatch(TIMING);
    expect(lines.slice(3)).toEqual([
      '  fixtures/bad/products-bad-qty.csv:line 7, column "qty": expected an integer, got "many"',
      `  report: ${path.join(real, 'qty.ndjson')} (fix these records in the input and import it again: nothing was written)`,
    ]);
    // The 11 valid updates were rolled back with it: every row as it was.
    expect(products(dir)).toEqual(before);
  });

  it('a dry run says what would have happened, and records no job', async () => {
    const before = products(dir);
    const jobs = jobCount(dir);
    const result = await barge(dir, ['import', 'fixtures/products.csv', ...SCHEMA, '--on-conflict', 'update', '--dry-run']);
    expect(result.exitCode).toBe(0);
    const lines = linesOf(result.stderr);
    expect(lines[0]).toBe('barge: dry run of fixtures/products.csv into "products": every record would load; rolled back, nothing was written');
    expect(lines[1]).toBe('  read 12, would be inserted 0, would be updated 12, rejected 0');
    expect(lines[2]).toMatch(/^ {2}\d+\.\d s, [\d,]+ records\/s, no job recorded \(dry run\)$/);
    expect(lines).toHaveLength(3);
    expect(jobCount(dir)).toBe(jobs);
    expect(products(dir)).toEqual(before);
  });

  it('more rejections than shown: the first 5, then how many more are in the report', async () => {
    const result = await barge(dir, ['import', 'many-bad.csv', ...SCHEMA, '--table', 'products', '--mode', 'row']);
    expect(result.exitCode).toBe(1);
    const out = linesOf(result.stderr);
    expect(out[0]).toBe('barge: import of many-bad.csv into "products": partial: 12 records rejected, nothing loaded');
    expect(out.filter((line) => line.startsWith('  many-bad.csv:line '))).toEqual(
      // Each record's first error (its id does not match the pattern; its qty is negative too).
      [1, 2, 3, 4, 5].map((i) => `  many-bad.csv:line ${i + 1}, column "id": does not match pattern ^P-[0-9]+$, got "Q-${i}"`),
    );
    expect(out.at(-2)).toBe('  ... and 7 more rejected records in the report');
  });

  it('--max-errors: says why it stopped', async () => {
    const result = await barge(dir, ['import', 'many-bad.csv', ...SCHEMA, '--table', 'products', '--mode', 'row', '--fail-fast', '--errors', 'ff.ndjson']);
    expect(result.exitCode).toBe(1);
    const lines = linesOf(result.stderr);
    expect(lines[0]).toMatch(/^barge: import of many-bad\.csv into "products": stopped after 1 rejected record \(--max-errors\), nothing loaded; the rest of the input was not read: continue with: barge import --resume \d{8}-\d{6}-[0-9a-f]{6}$/);
    expect(lines[1]).toBe('  read 1, inserted 0, rejected 1');
    // Said once, in the headline.
    expect(lines.filter((line) => line.includes('(--max-errors)'))).toHaveLength(1);
  });

  it('validate: valid, and invalid', async () => {
    const valid = await barge(dir, ['validate', 'fixtures/products.csv', ...SCHEMA]);
    expect(valid.exitCode).toBe(0);
    const ok = linesOf(valid.stderr);
    expect(ok[0]).toBe('barge: validate fixtures/products.csv against "products" (file schema): every record is valid');
    expect(ok[1]).toBe('  read 12, valid 12, rejected 0');
    expect(ok[2]).toMatch(/^ {2}\d+\.\d s, [\d,]+ records\/s$/);
    expect(ok).toHaveLength(3);
    const invalid = await barge(dir, ['validate', 'fixtures/bad/products-bad-price.csv', '--table', 'products', '--errors', 'v.ndjson']);
    expect(invalid.exitCode).toBe(1);
    const bad = linesOf(invalid.stderr);
    expect(bad[0]).toBe('barge: validate fixtures/bad/products-bad-price.csv against "products" (table schema): 1 invalid record');
    expect(bad.slice(3)).toEqual([
      '  fixtures/bad/products-bad-price.csv:line 7, column "price": expected a number >= 0, got "-3"',
      `  report: ${path.join(real, 'v.ndjson')} (fix these records in the input, then import the input)`,
    ]);
  });
});
