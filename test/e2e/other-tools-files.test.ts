import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { BIN, barge, rows, workdir } from '../helpers/cli.js';
import { waitForBatches } from '../helpers/waits.js';

/**
 * Files other tools write, as they write them: sqlite3's `.mode tabs`, PostgreSQL's COPY text
 * format and MySQL's SELECT … INTO OUTFILE (TSV that never quotes, `\N` for NULL), Excel's CSV in
 * a locale whose list separator is ";", DuckDB's COPY TO (commas whatever the extension),
 * `jq .` (JSON over many lines), PostgreSQL's booleans (t/f).
 */

function write(dir: string, file: string, text: string): void {
  fs.writeFileSync(path.join(dir, file), text);
}

// sqlite3 -header -tabs of: (1, '"Pro" series vise', 2), (2, '"Deluxe', 1), (3, 'pipe 3/4"', 5), (4, 'saw', 7), (5, '"Hello"', 1)
const UNQUOTED_TSV = 'id\tname\tqty\n1\t"Pro" series vise\t2\n2\t"Deluxe\t1\n3\tpipe 3/4"\t5\n4\tsaw\t7\n5\t"Hello"\t1\n';

describe('TSV from writers that never quote (sqlite3 -tabs, PostgreSQL COPY, MySQL)', () => {
  for (const worker of ['never', 'always']) {
    it(`--quote none reads every line as written; without it, the lines a quote joined are named in a warning (BARGE_WORKER=${worker})`, async () => {
      const dir = workdir();
      write(dir, 'items.tsv', UNQUOTED_TSV);
      const env = { env: { BARGE_WORKER: worker } };
      const joined = await barge(dir, ['import', 'items.tsv', '--db', 'joined.db', '--json'], env);
      expect(joined.exitCode, joined.stderr).toBe(0);
      const warning = "items.tsv:3: a quoted field holds line breaks and tabs, so lines were read as one record; if the file's writer never quotes fields (sqlite3 -tabs, PostgreSQL's COPY, MySQL), pass --quote none";
      expect(JSON.parse(joined.stdout).warnings).toEqual([warning]);
      expect(joined.stderr).toContain(`barge: ${warning}\n`);
      expect(rows(path.join(dir, 'joined.db'), 'SELECT count(*) AS n FROM items')).toEqual([{ n: 4 }]);

      const none = await barge(dir, ['import', 'items.tsv', '--db', 'none.db', '--quote', 'none', '--json'], env);
      expect(none.exitCode, none.stderr).toBe(0);
      expect(JSON.parse(none.stdout).warnings).toEqual([]);
      expect(rows(path.join(dir, 'none.db'), 'SELECT id, name, qty FROM items ORDER BY id')).toEqual([
        { id: 1, name: '"Pro" series vise', qty: 2 },
        { id: 2, name: '"Deluxe', qty: 1 },
        { id: 3, name: 'pipe 3/4"', qty: 5 },
        { id: 4, name: 'saw', qty: 7 },
        { id: 5, name: '"Hello"', qty: 1 },
      ]);
    });
  }

  it('a join far into a file read by the worker is told once, from the worker', async () => {
    const dir = workdir();
    let text = 'id\tname\tqty\n';
    for (let i = 1; i <= 60_000; i++) text += `${i}\t${i === 50_000 ? '"Deluxe' : i === 50_001 ? 'pipe 3/4"' : `n${i}`}\t${i}\n`;
    write(dir, 'late.tsv', text);
    const result = await barge(dir, ['import', 'late.tsv', '--db', 'late.db', '--json'], { env: { BARGE_WORKER: 'always' } });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).warnings).toEqual([
      "late.tsv:50001: a quoted field holds line breaks and tabs, so lines were read as one record; if the file's writer never quotes fields (sqlite3 -tabs, PostgreSQL's COPY, MySQL), pass --quote none",
    ]);
  });

  it('a spreadsheet\'s quoted field with a line break, with or without a tab, says nothing', async () => {
    const dir = workdir();
    write(dir, 'sheet.tsv', 'id\tnote\n1\t"two\nlines"\n2\tplain\n');
    const result = await barge(dir, ['import', 'sheet.tsv', '--db', 'x.db', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).warnings).toEqual([]);
    expect(rows(path.join(dir, 'x.db'), 'SELECT note FROM sheet ORDER BY id')).toEqual([{ note: 'two\nlines' }, { note: 'plain' }]);
    // Python's csv (excel-tab) quoting a cell with a tab and a line break, in a 4-column file:
    // one tab per line break, not the 3 a join of whole lines holds.
    write(dir, 'py.tsv', 'id\ta\tb\tnote\n1\tx\ty\t"first\nsecond\tline"\n2\tx\ty\tplain\n');
    const python = await barge(dir, ['import', 'py.tsv', '--db', 'x.db', '--json']);
    expect(python.exitCode, python.stderr).toBe(0);
    expect(JSON.parse(python.stdout).warnings).toEqual([]);
    expect(rows(path.join(dir, 'x.db'), 'SELECT note FROM py ORDER BY id')).toEqual([{ note: 'first\nsecond\tline' }, { note: 'plain' }]);
  });

  it('--quote takes one character or none', async () => {
    const dir = workdir();
    const result = await barge(dir, ['import', 'fixtures/products.csv', '--quote', 'no']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('barge: error: --quote must be one character or none, got "no"');
  });
});

describe('--null: the NULL of PostgreSQL and MySQL text dumps (\\N), or any other marker', () => {
  // COPY t TO STDOUT (text format): NULL as \N, a tab in a value as \t, a backslash as \\.
  const PG_TEXT = 'id\tname\tnote\tqty\n1\ta\\tb\tline\t\\N\n2\tback\\\\slash\t\\N\t5\n';

  for (const worker of ['never', 'always']) {
    it(`without it, \\N loads as text with a warning naming the line and column; with it, as NULL, and the nullable integer column is inferred INTEGER (BARGE_WORKER=${worker})`, async () => {
      const dir = workdir();
      write(dir, 'pg.tsv', PG_TEXT);
      const env = { env: { BARGE_WORKER: worker } };
      const plain = await barge(dir, ['import', 'pg.tsv', '--db', 'plain.db', '--json'], env);
      expect(plain.exitCode, plain.stderr).toBe(0);
      expect(JSON.parse(plain.stdout).warnings).toEqual([
        "pg.tsv:2, column \"qty\": the field \\N, which PostgreSQL and MySQL write for NULL, is read as the text \\N; pass --null '\\N' to read it as missing (NULL)",
      ]);
      expect(rows(path.join(dir, 'plain.db'), 'SELECT quote(note) AS note, quote(qty) AS qty FROM pg ORDER BY id')).toEqual([
        { note: "'line'", qty: "'\\N'" },
        { note: "'\\N'", qty: "'5'" },
      ]);

      const nulls = await barge(dir, ['import', 'pg.tsv', '--db', 'nulls.db', '--null', '\\N', '--json'], env);
      expect(nulls.exitCode, nulls.stderr).toBe(0);
      // The escapes stay as written, and say so.
      expect(JSON.parse(nulls.stdout).warnings).toEqual([
        "pg.tsv:2, column \"name\": a backslash, which PostgreSQL's and MySQL's text dumps write before each backslash, tab and line break of a value (\\\\, \\t, \\n), is loaded as written: barge does not decode those escapes; dump the table as CSV to load such values exactly",
      ]);
      expect(rows(path.join(dir, 'nulls.db'), 'SELECT name, note, qty, typeof(qty) AS t FROM pg ORDER BY id')).toEqual([
        { name: 'a\\tb', note: 'line', qty: null, t: 'null' },
        { name: 'back\\\\slash', note: null, qty: 5, t: 'integer' },
      ]);
    });
  }

  it('a schema\'s required column rejects the marker as missing, and the report keeps the line as read; --null NA in CSV', async () => {
    const dir = workdir();
    write(dir, 'r.csv', 'id,score\n1,NA\n2,7\n3,"NA"\n');
    write(dir, 's.json', JSON.stringify({ table: 'r', columns: { id: { type: 'integer' }, score: { type: 'integer', required: true } } }));
    const result = await barge(dir, ['import', 'r.csv', '--schema', 's.json', '--db', 'r.db', '--null', 'NA', '--mode', 'row']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('r.csv:line 2, column "score": is required');
    // A quoted "NA" is the same field text: missing too.
    expect(result.stderr).toContain('r.csv:line 4, column "score": is required');
    expect(rows(path.join(dir, 'r.db'), 'SELECT id, score FROM r')).toEqual([{ id: 2, score: 7 }]);
  });

  it('is refused for NDJSON, whose NULL is null', async () => {
    const dir = workdir();
    const result = await barge(dir, ['import', 'fixtures/products.ndjson', '--null', 'NA']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('barge: error: --null applies to CSV/TSV input, and fixtures/products.ndjson is NDJSON, whose NULL is null; leave it out');
  });

  it('a resumed job reads with the --null it started with', async () => {
    const dir = workdir();
    let text = 'id\tqty\n';
    for (let i = 1; i <= 100_000; i++) text += `${i}\t${i % 2 === 0 ? '\\N' : i}\n`;
    write(dir, 'big.tsv', text);
    write(dir, 's.json', JSON.stringify({ table: 'big', primaryKey: ['id'], columns: { id: { type: 'integer' }, qty: { type: 'integer' } } }));
    const db = path.join(dir, 'b.db');
    const run = execa('node', [BIN, 'import', 'big.tsv', '--schema', 's.json', '--db', 'b.db', '--null', '\\N', '--mode', 'batch', '--batch-size', '500', '--job-id', 'J'], {
      cwd: dir, reject: false, env: { ...process.env, BARGE_DB: '', NO_COLOR: '1' },
    });
    await waitForBatches(db, 5);
    run.kill('SIGTERM');
    expect((await run).exitCode).toBe(130);
    const resumed = await barge(dir, ['import', '--resume', 'J', '--db', 'b.db']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(rows(db, 'SELECT count(*) AS n, count(qty) AS q, sum(qty IS NULL AND id % 2 = 0) AS nulls FROM big')).toEqual([{ n: 100_000, q: 50_000, nulls: 50_000 }]);
  });
});

describe('a header that holds another delimiter: the file was read with the wrong one', () => {
  it('Excel\'s CSV in a ";" locale, a CSV named .tsv, a "|" file: exit 2 naming the delimiter; --delimiter given keeps the one column', async () => {
    const dir = workdir();
    write(dir, 'xl.csv', '\ufeffid;name;qty\r\n1;Hammer;5\r\n');
    write(dir, 'duck.tsv', 'id,name,qty\n1,Hammer,5\n');
    write(dir, 'pipes.csv', 'id|name\n1|x\n');
    const cases: Array<[string, string]> = [
      ['xl.csv', `barge: error: xl.csv:1: the header is one column, "id;name;qty", holding semicolons, so the input looks semicolon-separated; pass --delimiter ';' (or, if the header is right as read, --delimiter ',')`],
      ['duck.tsv', `barge: error: duck.tsv:1: the header is one column, "id,name,qty", holding commas, so the input looks comma-separated; pass --format csv (or, if the header is right as read, --delimiter '\\t')`],
      ['pipes.csv', `barge: error: pipes.csv:1: the header is one column, "id|name", holding pipes, so the input looks pipe-separated; pass --delimiter '|' (or, if the header is right as read, --delimiter ',')`],
    ];
    for (const [file, message] of cases) {
      const result = await barge(dir, ['import', file, '--db', 'x.db']);
      expect(result.exitCode, file).toBe(2);
      expect(result.stderr).toBe(message);
    }
    expect(fs.existsSync(path.join(dir, 'x.db'))).toBe(false);
    const semicolons = await barge(dir, ['import', 'xl.csv', '--db', 'x.db', '--delimiter', ';']);
    expect(semicolons.exitCode, semicolons.stderr).toBe(0);
    expect(rows(path.join(dir, 'x.db'), 'SELECT id, name, qty FROM xl')).toEqual([{ id: 1, name: 'Hammer', qty: 5 }]);
    const oneColumn = await barge(dir, ['import', 'pipes.csv', '--db', 'x.db', '--delimiter', ',']);
    expect(oneColumn.exitCode, oneColumn.stderr).toBe(0);
    expect(rows(path.join(dir, 'x.db'), 'SELECT * FROM pipes')).toEqual([{ 'id|name': '1|x' }]);
  });

  it('a value holding the other delimiter no longer lets the file through: refused at the header, exit 2, nothing loaded, in every mode', async () => {
    const dir = workdir();
    // A comma CSV named .tsv whose first record quotes a comma: the counts differed (3 commas, 2 in the header), exit 0, whole lines loaded.
    write(dir, 'x.tsv', 'id,name,qty\n1,"Foo, Inc",15\n2,Bar,225\n');
    write(dir, 'comma.csv', 'id,name,qty\n1,"Foo, Inc",15\n');
    // Excel's ";" CSV with a decimal comma: its first record split on the comma, "expected 1 fields, got 2", and row mode committed the other lines.
    write(dir, 'de.csv', 'id;name;amount\n1;Foo;1,5\n2;Bar;225\n3;Baz;7\n');
    // Its first record's quoted ";" was told "quote the whole field and double the quotes".
    write(dir, 'dq.csv', 'id;name;amount\n1;"Fo;o";1,5\n2;Bar;225\n');
    // A header and no record: a table of one wrong column.
    write(dir, 'empty.csv', 'id;name\n');
    const semicolons = (file: string) => `barge: error: ${file}:1: the header is one column, "id;name${file === 'empty.csv' ? '' : ';amount'}", holding semicolons, so the input looks semicolon-separated; pass --delimiter ';' (or, if the header is right as read, --delimiter ',')`;
    const commas = (file: string) => `barge: error: ${file}:1: the header is one column, "id,name,qty", holding commas, so the input looks comma-separated; pass --format csv (or, if the header is right as read, --delimiter '\\t')`;
    const cases: Array<[string[], string]> = [
      [['x.tsv'], commas('x.tsv')],
      [['comma.csv', '--format', 'tsv'], commas('comma.csv')],
      [['de.csv', '--mode', 'row'], semicolons('de.csv')],
      [['de.csv', '--mode', 'batch'], semicolons('de.csv')],
      [['de.csv'], semicolons('de.csv')],
      [['dq.csv', '--mode', 'row'], semicolons('dq.csv')],
      [['empty.csv'], semicolons('empty.csv')],
    ];
    for (const [args, message] of cases) {
      const result = await barge(dir, ['import', ...args, '--db', 'x.db']);
      expect(result, args.join(' ')).toEqual({ exitCode: 2, stdout: '', stderr: message });
    }
    expect(fs.existsSync(path.join(dir, 'x.db'))).toBe(false);
    // Told the delimiter, it loads as meant.
    const told = await barge(dir, ['import', 'de.csv', '--delimiter', ';', '--db', 'x.db', '--quiet']);
    expect(told.exitCode, told.stderr).toBe(0);
    expect(rows(path.join(dir, 'x.db'), 'SELECT id, name, amount FROM de ORDER BY id')).toEqual([
      { id: 1, name: 'Foo', amount: '1,5' },
      { id: 2, name: 'Bar', amount: '225' },
      { id: 3, name: 'Baz', amount: '7' },
    ]);
  });

  it('a one-column header kept with --delimiter: a ragged record says "expected 1 field" (not "1 fields"); --columns of one name says "1 name"', async () => {
    const dir = workdir();
    write(dir, 'one.csv', 'id;name\n1;Foo\n2,5\n');
    const result = await barge(dir, ['import', 'one.csv', '--delimiter', ',', '--mode', 'row', '--db', 'x.db']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('\n  one.csv:line 3: expected 1 field, got 2\n');
    expect(rows(path.join(dir, 'x.db'), 'SELECT * FROM one')).toEqual([{ 'id;name': '1;Foo' }]);
    write(dir, 'rn.csv', 'x,y\n1,2\n');
    const renamed = await barge(dir, ['import', 'rn.csv', '--columns', 'a', '--db', 'rn.db']);
    expect(renamed).toEqual({ exitCode: 2, stdout: '', stderr: 'barge: error: --columns gives 1 name but the header of rn.csv has 2 columns' });
    expect(fs.existsSync(path.join(dir, 'rn.db'))).toBe(false);
  });

  it('headers that hold a comma or ";" and are meant load as before: two or more columns, a quoted name, a record that does not split as the header would', async () => {
    const dir = workdir();
    const files: Array<[string, string, Record<string, unknown>[]]> = [
      ['ok.tsv', 'id\tLast, First\n1\tDoe, Jane\n', [{ id: 1, 'Last, First': 'Doe, Jane' }]],
      // Every name holds a comma: still two columns by the tab.
      ['hw.tsv', 'Height (cm, avg)\tWeight (kg, avg)\n170\t70\n', [{ 'Height (cm, avg)': 170, 'Weight (kg, avg)': 70 }]],
      // A quoted name is meant as written.
      ['alias.csv', '"name;alias"\nx;y\n', [{ 'name;alias': 'x;y' }]],
      // One column whose name has a comma, over records without one.
      ['names.tsv', 'full name (last, first)\nDoe Jane\n', [{ 'full name (last, first)': 'Doe Jane' }]],
      // A quoted name, over records that hold its comma too.
      ['quoted.tsv', '"last, first"\n"Doe, Jane"\n', [{ 'last, first': 'Doe, Jane' }]],
    ];
    for (const [file, text, expected] of files) {
      write(dir, file, text);
      const result = await barge(dir, ['import', file, '--db', 'x.db']);
      expect(result.exitCode, `${file}: ${result.stderr}`).toBe(0);
      expect(rows(path.join(dir, 'x.db'), `SELECT * FROM "${file.split('.')[0]}"`)).toEqual(expected);
    }
  });
});

describe('JSON written over many lines given as NDJSON', () => {
  it('`jq .` output: line 1 names the way to read it', async () => {
    const dir = workdir();
    write(dir, 'pretty.ndjson', '{\n  "a": 1\n}\n{\n  "a": 2\n}\n');
    write(dir, 'array.ndjson', '[\n  {"a": 1}\n]\n');
    const objects = await barge(dir, ['import', 'pretty.ndjson', '--db', 'x.db']);
    expect(objects.exitCode).toBe(2);
    expect(objects.stderr).toContain('pretty.ndjson:line 1: not valid JSON: expected a property name in double quotes, got the end of the line at column 2; the input looks like JSON objects written over many lines: put one per line first, e.g. jq -c . pretty.ndjson | barge import - --format ndjson …');
    const array = await barge(dir, ['import', 'array.ndjson', '--db', 'x.db']);
    expect(array.exitCode).toBe(1);
    expect(array.stderr).toContain('array.ndjson:line 1: not valid JSON: expected a value, got the end of the line at column 2; the input looks like a JSON array written over many lines: pass --format json');
  });
});

describe('PostgreSQL\'s booleans', () => {
  it('t and f load into a boolean column; a column of only t/f is still inferred text', async () => {
    const dir = workdir();
    write(dir, 'b.csv', 'id,active\n1,t\n2,f\n3,T\n');
    write(dir, 's.json', JSON.stringify({ table: 'b', columns: { id: { type: 'integer' }, active: { type: 'boolean' } } }));
    const typed = await barge(dir, ['import', 'b.csv', '--schema', 's.json', '--db', 'typed.db']);
    expect(typed.exitCode, typed.stderr).toBe(0);
    expect(rows(path.join(dir, 'typed.db'), 'SELECT id, active FROM b ORDER BY id')).toEqual([{ id: 1, active: 1 }, { id: 2, active: 0 }, { id: 3, active: 1 }]);
    const inferred = await barge(dir, ['import', 'b.csv', '--db', 'inferred.db']);
    expect(inferred.exitCode, inferred.stderr).toBe(0);
    expect(rows(path.join(dir, 'inferred.db'), 'SELECT active FROM b ORDER BY id')).toEqual([{ active: 't' }, { active: 'f' }, { active: 'T' }]);
  });
});
