import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { barge, readNdjson, rows } from '../helpers/cli.js';

/**
 * The messages of NDJSON lines and JSON arrays that are not valid JSON: one line, with the
 * line and column of the first offending character (V8's JSON.parse names no position for
 * an unexpected token, and quotes it raw, line breaks included), and an empty JSON input
 * refused like a truncated one.
 */

const made: string[] = [];
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** A temporary directory holding the given files. */
function dirWith(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-json-errors-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

function tableExists(db: string, table: string): boolean {
  return rows(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", table).length > 0;
}

function jobs(db: string): Array<{ status: string; error: string | null }> {
  return rows(db, 'SELECT status, error FROM _barge_jobs');
}

/** Any C0 control character or DEL. */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f]/;

const SCHEMA = JSON.stringify({ table: 't', columns: { id: { type: 'integer' } } });
/** For the records of the files below (a schema: without one, the error would come while inferring it). */
const WIDE_SCHEMA = JSON.stringify({
  table: 'w',
  columns: Object.fromEntries(['id', 'x', 'y', 'z'].map((name) => [name, { type: 'integer' }]).concat(
    ['name', 'note'].map((name) => [name, { type: 'string' }]),
    [['ok', { type: 'boolean' }]],
  )),
});

describe('a JSON array with a syntax error', () => {
  it('names the line and column of the offending character, not the line its record starts on', async () => {
    const far = '[\n  {"id": 1,\n   "name": "a",\n   "note": "b",\n   "x": 1,\n   "y": 2,\n   "z": @\n  }\n]\n';
    const dir = dirWith({ 'far.json': far, 'w.schema.json': WIDE_SCHEMA });
    const result = await barge(dir, ['import', 'far.json', '--schema', 'w.schema.json', '--db', 'd.db', '--json', '--no-progress']);
    const message = "far.json:7: invalid JSON near record 1: expected a value, got '@' at column 9";
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(`barge: error: ${message}`);
    // The column is a position, said in the message; `column` names a column of the table (none here).
    expect(JSON.parse(result.stdout)).toEqual({
      command: 'import',
      error: { code: 'input', message, input: 'far.json', line: 7, column: null },
      exitCode: 2,
    });
    const db = path.join(dir, 'd.db');
    expect(tableExists(db, 'w')).toBe(false);
    expect(jobs(db)).toEqual([{ status: 'failed', error: message }]);
  });

  it('stays one line where V8 quotes a line break', async () => {
    const nl = '[\n  {"id": 1, "ok": true},\n  {"id": 2,\n   "ok": tru\n  }\n]\n';
    const dir = dirWith({ 'nl.json': nl, 'w.schema.json': WIDE_SCHEMA });
    const result = await barge(dir, ['import', 'nl.json', '--schema', 'w.schema.json', '--db', 'd.db', '--no-progress']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe("barge: error: nl.json:4: invalid JSON near record 2: expected a value, got 'tru' at column 10; did you mean true?");
    expect(tableExists(path.join(dir, 'd.db'), 'w')).toBe(false);
    expect(jobs(path.join(dir, 'd.db')).map((job) => job.status)).toEqual(['failed']);
  });

  it('says where a control character is, shown escaped', async () => {
    const dir = dirWith({ 'tab.json': '[\n  {"id": 1, "name": "a\tb"}\n]\n', 'bell.json': '[{"id": 1},\r\n {"id": \u0007}]', 'w.schema.json': WIDE_SCHEMA });
    const tab = await barge(dir, ['import', 'tab.json', '--schema', 'w.schema.json', '--db', 'd.db', '--no-progress']);
    expect(tab.exitCode).toBe(2);
    expect(tab.stderr).toBe("barge: error: tab.json:2: invalid JSON near record 1: unescaped '\\t' inside a string at column 23; write it as \\t");
    const bell = await barge(dir, ['import', 'bell.json', '--schema', 'w.schema.json', '--db', 'd.db', '--no-progress']);
    expect(bell.exitCode).toBe(2);
    expect(bell.stderr).toBe('barge: error: bell.json:2: invalid JSON near record 2: expected a value, got U+0007 at column 9');
    expect(tableExists(path.join(dir, 'd.db'), 'w')).toBe(false);
    expect(jobs(path.join(dir, 'd.db')).map((job) => job.status)).toEqual(['failed', 'failed']);
  });
});

describe('an NDJSON line that is not JSON', () => {
  it('is a rejected record whose message has its column and no raw control character', async () => {
    const dir = dirWith({ 'cr.ndjson': '{"id":1}\n{"id":tru\r}\n{"id":3,"name":"a\tb"}\n{"id":4}\n' });
    const result = await barge(dir, ['import', 'cr.ndjson', '--db', 'd.db', '--mode', 'row', '--no-progress']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).not.toMatch(CONTROL);
    const first = "line 2: not valid JSON: expected a value, got 'tru' at column 7; did you mean true?";
    const second = "line 3: not valid JSON: unescaped '\\t' inside a string at column 18; write it as \\t";
    expect(result.stderr.split('\n')).toContain(`  cr.ndjson:${first}`);
    const report = readNdjson(path.join(dir, 'cr.errors.ndjson'));
    expect(report.map((entry) => [entry._barge_line, entry._barge_record, entry._barge_errors, entry._barge_raw])).toEqual([
      [2, 2, [{ column: null, code: 'invalid_json', message: first, value: '{"id":tru\r}' }], '{"id":tru\r}'],
      [3, 3, [{ column: null, code: 'invalid_json', message: second, value: '{"id":3,"name":"a\tb"}' }], '{"id":3,"name":"a\tb"}'],
    ]);
    expect(rows(path.join(dir, 'd.db'), 'SELECT id FROM cr ORDER BY id')).toEqual([{ id: 1 }, { id: 4 }]);
    expect(jobs(path.join(dir, 'd.db')).map((job) => job.status)).toEqual(['partial']);
  });

  it('names the column of an unexpected token in the --json summary too', async () => {
    const dir = dirWith({ 'far.ndjson': '{"id": 1}\n{"id": 2, "name": "a", "note": "b", "z": @}\n', 'w.schema.json': WIDE_SCHEMA });
    const result = await barge(dir, ['import', 'far.ndjson', '--schema', 'w.schema.json', '--db', 'd.db', '--mode', 'row', '--json', '--no-progress']);
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.stdout).firstErrors).toEqual(["far.ndjson:line 2: not valid JSON: expected a value, got '@' at column 42"]);
    expect(rows(path.join(dir, 'd.db'), 'SELECT id FROM w')).toEqual([{ id: 1 }]);
  });
});

describe('an empty JSON input', () => {
  it('is an error (exit 2), like a truncated one, not a job that loaded nothing', async () => {
    const dir = dirWith({ 'empty.json': '', 'blank.json': ' \n\t\r\n', 'none.json': '[]\n', 't.schema.json': SCHEMA });
    const db = path.join(dir, 'd.db');
    const empty = await barge(dir, ['import', 'empty.json', '--schema', 't.schema.json', '--db', 'd.db', '--json', '--no-progress']);
    const message = 'empty.json: expected a JSON array of objects, got an empty input; a JSON input with no records is []';
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toBe(`barge: error: ${message}`);
    expect(JSON.parse(empty.stdout)).toEqual({
      command: 'import',
      error: { code: 'input', message, input: 'empty.json', line: null, column: null },
      exitCode: 2,
    });
    expect(tableExists(db, 't')).toBe(false);
    expect(jobs(db)).toEqual([{ status: 'failed', error: message }]);

    const blank = await barge(dir, ['import', 'blank.json', '--schema', 't.schema.json', '--db', 'd.db', '--no-progress']);
    expect(blank.exitCode).toBe(2);
    expect(blank.stderr).toBe('barge: error: blank.json: expected a JSON array of objects, got only whitespace; a JSON input with no records is []');
    expect(tableExists(db, 't')).toBe(false);

    // `[]` is the JSON input with no records.
    const none = await barge(dir, ['import', 'none.json', '--schema', 't.schema.json', '--db', 'd.db', '--json', '--no-progress']);
    expect(none.exitCode, none.stderr).toBe(0);
    expect(JSON.parse(none.stdout)).toMatchObject({ status: 'succeeded', counts: { read: 0, inserted: 0, rejected: 0 } });
    expect(rows(db, 'SELECT count(*) AS n FROM t')).toEqual([{ n: 0 }]);
  });

  it('from stdin with --format json is the same error', async () => {
    const dir = dirWith({ 't.schema.json': SCHEMA });
    for (const [input, got] of [['', 'an empty input'], ['\n  \n', 'only whitespace']] as const) {
      const result = await barge(dir, ['import', '-', '--format', 'json', '--schema', 't.schema.json', '--db', 'd.db', '--no-progress'], { input });
      expect(result.exitCode, JSON.stringify(input)).toBe(2);
      expect(result.stderr).toBe(`barge: error: stdin: expected a JSON array of objects, got ${got}; a JSON input with no records is []`);
    }
    expect(tableExists(path.join(dir, 'd.db'), 't')).toBe(false);
  });

  it('fails validate too', async () => {
    const dir = dirWith({ 'empty.json': '', 't.schema.json': SCHEMA });
    const result = await barge(dir, ['validate', 'empty.json', '--schema', 't.schema.json', '--no-progress']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe('barge: error: empty.json: expected a JSON array of objects, got an empty input; a JSON input with no records is []');
  });
});
