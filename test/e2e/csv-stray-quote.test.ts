import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { barge, readNdjson, rows, workdir } from '../helpers/cli.js';

// A quote inside an unquoted CSV field (`3,5" screen`) is a rejected record, not the end of the
// input: the field cannot hold a line break, so the record ends at the line break as usual. In
// row mode the other records load (exit 1); in atomic mode nothing does (exit 1); the report
// keeps the record's text exactly as read (`_barge_raw`) and its fields (the quote as data).
// The validation worker keeps a rejected record as it is (never re-read from its text), so the
// worker and the in-thread reading give the same report, also for a record split between two
// reads of the file (every 64 KiB boundary of the big file below falls inside one).

const SCHEMA = { table: 't', columns: { id: { type: 'integer' }, v: { type: 'string' } } };

function setUp(files: Record<string, string>, schema: object = SCHEMA): string {
  const dir = workdir();
  fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify(schema));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/** The report's entries without the job id (it differs from run to run). */
function report(dir: string, file: string): Array<Record<string, unknown>> {
  return readNdjson(path.join(dir, file)).map(({ _barge_job: _job, ...entry }) => entry);
}

function jobStatuses(db: string): string[] {
  return rows<{ status: string }>(db, 'SELECT status FROM _barge_jobs').map((r) => r.status);
}

const STRAY = 'id,v\n1,a\n2,b\n3,5" screen\n4,d\n';
// The error names the field's column (it said column null).
const STRAY_MESSAGE = 'line 4, column "v": a quote inside an unquoted field: quote the whole field and double the quote ("5"" screen")';

describe('a quote inside an unquoted CSV field', () => {
  it('row mode: the record is rejected and reported exactly as read, the others load, exit 1', async () => {
    const dir = setUp({ 'stray.csv': STRAY });
    const run = await barge(dir, ['import', 'stray.csv', '--schema', 's.json', '--db', 'p.db', '--mode', 'row', '--batch-size', '1']);
    expect(run.exitCode, run.stderr).toBe(1);
    expect(run.stderr).toContain('barge: import of stray.csv into "t": partial: 1 record rejected, 3 loaded\n');
    expect(run.stderr).toContain(`\n  stray.csv:${STRAY_MESSAGE}\n`);
    expect(rows(path.join(dir, 'p.db'), 'SELECT id, v FROM t ORDER BY id')).toEqual([
      { id: 1, v: 'a' },
      { id: 2, v: 'b' },
      { id: 4, v: 'd' },
    ]);
    expect(report(dir, 'stray.errors.ndjson')).toEqual([
      {
        _barge_input: 'stray.csv',
        _barge_line: 4,
        _barge_record: 3,
        _barge_batch: 3,
        _barge_errors: [{ column: 'v', code: 'stray_quote', message: STRAY_MESSAGE, value: '3,5" screen' }],
        _barge_text: true,
        _barge_raw: '3,5" screen',
        id: '3',
        v: '5" screen',
      },
    ]);
    expect(jobStatuses(path.join(dir, 'p.db'))).toEqual(['partial']);
  });

  it('atomic mode: everything rolls back, exit 1, the report lists the record', async () => {
    const dir = setUp({ 'stray.csv': STRAY });
    const run = await barge(dir, ['import', 'stray.csv', '--schema', 's.json', '--db', 'p.db', '--batch-size', '1']);
    expect(run.exitCode, run.stderr).toBe(1);
    expect(run.stderr).toContain('barge: import of stray.csv into "t": failed: 1 record rejected, rolled back, nothing was written\n');
    expect(rows(path.join(dir, 'p.db'), "SELECT name FROM sqlite_master WHERE name = 't'")).toEqual([]);
    expect(report(dir, 'stray.errors.ndjson').map((e) => [e._barge_line, e._barge_record, e._barge_raw, e._barge_errors])).toEqual([
      [4, 3, '3,5" screen', [{ column: 'v', code: 'stray_quote', message: STRAY_MESSAGE, value: '3,5" screen' }]],
    ]);
    expect(jobStatuses(path.join(dir, 'p.db'))).toEqual(['failed']);
  });

  it('says when a field has spaces before its opening quote, and keeps a record spanning lines exactly', async () => {
    // Lines 3-4 and 7-8 are records of two lines; 7-8's stray quote is in its last field.
    const text = 'id,v,w\r\n1, "x",w1\r\n2,"two\r\nlines",\r\n3,  "a,b"\r\n4,"ok",\r\n5,"q\r\nr""", x"\r\n';
    const dir = setUp({ 'sp.csv': text }, { ...SCHEMA, columns: { ...SCHEMA.columns, w: { type: 'string' } } });
    const run = await barge(dir, ['import', 'sp.csv', '--schema', 's.json', '--db', 'p.db', '--mode', 'row', '--errors', 'r.ndjson']);
    expect(run.exitCode, run.stderr).toBe(1);
    expect(report(dir, 'r.ndjson').map((e) => [e._barge_line, e._barge_raw, e._barge_errors, e.v, e.w])).toEqual([
      [
        2,
        '1, "x",w1',
        [{ column: 'v', code: 'stray_quote', message: 'line 2, column "v": a field has a space before its opening quote: remove it, so that the field reads "x"', value: '1, "x",w1' }],
        ' "x"',
        'w1',
      ],
      [
        5,
        '3,  "a,b"',
        [{ column: 'v', code: 'stray_quote', message: 'line 5, column "v": a field has 2 spaces before its opening quote: remove them', value: '3,  "a,b"' }],
        '  "a',
        'b"',
      ],
      [
        7,
        '5,"q\r\nr""", x"',
        [{ column: 'w', code: 'stray_quote', message: 'line 7, column "w": a quote inside an unquoted field: quote the whole field and double the quote (" x""")', value: '5,"q\r\nr""", x"' }],
        'q\r\nr"',
        ' x"',
      ],
    ]);
    expect(rows(path.join(dir, 'p.db'), 'SELECT id, v, w FROM t ORDER BY id')).toEqual([
      { id: 2, v: 'two\r\nlines', w: null },
      { id: 4, v: 'ok', w: null },
    ]);
  });

  it('text after a closing quote still stops the input: where a quoted field was meant to end is unknown', async () => {
    const dir = setUp({ 'c.csv': 'id,v\n1,a"b\n2,"x\ny" z\n3,c\n' });
    const run = await barge(dir, ['import', 'c.csv', '--schema', 's.json', '--db', 'p.db', '--mode', 'row']);
    expect(run).toEqual({
      exitCode: 2,
      stdout: '',
      stderr:
        'barge: error: c.csv:4, column "v": a closing quote is followed by something other than a delimiter or the end of the line (CSV_INVALID_CLOSING_QUOTE); check the quoting on that line',
    });
  });

  it('in the header: the input stops (its names are needed), unless --columns replaces them', async () => {
    const dir = setUp({ 'h.csv': 'i"d,v\n1,a\n' });
    expect(await barge(dir, ['import', 'h.csv', '--schema', 's.json', '--db', 'p.db'])).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: 'barge: error: h.csv:1: in the header, a quote inside an unquoted field: quote the whole field and double the quote ("i""d")',
    });
    const renamed = await barge(dir, ['import', 'h.csv', '--schema', 's.json', '--db', 'p.db', '--columns', 'id,v', '--quiet']);
    expect(renamed).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect(rows(path.join(dir, 'p.db'), 'SELECT id, v FROM t')).toEqual([{ id: 1, v: 'a' }]);
  });
});

interface Made {
  text: string;
  /** The report entries of the records with a stray quote, in order (without _barge_batch). */
  strays: Array<Record<string, unknown>>;
  /** How many stray records lie across a 64 KiB boundary: one per boundary. */
  across: number;
  /** Record numbers of the duplicated ids (rejected by SQLite), and the ids that load. */
  duplicates: number[];
  loaded: number[];
}

/**
 * A CSV of over 1 MiB (the worker's threshold), CRLF: a stray quote every 997th record, one after
 * a quoted field of two lines every 1499th, one across each 64 KiB boundary (alternately of each
 * kind), and every 1000th id a duplicate that SQLite rejects (the worker fetches it back).
 */
function bigCsv(count: number): Made {
  const eol = '\r\n';
  let text = 'id,name,note' + eol;
  let line = 2;
  let boundary = 1 << 16;
  let across = 0;
  const strays: Made['strays'] = [];
  const duplicates: number[] = [];
  const loaded: number[] = [];
  for (let i = 1; i <= count; i++) {
    const id = i % 1000 === 0 ? i - 7 : i;
    const near = boundary - text.length < 120;
    let record: string;
    let lines = 1;
    if (near || i % 997 === 0 || i % 1499 === 0) {
      const spanning = near ? across++ % 2 === 1 : i % 1499 === 0;
      const pad = near ? ' ' + 'p'.repeat(130) : '';
      let name: string;
      let note: string;
      if (spanning) {
        name = `two${eol}lines ${i}${pad}`;
        note = `x"${i}`;
        record = `${id},"${name}",${note}`;
        lines = 2;
      } else {
        name = `name ${i}${pad}`;
        note = `${i}" screen`;
        record = `${id},${name},${note}`;
      }
      if (near) {
        // The record starts before the boundary and ends after it.
        expect(text.length).toBeLessThan(boundary);
        expect(text.length + record.length).toBeGreaterThan(boundary);
        boundary += 1 << 16;
      }
      strays.push({
        _barge_input: 'big.csv',
        _barge_line: line,
        _barge_record: i,
        _barge_errors: [
          {
            column: 'note',
            code: 'stray_quote',
            message: `line ${line}, column "note": a quote inside an unquoted field: quote the whole field and double the quote ("${note.replace('"', '""')}")`,
            value: record,
          },
        ],
        _barge_text: true,
        _barge_raw: record,
        id: String(id),
        name,
        note,
      });
    } else {
      record = `${id},name ${i},${i % 3 === 0 ? `"a, ""b"" ${i}"` : `note ${i}`}`;
      if (id !== i) duplicates.push(i);
      else loaded.push(i);
    }
    text += record + eol;
    line += lines;
  }
  return { text, strays, across, duplicates, loaded };
}

const BIG_SCHEMA = {
  table: 'items',
  primaryKey: ['id'],
  columns: { id: { type: 'integer', required: true }, name: { type: 'string', required: true }, note: { type: 'string' } },
};

describe('a quote inside an unquoted CSV field, in a big file: in the validation worker and in this thread', () => {
  const made = bigCsv(45_000);

  for (const worker of ['never', 'always', 'default']) {
    it(`import --mode row, BARGE_WORKER=${worker}`, async () => {
      // The file is what the test needs (default: big enough for the worker).
      expect(Buffer.byteLength(made.text)).toBeGreaterThan(1 << 20);
      expect(made.across).toBe(Math.floor(made.text.length / (1 << 16)));
      expect(made.across).toBeGreaterThan(15);
      expect(made.strays.length).toBeGreaterThan(made.across + 70);
      expect(made.duplicates.length).toBe(45);
      const dir = setUp({ 'big.csv': made.text }, BIG_SCHEMA);
      const env = worker === 'default' ? {} : { BARGE_WORKER: worker };
      const run = await barge(dir, ['import', 'big.csv', '--schema', 's.json', '--db', 'p.db', '--mode', 'row', '--batch-size', '100', '--errors', 'r.ndjson', '--json'], { env });
      expect(run.exitCode, run.stderr).toBe(1);
      expect(JSON.parse(run.stdout).counts).toEqual({
        read: 45_000,
        inserted: made.loaded.length,
        updated: 0,
        ignored: 0,
        rejected: made.strays.length + made.duplicates.length,
      });
      const entries = report(dir, 'r.ndjson');
      const strays = entries.filter((e) => (e._barge_errors as Array<{ code: string }>)[0]!.code === 'stray_quote');
      expect(strays).toEqual(made.strays.map((e) => ({ ...e, _barge_batch: Math.ceil((e._barge_record as number) / 100) })));
      const others = entries.filter((e) => !strays.includes(e));
      expect(others.map((e) => [e._barge_record, (e._barge_errors as Array<{ code: string }>)[0]!.code])).toEqual(
        made.duplicates.map((no) => [no, 'primary_key']),
      );
      const ids = rows<{ id: number }>(path.join(dir, 'p.db'), 'SELECT id FROM items ORDER BY id').map((r) => r.id);
      expect(ids).toEqual(made.loaded);
    });
  }

  it('import --mode atomic in the worker: nothing written, every record reported', async () => {
    const dir = setUp({ 'big.csv': made.text }, BIG_SCHEMA);
    const run = await barge(dir, ['import', 'big.csv', '--schema', 's.json', '--db', 'p.db', '--errors', 'r.ndjson', '--json'], { env: { BARGE_WORKER: 'always' } });
    expect(run.exitCode, run.stderr).toBe(1);
    expect(JSON.parse(run.stdout).counts.inserted).toBe(0);
    expect(rows(path.join(dir, 'p.db'), "SELECT name FROM sqlite_master WHERE name = 'items'")).toEqual([]);
    const strays = report(dir, 'r.ndjson').filter((e) => (e._barge_errors as Array<{ code: string }>)[0]!.code === 'stray_quote');
    expect(strays.map(({ _barge_batch: _b, ...e }) => e)).toEqual(made.strays);
  });

  for (const worker of ['never', 'always']) {
    it(`validate, BARGE_WORKER=${worker} (always: the file is read in two halves)`, async () => {
      const dir = setUp({ 'big.csv': made.text }, BIG_SCHEMA);
      const run = await barge(dir, ['validate', 'big.csv', '--schema', 's.json', '--db', 'p.db', '--errors', 'r.ndjson', '--json'], { env: { BARGE_WORKER: worker } });
      expect(run.exitCode, run.stderr).toBe(1);
      expect(JSON.parse(run.stdout).counts.rejected).toBe(made.strays.length);
      expect(report(dir, 'r.ndjson').map(({ _barge_batch: _b, ...e }) => e)).toEqual(made.strays);
    });
  }
});
