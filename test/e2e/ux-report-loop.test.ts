import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { barge, readNdjson, rows, workdir } from '../helpers/cli.js';

/**
 * The README's fix-the-report loop, as a new user runs it: import, fix the
 * report, import the report. The new report must never be written over the
 * report being read (it was: the default report path of `items.errors.ndjson`
 * is `items.errors.ndjson`, truncated while read, and the fixed records not
 * yet read were lost).
 */

const SCHEMA = { table: 'items', primaryKey: ['id'], columns: { id: { type: 'integer', required: true }, name: { type: 'string' }, qty: { type: 'integer' } } };

function setup(): string {
  const dir = workdir();
  const lines = ['id,name,qty'];
  for (let i = 1; i <= 20_000; i++) lines.push(`${i},item ${i},${i % 3 === 0 ? 'many' : i}`);
  fs.writeFileSync(path.join(dir, 'items.csv'), lines.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'items.schema.json'), JSON.stringify(SCHEMA));
  return dir;
}

describe('the fix-the-report loop', () => {
  it('importing a fixed report writes the new report beside it, and loads every fixed record', async () => {
    const dir = setup();
    const first = await barge(dir, ['import', 'items.csv', '--schema', 'items.schema.json', '--mode', 'row']);
    expect(first.exitCode, first.stderr).toBe(1);
    const reportFile = path.join(dir, 'items.errors.ndjson');
    expect(readNdjson(reportFile)).toHaveLength(6666);
    // Fix every record but the first.
    const fixed = fs.readFileSync(reportFile, 'utf8').split('\n').map((line, i) => (i === 0 ? line : line.replace('"qty":"many"', '"qty":"3"')));
    fs.writeFileSync(reportFile, fixed.join('\n'));

    const retry = await barge(dir, ['import', 'items.errors.ndjson', '--table', 'items', '--mode', 'row']);
    expect(retry.exitCode, retry.stderr).toBe(1);
    expect(retry.stderr.split('\n').slice(0, 2)).toEqual([
      'barge: import of items.errors.ndjson into "items": partial: 1 record rejected, 6,665 loaded',
      '  read 6,666, inserted 6,665, rejected 1',
    ]);
    const second = path.join(fs.realpathSync(dir), 'items.errors-2.ndjson');
    expect(retry.stderr).toContain(`  report: ${second} (fix the records and import it again)`);
    expect(fs.readFileSync(reportFile, 'utf8')).toBe(fixed.join('\n'));
    expect(readNdjson(second).map((entry) => entry.id)).toEqual(['3']);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n FROM items')).toEqual([{ n: 20_000 - 1 }]);

    // A third round, without --table: the retry's report goes back into "items", and its own
    // report is the next number (it went to a new table "items.errors-2" and to
    // items.errors-2.errors.ndjson).
    fs.writeFileSync(second, fs.readFileSync(second, 'utf8').replace('"qty":"many"', '"qty":"x"'));
    const third = await barge(dir, ['import', 'items.errors-2.ndjson', '--mode', 'row']);
    expect(third.exitCode, third.stderr).toBe(1);
    expect(third.stderr.split('\n')[0]).toBe('barge: import of items.errors-2.ndjson into "items": partial: 1 record rejected, nothing loaded');
    expect(readNdjson(path.join(dir, 'items.errors-3.ndjson')).map((entry) => [entry.id, entry.qty])).toEqual([['3', 'x']]);
    expect(fs.readFileSync(reportFile, 'utf8')).toBe(fixed.join('\n'));
    expect(rows(path.join(dir, 'barge.db'), "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_barge%' ESCAPE '\\'")).toEqual([{ name: 'items' }]);
    fs.writeFileSync(path.join(dir, 'items.errors-3.ndjson'), fs.readFileSync(path.join(dir, 'items.errors-3.ndjson'), 'utf8').replace('"qty":"x"', '"qty":"3"'));
    const fourth = await barge(dir, ['import', 'items.errors-3.ndjson', '--mode', 'row']);
    expect(fourth.exitCode, fourth.stderr).toBe(0);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n FROM items')).toEqual([{ n: 20_000 }]);

    // validate keeps its hands off the input too.
    const validated = await barge(dir, ['validate', 'items.errors.ndjson', '--table', 'items']);
    expect(validated.exitCode).toBe(1);
    expect(fs.readFileSync(reportFile, 'utf8')).toBe(fixed.join('\n'));
  });

  it('a row with too many fields keeps its extra values in the report, and an unfixed retry rejects it again instead of loading it without them', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'r.csv'), 'id,name\n1,a\n2,b,EXTRA\n');
    expect((await barge(dir, ['import', 'r.csv', '--mode', 'row'])).exitCode).toBe(1);
    const [entry] = readNdjson(path.join(dir, 'r.errors.ndjson'));
    expect(entry).toMatchObject({ _barge_raw: '2,b,EXTRA', id: '2', name: 'b', '(extra field 1)': 'EXTRA' });
    const retry = await barge(dir, ['import', 'r.errors.ndjson', '--mode', 'row']);
    expect(retry.exitCode).toBe(1);
    expect(retry.stderr).toContain('line 1: a report entry of a record that could not be read as fields (its text is in _barge_raw)');
    // Fixed but for the extra value: the extra field is still a column not in the schema.
    const { _barge_raw, ...unraw } = entry!;
    fs.writeFileSync(path.join(dir, 'r.errors.ndjson'), JSON.stringify(unraw) + '\n');
    const again = await barge(dir, ['import', 'r.errors.ndjson', '--mode', 'row']);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain('column "(extra field 1)": unexpected column "(extra field 1)"');
    expect(rows(path.join(dir, 'barge.db'), 'SELECT id, name FROM r ORDER BY id')).toEqual([{ id: 1, name: 'a' }]);
  });

  it('a data file named like a retry report (build.errors-2024.csv) is a data file of its own: its own table and report', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'build.errors-2024.csv'), 'id,code\n1,500\nx,404\n');
    const result = await barge(dir, ['import', 'build.errors-2024.csv', '--mode', 'row', '--json', '--infer-rows', '1']);
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ table: 'build.errors-2024', reportPath: path.join(fs.realpathSync(dir), 'build.errors-2024.errors.ndjson') });
  });

  it('--errors naming an input is a usage error, and nothing is written', async () => {
    const dir = setup();
    await barge(dir, ['import', 'items.csv', '--schema', 'items.schema.json', '--mode', 'row']);
    const before = fs.readFileSync(path.join(dir, 'items.errors.ndjson'), 'utf8');
    for (const command of ['import', 'validate']) {
      const result = await barge(dir, [command, 'items.errors.ndjson', '--table', 'items', '--errors', './items.errors.ndjson']);
      expect(result.exitCode, result.stderr).toBe(2);
      expect(result.stderr).toBe('barge: error: --errors ./items.errors.ndjson is also an input: the report would overwrite it while it is read; pass another --errors');
    }
    expect(fs.readFileSync(path.join(dir, 'items.errors.ndjson'), 'utf8')).toBe(before);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n FROM items')).toEqual([{ n: 20_000 - 6666 }]);
  });
});

describe('entries of records that could not be read as fields (_barge_raw)', () => {
  it.each([
    ['NDJSON: a bad line and a non-object', 'r.ndjson', '{"id":1,"name":"a","qty":5}\n{"id":2,bad}\n[3]\n', 'r.errors.ndjson'],
    ['CSV: a short row (its values would land under the wrong columns), CSV report', 'r.csv', 'id,name,qty\n1,a,5\n2,7\n', 'r.errors.csv'],
  ])('%s: imported unfixed, rejected again (unread_record), round after round; fixed, loaded', async (_, file, text, report) => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'items.schema.json'), JSON.stringify(SCHEMA));
    fs.writeFileSync(path.join(dir, file), text);
    const first = await barge(dir, ['import', file, '--schema', 'items.schema.json', '--mode', 'row', '--errors', report]);
    expect(first.exitCode, first.stderr).toBe(1);
    const rejected = file.endsWith('.csv') ? 1 : 2;
    let current = report;
    for (const round of [2, 3]) {
      const retry = await barge(dir, ['import', current, '--table', 'items', '--mode', 'row', '--json']);
      expect(retry.exitCode, retry.stderr).toBe(1);
      expect(JSON.parse(retry.stdout).counts).toMatchObject({ read: rejected, inserted: 0, rejected });
      current = `r.errors-${round}.ndjson`;
      const entries = readNdjson(path.join(dir, current));
      expect(entries.map((entry) => entry._barge_errors[0].code)).toEqual(new Array(rejected).fill('unread_record'));
      expect(entries.every((entry) => typeof entry._barge_raw === 'string')).toBe(true);
    }
    expect(rows(path.join(dir, 'barge.db'), 'SELECT id, name, qty FROM items ORDER BY id')).toEqual([{ id: 1, name: 'a', qty: 5 }]);
    // Fixed: the fields written out and _barge_raw removed.
    const fixed = readNdjson(path.join(dir, current)).map(({ _barge_raw, ...entry }, i) => JSON.stringify({ ...entry, id: 10 + i, name: 'fixed', qty: i }));
    fs.writeFileSync(path.join(dir, current), fixed.join('\n') + '\n');
    const last = await barge(dir, ['import', current, '--table', 'items']);
    expect(last.exitCode, last.stderr).toBe(0);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n FROM items')).toEqual([{ n: 1 + rejected }]);
  });
});

describe('validate agrees with import on a report entry still holding _barge_raw', () => {
  // An entry whose fields happen to be valid but still holds _barge_raw (the record's text was never
  // read as fields) is rejected by import; validate must say the same, since users run validate to
  // check a fixed report before importing it. Passed by validate's fast path, a report said "valid"
  // was then rejected by the import it was checked for.
  it('validate rejects it (exit 1) with import\'s message; the entry without _barge_raw is valid', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'r.json'), JSON.stringify({ table: 'r', primaryKey: ['id'], columns: { id: { type: 'integer' }, v: { type: 'integer' } } }));
    fs.writeFileSync(path.join(dir, 'r.ndjson'), `${JSON.stringify({ id: 1, v: 2, _barge_raw: '1,2,"unterminated' })}\n`);
    const message = 'r.ndjson:line 1: a report entry of a record that could not be read as fields (its text is in _barge_raw): write its fields into the entry and remove _barge_raw to load it';
    const validated = await barge(dir, ['validate', 'r.ndjson', '--schema', 'r.json', '--json', '--errors', 'v.errors.ndjson']);
    expect(validated.exitCode).toBe(1);
    expect(JSON.parse(validated.stdout)).toMatchObject({ counts: { read: 1, valid: 0, rejected: 1 }, firstErrors: [message] });
    expect(readNdjson(path.join(dir, 'v.errors.ndjson')).map((entry) => entry._barge_errors[0].code)).toEqual(['unread_record']);
    const imported = await barge(dir, ['import', 'r.ndjson', '--schema', 'r.json', '--db', 'r.db', '--json', '--errors', 'i.errors.ndjson']);
    expect(imported.exitCode).toBe(1);
    expect(JSON.parse(imported.stdout)).toMatchObject({ counts: { read: 1, inserted: 0, rejected: 1 }, firstErrors: [message] });
    // Without _barge_raw, the same fields are valid.
    fs.writeFileSync(path.join(dir, 'fixed.ndjson'), `${JSON.stringify({ id: 1, v: 2 })}\n`);
    const fixed = await barge(dir, ['validate', 'fixed.ndjson', '--schema', 'r.json', '--json']);
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect(JSON.parse(fixed.stdout).counts).toEqual({ read: 1, valid: 1, rejected: 0 });
  });
});

describe('reports of reports in two formats', () => {
  it('the retry of products.errors.csv does not write over the retry report of products.errors.ndjson', async () => {
    const dir = setup();
    expect((await barge(dir, ['import', 'items.csv', '--schema', 'items.schema.json', '--mode', 'row', '--errors', 'items.errors.csv'])).exitCode).toBe(1);
    expect((await barge(dir, ['import', 'items.csv', '--schema', 'items.schema.json', '--mode', 'row', '--on-conflict', 'ignore'])).exitCode).toBe(1);
    const fromNdjson = await barge(dir, ['import', 'items.errors.ndjson', '--table', 'items', '--mode', 'row']);
    expect(fromNdjson.exitCode).toBe(1);
    const second = path.join(dir, 'items.errors-2.ndjson');
    const kept = fs.readFileSync(second, 'utf8');
    const fromCsv = await barge(dir, ['import', 'items.errors.csv', '--table', 'items', '--mode', 'row']);
    expect(fromCsv.exitCode).toBe(1);
    expect(fromCsv.stderr).toContain(`report: ${path.join(fs.realpathSync(dir), 'items.errors-3.ndjson')} `);
    expect(fs.readFileSync(second, 'utf8')).toBe(kept);
  });
});

/** Entries in a report: NDJSON lines, or CSV records after the header (no field here holds a line break). */
function readReportCount(file: string, format: string): number {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
  return format === 'csv' ? lines.length - 1 : lines.length;
}

describe('a report fed back goes into its job\'s table', () => {
  it.each(['ndjson', 'csv', 'json'])('its %s report, named after a dated input, loads into the table the job loaded (it made a new table "orders-2024-05-03" and took the unfixed records)', async (format) => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'orders-2024-05-03.csv'), 'id,qty\n1,5\n2,abc\n3,7\n');
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 'orders', primaryKey: ['id'], columns: { id: { type: 'integer' }, qty: { type: 'integer' } } }));
    const report = `orders-2024-05-03.errors.${format}`;
    const first = await barge(dir, ['import', 'orders-2024-05-03.csv', '--schema', 's.json', '--mode', 'row', '--errors', report]);
    expect(first.exitCode, first.stderr).toBe(1);
    // Fed back unfixed: rejected again by the orders table's own schema, and no new table.
    const unfixed = await barge(dir, ['import', report, '--mode', 'row', '--errors', `again.${format}`]);
    expect(unfixed.exitCode, unfixed.stderr).toBe(1);
    expect(unfixed.stderr).toContain(`barge: import of ${report} into "orders": partial`);
    // Fixed, it loads into orders.
    const text = fs.readFileSync(path.join(dir, report), 'utf8');
    fs.writeFileSync(path.join(dir, report), format === 'csv' ? text.replace(/,2,abc$/m, ',2,6') : text.replace('"qty":"abc"', '"qty":"6"'));
    const fixed = await barge(dir, ['import', report, '--quiet']);
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT id, qty FROM orders ORDER BY id')).toEqual([{ id: 1, qty: 5 }, { id: 2, qty: 6 }, { id: 3, qty: 7 }]);
    expect(rows(path.join(dir, 'barge.db'), "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_barge%' ESCAPE '\\'")).toEqual([{ name: 'orders' }]);
  });

  it.each(['ndjson', 'csv'])('the %s report of an atomic job that made its table and rolled back: checked by the job\'s schema file (the unfixed records went into an inferred text table)', async (format) => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'in.csv'), 'id,qty\nA,1\nB,-5\nC,abc\n');
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 't', primaryKey: ['id'], columns: { id: { type: 'string', required: true }, qty: { type: 'integer', min: 0 } } }));
    const report = `in.errors.${format}`;
    const first = await barge(dir, ['import', 'in.csv', '--schema', 's.json', '--errors', report, '--quiet']);
    expect(first.exitCode, first.stderr).toBe(1);
    const db = path.join(dir, 'barge.db');
    expect(rows(db, "SELECT name FROM sqlite_master WHERE name = 't'")).toEqual([]);
    // Unfixed: rejected again, by the job's schema, and nothing made.
    const unfixed = await barge(dir, ['import', report, '--errors', `again.${format}`]);
    expect(unfixed.exitCode, unfixed.stderr).toBe(1);
    expect(unfixed.stderr.split('\n').slice(0, 5)).toEqual([
      `barge: import of ${report} into "t": failed: 2 records rejected, rolled back, nothing was written`,
      '  read 2, inserted 0, rejected 2',
      expect.stringMatching(/^  [\d.]+ s, [\d,]+ records\/s, job \d{8}-\d{6}-[0-9a-f]{6}$/),
      `  ${report}:line ${format === 'csv' ? 2 : 1}, column "qty": expected an integer >= 0, got "-5"`,
      `  ${report}:line ${format === 'csv' ? 3 : 2}, column "qty": expected an integer, got "abc"`,
    ]);
    expect(rows(db, "SELECT name FROM sqlite_master WHERE name = 't'")).toEqual([]);
    // --table naming the job's table: the same (it took the unfixed records into an inferred table).
    const named = await barge(dir, ['import', report, '--table', 't', '--dry-run']);
    expect(named.exitCode, named.stderr).toBe(1);
    expect(named.stderr.split('\n')[0]).toBe(`barge: dry run of ${report} into "t": 2 records would be rejected; rolled back, nothing was written`);
    // The retry's own report, fed back in turn: checked by the same schema file (the retry
    // recorded no schema file, and its report was refused as one of an inferred schema).
    const again = await barge(dir, ['import', `again.${format}`, '--errors', `third.${format}`, '--quiet']);
    expect(again.exitCode, again.stderr).toBe(1);
    expect(readReportCount(path.join(dir, `third.${format}`), format)).toBe(2);
    // Fixed: loaded into t, made by the job's schema (its key and integer column).
    const text = fs.readFileSync(path.join(dir, report), 'utf8');
    fs.writeFileSync(path.join(dir, report), format === 'csv' ? text.replace(/,B,-5/, ',B,5').replace(/,C,abc/, ',C,2') : text.replace('"qty":"-5"', '"qty":"5"').replace('"qty":"abc"', '"qty":"2"'));
    const fixed = await barge(dir, ['import', report, '--quiet']);
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect(rows(db, 'SELECT id, qty FROM t ORDER BY id')).toEqual([{ id: 'B', qty: 5 }, { id: 'C', qty: 2 }]);
    expect(rows(db, "SELECT sql FROM sqlite_master WHERE name = 't'")[0]!.sql).toContain('PRIMARY KEY');
  });

  it('the job\'s table gone and its schema file gone, or the job inferred its schema: refused, saying what to pass', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'in.csv'), 'id,qty\nA,1\nB,-5\n');
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 't', columns: { id: { type: 'string' }, qty: { type: 'integer', min: 0 } } }));
    const first = await barge(dir, ['import', 'in.csv', '--schema', 's.json', '--quiet', '--job-id', 'j1']);
    expect(first.exitCode, first.stderr).toBe(1);
    fs.rmSync(path.join(dir, 's.json'));
    const gone = await barge(dir, ['import', 'in.errors.ndjson']);
    expect(gone.exitCode).toBe(2);
    expect(gone.stderr).toBe(`barge: error: table "t" of job j1, whose report in.errors.ndjson is, does not exist (the job wrote nothing), and its schema file "${fs.realpathSync(dir)}/s.json" is gone; pass the schema to check the report's records by: --schema <file>\n`.replace(/\n$/, ''));
    // A job that inferred its table's schema from a text column: its rejections are its ragged rows.
    fs.writeFileSync(path.join(dir, 'bad.csv'), 'id,qty\n1,2\n3\n');
    const inferred = await barge(dir, ['import', 'bad.csv', '--table', 'u', '--quiet', '--job-id', 'j2']);
    expect(inferred.exitCode, inferred.stderr).toBe(1);
    const again = await barge(dir, ['import', 'bad.errors.ndjson']);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toBe('barge: error: table "u" of job j2, whose report bad.errors.ndjson is, does not exist (the job wrote nothing), and the job inferred its schema from its input; check the report\'s records by a schema: --schema <file> (or load the job\'s input again, its records fixed)');
  });
});
