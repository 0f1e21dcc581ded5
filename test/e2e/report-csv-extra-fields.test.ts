import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { BIN, barge, readNdjson, rows, workdir } from '../helpers/cli.js';
import { waitForBatches } from '../helpers/waits.js';

/**
 * A CSV report's header was fixed by its first entry: a field that first appeared in a later
 * rejected record was left out of the report, and importing the report loaded that record
 * without it, the very field it had been rejected for. The report now has a column for every
 * field of every entry, and the retry rejects the record again.
 */

const SCHEMA = {
  table: 't',
  primaryKey: ['id'],
  columns: { id: { type: 'integer', required: true }, name: { type: 'string', required: true } },
};

const HEADER = '_barge_job,_barge_input,_barge_line,_barge_record,_barge_batch,_barge_errors,_barge_text,_barge_raw,id,name';

function setUp(files: Record<string, string>): string {
  const dir = workdir();
  fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify(SCHEMA));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8');
const tableRows = (dir: string) => rows(path.join(dir, 'd.db'), 'SELECT id, name FROM t ORDER BY id');

/** A report's CSV with some columns removed: the user's fix for columns not in the schema. */
function withoutColumns(text: string, drop: string[]): string {
  const records = parse(text) as string[][];
  const keep = records[0]!.map((name, i) => (drop.includes(name) ? -1 : i)).filter((i) => i >= 0);
  const quote = (field: string) => (/[",\n\r]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field);
  return records.map((record) => keep.map((i) => quote(record[i]!)).join(',')).join('\n') + '\n';
}

describe('a CSV report holds the fields of every entry, not only those of the first', () => {
  it('NDJSON: a later record\'s extra field has a column; imported unfixed, the record is rejected again', async () => {
    const dir = setUp({ 'in.ndjson': '{"id":1}\n{"id":2,"name":"b","note":"keep me"}\n' });
    let result = await barge(dir, ['import', 'in.ndjson', '--schema', 's.json', '--db', 'd.db', '--mode', 'row', '--errors', 'rep.csv', '--job-id', 'j1', '--quiet']);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(read(dir, 'rep.csv')).toBe([
      `${HEADER},note`,
      'j1,in.ndjson,1,1,1,"[{""column"":""name"",""code"":""required"",""message"":""line 1, column \\""name\\"": is required"",""value"":null}]",,,1,,',
      'j1,in.ndjson,2,2,1,"[{""column"":""note"",""code"":""extra_column"",""message"":""line 2, column \\""note\\"": unexpected column \\""note\\"" (not in the schema; set \\""extraColumns\\"": \\""ignore\\"" to drop it)"",""value"":""keep me""}]",,,2,b,keep me',
      '',
    ].join('\n'));
    // No temporary file of the rewrite is left beside it.
    expect(fs.readdirSync(dir).filter((name) => name.startsWith('.'))).toEqual([]);

    // Unfixed: nothing loads (it loaded 2|b, without its note, exit 0 for that record).
    result = await barge(dir, ['import', 'rep.csv', '--table', 't', '--db', 'd.db', '--mode', 'row', '--job-id', 'j2', '--quiet']);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(tableRows(dir)).toEqual([]);
    const again = readNdjson(path.join(dir, 'rep.errors.ndjson'));
    expect(again.map((e) => [e.id, e.note, e._barge_errors.map((x: { code: string; column: string }) => `${x.code} ${x.column}`)])).toEqual([
      // Its empty note is a missing field, no extra one.
      ['1', '', ['required name']],
      ['2', 'keep me', ['extra_column note']],
    ]);

    // Fixed (a name for 1, the note column removed): both load.
    fs.writeFileSync(path.join(dir, 'rep.csv'), withoutColumns(read(dir, 'rep.csv'), ['note']).replace(',,,1,\n', ',,,1,a\n'));
    result = await barge(dir, ['import', 'rep.csv', '--table', 't', '--db', 'd.db', '--mode', 'row', '--job-id', 'j3', '--quiet']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(tableRows(dir)).toEqual([{ id: 1, name: 'a' }, { id: 2, name: 'b' }]);
  });

  it('CSV inputs: the second input\'s extra columns, after the first input\'s rejected row', async () => {
    const dir = setUp({ 'h1.csv': 'id,name\n1,\n', 'h2.csv': 'id,name,code,n,extra\n2,b,X,3,"e,1"\n' });
    let result = await barge(dir, ['import', 'h1.csv', 'h2.csv', '--schema', 's.json', '--db', 'd.db', '--mode', 'row', '--errors', 'rep.csv', '--job-id', 'j1', '--quiet']);
    expect(result.exitCode, result.stderr).toBe(1);
    const extra = (line: number, column: string, value: string) =>
      `{""column"":""${column}"",""code"":""extra_column"",""message"":""line ${line}, column \\""${column}\\"": unexpected column \\""${column}\\"" (not in the schema; set \\""extraColumns\\"": \\""ignore\\"" to drop it)"",""value"":""${value}""}`;
    expect(read(dir, 'rep.csv')).toBe([
      `${HEADER},code,n,extra`,
      'j1,h1.csv,2,1,1,"[{""column"":""name"",""code"":""required"",""message"":""line 2, column \\""name\\"": is required"",""value"":""""}]",true,,1,,,,',
      `j1,h2.csv,2,1,1,"[${extra(2, 'code', 'X')},${extra(2, 'n', '3')},${extra(2, 'extra', 'e,1')}]",true,,2,b,X,3,"e,1"`,
      '',
    ].join('\n'));

    result = await barge(dir, ['import', 'rep.csv', '--table', 't', '--db', 'd.db', '--mode', 'row', '--job-id', 'j2', '--quiet']);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(tableRows(dir)).toEqual([]);
    const again = readNdjson(path.join(dir, 'rep.errors.ndjson'));
    expect(again[1]).toMatchObject({ id: '2', name: 'b', code: 'X', n: '3', extra: 'e,1' });
    expect(again[1]!._barge_errors.map((x: { column: string }) => x.column)).toEqual(['code', 'n', 'extra']);

    fs.writeFileSync(path.join(dir, 'rep.csv'), withoutColumns(read(dir, 'rep.csv'), ['code', 'n', 'extra']).replace(',true,,1,\n', ',true,,1,a\n'));
    result = await barge(dir, ['import', 'rep.csv', '--table', 't', '--db', 'd.db', '--mode', 'row', '--job-id', 'j3', '--quiet']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(tableRows(dir)).toEqual([{ id: 1, name: 'a' }, { id: 2, name: 'b' }]);
  });

  it('a report left by a killed run, its later fields still beyond the header: imported, that row is rejected, not loaded short', async () => {
    // As the report is on disk until it is closed: the field name and value after the header's fields.
    const dir = setUp({
      'in.ndjson': '{"id":1,"name":"a"}\n',
      'rep.csv': `${HEADER}\nj1,in.ndjson,1,1,1,[],,,1,a\nj1,in.ndjson,2,2,1,[],,,2,b,note,keep me\n`,
    });
    await barge(dir, ['import', 'in.ndjson', '--schema', 's.json', '--db', 'd.db', '--quiet']);
    const result = await barge(dir, ['import', 'rep.csv', '--table', 't', '--db', 'd.db', '--mode', 'row', '--on-conflict', 'ignore', '--job-id', 'j2', '--quiet']);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(tableRows(dir)).toEqual([{ id: 1, name: 'a' }]);
    const [entry] = readNdjson(path.join(dir, 'rep.errors.ndjson'));
    expect(entry).toMatchObject({
      _barge_line: 3,
      _barge_errors: [{ code: 'ragged_row', message: 'line 3: expected 10 fields, got 12' }],
      _barge_raw: 'j1,in.ndjson,2,2,1,[],,,2,b,note,keep me',
      '(extra field 1)': 'note',
      '(extra field 2)': 'keep me',
    });
  });

  it('interrupted and resumed: the report stays as the checkpoints measured it until the job ends, then has every field under its column', async () => {
    // Every 3rd record is rejected (qty), every 21st also has a field the schema lacks. The
    // report's header is written with record 3, which has none.
    const dir = workdir();
    const total = 60_000;
    const lines: string[] = [];
    for (let id = 1; id <= total; id++) {
      lines.push(JSON.stringify({ id, name: `item ${id}`, qty: id % 3 === 0 ? 'none' : id % 1000, ...(id % 21 === 0 ? { note: `n${id}` } : {}) }));
    }
    fs.writeFileSync(path.join(dir, 'numbered.ndjson'), `${lines.join('\n')}\n`);
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 'numbered', columns: { id: { type: 'integer', required: true }, name: { type: 'string', required: true }, qty: { type: 'integer', min: 0 } } }));
    const db = path.join(dir, 'barge.db');
    const run = execa('node', [BIN, 'import', 'numbered.ndjson', '--schema', 's.json', '--mode', 'row', '--batch-size', '1000', '--errors', 'report.csv'], {
      cwd: dir, reject: false, env: { ...process.env, BARGE_DB: '', NO_COLOR: '1' },
    });
    const job = await waitForBatches(db, 3);
    run.kill('SIGTERM');
    expect((await run).exitCode).toBe(130);

    // Between the runs: the header as the first entry made it, a later field as name and value beyond it.
    const between = parse(read(dir, 'report.csv'), { relax_column_count: true }) as string[][];
    expect(between[0]!.slice(-3)).toEqual(['id', 'name', 'qty']);
    const ragged = between.slice(1).filter((row) => row.length > between[0]!.length);
    expect(ragged.length).toBeGreaterThan(0);
    for (const row of ragged) expect(row.slice(between[0]!.length)).toEqual(['note', `n${row[between[0]!.indexOf('id')]}`]);

    const resumed = await barge(dir, ['import', '--resume', job.id]);
    expect(resumed.exitCode, resumed.stderr).toBe(1);
    const report = parse(read(dir, 'report.csv'), { columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(report[0]!).slice(-4)).toEqual(['id', 'name', 'qty', 'note']);
    expect(report).toHaveLength(total / 3);
    const wrong = report.findIndex((entry, i) => {
      const id = 3 * (i + 1);
      return entry.id !== String(id) || entry.note !== (id % 21 === 0 ? `n${id}` : '');
    });
    expect(wrong).toBe(-1);
  });

  it('a stdin job interrupted (which no --resume can continue) has its report widened as it ends', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 'numbered', columns: { id: { type: 'integer', required: true }, name: { type: 'string', required: true }, qty: { type: 'integer', min: 0 } } }));
    const run = execa('node', [BIN, 'import', '-', '--schema', 's.json', '--mode', 'row', '--batch-size', '100', '--errors', 'report.csv', '--format', 'ndjson'], {
      cwd: dir, reject: false, stdin: 'pipe', env: { ...process.env, BARGE_DB: '', NO_COLOR: '1' },
    });
    const lines: string[] = [];
    for (let id = 1; id <= 3000; id++) lines.push(JSON.stringify({ id, name: `item ${id}`, qty: id % 3 === 0 ? 'none' : 1, ...(id > 1000 && id % 21 === 0 ? { note: `n${id}` } : {}) }));
    run.stdin!.write(`${lines.join('\n')}\n`);
    // stdin stays open: the job waits for more until it is interrupted.
    await waitForBatches(path.join(dir, 'barge.db'), 20);
    run.kill('SIGINT');
    expect((await run).exitCode).toBe(130);
    const records = parse(read(dir, 'report.csv'), { relax_column_count: true }) as string[][];
    expect(new Set(records.map((record) => record.length)).size).toBe(1);
    expect(records[0]!.slice(-4)).toEqual(['id', 'name', 'qty', 'note']);
    expect(records).toHaveLength(1 + 1000);
  });

  it('a job its finish left "running" (a lock held then) after --max-errors stopped it: run again, it reads on, n more rejections', async () => {
    const dir = workdir();
    const lines: string[] = [];
    for (let id = 1; id <= 5000; id++) lines.push(JSON.stringify({ id, name: `n${id}`, qty: id % 1000 === 0 ? -1 : 1 }));
    fs.writeFileSync(path.join(dir, 'in.ndjson'), `${lines.join('\n')}\n`);
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 'items', primaryKey: ['id'], columns: { id: { type: 'integer', required: true }, name: { type: 'string', required: true }, qty: { type: 'integer', min: 0 } } }));
    const args = ['import', 'in.ndjson', '--schema', 's.json', '--mode', 'batch', '--batch-size', '500', '--max-errors', '2', '--job-id', 'J', '--errors', 'r.csv'];
    const first = await barge(dir, args);
    expect(first.exitCode).toBe(1);
    expect(first.stderr.split('\n').slice(0, 2)).toEqual([
      'barge: import of in.ndjson into "items": stopped after 2 rejected records (--max-errors), 1,000 loaded; the rest of the input was not read: continue with: barge import --resume J',
      '  read 2,000, inserted 1,000, rejected 1,000',
    ]);
    const db = path.join(dir, 'barge.db');
    const count = () => rows<{ n: number }>(db, 'SELECT count(*) AS n FROM items')[0]!.n;
    const loaded = count();
    // As a finish that could not be recorded leaves it (its process gone).
    const writer = new Database(db);
    writer.prepare("UPDATE _barge_jobs SET status = 'running', finished_at = NULL WHERE id = 'J'").run();
    writer.close();
    const again = await barge(dir, args);
    expect(again.exitCode).toBe(1);
    expect(again.stderr.split('\n').slice(0, 3)).toEqual([
      'barge: job "J" was left running: resuming it after batch 4',
      'barge: import of in.ndjson into "items": stopped after 2 rejected records (--max-errors), 2,000 loaded; the rest of the input was not read: continue with: barge import --resume J',
      '  read 4,000, inserted 2,000, rejected 2,000',
    ]);
    // Rejected: 1000 and 2000 (batches 2 and 4 rolled back), then 3000 and 4000 by the resumed run.
    expect(loaded).toBe(1000);
    expect(count()).toBe(2000);
    expect(rows(db, "SELECT status, read_count, error FROM _barge_jobs WHERE id = 'J'")).toEqual([{ status: 'failed', read_count: 4000, error: 'stopped after 2 rejected records (--max-errors)' }]);
    const report = parse(read(dir, 'r.csv'), { columns: true }) as Array<Record<string, string>>;
    expect(report.filter((entry) => entry._barge_errors.includes('"too_small"')).map((entry) => entry.id)).toEqual(['1000', '2000', '3000', '4000']);
    expect(report).toHaveLength(2000);
  });

  for (const mode of ['atomic', 'row']) {
    it(`a job whose end cannot be recorded (a lock then; here a trigger) leaves its report as its checkpoints measured it only if it can be resumed (${mode})`, async () => {
      const dir = workdir();
      fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 'r', primaryKey: ['id'], columns: { id: { type: 'integer' }, v: { type: 'integer' } } }));
      fs.writeFileSync(path.join(dir, 'a.ndjson'), '{"id":1,"v":"x"}\n{"id":2,"v":"y","z":1}\n{"id":3,"v":3}\n');
      expect((await barge(dir, ['import', 'a.ndjson', '--schema', 's.json', '--mode', 'row', '--quiet', '--errors', 'first.csv'])).exitCode).toBe(1);
      const db = new Database(path.join(dir, 'barge.db'));
      db.exec("CREATE TRIGGER nofinish BEFORE UPDATE OF status ON _barge_jobs WHEN NEW.status IN ('failed', 'partial') BEGIN SELECT RAISE(ABORT, 'as a lock would'); END");
      db.close();
      const result = await barge(dir, ['import', 'a.ndjson', '--table', 'r', '--mode', mode, '--errors', 'r.csv', '--job-id', `J${mode}`, '--quiet', '--on-conflict', 'update']);
      if (mode === 'atomic') {
        // Rolled back for its rejected record: exit 1 as before (the word on its record is a
        // warning, which --quiet keeps off stderr).
        expect(result.exitCode).toBe(1);
      } else {
        // It read all its input, and its end was not recorded: exit 3, saying so (it was exit 1, the record left "running" unsaid).
        expect(result.exitCode).toBe(3);
        expect(result.stderr).toContain('job Jrow ran to its end (partial: read 3, ');
      }
      const widths = (parse(read(dir, 'r.csv'), { relax_column_count: true }) as string[][]).map((record) => record.length);
      if (mode === 'atomic') {
        // Atomic: nothing to resume, so widened now.
        expect(new Set(widths).size).toBe(1);
      } else {
        // Row mode, left "running": the resume continues the report from its checkpoint, then widens it.
        expect(new Set(widths).size).toBe(2);
        const fix = new Database(path.join(dir, 'barge.db'));
        fix.exec('DROP TRIGGER nofinish');
        fix.close();
        const resumed = await barge(dir, ['import', 'a.ndjson', '--table', 'r', '--mode', mode, '--errors', 'r.csv', '--job-id', `J${mode}`, '--quiet', '--on-conflict', 'update']);
        expect(resumed.exitCode).toBe(1);
        const report = parse(read(dir, 'r.csv'), { columns: true }) as Array<Record<string, string>>;
        expect(report.map((entry) => [entry.id, entry.z])).toEqual([['1', ''], ['2', '1']]);
      }
    });
  }

  it('1e400 in a field the schema ignores does not make a fixed entry unreadable', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 'q', primaryKey: ['id'], extraColumns: 'ignore', columns: { id: { type: 'integer' }, price: { type: 'number', max: 100 } } }));
    fs.writeFileSync(path.join(dir, 'j.ndjson'), '{"id":1,"price":500,"junk":1e400}\n');
    expect((await barge(dir, ['import', 'j.ndjson', '--schema', 's.json', '--mode', 'row', '--quiet'])).exitCode).toBe(1);
    fs.writeFileSync(path.join(dir, 'j.errors.ndjson'), read(dir, 'j.errors.ndjson').replace('"price":500', '"price":50'));
    expect((await barge(dir, ['import', 'j.errors.ndjson', '--table', 'q', '--mode', 'row', '--quiet'])).exitCode).toBe(0);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT id, price FROM q')).toEqual([{ id: 1, price: 50 }]);
  });

  it('a rejected NDJSON record holding 1e400 (nested too) keeps its text in _barge_raw: fed back unfixed, it is rejected again', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'n.json'), JSON.stringify({ table: 'n', columns: { s: { type: 'string' }, j: { type: 'json' } } }));
    fs.writeFileSync(path.join(dir, 'n.ndjson'), '{"s":1e400}\n{"j":{"x":[1,-1e400]}}\n');
    expect((await barge(dir, ['import', 'n.ndjson', '--schema', 'n.json', '--mode', 'row'])).exitCode).toBe(1);
    expect(readNdjson(path.join(dir, 'n.errors.ndjson')).map((entry) => entry._barge_raw)).toEqual(['{"s":1e400}', '{"j":{"x":[1,-1e400]}}']);
    const retry = await barge(dir, ['import', 'n.errors.ndjson', '--table', 'n', '--mode', 'row']);
    expect(retry.exitCode).toBe(1);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n FROM n')).toEqual([{ n: 0 }]);
  });
});

