import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { barge, importMakers, readNdjson, rows, workdir } from '../helpers/cli.js';

const SCHEMA = ['--schema', 'fixtures/products.schema.json'];

describe('the error report', () => {
  it('is not written when every record is accepted', async () => {
    const dir = workdir();
    await importMakers(dir);
    const result = await barge(dir, ['import', 'fixtures/products.csv', ...SCHEMA]);
    expect(result.exitCode).toBe(0);
    expect(fs.existsSync(path.join(dir, 'products.errors.ndjson'))).toBe(false);
  });

  it('round trip: fix the ndjson report, import it, the table is complete', async () => {
    const dir = workdir();
    await importMakers(dir);
    let result = await barge(dir, ['import', 'fixtures/bad/products-bad-price.csv', ...SCHEMA, '--mode', 'row']);
    expect(result.exitCode).toBe(1);
    const reportPath = path.join(dir, 'products-bad-price.errors.ndjson');
    expect(result.stderr).toContain(`report: ${reportPath}`);
    const entries = readNdjson(reportPath);
    entries[0]!.price = '49.0';
    fs.writeFileSync(reportPath, entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
    result = await barge(dir, ['import', reportPath, ...SCHEMA, '--errors', 'retry.errors.ndjson']);
    expect(result.stderr).toContain('succeeded');
    expect(result.exitCode).toBe(0);
    const db = path.join(dir, 'barge.db');
    expect(rows(db, 'SELECT count(*) AS n FROM products')[0]).toEqual({ n: 12 });
    expect(rows(db, "SELECT price, qty, active, tags FROM products WHERE id = 'P-6'")[0]).toEqual({ price: 49, qty: 25, active: 1, tags: '["metric","imperial"]' });
  });

  it('round trip through a CSV report (--errors x.csv), re-imported without --schema into the same table', async () => {
    const dir = workdir();
    await importMakers(dir);
    let result = await barge(dir, ['import', 'fixtures/bad/products-bad-qty.csv', ...SCHEMA, '--mode', 'batch', '--batch-size', '4', '--errors', 'products.errors.csv']);
    expect(result.exitCode).toBe(1);
    const csv = fs.readFileSync(path.join(dir, 'products.errors.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe('_barge_job,_barge_input,_barge_line,_barge_record,_barge_batch,_barge_errors,_barge_text,_barge_raw,id,name,price,qty,active,released,category,tags,maker_id');
    fs.writeFileSync(path.join(dir, 'products.errors.csv'), csv.replace(',many,', ',25,'));
    result = await barge(dir, ['import', 'products.errors.csv', '--errors', 'retry.errors.ndjson']);
    expect(result.exitCode).toBe(0);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n FROM products')[0]).toEqual({ n: 12 });
  });

  it('a .json report is one array of entries', async () => {
    const dir = workdir();
    await importMakers(dir);
    const result = await barge(dir, ['import', 'fixtures/bad/products-bad-price.csv', ...SCHEMA, '--errors', 'out/../report.json']);
    expect(result.exitCode).toBe(1);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8'));
    expect(report).toHaveLength(1);
    expect(report[0]).toMatchObject({ _barge_record: 6, id: 'P-6' });
  });

  it('reports every bad record of an atomic run, not just the first', async () => {
    const dir = workdir();
    await importMakers(dir);
    fs.writeFileSync(path.join(dir, 'two-bad.csv'), 'id,name,price,category\nP-1,A,1,tools\nX-2,B,2,tools\nP-3,C,3,food\nP-4,D,4,toys\n');
    const result = await barge(dir, ['import', 'two-bad.csv', ...SCHEMA, '--json']);
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.stdout).reportPath).toBe(path.join(dir, 'two-bad.errors.ndjson'));
    const messages = readNdjson(path.join(dir, 'two-bad.errors.ndjson')).map((e) => e._barge_errors.map((x: { message: string }) => x.message));
    expect(messages).toEqual([
      ['line 3, column "id": does not match pattern ^P-[0-9]+$, got "X-2"'],
      ['line 4, column "category": expected one of tools|toys, got "food"'],
    ]);
  });
});
