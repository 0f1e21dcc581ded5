import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { barge, BIN, readNdjson, rows, workdir } from '../helpers/cli.js';

/**
 * Mutation testing, round 3: end-to-end tests that kill mutants the earlier tests let live, in
 * the opening of a named pipe and the naming of a foreign key's culprit.
 */

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
const hasSetpriv = ['/usr/bin/setpriv', '/bin/setpriv'].some((file) => fs.existsSync(file));

describe('a named pipe this user may not open for reading', () => {
  it.skipIf(process.platform === 'win32')('exit 2, "permission denied" as for a file (not an unexpected failure, exit 3), nothing written', async () => {
    const dir = workdir();
    fs.chmodSync(dir, 0o777);
    execFileSync('mkfifo', [path.join(dir, 'p.csv')]);
    fs.chmodSync(path.join(dir, 'p.csv'), 0o000);
    // As root, permission bits stop nobody only (as coverage-gaps.test.ts does for a file).
    if (isRoot && !hasSetpriv) return;
    const command = isRoot ? ['setpriv', '--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', 'node', BIN] : ['node', BIN];
    const result = await execa(command[0]!, [...command.slice(1), 'import', 'p.csv', '--table', 't'], {
      cwd: dir, reject: false, stdin: 'ignore', timeout: 20_000, env: { ...process.env, BARGE_DB: '', BARGE_DEBUG: '', NO_COLOR: '1' },
    });
    expect(String(result.stderr)).toBe('barge: error: cannot read input "p.csv": permission denied');
    expect(result.exitCode).toBe(2);
    expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
  });
});

describe('a FOREIGN KEY failure on a row with two foreign keys, the first of them NULL', () => {
  it('names the key whose value has no row, not the NULL one (NULL refers to nothing, and passes)', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'mk.json'), JSON.stringify({ table: 'makers', primaryKey: ['id'], columns: { id: { type: 'string', required: true } } }));
    fs.writeFileSync(path.join(dir, 'pr.json'), JSON.stringify({
      table: 'products', primaryKey: ['sku'],
      columns: { sku: { type: 'string', required: true }, made_by: { type: 'string', references: 'makers.id' }, sold_by: { type: 'string', references: 'makers.id' } },
    }));
    fs.writeFileSync(path.join(dir, 'm.csv'), 'id\nM-1\n');
    fs.writeFileSync(path.join(dir, 'p.csv'), 'sku,made_by,sold_by\nS1,,M-9\nS2,M-8,\nS3,,M-1\n');
    const makers = await barge(dir, ['import', 'm.csv', '--schema', 'mk.json', '--quiet']);
    expect(makers.exitCode, makers.stderr).toBe(0);
    const run = await barge(dir, ['import', 'p.csv', '--schema', 'pr.json', '--mode', 'row']);
    expect(run.exitCode).toBe(1);
    // SQLite lists a table's foreign keys last declared first: each order has its NULL before the culprit.
    expect(run.stderr).toContain('p.csv:line 2, column "sold_by": no row in makers.id has the value "M-9" (foreign key)');
    expect(run.stderr).toContain('p.csv:line 3, column "made_by": no row in makers.id has the value "M-8" (foreign key)');
    expect(readNdjson(path.join(dir, 'p.errors.ndjson')).map((entry) => entry._barge_errors)).toEqual([
      [{ column: 'sold_by', code: 'foreign_key', message: 'line 2, column "sold_by": no row in makers.id has the value "M-9" (foreign key)', value: 'M-9' }],
      [{ column: 'made_by', code: 'foreign_key', message: 'line 3, column "made_by": no row in makers.id has the value "M-8" (foreign key)', value: 'M-8' }],
    ]);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT sku, made_by, sold_by FROM products')).toEqual([{ sku: 'S3', made_by: null, sold_by: 'M-1' }]);
  });
});

describe('a CSV report whose header has one name in two spellings ("id" and "ID", from the first entry)', () => {
  it('a later entry\'s third spelling ("Id") goes beyond the header as a pair, into neither of them', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'n.json'), JSON.stringify({ table: 'n', columns: { id: { type: 'integer' }, name: { type: 'string' } } }));
    fs.writeFileSync(path.join(dir, 'n.ndjson'), '{"id":"x","ID":"y","name":"a"}\n{"Id":"z","name":"b"}\n');
    const run = await barge(dir, ['import', 'n.ndjson', '--schema', 'n.json', '--mode', 'row', '--errors', 'n.errors.csv']);
    expect(run.exitCode).toBe(1);
    // Widened at the job's end: "Id" a column of its own.
    const text = fs.readFileSync(path.join(dir, 'n.errors.csv'), 'utf8');
    expect(text.split('\n')[0]).toBe('_barge_job,_barge_input,_barge_line,_barge_record,_barge_batch,_barge_errors,_barge_text,_barge_raw,name,id,ID,Id');
    const report = parse(text, { columns: true }) as Array<Record<string, string>>;
    expect(report.map((entry) => [entry.id, entry.ID, entry.Id, entry.name])).toEqual([['x', 'y', '', 'a'], ['', '', 'z', 'b']]);
  });
});

describe('a header holding "(extra field 1)" and "(extra field 1)\'" both', () => {
  it('a ragged row\'s extra value is named past both ("(extra field 1)\'\'"), overwriting neither', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'x.csv'), "a,(extra field 1),(extra field 1)'\n1,2,3,4\n5,6,7\n");
    const run = await barge(dir, ['import', 'x.csv', '--table', 'x', '--mode', 'row']);
    expect(run.exitCode).toBe(1);
    const [entry] = readNdjson(path.join(dir, 'x.errors.ndjson'));
    expect([entry!.a, entry!['(extra field 1)'], entry!["(extra field 1)'"], entry!["(extra field 1)''"]]).toEqual(['1', '2', '3', '4']);
  });
});
