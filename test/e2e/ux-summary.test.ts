import path from 'node:path';
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { barge, importMakers, workdir } from '../helpers/cli.js';

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

describe('the human summary', () => {
  let dir: string;
  let real: string;
  beforeAll(async () => {
    dir = workdir();
    real = fs.realpathSync(dir);
    await importMakers(dir);
  });

  it('succeeded', async () => {
    const result = await barge(dir, ['import', 'fixtures/products.csv', ...SCHEMA, '--job-id', 'first']);
    expect(result.exitCode).toBe(0);
    const lines = linesOf(result.stderr);
    expect(lines[0]).toBe('barge: import of fixtures/products.csv into "products": succeeded');
    expect(lines[1]).toBe('  read 12, inserted 12, rejected 0');
    expect(TIMING.exec(lines[2]!)?.[1]).toBe('first');
    expect(lines).toHaveLength(3);
  });

  it('the same job id again: nothing to do', async () => {
    const result = await barge(dir, ['import', 'fixtures/products.csv', ...SCHEMA, '--job-id', 'first']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('barge: job first already succeeded; nothing to do');
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
    const result = await barge(dir, ['import', 'fixtures/bad/products-bad-qty.csv', ...SCHEMA, '--on-conflict', 'update', '--errors', 'qty.ndjson']);
    expect(result.exitCode).toBe(1);
    const lines = linesOf(result.stderr);
    expect(lines[0]).toMatch(/^barge: import of fixtures\/bad\/products-bad-qty\.csv into "products": failed: \d+ records? rejected, rolled back, nothing was written$/);
    expect(lines[1]).toMatch(/^ {2}read 12, inserted 0, rejected \d+$/);
    expect(lines.at(-1)).toBe(`  report: ${path.join(real, 'qty.ndjson')} (fix the records and import it again)`);
  });

  it('a dry run says what would have happened, and records no job', async () => {
    const result = await barge(dir, ['import', 'fixtures/products.csv', ...SCHEMA, '--on-conflict', 'update', '--dry-run']);
    expect(result.exitCode).toBe(0);
    const lines = linesOf(result.stderr);
    expect(lines[0]).toBe('barge: dry run of fixtures/products.csv into "products": every record would load; rolled back, nothing was written');
    expect(lines[1]).toBe('  read 12, would be inserted 0, would be updated 12, rejected 0');
    expect(lines[2]).toMatch(/^ {2}\d+\.\d s, [\d,]+ records\/s, no job recorded \(dry run\)$/);
  });

  it('more rejections than shown: the first 5, then how many more are in the report', async () => {
    const lines = ['id,name,price,qty,active,released,category,tags,maker_id'];
    for (let i = 1; i <= 12; i++) lines.push(`Q-${i},thing ${i},1,-${i},true,2024-01-01,tools,[],M-1`);
    fs.writeFileSync(path.join(dir, 'many-bad.csv'), lines.join('\n') + '\n');
    const result = await barge(dir, ['import', 'many-bad.csv', ...SCHEMA, '--table', 'products', '--mode', 'row']);
    expect(result.exitCode).toBe(1);
    const out = linesOf(result.stderr);
    expect(out[0]).toBe('barge: import of many-bad.csv into "products": partial: 12 records rejected, nothing loaded');
    expect(out.filter((line) => line.startsWith('  many-bad.csv:line '))).toHaveLength(5);
    expect(out.at(-2)).toBe('  ... and 7 more rejected records in the report');
  });

  it('--max-errors: says why it stopped', async () => {
    const result = await barge(dir, ['import', 'many-bad.csv', ...SCHEMA, '--table', 'products', '--mode', 'row', '--fail-fast', '--errors', 'ff.ndjson']);
    expect(result.exitCode).toBe(1);
    expect(linesOf(result.stderr)[3]).toBe('  stopped after 1 rejected record (--max-errors)');
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
      `  report: ${path.join(real, 'v.ndjson')} (fix the records, then import it)`,
    ]);
  });
});
