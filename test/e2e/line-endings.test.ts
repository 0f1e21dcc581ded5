import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { barge, readNdjson, rows, workdir } from '../helpers/cli.js';

// Line ends through the CLI: a CSV/TSV record ends at LF, CRLF or a lone CR, whichever each
// line uses (files that mix them are common: a header written by one tool, rows appended by
// another), and each counts as one line in the report. TSV quoting is relaxed: a field that
// does not close as a quoted field is text, and never swallows the lines after it. A JSON
// array counts CRLF and a lone CR as one line break too.

const SCHEMA = { table: 't', columns: { name: { type: 'string' }, qty: { type: 'integer' } } };

function setUp(files: Record<string, string>, schema: object = SCHEMA): string {
  const dir = workdir();
  fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify(schema));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/** The report's line, record number and values (without the job id). */
function report(dir: string, file: string): Array<[unknown, unknown, string]> {
  return readNdjson(path.join(dir, file)).map((entry) => [entry._barge_line, entry._barge_record, entry._barge_errors.map((e: { message: string }) => e.message).join('; ')]);
}

describe('CSV with mixed line ends', () => {
  it('an LF header over CRLF rows: no CR in the data, integers typed, exact lines', async () => {
    const dir = setUp({ 'win.csv': 'name,qty\napple,3\r\npear,5\r\nfig,x\r\nplum,7\r\n' });
    const run = await barge(dir, ['import', 'win.csv', '--schema', 's.json', '--db', 'm.db', '--mode', 'row']);
    expect(run.exitCode, run.stderr).toBe(1);
    expect(rows(path.join(dir, 'm.db'), 'SELECT name, qty, typeof(qty) AS type FROM t ORDER BY rowid')).toEqual([
      { name: 'apple', qty: 3, type: 'integer' },
      { name: 'pear', qty: 5, type: 'integer' },
      { name: 'plum', qty: 7, type: 'integer' },
    ]);
    expect(report(dir, 'win.errors.ndjson')).toEqual([[4, 3, 'line 4, column "qty": expected an integer, got "x"']]);
  });

  it('an inferred schema: the values carry no CR', async () => {
    const dir = setUp({ 'win.csv': 'name,qty\napple,3\r\npear,5\r\n' });
    const run = await barge(dir, ['import', 'win.csv', '--db', 'm.db']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(rows(path.join(dir, 'm.db'), 'SELECT name, qty, typeof(qty) AS type FROM win ORDER BY rowid')).toEqual([
      { name: 'apple', qty: 3, type: 'integer' },
      { name: 'pear', qty: 5, type: 'integer' },
    ]);
  });

  it('a CRLF header over LF rows, a lone CR line and blank lines among them, in a file of many 64 KB reads', async () => {
    let text = 'name,qty\r\n';
    const ends = ['\n', '\r\n', '\r', '\n\n', '\r\r\n'];
    const lineOf: number[] = [];
    let line = 2;
    for (let i = 1; i <= 30_000; i++) {
      lineOf[i] = line;
      const end = ends[i % ends.length]!;
      text += `"item, ${i}",${i % 1000 === 0 ? 'none' : i}${end}`;
      line += end === '\n\n' || end === '\r\r\n' ? 2 : 1;
    }
    const dir = setUp({ 'mixed.csv': text });
    const run = await barge(dir, ['import', 'mixed.csv', '--schema', 's.json', '--db', 'm.db', '--mode', 'row']);
    expect(run.exitCode, run.stderr).toBe(1);
    expect(rows(path.join(dir, 'm.db'), "SELECT count(*) AS n, sum(qty) AS total, sum(name LIKE '%' || char(13) || '%') AS cr FROM t")).toEqual([
      { n: 29_970, total: (30_000 * 30_001) / 2 - (1000 * 30 * 31) / 2, cr: 0 },
    ]);
    const rejected = Array.from({ length: 30 }, (_, k) => (k + 1) * 1000);
    expect(report(dir, 'mixed.errors.ndjson')).toEqual(rejected.map((i) => [lineOf[i], i, `line ${lineOf[i]}, column "qty": expected an integer, got "none"`]));
  });

  it('validate on two threads gives what one thread gives, for a CRLF first line over mixed rows', async () => {
    let text = 'name,qty\r\n';
    for (let i = 1; i <= 20_000; i++) text += `"item, ${i}",${i % 997 === 0 ? 'none' : i}${i % 3 === 0 ? '\n' : i % 3 === 1 ? '\r\n' : '\r'}`;
    const dir = setUp({ 'mixed.csv': text });
    const results = [];
    for (const worker of ['never', 'always']) {
      const run = await barge(dir, ['validate', 'mixed.csv', '--schema', 's.json', '--errors', `r-${worker}.ndjson`, '--json'], { env: { BARGE_WORKER: worker } });
      const summary = JSON.parse(run.stdout);
      results.push({ exitCode: run.exitCode, counts: summary.counts, entries: report(dir, `r-${worker}.ndjson`) });
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[0]!.counts).toEqual({ read: 20_000, valid: 20_000 - 20, rejected: 20 });
    // Every line ending counts one: record i is on line i + 1.
    expect(results[0]!.entries.map(([line, record]) => [line, record])).toEqual(Array.from({ length: 20 }, (_, k) => [(k + 1) * 997 + 1, (k + 1) * 997]));
  });
});

describe('TSV quoting', () => {
  it('a field opening with a quote that never closes is text; the lines after it are their own records', async () => {
    const dir = setUp({ 'c.tsv': 'id\tcomment\n1\t"Great product\n2\tterrible\n3\tsays "ok"\n4\tfine\nx\t"unclosed\r\n6\tlast' }, {
      table: 'c',
      columns: { id: { type: 'integer' }, comment: { type: 'string' } },
    });
    const run = await barge(dir, ['import', 'c.tsv', '--schema', 's.json', '--db', 't.db', '--mode', 'row']);
    expect(run.exitCode, run.stderr).toBe(1);
    expect(rows(path.join(dir, 't.db'), 'SELECT id, comment FROM c ORDER BY id')).toEqual([
      { id: 1, comment: '"Great product' },
      { id: 2, comment: 'terrible' },
      { id: 3, comment: 'says "ok"' },
      { id: 4, comment: 'fine' },
      { id: 6, comment: 'last' },
    ]);
    expect(report(dir, 'c.errors.ndjson')).toEqual([[6, 5, 'line 6, column "id": expected an integer, got "x"']]);
  });

  it("barge's own TSV export (quoted fields with tabs, quotes, line breaks) reads back the same", async () => {
    const values = ['a\tb', 'x"y', 'two\nlines', 'cr\r\nlf', '"starts', 'ends"', '"both"', 'plain', '', '""'];
    const records = values.map((comment, i) => ({ id: i + 1, comment }));
    const schema = { table: 'c', columns: { id: { type: 'integer' }, comment: { type: 'string' } } };
    const dir = setUp({ 'c.json': JSON.stringify(records) }, schema);
    expect((await barge(dir, ['import', 'c.json', '--schema', 's.json', '--db', 'a.db'])).exitCode).toBe(0);
    const exported = await barge(dir, ['export', '--db', 'a.db', '--table', 'c', '--out', 'c.tsv', '--order-by', 'id']);
    expect(exported.exitCode, exported.stderr).toBe(0);
    const back = await barge(dir, ['import', 'c.tsv', '--schema', 's.json', '--db', 'b.db']);
    expect(back.exitCode, back.stderr).toBe(0);
    // An empty field is NULL in CSV/TSV (README: `""` and NULL are one).
    expect(rows(path.join(dir, 'b.db'), 'SELECT id, comment FROM c ORDER BY id')).toEqual(records.map((r) => ({ id: r.id, comment: r.comment === '' ? null : r.comment })));
  });
});

describe('JSON array line ends', () => {
  it('CR-only and CRLF line ends: each record on its own line in the report', async () => {
    const schema = { table: 'a', columns: { id: { type: 'integer' } } };
    for (const [name, text] of [
      ['cr.json', '[\r{"id":1},\r{"id":"x"}\r]'],
      ['crlf.json', '[\r\n{"id":1},\r\n{"id":"x"}\r\n]'],
      ['mixed.json', '[\n{"id":1},\r\n\r{"id":"x"}\r]'],
    ] as const) {
      const dir = setUp({ [name]: text }, schema);
      const run = await barge(dir, ['import', name, '--schema', 's.json', '--db', 'a.db', '--errors', 'r.ndjson']);
      expect(run.exitCode, run.stderr).toBe(1);
      const line = name === 'mixed.json' ? 4 : 3;
      expect(report(dir, 'r.ndjson'), name).toEqual([[line, 2, `line ${line}, column "id": expected an integer, got "x"`]]);
    }
  });
});
