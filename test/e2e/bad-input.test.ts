import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { barge, readNdjson, ROOT, rows } from '../helpers/cli.js';

/**
 * The bad-input corpus (fixtures/bad/corpus/), table-driven. Every file gives either one
 * clear line on stderr and exit 2, or rejected records in the report and exit 1: never a
 * stack trace, never a half-written atomic job. Each case runs in atomic mode (the
 * default); the exit-1 cases also in row mode, where exactly the valid records load.
 *
 * The small text files are committed; the big or binary ones (a 5 MB field, 10,000
 * columns, gzip, NUL bytes, invalid UTF-8, CR-only line ends) are written by
 * fixtures/bad/corpus/make-corpus.mjs into a temporary directory in beforeAll.
 *
 * Runs use --batch-size 2, so that an atomic job has committed savepoints for several
 * batches before it meets the bad record: all of them must be undone.
 */

const CORPUS = path.join(ROOT, 'fixtures/bad/corpus');
const SCHEMA = 'corpus.schema.json';

/** One error of a report entry: the record's line, the column (null: the whole record) and the code. */
interface Rejected {
  line: number;
  column: string | null;
  code: string;
}

interface Case {
  file: string;
  /** Run with --schema corpus.schema.json (table "items"); false: no schema, the table is named after the file. */
  schema?: false;
  exit: 1 | 2;
  /** exit 2: the whole of stderr, one line, without the "barge: error: " prefix. */
  error?: string;
  /** A warning line before the error (`barge: …`). */
  warning?: string;
  /** exit 1: every error of every report entry, in report order. */
  rejected?: Rejected[];
  /** exit 1: the ids a row-mode run loads (the file's valid records). */
  loaded?: number[];
  /**
   * exit 2: refused before the job starts (no records to infer a schema from, a file that does
   * not start as gzip does), so no job is recorded and the database file the run created is
   * removed (SPEC §10 and the README's exit codes: exit 2 writes nothing). Every other run is a
   * job (SPEC §6), recorded as failed when it ends in exit 2 ("failed (rolled back or aborted)").
   */
  noJob?: true;
}

const type = (line: number, column: string): Rejected => ({ line, column, code: 'type' });
const record = (line: number, code: string): Rejected => ({ line, column: null, code });
const HINT_UTF8 = 'pass --encoding windows-1252 (a file from Windows), latin1 or utf16le if the file is not UTF-8';

const CASES: Case[] = [
  // ---- CSV structure ------------------------------------------------------------------------
  {
    file: 'unterminated-quote.csv', exit: 2,
    error: 'unterminated-quote.csv:3, column "name": unterminated quoted field (CSV_QUOTE_NOT_CLOSED); check the quoting on that line',
  },
  {
    file: 'runaway-quote.csv', exit: 2,
    error: 'runaway-quote.csv:3, column "name": a record longer than 16777216 characters, most likely an unterminated quoted field (or a value that long) (CSV_MAX_RECORD_SIZE); check the quoting on that line',
  },
  {
    // `Bench "Pro" Vise`, ` "Saw"`: the record's end is still the line break, so each is a
    // rejected record (kept exactly as read), not the end of the input.
    file: 'quote-inside-unquoted-field.csv', exit: 1,
    rejected: [{ line: 3, column: 'name', code: 'stray_quote' }, { line: 5, column: 'name', code: 'stray_quote' }],
    loaded: [1, 3, 5],
  },
  {
    file: 'text-after-closing-quote.csv', exit: 2,
    error: 'text-after-closing-quote.csv:3, column "name": a closing quote is followed by something other than a delimiter or the end of the line (CSV_INVALID_CLOSING_QUOTE); check the quoting on that line',
  },
  {
    file: 'ragged-rows.csv', exit: 1,
    rejected: [record(3, 'ragged_row'), record(4, 'ragged_row')],
    loaded: [1, 4, 5],
  },
  {
    file: 'wide-row.csv', exit: 1,
    rejected: [record(3, 'ragged_row')],
    loaded: [1, 3],
  },
  {
    file: 'duplicate-header.csv', exit: 2,
    error: 'duplicate-header.csv:1: duplicate column "name" in the header; rename the columns with --columns a,b,c',
  },
  {
    file: 'empty-header-name.csv', exit: 2,
    error: 'empty-header-name.csv:1: column 2 has an empty name in the header; rename the columns with --columns a,b,c',
  },
  {
    file: 'header-trailing-delimiter.csv', exit: 2,
    error: 'header-trailing-delimiter.csv:1: column 4 has an empty name in the header; rename the columns with --columns a,b,c',
  },
  {
    file: 'header-only.csv', noJob: true, schema: false, exit: 2,
    error: 'cannot infer a schema for "header-only": the input has no readable records; pass --schema',
  },
  { file: 'empty.csv', schema: false, exit: 2, noJob: true, warning: 'input "empty.csv" is empty (0 bytes): it holds no records', error: 'cannot infer a schema for "empty": the input has no readable records; pass --schema' },
  { file: 'bom-only.csv', schema: false, exit: 2, noJob: true, error: 'cannot infer a schema for "bom-only": the input has no readable records; pass --schema' },
  {
    file: 'wide-header.csv', noJob: true, schema: false, exit: 2,
    error: 'cannot infer a schema for "wide-header": the input has 10000 columns, and SQLite allows at most 2000 in a table; pass --schema with the columns to keep and "extraColumns": "ignore"',
  },
  {
    // An empty CSV field is missing: line 3's empty colour is no extra value.
    file: 'extra-column.csv', exit: 1,
    rejected: [{ line: 2, column: 'colour', code: 'extra_column' }],
    loaded: [2],
  },
  {
    file: 'duplicate-id.csv', exit: 1,
    rejected: [{ line: 4, column: 'id', code: 'primary_key' }],
    loaded: [1, 2, 3],
  },
  // ---- line ends and line numbers -------------------------------------------------------------
  { file: 'cr-only.csv', exit: 1, rejected: [type(3, 'price'), type(7, 'price')], loaded: [1, 3, 5] },
  { file: 'crlf.csv', exit: 1, rejected: [type(3, 'price'), type(7, 'price')], loaded: [1, 3, 5] },
  { file: 'blank-lines.csv', exit: 1, rejected: [type(6, 'price'), type(9, 'price')], loaded: [1, 3] },
  { file: 'quoted-newlines.csv', exit: 1, rejected: [type(5, 'price'), type(6, 'price')], loaded: [1, 4] },
  // ---- bytes: encoding, NUL, binary, gzip ------------------------------------------------------
  // The bad byte's column in its line (what an editor shows), and its offset in the input.
  { file: 'invalid-utf8.csv', exit: 2, error: `invalid-utf8.csv:4: invalid UTF-8 at column 6 (byte offset 94 in the input); ${HINT_UTF8}` },
  {
    file: 'invalid-utf8-line-start.csv', exit: 2,
    error: `invalid-utf8-line-start.csv:4: invalid UTF-8 at column 1 (byte offset 89 in the input); ${HINT_UTF8}`,
  },
  {
    file: 'invalid-utf8.ndjson', exit: 2,
    error: `invalid-utf8.ndjson:3: invalid UTF-8 at column 29 (byte offset 76 in the input); ${HINT_UTF8}`,
  },
  { file: 'binary.csv', exit: 2, error: `binary.csv:1: invalid UTF-8 at column 1 (byte offset 0 in the input); ${HINT_UTF8}` },
  { file: 'nul-bytes.csv', exit: 1, rejected: [type(3, 'name')], loaded: [1, 3] },
  {
    file: 'truncated.csv.gz', exit: 2,
    error: 'truncated.csv.gz: not a valid gzip file (unexpected end of file): the compressed data stops short, so the file looks truncated (an unfinished download or copy?); get a complete copy',
  },
  {
    file: 'not-gzip.csv.gz', noJob: true, exit: 2,
    error: 'not-gzip.csv.gz: not a valid gzip file (incorrect header check): its name ends in .gz, but it does not start as gzip data does; if it is not compressed, rename it without .gz',
  },
  {
    file: 'gzip-magic-garbage.csv', noJob: true, exit: 2,
    error: 'gzip-magic-garbage.csv: not a valid gzip file (unknown compression method): the compressed data is damaged; get an intact copy (gzip -t gzip-magic-garbage.csv checks one)',
  },
  // ---- a 5 MB field, a line past the record limit ------------------------------------------------
  { file: 'big-field.csv', exit: 1, rejected: [{ line: 3, column: 'name', code: 'too_big' }], loaded: [1, 3, 4] },
  {
    file: 'long-line.ndjson', exit: 2,
    error: 'long-line.ndjson:2: a line longer than 16777216 characters; is this really NDJSON (one object per line)?',
  },
  // ---- values -----------------------------------------------------------------------------------
  {
    file: 'bad-numbers.csv', exit: 1,
    // 1e309, NaN, 0x10, "1,5", Infinity, "1,000"; -2.5e3, .5 and 5. are numbers.
    rejected: [type(3, 'price'), type(4, 'price'), type(5, 'price'), type(6, 'price'), type(7, 'price'), type(10, 'price')],
    loaded: [1, 7, 8, 10],
  },
  {
    file: 'bad-dates.csv', exit: 1,
    // 2024-02-30, 2023-02-29, month 13, 2024-1-5, 05/01/2024, 2024-04-31, a datetime.
    rejected: [3, 4, 5, 6, 7, 8, 9].map((line) => type(line, 'released')),
    loaded: [1, 9],
  },
  {
    file: 'bad-booleans.csv', exit: 1,
    // Y, N, on, y, 2; TRUE, No and 0 are booleans (and t/f, PostgreSQL's: other-tools-files.test.ts).
    rejected: [3, 4, 5, 6, 7].map((line) => type(line, 'active')),
    loaded: [1, 7, 8, 9],
  },
  {
    file: 'bad-ids.csv', exit: 1,
    // 1.0, x, empty (required), beyond 64 bits, 0x1A.
    rejected: [type(3, 'id'), type(4, 'id'), { line: 5, column: 'id', code: 'required' }, { line: 6, column: 'id', code: 'too_big' }, type(7, 'id')],
    loaded: [-7, 1, 2],
  },
  // ---- JSON -----------------------------------------------------------------------------------
  {
    file: 'json-error-at-record-500.json', exit: 2,
    error: 'json-error-at-record-500.json:501: invalid JSON near record 500: expected a property name in double quotes, got \'}\' at column 32; remove the trailing comma',
  },
  {
    file: 'json-error-at-record-500.json.gz', exit: 2,
    error: 'json-error-at-record-500.json.gz:501: invalid JSON near record 500: expected a property name in double quotes, got \'}\' at column 32; remove the trailing comma',
  },
  {
    file: 'json-not-an-array.json', exit: 2,
    error: "json-not-an-array.json: expected a JSON array of objects at the top level, got an object; if it holds one object per line, use --format ndjson; if its records are in an array under a key ({\"data\": [...]}), take them out first, e.g. jq -c '.data[]' json-not-an-array.json | barge import - --format ndjson …",
  },
  { file: 'json-scalar.json', exit: 2, error: 'json-scalar.json: expected a JSON array of objects at the top level, got a number' },
  { file: 'json-trailing-comma.json', exit: 2, error: "json-trailing-comma.json:4: invalid JSON near record 2: expected a record after ',', got ']' at column 1; remove the trailing comma" },
  {
    file: 'json-truncated.json', exit: 2,
    error: 'json-truncated.json:4: invalid JSON near record 3: unexpected end of input, the array is not closed (is the file truncated?)',
  },
  {
    file: 'json-non-objects.json', exit: 1,
    rejected: [3, 4, 5, 6, 8].map((line) => record(line, 'not_an_object')),
    loaded: [1, 6],
  },
  {
    file: 'json-bad-types.json', exit: 1,
    // 1.5 for an integer, an integer JSON cannot keep exact for a string, 1e309, "abc", "Y", 2024-02-30, no id, an extra field;
    // "12.5" and 1 (boolean), "9" and null are accepted.
    rejected: [
      type(3, 'id'), type(4, 'name'), type(5, 'price'), type(6, 'price'), type(7, 'active'), type(8, 'released'),
      { line: 11, column: 'id', code: 'required' }, { line: 12, column: 'tags', code: 'extra_column' },
    ],
    loaded: [1, 8, 9],
  },
  { file: 'deep.json', exit: 1, rejected: [record(3, 'too_deep'), { line: 4, column: 'extra', code: 'extra_column' }], loaded: [1, 4] },
  // ---- NDJSON ---------------------------------------------------------------------------------
  {
    file: 'ndjson-mixed.ndjson', exit: 1,
    // line 2 is blank (skipped, counted); an array, a string, an unquoted key, a line cut off.
    rejected: [record(3, 'not_an_object'), record(4, 'not_an_object'), record(6, 'invalid_json'), record(7, 'invalid_json')],
    loaded: [1, 5],
  },
  { file: 'deep.ndjson', exit: 1, rejected: [record(2, 'too_deep'), { line: 3, column: 'extra', code: 'extra_column' }], loaded: [1, 4] },
];

let generated: string;
/** Every directory this file made: removed at the end (the corpus holds some 40 MB). */
const made: string[] = [];

afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

beforeAll(async () => {
  generated = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-corpus-'));
  made.push(generated);
  await execa('node', [path.join(CORPUS, 'make-corpus.mjs'), generated]);
  for (const name of fs.readdirSync(CORPUS)) {
    if (name !== 'make-corpus.mjs') fs.copyFileSync(path.join(CORPUS, name), path.join(generated, name));
  }
}, 120_000);

/** A fresh working directory holding the case's input and the schema. */
function caseDir(c: Case): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-bad-'));
  made.push(dir);
  fs.copyFileSync(path.join(generated, c.file), path.join(dir, c.file));
  fs.copyFileSync(path.join(generated, SCHEMA), path.join(dir, SCHEMA));
  return dir;
}

function tableOf(c: Case): string {
  return c.schema === false ? c.file.replace(/\..*$/, '') : 'items';
}

async function runCase(c: Case, mode: 'atomic' | 'row') {
  const dir = caseDir(c);
  const args = ['import', c.file, '--mode', mode, '--batch-size', '2', '--errors', 'report.ndjson', '--no-progress'];
  if (c.schema !== false) args.push('--schema', SCHEMA);
  const result = await barge(dir, args);
  return { dir, db: path.join(dir, 'barge.db'), result };
}

function reportOf(dir: string): Rejected[] {
  const file = path.join(dir, 'report.ndjson');
  if (!fs.existsSync(file)) return [];
  return readNdjson(file).flatMap((entry) =>
    (entry._barge_errors as Array<{ column: string | null; code: string }>).map((e) => ({ line: entry._barge_line as number, column: e.column, code: e.code })),
  );
}

function tableRows(db: string, table: string): number | undefined {
  if (!fs.existsSync(db)) return undefined;
  const exists = rows(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", table).length > 0;
  return exists ? (rows<{ n: number }>(db, `SELECT count(*) AS n FROM "${table}"`)[0]!.n) : undefined;
}

function jobStatuses(db: string): string[] {
  if (!fs.existsSync(db)) return [];
  if (rows(db, "SELECT 1 FROM sqlite_master WHERE name = '_barge_jobs'").length === 0) return [];
  return rows<{ status: string }>(db, 'SELECT status FROM _barge_jobs').map((r) => r.status);
}

/** The run's one job has `status`; a case refused before its job started left no job and no database. */
function expectJobs(c: Case, db: string, status: 'failed' | 'partial'): void {
  if (c.noJob) {
    expect(fs.existsSync(db), 'the database file the run created is removed').toBe(false);
    expect(jobStatuses(db)).toEqual([]);
  } else {
    expect(jobStatuses(db)).toEqual([status]);
  }
}

function expectNoStackTrace(stderr: string): void {
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('the bad-input corpus', () => {
  it('has at least 30 files', () => {
    const files = fs.readdirSync(generated).filter((name) => name !== SCHEMA);
    expect(files.length).toBeGreaterThanOrEqual(30);
    // Every corpus file is a case, and every case a corpus file.
    expect(CASES.map((c) => c.file).sort()).toEqual(files.sort());
  });

  for (const c of CASES) {
    it(`${c.file}: atomic, exit ${c.exit}`, async () => {
      const { dir, db, result } = await runCase(c, 'atomic');
      expectNoStackTrace(result.stderr);
      expect(result.exitCode, result.stderr).toBe(c.exit);
      if (c.exit === 2) {
        expect(result.stderr).toBe(`${c.warning === undefined ? '' : `barge: ${c.warning}\n`}barge: error: ${c.error}`);
        expect(fs.existsSync(path.join(dir, 'report.ndjson'))).toBe(false);
      } else {
        expect(reportOf(dir)).toEqual(c.rejected);
        const records = new Set(c.rejected!.map((r) => r.line)).size;
        expect(result.stderr).toContain(`failed: ${records} ${records === 1 ? 'record' : 'records'} rejected, rolled back, nothing was written`);
      }
      // Nothing of the job stays: the table it created is gone ...
      expect(tableRows(db, tableOf(c))).toBeUndefined();
      // ... and the job is recorded as failed, never left running (or, refused before it started, not at all).
      expectJobs(c, db, 'failed');
    });

    it(`${c.file}: row mode, exit ${c.exit}`, async () => {
      const { dir, db, result } = await runCase(c, 'row');
      expectNoStackTrace(result.stderr);
      expect(result.exitCode, result.stderr).toBe(c.exit);
      if (c.exit === 2) {
        // The same one line; batches committed before a malformed spot further down stay, and
        // then the line says how many records they hold, which must be what the table holds.
        const kept = tableRows(db, tableOf(c)) ?? 0;
        if (kept === 0) expect(result.stderr).toBe(`${c.warning === undefined ? '' : `barge: ${c.warning}\n`}barge: error: ${c.error}`);
        else {
          const escaped = c.error!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          expect(result.stderr).toMatch(new RegExp(`^barge: error: ${escaped} \\(job [\\w-]+: the \\d+ batch(es)? committed before this, ${kept.toLocaleString('en-US')} records?, stay\\)$`));
        }
        expectJobs(c, db, 'failed');
        return;
      }
      expect(reportOf(dir)).toEqual(c.rejected);
      expect(rows<{ id: number }>(db, 'SELECT id FROM items ORDER BY id').map((r) => r.id)).toEqual(c.loaded);
      expectJobs(c, db, 'partial');
    });
  }
});

describe('the messages of rejected records', () => {
  it('say the line, the column, what was expected and what was read', async () => {
    const byFile = async (file: string) => {
      const { dir, result } = await runCase(CASES.find((c) => c.file === file)!, 'row');
      expect(result.exitCode).toBe(1);
      return readNdjson(path.join(dir, 'report.ndjson')).map((entry) => entry._barge_errors[0].message as string);
    };
    expect(await byFile('bad-numbers.csv')).toEqual([
      'line 3, column "price": expected a number, got "1e309" (too large for a double)',
      'line 4, column "price": expected a number, got "NaN"',
      'line 5, column "price": expected a number, got "0x10"',
      'line 6, column "price": expected a number, got "1,5"',
      'line 7, column "price": expected a number, got "Infinity"',
      'line 10, column "price": expected a number, got "1,000"',
    ]);
    const json = await byFile('json-bad-types.json');
    // JSON's 1e309 is Infinity once parsed: the message says so, not "null".
    expect(json[2]).toBe('line 5, column "price": expected a number, got Infinity (too large for a double: JSON readers read it as Infinity)');
    expect(json[1]).toBe(
      'line 4, column "name": expected a string, got 12345678901234567000 (JSON readers round integers beyond 2^53: quote it in the input to keep its digits)',
    );
    expect((await byFile('nul-bytes.csv'))[0]).toBe('line 3, column "name": expected text without NUL (\\u0000) characters, got "Ham\\u0000\\u0000mer"');
    expect((await byFile('big-field.csv'))[0]).toBe('line 3, column "name": expected at most 1000 characters, got 5242880');
    expect(await byFile('ragged-rows.csv')).toEqual(['line 3: expected 5 fields, got 6', 'line 4: expected 5 fields, got 2']);
    expect(await byFile('quote-inside-unquoted-field.csv')).toEqual([
      'line 3, column "name": a quote inside an unquoted field: quote the whole field and double the quotes ("Bench ""Pro"" Vise")',
      'line 5, column "name": a field has a space before its opening quote: remove it, so that the field reads "Saw"',
    ]);
    expect(await byFile('deep.ndjson')).toEqual([
      'line 2: nested deeper than 100 levels (field "name"); barge reads at most 100: flatten the value, or give it as a JSON string',
      'line 3, column "extra": unexpected column "extra" (not in the schema; set "extraColumns": "ignore" to drop it)',
    ]);
  });

  it('a JSON value read as Infinity is kept as "Infinity" in the report, so feeding the report back rejects it again', async () => {
    const { dir, result } = await runCase(CASES.find((c) => c.file === 'json-bad-types.json')!, 'row');
    expect(result.exitCode).toBe(1);
    const entry = readNdjson(path.join(dir, 'report.ndjson')).find((e) => e._barge_line === 5)!;
    expect(entry.price).toBe('Infinity');
    expect(entry._barge_errors[0].value).toBe('Infinity');
    fs.writeFileSync(path.join(dir, 'retry.ndjson'), JSON.stringify(entry) + '\n');
    const retry = await barge(dir, ['import', 'retry.ndjson', '--schema', SCHEMA, '--mode', 'row', '--errors', 'retry.errors.ndjson']);
    expect(retry.exitCode).toBe(1);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT id FROM items WHERE id = 4')).toEqual([]);
  });
});

describe('inputs without records, given a schema', () => {
  for (const file of ['empty.csv', 'header-only.csv', 'bom-only.csv']) {
    it(`${file}: exit 0, an empty table`, async () => {
      const dir = caseDir({ file, exit: 2 });
      const result = await barge(dir, ['import', file, '--schema', SCHEMA, '--json']);
      expectNoStackTrace(result.stderr);
      expect(result.exitCode, result.stderr).toBe(0);
      const summary = JSON.parse(result.stdout);
      expect(summary.counts).toEqual({ read: 0, inserted: 0, updated: 0, ignored: 0, rejected: 0 });
      // A file of 0 bytes (a failed download) is said to be one; a header alone is a file of no records.
      expect(summary.warnings).toEqual(file === 'empty.csv' ? ['input "empty.csv" is empty (0 bytes): it holds no records'] : []);
      expect(tableRows(path.join(dir, 'barge.db'), 'items')).toBe(0);
      const checked = await barge(dir, ['validate', file, '--schema', SCHEMA, '--json']);
      expect(checked.exitCode, checked.stderr).toBe(0);
      expect(JSON.parse(checked.stdout).warnings).toEqual(summary.warnings);
    });
  }
});
