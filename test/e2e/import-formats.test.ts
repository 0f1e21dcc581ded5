import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { barge, BIN, importMakers, rows, workdir } from '../helpers/cli.js';
import { writeCsvBrokenMidway } from '../helpers/generate.js';

const PRODUCT_IDS = Array.from({ length: 12 }, (_, i) => `P-${i + 1}`);

async function importProducts(dir: string, input: string, extra: string[] = []) {
  await importMakers(dir);
  return barge(dir, ['import', input, '--schema', 'fixtures/products.schema.json', ...extra]);
}

describe('import: every format lands the same rows', () => {
  for (const file of ['products.csv', 'products.tsv', 'products.ndjson', 'products.json']) {
    it(`loads fixtures/${file}`, async () => {
      const dir = workdir();
      const result = await importProducts(dir, `fixtures/${file}`);
      expect(result.stderr).toContain('succeeded');
      expect(result.exitCode).toBe(0);
      const db = path.join(dir, 'barge.db');
      expect(rows<{ id: string }>(db, 'SELECT id FROM products ORDER BY rowid').map((r) => r.id)).toEqual(PRODUCT_IDS);
      const hammer = rows(db, 'SELECT * FROM products WHERE id = ?', 'P-1')[0];
      expect(hammer).toEqual({
        id: 'P-1', name: 'Claw Hammer', price: 19.99, qty: 120, active: 1, released: '2021-03-14',
        category: 'tools', tags: '["steel","16oz"]', maker_id: 'M-1',
      });
      // Missing values: NULL, or the default (qty defaults to 0).
      expect(rows(db, 'SELECT price, qty, active, released, tags, maker_id FROM products WHERE id = ?', 'P-8')[0]).toEqual({
        price: null, qty: 0, active: null, released: null, tags: null, maker_id: null,
      });
      if (file !== 'products.tsv') {
        expect(rows<{ name: string }>(db, 'SELECT name FROM products WHERE id = ?', 'P-7')[0]!.name).toBe('Kite\nwith tail');
      }
      expect(rows<{ name: string }>(db, 'SELECT name FROM products WHERE id = ?', 'P-4')[0]!.name).toBe('Bench Vise "Pro"');
    });
  }

  it('reads stdin with -, sniffing the format', async () => {
    const dir = workdir();
    await importMakers(dir);
    const result = await barge(dir, ['import', '-', '--schema', 'fixtures/products.schema.json', '--json'], {
      inputFile: path.join(dir, 'fixtures/products.ndjson'),
    });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).counts).toEqual({ read: 12, inserted: 12, updated: 0, ignored: 0, rejected: 0 });
    expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n FROM products')[0]).toEqual({ n: 12 });
  });

  it.skipIf(process.platform === 'win32')('reads a process substitution whole, in every mode: it is not read a second time for a checksum', async () => {
    const dir = workdir();
    // Far more than one read (64 KB), so that a second reader of the pipe would take records.
    let text = 'id,name,qty\n';
    for (let i = 1; i <= 40_000; i++) text += `${i},item number ${i},${i % 100}\n`;
    fs.writeFileSync(path.join(dir, 'items.csv'), text);
    fs.writeFileSync(path.join(dir, 'items.schema.json'), JSON.stringify({
      table: 'items', primaryKey: ['id'],
      columns: { id: { type: 'integer', required: true }, name: { type: 'string' }, qty: { type: 'integer' } },
    }));
    for (const mode of ['atomic', 'row']) {
      const result = await execa('bash', ['-c', `node "$BIN" import <(cat items.csv) --schema items.schema.json --db ${mode}.db --mode ${mode} --json`], {
        cwd: dir, reject: false, env: { ...process.env, BIN, BARGE_DB: '', NO_COLOR: '1' },
      });
      expect(result.exitCode, String(result.stderr)).toBe(0);
      expect(JSON.parse(String(result.stdout)).counts).toMatchObject({ read: 40_000, inserted: 40_000, rejected: 0 });
      expect(rows(path.join(dir, `${mode}.db`), 'SELECT count(*) AS n, sum(qty) AS q FROM items')[0]).toEqual({ n: 40_000, q: 1_980_000 });
      const [job] = rows<{ inputs: string }>(path.join(dir, `${mode}.db`), 'SELECT inputs FROM _barge_jobs');
      expect(JSON.parse(job!.inputs)[0]).toMatchObject({ size: null, sha256: null });
    }
  });

  it('a job that read a pipe is not resumed: it says so, rather than that the input changed', async () => {
    const dir = workdir();
    writeCsvBrokenMidway(path.join(dir, 'broken.csv'));
    fs.writeFileSync(path.join(dir, 'items.schema.json'), JSON.stringify({
      table: 'items', columns: { id: { type: 'integer', required: true }, name: { type: 'string' }, qty: { type: 'integer' } },
    }));
    const first = await execa('bash', ['-c', 'node "$BIN" import <(cat broken.csv) --schema items.schema.json --mode row --job-id p1'], {
      cwd: dir, reject: false, env: { ...process.env, BIN, BARGE_DB: '', NO_COLOR: '1' },
    });
    expect(first.exitCode).toBe(2);
    expect(String(first.stderr)).toMatch(
      /^barge: error: \/dev\/fd\/\d+:2502, column "name": unterminated quoted field \(CSV_QUOTE_NOT_CLOSED\); check the quoting on that line \(job p1: the 2 batches committed before this, 2,000 records, stay\) \(\/dev\/fd\/\d+ was read as CSV, its format sniffed from its first bytes; if it is not, pass --format\)$/,
    );
    expect(rows(path.join(dir, 'barge.db'), "SELECT status, batches_committed AS b FROM _barge_jobs WHERE id = 'p1'")[0]).toEqual({ status: 'failed', b: 2 });
    const resumed = await barge(dir, ['import', '--resume', 'p1']);
    expect(resumed.exitCode).toBe(2);
    expect(resumed.stderr.trim()).toMatch(
      /^barge: error: job "p1" read "\/dev\/fd\/\d+" as a stream \(a pipe\), which cannot be read again, so it cannot be resumed; its 2 committed batches \(2,000 records loaded\) stay in "items": "items" has no key to skip the records already loaded by, so loading the input again would add them twice: reload the table whole with --truncate under a new --job-id \(if it holds only this input\)$/,
    );
  });

  it('a stdin job interrupted under a --job-id: running it again says what stays and how to load the rest, instead of advising to run it again', async () => {
    const dir = workdir();
    const lines = ['id,name,qty', ...Array.from({ length: 20_000 }, (_, i) => `${i + 1},item ${i + 1},${i}`)];
    fs.writeFileSync(path.join(dir, 'items.csv'), lines.join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'items.schema.json'), JSON.stringify({
      table: 'items', primaryKey: ['id'], columns: { id: { type: 'integer', required: true }, name: { type: 'string' }, qty: { type: 'integer' } },
    }));
    // The input stops midway (the producer died), so the job fails after committing 2 batches.
    fs.writeFileSync(path.join(dir, 'cut.csv'), lines.slice(0, 2501).join('\n') + '\n2502,"unterminated\n');
    const first = await barge(dir, ['import', '-', '--schema', 'items.schema.json', '--mode', 'row', '--job-id', 'sd'], { inputFile: path.join(dir, 'cut.csv') });
    expect(first).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: 'barge: error: stdin:2502, column "name": unterminated quoted field (CSV_QUOTE_NOT_CLOSED); check the quoting on that line (job sd: the 2 batches committed before this, 2,000 records, stay) (stdin was read as CSV, its format sniffed from its first bytes; if it is not, pass --format)',
    });
    expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n FROM items')[0]).toEqual({ n: 2000 });
    const again = await barge(dir, ['import', '-', '--schema', 'items.schema.json', '--mode', 'row', '--job-id', 'sd'], { inputFile: path.join(dir, 'items.csv') });
    expect(again.exitCode).toBe(2);
    expect(again.stderr.trim().split('\n').at(-1)).toBe(
      'barge: error: job "sd" read stdin, which cannot be read again, so it cannot be resumed; its 2 committed batches (2,000 records loaded) stay in "items": load the input again, whole, under a new --job-id with --on-conflict ignore (the table\'s key skips the records already loaded)',
    );
    // The advice works: the rest is loaded, the committed records are skipped.
    const rest = await barge(dir, ['import', '-', '--schema', 'items.schema.json', '--mode', 'row', '--job-id', 'sd-2', '--on-conflict', 'ignore', '--json'], { inputFile: path.join(dir, 'items.csv') });
    expect(rest.exitCode, rest.stderr).toBe(0);
    expect(JSON.parse(rest.stdout).counts).toMatchObject({ read: 20_000, inserted: 18_000, ignored: 2000 });
    expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n FROM items')[0]).toEqual({ n: 20_000 });
  });

  it('an upsert stdin job that cannot be resumed: the advice keeps its --on-conflict update (ignore skipped the new values of rows loaded the night before, exit 0)', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'items.schema.json'), JSON.stringify({ table: 'items', primaryKey: ['id'], columns: { id: { type: 'integer', required: true }, qty: { type: 'integer' } } }));
    const night = (qty: (i: number) => number) => ['id,qty', ...Array.from({ length: 5000 }, (_, i) => `${i + 1},${qty(i + 1)}`)].join('\n') + '\n';
    fs.writeFileSync(path.join(dir, 'n1.csv'), night((i) => i));
    fs.writeFileSync(path.join(dir, 'n2.csv'), night((i) => i + 100_000));
    fs.writeFileSync(path.join(dir, 'cut.csv'), night((i) => i + 100_000).split('\n').slice(0, 2501).join('\n') + '\n2501,"unterminated\n');
    expect((await barge(dir, ['import', 'n1.csv', '--schema', 'items.schema.json', '--quiet'])).exitCode).toBe(0);
    const args = ['import', '-', '--schema', 'items.schema.json', '--mode', 'row', '--on-conflict', 'update'];
    expect(await barge(dir, [...args, '--job-id', 'n2'], { inputFile: path.join(dir, 'cut.csv') })).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: 'barge: error: stdin:2502, column "qty": unterminated quoted field (CSV_QUOTE_NOT_CLOSED); check the quoting on that line (job n2: the 2 batches committed before this, 2,000 records, stay) (stdin was read as CSV, its format sniffed from its first bytes; if it is not, pass --format)',
    });
    const again = await barge(dir, [...args, '--job-id', 'n2'], { inputFile: path.join(dir, 'n2.csv') });
    expect(again.stderr.trim().split('\n').at(-1)).toBe(
      'barge: error: job "n2" read stdin, which cannot be read again, so it cannot be resumed; its 2 committed batches (2,000 records loaded) stay in "items": load the input again, whole, under a new --job-id with --on-conflict update (the records already loaded are updated again, with the same values)',
    );
    // The advice works: every row has the second night's value.
    expect((await barge(dir, [...args, '--job-id', 'n2-again', '--quiet'], { inputFile: path.join(dir, 'n2.csv') })).exitCode).toBe(0);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n, sum(qty < 100000) AS old FROM items')[0]).toEqual({ n: 5000, old: 0 });
  });

  it('a sniffed input whose records are rejected: the summary says the format was sniffed (a one-column TSV from stdin read as CSV said only "expected 1 fields")', async () => {
    const dir = workdir();
    const tsv = 'note\nplain\nhello, world\n';
    const rejected = await barge(dir, ['import', '-', '--table', 'one', '--mode', 'row'], { input: tsv });
    expect(rejected.exitCode).toBe(1);
    expect(rejected.stderr).toContain('\n  stdin was read as CSV, its format sniffed from its first bytes; if it is not, pass --format\n');
    const unreadable = await barge(dir, ['import', '-', '--table', 'two'], { input: 'note\nhello, world\nsay "hi"\n' });
    expect(unreadable).toMatchObject({
      exitCode: 2,
      stderr: 'barge: error: cannot infer a schema for "two": none of the 2 records read to infer it could be read, the first: stdin:line 2: expected 1 field, got 2; fix the input (stdin was read as CSV, its format sniffed from its first bytes; if it is not, pass --format)',
    });
    // Told the format, it loads; and a named format says nothing of sniffing.
    expect((await barge(dir, ['import', '-', '--table', 'three', '--format', 'tsv', '--quiet'], { input: tsv })).exitCode).toBe(0);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT note FROM three ORDER BY rowid')).toEqual([{ note: 'plain' }, { note: 'hello, world' }]);
    const named = await barge(dir, ['import', '-', '--table', 'four', '--mode', 'row', '--format', 'csv'], { input: tsv });
    expect(named.exitCode).toBe(1);
    const told = named.stderr.split('\n');
    expect(told[0]).toBe('barge: import of stdin into "four": partial: 1 record rejected, 1 loaded');
    expect(told[1]).toBe('  read 2, inserted 1, rejected 1');
    expect(told[3]).toBe('  stdin:line 3: expected 1 field, got 2');
    expect(told[4]).toBe(`  report: ${path.join(fs.realpathSync(dir), 'stdin.errors-2.ndjson')} (fix the records and import it again)`);
    expect(told).toHaveLength(5);
    expect(named.stderr).not.toContain('sniffed');
    expect(rows(path.join(dir, 'barge.db'), 'SELECT note FROM four ORDER BY rowid')).toEqual([{ note: 'plain' }]);
  });

  it('reads gzip by extension, and by magic bytes under another name', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'products.csv.gz'), zlib.gzipSync(fs.readFileSync(path.join(dir, 'fixtures/products.csv'))));
    let result = await importProducts(dir, 'products.csv.gz');
    expect(result.exitCode).toBe(0);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n FROM products')[0]).toEqual({ n: 12 });
    fs.copyFileSync(path.join(dir, 'products.csv.gz'), path.join(dir, 'more.data'));
    result = await barge(dir, ['import', '-', '--table', 'copy', '--format', 'csv'], { inputFile: path.join(dir, 'more.data') });
    expect(result.exitCode).toBe(0);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n FROM copy')[0]).toEqual({ n: 12 });
  });

  it('infers a schema without one, keeping leading zeros as text', async () => {
    const dir = workdir();
    const result = await barge(dir, ['import', 'fixtures/zipcodes.csv']);
    expect(result.exitCode).toBe(0);
    const db = path.join(dir, 'barge.db');
    const allston = rows(db, 'SELECT * FROM zipcodes WHERE city = ?', 'Allston')[0];
    expect(allston).toEqual({ zip: '02134', city: 'Allston', state: 'MA', population: 24000, lat: 42.3539, lng: -71.1337, coastal: 0 });
    const types = rows<{ name: string; type: string }>(db, 'PRAGMA table_info(zipcodes)').map((c) => `${c.name}:${c.type}`);
    expect(types).toEqual(['zip:TEXT', 'city:TEXT', 'state:TEXT', 'population:INTEGER', 'lat:REAL', 'lng:REAL', 'coastal:INTEGER']);
  });

  it('a leading zero past the inferred sample is rejected, not dropped: the column was inferred an integer', async () => {
    const dir = workdir();
    const lines = ['zip,city', ...Array.from({ length: 1000 }, (_, i) => `${10001 + i},NYC`), '02134,Allston', '10999,NYC'];
    fs.writeFileSync(path.join(dir, 'zips.csv'), lines.join('\n') + '\n');
    const result = await barge(dir, ['import', 'zips.csv', '--mode', 'row']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      'line 1002, column "zip": expected an integer, got "02134" (a number would drop the leading zero: declare the column "string" to keep the text)',
    );
    const db = path.join(dir, 'barge.db');
    expect(rows(db, 'SELECT count(*) AS n, count(DISTINCT typeof(zip)) AS types FROM zips')[0]).toEqual({ n: 1001, types: 1 });
    expect(rows(db, "SELECT zip FROM zips WHERE city = 'Allston'")).toEqual([]);
    const report = fs.readFileSync(path.join(dir, 'zips.errors.ndjson'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(report.map((entry) => [entry.zip, entry.city, entry._barge_line])).toEqual([['02134', 'Allston', 1002]]);
  });

  it('infers a string for a JSON field mixing text and numbers, and keeps the numbers as their text', async () => {
    const dir = workdir();
    const records = [{ id: 1, code: '02134', meta: { a: 1 } }, { id: 2, code: 10001, meta: 'none' }, { id: 3, code: 2.5, meta: [true] }, { id: 4, code: true, meta: null }];
    fs.writeFileSync(path.join(dir, 'mixed.ndjson'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const inferred = await barge(dir, ['schema', 'infer', 'mixed.ndjson']);
    expect(inferred.exitCode).toBe(0);
    expect(JSON.parse(inferred.stdout).columns).toEqual({ id: { type: 'integer' }, code: { type: 'string' }, meta: { type: 'string' } });
    const result = await barge(dir, ['import', 'mixed.ndjson']);
    expect(result.exitCode).toBe(0);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT id, code, meta FROM mixed ORDER BY id')).toEqual([
      { id: 1, code: '02134', meta: '{"a":1}' },
      { id: 2, code: '10001', meta: 'none' },
      { id: 3, code: '2.5', meta: '[true]' },
      { id: 4, code: 'true', meta: null },
    ]);
  });

  it('a json column holding an id JSON.parse has rounded rejects the record instead of storing another id', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'j.json'), JSON.stringify({ table: 'j', columns: { k: { type: 'integer' }, meta: { type: 'json' } } }));
    fs.writeFileSync(path.join(dir, 'j.ndjson'), '{"k":1,"meta":{"id":9007199254740993}}\n{"k":2,"meta":{"id":"9007199254740993","mass":6.02e23}}\n');
    const result = await barge(dir, ['import', 'j.ndjson', '--schema', 'j.json', '--mode', 'row']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      'line 1, column "meta": holds an integer beyond 2^53, which JSON readers round (read as {"id":9007199254740992}): quote it in the input to keep its digits',
    );
    expect(rows(path.join(dir, 'barge.db'), 'SELECT k, meta FROM j')).toEqual([{ k: 2, meta: '{"id":"9007199254740993","mass":6.02e+23}' }]);
  });

  it('a later import without --schema validates with the schema barge kept', async () => {
    const dir = workdir();
    await importProducts(dir, 'fixtures/products.csv');
    fs.writeFileSync(path.join(dir, 'more.csv'), 'id,name,price,maker_id\nP-20,Chisel,-1,M-1\nP-21,File,4.5,M-1\n');
    const result = await barge(dir, ['import', 'more.csv', '--table', 'products', '--mode', 'row']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('line 2, column "price": expected a number >= 0, got "-1"');
    expect(rows<{ id: string }>(path.join(dir, 'barge.db'), "SELECT id FROM products WHERE id IN ('P-20','P-21')")).toEqual([{ id: 'P-21' }]);
  });

  it('--no-header with --columns, and a custom delimiter', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'points.txt'), '1;north;3.5\n2;south;4\n');
    const result = await barge(dir, ['import', 'points.txt', '--format', 'csv', '--delimiter', ';', '--no-header', '--columns', 'id,side,score', '--table', 'points']);
    expect(result.exitCode).toBe(0);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT * FROM points ORDER BY id')).toEqual([
      { id: 1, side: 'north', score: 3.5 },
      { id: 2, side: 'south', score: 4 },
    ]);
  });

  it('--json prints one summary object with the documented fields', async () => {
    const dir = workdir();
    await importMakers(dir);
    const result = await barge(dir, ['import', 'fixtures/products.csv', '--schema', 'fixtures/products.schema.json', '--json', '--batch-size', '5']);
    expect(result.exitCode).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(Object.keys(summary).sort()).toEqual([
      'alreadyFinished', 'alreadySucceeded', 'batchesCommitted', 'command', 'counts', 'db', 'dryRun', 'durationMs', 'firstErrors', 'inputs',
      'jobId', 'mode', 'recordsPerSecond', 'reportPath', 'rolledBack', 'status', 'stoppedEarly', 'table', 'warnings',
    ]);
    expect(summary).toMatchObject({
      command: 'import', status: 'succeeded', table: 'products', mode: 'atomic', reportPath: null, batchesCommitted: 3,
      counts: { read: 12, inserted: 12, updated: 0, ignored: 0, rejected: 0 }, rolledBack: false, dryRun: false,
    });
    expect(summary.jobId).toMatch(/^\d{8}-\d{6}-[0-9a-f]{6}$/);
  });

  it('latin1 input with --encoding', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'towns.csv'), Buffer.from('name,pop\nKöln,1000\nMálaga,2000\n', 'latin1'));
    const result = await barge(dir, ['import', 'towns.csv', '--encoding', 'latin1']);
    expect(result.exitCode).toBe(0);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT name FROM towns ORDER BY pop')).toEqual([{ name: 'Köln' }, { name: 'Málaga' }]);
  });
});
