import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { barge, makeDb, readNdjson, rows, workdir } from '../helpers/cli.js';

// Column names that are whole numbers (a year per column, as the World Bank's CSVs have them)
// were moved first: a JavaScript object lists such keys before the others. `country,2019,2020`
// made the table ("2019", "2020", "country"); schema infer, the export and the report followed.

const columnsOf = (db: string, table: string): string[] => rows<{ name: string }>(db, `SELECT name FROM pragma_table_info('${table}')`).map((row) => row.name);

describe('column names that are whole numbers keep their place', () => {
  it('CSV: the table, schema infer, the export and the CSV report in the header\'s order', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'gdp.csv'), 'country,2019,2020,0,name\nNO,1,2,3,Norway\nSE,4,5,6,Sweden\n');
    const load = await barge(dir, ['import', 'gdp.csv', '--quiet']);
    expect(load.exitCode, load.stderr).toBe(0);
    const db = path.join(dir, 'barge.db');
    expect(columnsOf(db, 'gdp')).toEqual(['country', '2019', '2020', '0', 'name']);
    expect(rows(db, 'SELECT * FROM gdp')).toEqual([{ country: 'NO', 2019: 1, 2020: 2, 0: 3, name: 'Norway' }, { country: 'SE', 2019: 4, 2020: 5, 0: 6, name: 'Sweden' }]);

    const exported = await barge(dir, ['export', '--table', 'gdp', '--quiet']);
    // (barge() strips the final newline.)
    expect(exported.stdout).toBe('country,2019,2020,0,name\nNO,1,2,3,Norway\nSE,4,5,6,Sweden');

    const inferred = await barge(dir, ['schema', 'infer', 'gdp.csv']);
    expect(inferred.exitCode, inferred.stderr).toBe(0);
    expect(inferred.stdout).toBe([
      '{', '  "table": "gdp",', '  "columns": {',
      '    "country": {', '      "type": "string"', '    },',
      '    "2019": {', '      "type": "integer"', '    },',
      '    "2020": {', '      "type": "integer"', '    },',
      '    "0": {', '      "type": "integer"', '    },',
      '    "name": {', '      "type": "string"', '    }',
      '  },', '  "extraColumns": "reject"', '}',
    ].join('\n'));
    expect(inferred.stdout.indexOf('"country"')).toBeLessThan(inferred.stdout.indexOf('"2019"'));

    fs.writeFileSync(path.join(dir, 'more.csv'), 'country,2019,2020,0,name\nDK,x,5,6,Denmark\n');
    const rejected = await barge(dir, ['import', 'more.csv', '--table', 'gdp', '--mode', 'row', '--errors', 'more.errors.csv', '--quiet']);
    expect(rejected.exitCode).toBe(1);
    const report = fs.readFileSync(path.join(dir, 'more.errors.csv'), 'utf8').split('\n');
    expect(report[0]).toBe('_barge_job,_barge_input,_barge_line,_barge_record,_barge_batch,_barge_errors,_barge_text,_barge_raw,country,2019,2020,0,name');
    expect(report[1]).toMatch(/,DK,x,5,6,Denmark$/);
  });

  it('a schema file: the table in the file\'s order; the kept schema holds no order of its own', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'gdp.schema.json'), '{"table":"gdp","columns":{"country":{"type":"string","required":true},"2020":{"type":"number"},"2019":{"type":"number"}},"primaryKey":["country"]}');
    fs.writeFileSync(path.join(dir, 'gdp.csv'), 'country,2019,2020\nNO,1.5,2\n');
    const load = await barge(dir, ['import', 'gdp.csv', '--schema', 'gdp.schema.json', '--quiet']);
    expect(load.exitCode, load.stderr).toBe(0);
    const db = path.join(dir, 'barge.db');
    expect(columnsOf(db, 'gdp')).toEqual(['country', '2020', '2019']);
    expect(JSON.parse(rows<{ s: string }>(db, 'SELECT schema_json AS s FROM _barge_schemas')[0]!.s)).toEqual({
      table: 'gdp', columns: { country: { type: 'string', required: true }, 2020: { type: 'number' }, 2019: { type: 'number' } }, primaryKey: ['country'], extraColumns: 'reject',
    });
    // A second import reads the kept schema and the table: same order, the rows by name.
    fs.writeFileSync(path.join(dir, 'more.csv'), 'country,2019,2020\nSE,3,4.5\n');
    const again = await barge(dir, ['import', 'more.csv', '--table', 'gdp', '--quiet']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(rows(db, 'SELECT * FROM gdp ORDER BY country')).toEqual([{ country: 'NO', 2020: 2, 2019: 1.5 }, { country: 'SE', 2020: 4.5, 2019: 3 }]);
  });

  it('NDJSON: the table in the first record\'s order', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'g.ndjson'), '{"country":"NO","2019":1,"name":"Norway","7":true}\n{"2019":2,"country":"SE","name":"Sweden","7":false}\n');
    const load = await barge(dir, ['import', 'g.ndjson', '--quiet']);
    expect(load.exitCode, load.stderr).toBe(0);
    expect(columnsOf(path.join(dir, 'barge.db'), 'g')).toEqual(['country', '2019', 'name', '7']);
    const exported = await barge(dir, ['export', '--table', 'g', '--format', 'ndjson', '--out', 'g.out.ndjson', '--quiet']);
    expect(exported.exitCode, exported.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'g.out.ndjson'), 'utf8')).toBe('{"country":"NO","2019":1,"name":"Norway","7":true}\n{"country":"SE","2019":2,"name":"Sweden","7":false}\n');
    expect(readNdjson(path.join(dir, 'g.out.ndjson'))).toHaveLength(2);
  });

  it('a table another tool made: the validate report\'s CSV columns in the table\'s order', async () => {
    const dir = workdir();
    makeDb(dir, 'barge.db', 'CREATE TABLE gdp (country TEXT NOT NULL, "2019" INTEGER, name TEXT)');
    fs.writeFileSync(path.join(dir, 'gdp.csv'), 'country,2019,name\nNO,x,Norway\n');
    const checked = await barge(dir, ['validate', 'gdp.csv', '--table', 'gdp', '--errors', 'gdp.errors.csv', '--quiet']);
    expect(checked.exitCode).toBe(1);
    expect(fs.readFileSync(path.join(dir, 'gdp.errors.csv'), 'utf8').split('\n')[0]).toBe('_barge_job,_barge_input,_barge_line,_barge_record,_barge_batch,_barge_errors,_barge_text,_barge_raw,country,2019,name');
  });
});
