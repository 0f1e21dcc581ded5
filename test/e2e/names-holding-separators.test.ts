import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { barge, readNdjson, rows, workdir } from '../helpers/cli.js';

/**
 * Names that look like the separators barge or SQLite put between names: a table or column
 * named with ", " (SQLite lists a key's columns with ", "), names differing only in case across
 * a CSV report's entries, a header column barge's own "(extra field N)".
 */

describe('a unique or primary key on a table or column whose name holds ", "', () => {
  it('a file "sales, 2024.csv" (the table "sales, 2024"): a duplicate key names the column and its value, not a trigger\'s write', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'sales, 2024.csv'), 'id,name\n1,a\n1,b\n');
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 'sales, 2024', primaryKey: ['id'], columns: { id: { type: 'integer' }, name: { type: 'string' } } }));
    const run = await barge(dir, ['import', 'sales, 2024.csv', '--schema', 's.json', '--mode', 'row']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('sales, 2024.csv:line 3, column "id": duplicate value 1: a row with it already exists (use --on-conflict ignore, replace or update to allow this)');
    const [entry] = readNdjson(path.join(dir, 'sales, 2024.errors.ndjson'));
    expect(entry!._barge_errors).toEqual([{ column: 'id', code: 'primary_key', message: 'line 3, column "id": duplicate value 1: a row with it already exists (use --on-conflict ignore, replace or update to allow this)', value: 1 }]);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT id, name FROM "sales, 2024"')).toEqual([{ id: 1, name: 'a' }]);
  });

  it('a unique column "size, cm" and a composite key over it: each column named, the values shown', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'm.csv'), 'id,"size, cm",part\n1,10,x\n2,10,y\n3,11,x\n4,11,x\n');
    fs.writeFileSync(path.join(dir, 'm.json'), JSON.stringify({ table: 'm', primaryKey: ['id'], columns: { id: { type: 'integer' }, 'size, cm': { type: 'integer', unique: true }, part: { type: 'string' } } }));
    const single = await barge(dir, ['import', 'm.csv', '--schema', 'm.json', '--mode', 'row']);
    expect(single.exitCode).toBe(1);
    expect(single.stderr).toContain('m.csv:line 3, column "size, cm": duplicate value 10: a row with it already exists');
    expect(single.stderr).toContain('m.csv:line 5, column "size, cm": duplicate value 11: a row with it already exists');
    expect(rows(path.join(dir, 'barge.db'), 'SELECT id FROM m ORDER BY id')).toEqual([{ id: 1 }, { id: 3 }]);

    fs.writeFileSync(path.join(dir, 'k.json'), JSON.stringify({ table: 'k', primaryKey: ['size, cm', 'part'], columns: { id: { type: 'integer' }, 'size, cm': { type: 'integer' }, part: { type: 'string' } } }));
    const composite = await barge(dir, ['import', 'm.csv', '--schema', 'k.json', '--mode', 'row', '--errors', 'k.errors.ndjson']);
    expect(composite.exitCode).toBe(1);
    const [entry] = readNdjson(path.join(dir, 'k.errors.ndjson'));
    expect(entry!._barge_line).toBe(5);
    expect(entry!._barge_errors).toEqual([{ column: null, code: 'primary_key', message: 'line 5: duplicate key (size, cm, part) (11, "x"): a row with it already exists (use --on-conflict ignore, replace or update to allow this)', value: [11, 'x'] }]);
  });
});

describe('a CSV report of entries whose field names differ only in case', () => {
  const SCHEMA = { table: 'n', primaryKey: ['id'], columns: { id: { type: 'integer' }, name: { type: 'string' } } };

  function setup(lines: string[]): string {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'n.json'), JSON.stringify(SCHEMA));
    fs.writeFileSync(path.join(dir, 'n.ndjson'), lines.join('\n') + '\n');
    return dir;
  }

  it('"id" in the first entry, "ID" in a later one: one column "id" holds both, and the report loads back', async () => {
    const dir = setup(['{"id":1,"name":"a"}', '{"id":"x","name":"b"}', '{"ID":3,"name":"c"}']);
    const first = await barge(dir, ['import', 'n.ndjson', '--schema', 'n.json', '--mode', 'row', '--errors', 'n.errors.csv']);
    expect(first.exitCode).toBe(1);
    const text = fs.readFileSync(path.join(dir, 'n.errors.csv'), 'utf8');
    expect(text.split('\n')[0]).toBe('_barge_job,_barge_input,_barge_line,_barge_record,_barge_batch,_barge_errors,_barge_text,_barge_raw,id,name');
    const report = parse(text, { columns: true }) as Array<Record<string, string>>;
    expect(report.map((entry) => [entry._barge_line, entry.id, entry.name])).toEqual([['2', 'x', 'b'], ['3', '3', 'c']]);

    const retry = await barge(dir, ['import', 'n.errors.csv', '--table', 'n', '--mode', 'row']);
    expect(retry.exitCode).toBe(1);
    expect(retry.stderr).toContain('n.errors.csv:line 2, column "id": expected an integer, got "x"');
    expect(rows(path.join(dir, 'barge.db'), 'SELECT id, name FROM n ORDER BY id')).toEqual([{ id: 1, name: 'a' }, { id: 3, name: 'c' }]);
  });

  it('"ID" in the first entry, "id" in a later one: one column "ID", and renamed it loads both once fixed', async () => {
    const dir = setup(['{"ID":3,"name":"c"}', '{"id":"x","name":"b"}']);
    const first = await barge(dir, ['import', 'n.ndjson', '--schema', 'n.json', '--mode', 'row', '--errors', 'n.errors.csv']);
    expect(first.exitCode).toBe(1);
    const text = fs.readFileSync(path.join(dir, 'n.errors.csv'), 'utf8');
    expect(text.split('\n')[0]).toBe('_barge_job,_barge_input,_barge_line,_barge_record,_barge_batch,_barge_errors,_barge_text,_barge_raw,name,ID');
    fs.writeFileSync(path.join(dir, 'n.errors.csv'), text.replace(',name,ID\n', ',name,id\n').replace(',,,b,x', ',,,b,4'));
    const retry = await barge(dir, ['import', 'n.errors.csv', '--table', 'n']);
    expect(retry.exitCode, retry.stderr).toBe(0);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT id, name FROM n ORDER BY id')).toEqual([{ id: 3, name: 'c' }, { id: 4, name: 'b' }]);
  });

  it('an entry with both "id" and "ID" keeps both, as a pair beyond the header (a CSV report has one column for them)', async () => {
    const dir = setup(['{"id":"x","name":"b"}', '{"id":5,"ID":6,"name":"d"}']);
    const first = await barge(dir, ['import', 'n.ndjson', '--schema', 'n.json', '--mode', 'row', '--errors', 'n.errors.csv']);
    expect(first.exitCode).toBe(1);
    const lines = fs.readFileSync(path.join(dir, 'n.errors.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('_barge_job,_barge_input,_barge_line,_barge_record,_barge_batch,_barge_errors,_barge_text,_barge_raw,id,name,ID');
    expect(lines[2]!.endsWith(',,,5,d,6')).toBe(true);
  });
});

describe('a CSV report entry holding two spellings of a header column', () => {
  it('"ID" and "Id" in one entry beside the header\'s "id": both kept (beyond the header), neither written over the other', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'n.json'), JSON.stringify({ table: 'n', columns: { id: { type: 'integer' }, v: { type: 'integer' } } }));
    fs.writeFileSync(path.join(dir, 'n.ndjson'), '{"id":"x","v":1}\n{"ID":"p","Id":"q","v":3}\n');
    const run = await barge(dir, ['import', 'n.ndjson', '--schema', 'n.json', '--mode', 'row', '--errors', 'n.errors.csv']);
    expect(run.exitCode).toBe(1);
    const report = parse(fs.readFileSync(path.join(dir, 'n.errors.csv'), 'utf8'), { columns: true }) as Array<Record<string, string>>;
    expect(report.map((entry) => [entry.id, entry.ID, entry.Id, entry.v])).toEqual([['x', '', '', '1'], ['', 'p', 'q', '3']]);
  });
});

describe('a header column named as barge names a ragged row\'s extra fields', () => {
  it('"(extra field 1)" in the header: the row\'s own value and the extra one both stay in the report', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'x.csv'), 'a,(extra field 1)\n1,2,3\n4,5\n');
    const run = await barge(dir, ['import', 'x.csv', '--table', 'x', '--mode', 'row']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('x.csv:line 2: expected 2 fields, got 3');
    const [entry] = readNdjson(path.join(dir, 'x.errors.ndjson'));
    expect(entry!.a).toBe('1');
    expect(entry!['(extra field 1)']).toBe('2');
    expect(entry!["(extra field 1)'"]).toBe('3');
    expect(rows(path.join(dir, 'barge.db'), 'SELECT * FROM x')).toEqual([{ a: 4, '(extra field 1)': 5 }]);
  });
});
