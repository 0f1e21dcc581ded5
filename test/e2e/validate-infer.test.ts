import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { barge, importMakers, readNdjson, rows, workdir } from '../helpers/cli.js';

describe('validate', () => {
  it('reports the same entries and exit code as import, and creates no database', async () => {
    const dir = workdir();
    const validate = await barge(dir, ['validate', 'fixtures/bad/products-bad-price.csv', '--schema', 'fixtures/products.schema.json', '--errors', 'validate.errors.ndjson', '--json']);
    expect(validate.exitCode).toBe(1);
    expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
    expect(JSON.parse(validate.stdout)).toMatchObject({ command: 'validate', counts: { read: 12, valid: 11, rejected: 1 } });
    await importMakers(dir);
    const imported = await barge(dir, ['import', 'fixtures/bad/products-bad-price.csv', '--schema', 'fixtures/products.schema.json', '--mode', 'row', '--errors', 'import.errors.ndjson']);
    expect(imported.exitCode).toBe(1);
    const strip = (entries: Array<Record<string, unknown>>) => entries.map(({ _barge_job, ...rest }) => rest);
    expect(strip(readNdjson(path.join(dir, 'validate.errors.ndjson')))).toEqual(strip(readNdjson(path.join(dir, 'import.errors.ndjson'))));
  });

  it('uses an existing table\'s schema and leaves the database file unchanged', async () => {
    const dir = workdir();
    await importMakers(dir);
    await barge(dir, ['import', 'fixtures/products.csv', '--schema', 'fixtures/products.schema.json']);
    const db = path.join(dir, 'barge.db');
    const before = fs.readFileSync(db);
    const result = await barge(dir, ['validate', 'fixtures/bad/products-bad-qty.csv', '--table', 'products']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('line 7, column "qty": expected an integer, got "many"');
    expect(fs.readFileSync(db).equals(before)).toBe(true);
    const ok = await barge(dir, ['validate', 'fixtures/products.ndjson', '--table', 'products']);
    expect(ok.exitCode).toBe(0);
  });
});

describe('schema infer', () => {
  it('prints a schema that, given back with --schema, makes the same table as inference', async () => {
    const dir = workdir();
    const inferred = await barge(dir, ['schema', 'infer', 'fixtures/zipcodes.csv']);
    expect(inferred.exitCode).toBe(0);
    const spec = JSON.parse(inferred.stdout);
    expect(spec.table).toBe('zipcodes');
    expect(spec.columns.zip).toEqual({ type: 'string' });
    expect(spec.columns.population).toEqual({ type: 'integer' });
    fs.writeFileSync(path.join(dir, 'zip.schema.json'), inferred.stdout);
    await barge(dir, ['import', 'fixtures/zipcodes.csv', '--db', 'inferred.db']);
    const pinned = await barge(dir, ['import', 'fixtures/zipcodes.csv', '--db', 'pinned.db', '--schema', 'zip.schema.json']);
    expect(pinned.exitCode).toBe(0);
    const shape = (db: string) => JSON.stringify([rows(path.join(dir, db), 'PRAGMA table_info(zipcodes)'), rows(path.join(dir, db), 'SELECT * FROM zipcodes')]);
    expect(shape('pinned.db')).toBe(shape('inferred.db'));
  });

  it('from stdin: needs --table, and says so without naming an option it does not have', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'a.csv'), 'a\n1\n');
    const bare = await barge(dir, ['schema', 'infer', '-'], { inputFile: path.join(dir, 'a.csv') });
    expect(bare.exitCode).toBe(2);
    expect(bare.stderr.trim()).toBe('barge: error: reading stdin needs --table <name> to name the table in the schema');
    const named = await barge(dir, ['schema', 'infer', '-', '--table', 't'], { inputFile: path.join(dir, 'a.csv') });
    expect(named.exitCode).toBe(0);
    expect(JSON.parse(named.stdout)).toEqual({ table: 't', columns: { a: { type: 'integer' } }, extraColumns: 'reject' });
  });
});

describe('inference from records that cannot be read', () => {
  it('names the first unreadable record and its reason (import, validate, schema infer), exit 2', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'trail.csv'), 'id,name\n1,alpha,\n2,beta,\n');
    const why = 'cannot infer a schema for "trail": none of the 2 records read to infer it could be read, the first: trail.csv:line 2: expected 2 fields, got 3; fix the input';
    for (const args of [['import', 'trail.csv', '--mode', 'row'], ['validate', 'trail.csv']]) {
      const result = await barge(dir, args);
      expect(result.exitCode).toBe(2);
      // Not "or pass --schema": no schema reads a record with a field too many.
      expect(result.stderr).toBe(`barge: error: ${why}`);
    }
    const infer = await barge(dir, ['schema', 'infer', 'trail.csv']);
    expect(infer.exitCode).toBe(2);
    // schema infer makes the schema: it does not send the user to --schema.
    expect(infer.stderr).toBe(`barge: error: ${why}`);
    fs.writeFileSync(path.join(dir, 'arr.json'), '[[1,"x"]]');
    const arrays = await barge(dir, ['import', 'arr.json']);
    expect(arrays.exitCode).toBe(2);
    expect(arrays.stderr).toBe('barge: error: cannot infer a schema for "arr": the one record read to infer it could not be read: arr.json:line 1: expected a JSON object, got an array; fix the input');
    expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
  });
});

describe('inference from unreadable records says to fix the input, not to pass --schema (no schema reads them)', () => {
  it('NDJSON with trailing commas: exit 2, nothing written (it ended "fix the input, or pass --schema")', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'tc.ndjson'), '{"a":1,}\n{"a":2,}\n');
    const result = await barge(dir, ['import', 'tc.ndjson']);
    expect(result).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: 'barge: error: cannot infer a schema for "tc": none of the 2 records read to infer it could be read, the first: tc.ndjson:line 1: not valid JSON: expected a property name in double quotes, got \'}\' at column 8; remove the trailing comma; fix the input',
    });
    expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
  });

  it('an input with no records at all still says to pass --schema (it can make the table)', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'hdr.csv'), 'id\n');
    const result = await barge(dir, ['import', 'hdr.csv']);
    expect(result).toEqual({ exitCode: 2, stdout: '', stderr: 'barge: error: cannot infer a schema for "hdr": the input has no readable records; pass --schema' });
    expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
  });
});

describe('--columns and --no-header with JSON inputs', () => {
  it('are refused (exit 2) when no input is CSV/TSV, rather than ignored', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'ren.ndjson'), '{"id":1,"name":"x"}\n');
    const result = await barge(dir, ['import', 'ren.ndjson', '--columns', 'a,b']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('barge: error: --columns applies to CSV/TSV input, and ren.ndjson is NDJSON, whose records name their own fields; leave it out');
    const stdin = await barge(dir, ['import', '-', '--table', 't', '--no-header', '--columns', 'a', '--format', 'json'], { input: '[{"a":1}]' });
    expect(stdin.exitCode).toBe(2);
    expect(stdin.stderr).toBe('barge: error: --columns applies to CSV/TSV input, and stdin is a JSON array, whose records name their own fields; leave it out');
    expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
  });

  it('--no-header alone on NDJSON says it does not apply, not that it needs --columns (which is refused too)', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'n.ndjson'), '{"a":1}\n');
    const result = await barge(dir, ['import', 'n.ndjson', '--no-header']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('barge: error: --no-header applies to CSV/TSV input, and n.ndjson is NDJSON, whose records name their own fields; leave it out');
    fs.writeFileSync(path.join(dir, 'n.csv'), '1,2\n');
    const csv = await barge(dir, ['validate', 'n.csv', '--no-header']);
    expect(csv.exitCode).toBe(2);
    expect(csv.stderr).toBe('barge: error: --no-header needs --columns a,b,c to name the fields');
    expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
  });

  it('a case collision in NDJSON keys says to rename one in the input, not with --columns', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'case.ndjson'), '{"id":1,"ID":2}\n');
    const result = await barge(dir, ['import', 'case.ndjson']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('barge: error: cannot infer a schema from case.ndjson:1: columns "id" and "ID" differ only in case, and SQLite takes them for the same column; rename one in the input');
  });
});

describe('an import whose schema was inferred', () => {
  it('rejecting records after the sample, says the schema was inferred and how to pin it', async () => {
    const dir = workdir();
    const lines = [1, 2, 3, 4, 5].map((id) => JSON.stringify({ id, a: 'x' }));
    lines.push(JSON.stringify({ id: 6, a: 'y', late: 1 }));
    fs.writeFileSync(path.join(dir, 'sparse.ndjson'), lines.join('\n') + '\n');
    const result = await barge(dir, ['import', 'sparse.ndjson', '--infer-rows', '5', '--db', 'sp.db', '--mode', 'row']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('  sparse.ndjson:line 6, column "late": unexpected column "late"');
    // The rows stay in the table made from it: a --schema changing a type there would be refused, so the advice says where to load instead.
    expect(result.stderr).toContain('\n  the schema was inferred from the first 5 records (--infer-rows), and "sparse" was made with it; for records that do not fit it, write it out with barge schema infer, edit it, and import with --schema into a new table (--table), or into "sparse" once it is dropped\n');
    // Atomic: rolled back, nothing made: --schema is the way.
    const atomic = await barge(dir, ['import', 'sparse.ndjson', '--infer-rows', '5', '--db', 'at.db']);
    expect(atomic.exitCode).toBe(1);
    expect(atomic.stderr).toContain('\n  the schema was inferred from the first 5 records (--infer-rows); for records that do not fit it, write it out with barge schema infer, edit it, and pass --schema\n');
    // Into the table it made, no inference and no such line.
    const again = await barge(dir, ['import', 'sparse.ndjson', '--db', 'sp.db', '--table', 'sparse', '--mode', 'row']);
    expect(again.exitCode).toBe(1);
    const told = again.stderr.split('\n');
    expect([told[0], told[1], told[3], told[4]]).toEqual([
      'barge: import of sparse.ndjson into "sparse": partial: 1 record rejected, 5 loaded',
      '  read 6, inserted 5, rejected 1',
      '  sparse.ndjson:line 6, column "late": unexpected column "late" (not in the schema; set "extraColumns": "ignore" to drop it)',
      `  report: ${path.join(fs.realpathSync(dir), 'sparse.errors.ndjson')} (fix the records and import it again)`,
    ]);
    expect(told).toHaveLength(5);
    expect(again.stderr).not.toContain('inferred');
  });
});

describe('a column with no value in the inference sample', () => {
  it('import, validate and schema infer say it became a text column and how to type it (a sparse REAL column came back as text, unsaid)', async () => {
    const dir = workdir();
    const lines = [];
    for (let i = 1; i <= 30; i++) lines.push(JSON.stringify({ id: i, amt: i > 10 ? i * 1.5 : null, flag: i > 10 ? i % 2 === 0 : null, note: 'x' }));
    fs.writeFileSync(path.join(dir, 'n.ndjson'), lines.join('\n') + '\n');
    const warning = 'barge: columns "amt", "flag" had no value in the 10 records the schema was inferred from (--infer-rows), so they are text columns, which take later numbers, booleans and JSON as text; to type them, ';
    const imported = await barge(dir, ['import', 'n.ndjson', '--infer-rows', '10']);
    expect(imported.exitCode).toBe(0);
    expect(imported.stderr.split('\n')[0]).toBe(`${warning}write the schema out with barge schema infer, edit it, and pass --schema`);
    const validated = await barge(dir, ['validate', 'n.ndjson', '--infer-rows', '10', '--db', 'none.db']);
    expect(validated.exitCode).toBe(0);
    expect(validated.stderr.split('\n').slice(0, 3)).toEqual([
      `${warning}write the schema out with barge schema infer, edit it, and pass --schema`,
      'barge: validate n.ndjson against "n" (inferred schema): every record is valid',
      '  read 30, valid 30, rejected 0',
    ]);
    const inferred = await barge(dir, ['schema', 'infer', 'n.ndjson', '--infer-rows', '10']);
    expect(inferred.exitCode).toBe(0);
    expect(inferred.stderr).toBe(`${warning}edit their "type" in this schema, then pass it with --schema`);
    expect(JSON.parse(inferred.stdout).columns).toMatchObject({ amt: { type: 'string' }, flag: { type: 'string' }, note: { type: 'string' } });
    // --quiet: the schema alone; with values in the sample: no warning.
    expect((await barge(dir, ['schema', 'infer', 'n.ndjson', '--infer-rows', '10', '--quiet'])).stderr).toBe('');
    expect((await barge(dir, ['schema', 'infer', 'n.ndjson'])).stderr).toBe('');
  });
});

describe('schema infer and import agree on which error a sample gives', () => {
  it('a case clash on line 1 and a bad byte on line 902: both report the bad byte (the whole sample is read first)', async () => {
    const dir = workdir();
    const filler = Array.from({ length: 900 }, (_, i) => JSON.stringify({ a: i, note: 'x'.repeat(200) })).join('\n');
    fs.writeFileSync(path.join(dir, 'f.ndjson'), Buffer.concat([Buffer.from(`{"a":1,"A":2}\n${filler}\n{"a":"`), Buffer.from([0xff]), Buffer.from('"}\n')]));
    const expected = 'barge: error: f.ndjson:902: invalid UTF-8 at column 7';
    const inferred = await barge(dir, ['schema', 'infer', 'f.ndjson']);
    const imported = await barge(dir, ['import', 'f.ndjson', '--db', 'x.db']);
    for (const result of [inferred, imported]) {
      expect(result.exitCode).toBe(2);
      expect(result.stderr.startsWith(expected), result.stderr).toBe(true);
    }
    // Without the bad byte, the case clash, from both.
    fs.writeFileSync(path.join(dir, 'g.ndjson'), `{"a":1,"A":2}\n${filler}\n`);
    const clash = 'barge: error: cannot infer a schema from g.ndjson:1: columns "a" and "A" differ only in case, and SQLite takes them for the same column; rename one in the input';
    expect(await barge(dir, ['schema', 'infer', 'g.ndjson'])).toMatchObject({ exitCode: 2, stderr: clash });
    expect(await barge(dir, ['import', 'g.ndjson', '--db', 'x.db'])).toMatchObject({ exitCode: 2, stderr: clash });
  });
});
