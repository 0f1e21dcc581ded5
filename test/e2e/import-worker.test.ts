import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { barge, BIN, rows as dbRows, workdir } from '../helpers/cli.js';
import { execa } from 'execa';
import { bargeWithin } from '../helpers/process-waits.js';

// An import whose records are read and checked by the validation worker must give what an
// import read in this thread gives: the same rows, report, exit code and messages. The worker
// keeps the records it sent until the import says it will not report them, packed
// (pipeline/packed-records.ts): a CSV record by its text as read, unless a field holds a line
// break; a record that then fails in SQLite (here: a duplicate key) is fetched back from it.
// BARGE_WORKER=always uses the worker even for these small files.

const SCHEMA = {
  table: 'items',
  primaryKey: ['id'],
  columns: {
    id: { type: 'integer', required: true, min: 1 },
    name: { type: 'string', required: true },
    price: { type: 'number', min: 0 },
    note: { type: 'string' },
  },
};

function rows(count: number, delimiter: string, quoteNote: boolean): string {
  const lines = [['id', 'name', 'price', 'note'].join(delimiter)];
  for (let i = 1; i <= count; i++) {
    // Every 50th id repeats an earlier one: a PRIMARY KEY failure, found only by SQLite.
    const id = i % 50 === 0 ? i - 7 : i;
    const name = i % 7 === 0 ? `\ufeffname ${i}` : `name ${i}`;
    const price = i % 61 === 0 ? 'free' : (i / 4).toFixed(2);
    let note = i % 3 === 0 ? `a note, "quoted" ${i}` : `note ${i}`;
    if (i % 11 === 0) note = `two\nlines ${i}`;
    if (quoteNote) note = `"${note.replaceAll('"', '""')}"`;
    else note = note.replaceAll('\n', ' ');
    lines.push([id, name, price, note].join(delimiter));
  }
  return lines.join('\r\n') + '\r\n';
}

async function importBothWays(file: string, text: string) {
  const results = [];
  for (const worker of ['never', 'always']) {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'schema.json'), JSON.stringify(SCHEMA));
    fs.writeFileSync(path.join(dir, file), text);
    const run = await barge(dir, ['import', file, '--schema', 'schema.json', '--db', 'out.db', '--mode', 'row', '--errors', 'report.ndjson', '--batch-size', '100'], { env: { BARGE_WORKER: worker } });
    const db = new Database(path.join(dir, 'out.db'), { readonly: true });
    const table = db.prepare('SELECT * FROM items ORDER BY id').all();
    db.close();
    const entries = fs.readFileSync(path.join(dir, 'report.ndjson'), 'utf8').trim().split('\n').map((line) => {
      const entry = JSON.parse(line);
      delete entry._barge_job;
      return entry;
    });
    results.push({ exitCode: run.exitCode, stderr: run.stderr.replaceAll(dir, 'DIR').replace(/job \S+|\d[\d,]* records\/s|\d+\.\d+ s/g, ''), table, entries });
  }
  return { inThread: results[0]!, inWorker: results[1]! };
}

describe('import through the validation worker gives what an import in one thread gives', () => {
  it('CSV: quoted fields, doubled quotes, line breaks in fields, a leading BOM; duplicate keys fetched back from the worker', async () => {
    const { inThread, inWorker } = await importBothWays('items.csv', rows(600, ',', true));
    expect(inThread.exitCode).toBe(1);
    // 12 duplicates (every 50th), 9 invalid prices (every 61st).
    expect(inThread.table).toHaveLength(600 - 12 - 9);
    const duplicates = inThread.entries.filter((entry) => JSON.stringify(entry).includes('already'));
    expect(duplicates).toHaveLength(12);
    expect(inWorker).toEqual(inThread);
  });

  it('TSV: quotes are data', async () => {
    const { inThread, inWorker } = await importBothWays('items.tsv', rows(300, '\t', false).replaceAll('note 1', '"note" 1'));
    expect(inThread.exitCode).toBe(1);
    expect(inThread.table).toHaveLength(300 - 6 - 4);
    expect(inWorker).toEqual(inThread);
  });

  it('NDJSON whose first line does not parse: the records fetched back for duplicate keys are the lines read', async () => {
    // The first chunk the worker kept began with a record that had no text: the texts of the
    // others were misplaced, fetching one back failed in the worker, and the import waited
    // for an answer that never came (Node exited with code 13 and no message).
    const { inThread, inWorker } = await importBothWays('items.ndjson', ndjsonRows(600));
    expect(inThread.exitCode).toBe(1);
    // 12 duplicates, 9 invalid prices; 1 + 13 lines that are no records of the schema's.
    expect(inThread.table).toHaveLength(600 - 12 - 9);
    expect(inThread.entries).toHaveLength(12 + 9 + 1 + 13);
    const duplicate = inThread.entries.find((entry) => JSON.stringify(entry).includes('already'));
    expect(duplicate).toMatchObject({ id: 43, name: 'name 50', note: 'a "note", 50' });
    expect(inWorker).toEqual(inThread);
  });
});

/** NDJSON that opens with a line that does not parse; CRLF, blank lines, bad lines and duplicate keys further on. */
function ndjsonRows(count: number): string {
  const lines = ['{"id": 1, "name": "cut short"'];
  for (let i = 1; i <= count; i++) {
    const id = i % 50 === 0 ? i - 7 : i;
    const price = i % 61 === 0 ? '"free"' : String(i / 4);
    if (i % 37 === 0) lines.push('');
    if (i % 43 === 0) lines.push('[1, 2]');
    lines.push(`{"id":${id},"name":"name ${i}","price":${price},"note":"a \\"note\\", ${i}"}`);
  }
  return lines.join('\r\n') + '\r\n';
}

describe('an atomic import through the worker records its inputs checksums as the worker read them', () => {
  const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

  async function jobInputs(worker: string, files: Record<string, Buffer | string>, args: string[]) {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'schema.json'), JSON.stringify(SCHEMA));
    for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), bytes);
    const run = await barge(dir, ['import', ...Object.keys(files), '--schema', 'schema.json', '--db', 'out.db', '--job-id', 'j1', ...args], { env: { BARGE_WORKER: worker } });
    const db = new Database(path.join(dir, 'out.db'), { readonly: true });
    const row = db.prepare("SELECT inputs, status FROM _barge_jobs WHERE id = 'j1'").get() as { inputs: string; status: string };
    db.close();
    return { dir, exitCode: run.exitCode, status: row.status, inputs: JSON.parse(row.inputs) as Array<{ path: string; sha256: string | null; size: number }> };
  }

  it('the same sha256 as hashing beforehand, for a plain and a gzipped input', async () => {
    const files = { 'a.csv': rows(200, ',', true), 'b.csv.gz': zlib.gzipSync(rows(100, ',', true).replace(/^1,/m, '1000,')) };
    const inWorker = await jobInputs('always', files, ['--mode', 'atomic', '--on-conflict', 'ignore']);
    const inThread = await jobInputs('never', files, ['--mode', 'atomic', '--on-conflict', 'ignore']);
    expect(inWorker.inputs.map((input) => input.sha256)).toEqual([sha256(path.join(inWorker.dir, 'a.csv')), sha256(path.join(inWorker.dir, 'b.csv.gz'))]);
    expect(inWorker.inputs.map(({ path: _p, ...rest }) => rest)).toEqual(inThread.inputs.map(({ path: _p, ...rest }) => rest));
    expect([inWorker.status, inThread.status]).toEqual(['failed', 'failed']);
  });

  it('kept when the job is rolled back for its rejected records', async () => {
    const { dir, exitCode, status, inputs } = await jobInputs('always', { 'a.csv': rows(120, ',', true) }, ['--mode', 'atomic']);
    expect([exitCode, status]).toEqual([1, 'failed']);
    expect(inputs[0]!.sha256).toBe(sha256(path.join(dir, 'a.csv')));
  });
});

describe('checksums of an atomic import: the worker hashes CSV as it reads, the import thread NDJSON in its waits', () => {
  const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

  it('an NDJSON input and a CSV input in one job: both checksums are the files\' sha256', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'schema.json'), JSON.stringify(SCHEMA));
    fs.writeFileSync(path.join(dir, 'a.ndjson'), Array.from({ length: 300 }, (_, i) => JSON.stringify({ id: i + 1, name: `n${i}`, price: i, note: 'x' })).join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'b.csv'), 'id,name,price,note\n' + Array.from({ length: 300 }, (_, i) => `${i + 1001},m${i},${i},y`).join('\n') + '\n');
    for (const files of [['a.ndjson'], ['a.ndjson', 'b.csv']]) {
      fs.rmSync(path.join(dir, 'out.db'), { force: true });
      const run = await barge(dir, ['import', ...files, '--schema', 'schema.json', '--db', 'out.db', '--job-id', 'j1'], { env: { BARGE_WORKER: 'always' } });
      expect(run.exitCode).toBe(0);
      const inputs = JSON.parse(dbRows<{ inputs: string }>(path.join(dir, 'out.db'), "SELECT inputs FROM _barge_jobs WHERE id = 'j1'")[0]!.inputs) as Array<{ sha256: string | null }>;
      expect(inputs.map((input) => input.sha256)).toEqual(files.map((file) => sha256(path.join(dir, file))));
      expect(dbRows(path.join(dir, 'out.db'), 'SELECT count(*) AS n FROM items')).toEqual([{ n: files.length * 300 }]);
    }
  });
});

describe('checksums taken by the worker when the job stops early', () => {
  it('--max-errors stops an atomic CSV job in its second input: the inputs the worker read whole keep their sha256', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 't', columns: { id: { type: 'integer' }, name: { type: 'string' } } }));
    fs.writeFileSync(path.join(dir, 'a.csv'), 'id,name\n' + Array.from({ length: 1000 }, (_, i) => `${i + 1},x`).join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'b.csv'), 'id,name\nbad,x\n');
    const run = await barge(dir, ['import', 'a.csv', 'b.csv', '--schema', 's.json', '--db', 't.db', '--max-errors', '1', '--job-id', 'j'], { env: { BARGE_WORKER: 'always' } });
    expect(run.exitCode).toBe(1);
    const inputs = JSON.parse(dbRows<{ inputs: string }>(path.join(dir, 't.db'), "SELECT inputs FROM _barge_jobs WHERE id = 'j'")[0]!.inputs) as Array<{ sha256: string | null }>;
    const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, file))).digest('hex');
    expect(inputs[0]!.sha256).toBe(sha256('a.csv'));
  });

  it('40 inputs, each checksum sent once as its input is read whole: all 40 recorded; stopped in the 30th, the 29 before it (and none of an input not read)', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 't', columns: { id: { type: 'integer' }, name: { type: 'string' } } }));
    const files = Array.from({ length: 40 }, (_, f) => `f${String(f).padStart(2, '0')}.csv`);
    files.forEach((file, f) => {
      fs.writeFileSync(path.join(dir, file), 'id,name\n' + Array.from({ length: 50 }, (_, i) => `${f * 50 + i + 1},x${f}`).join('\n') + '\n');
    });
    const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, file))).digest('hex');
    const recorded = (db: string, job: string) => (JSON.parse(dbRows<{ inputs: string }>(path.join(dir, db), `SELECT inputs FROM _barge_jobs WHERE id = '${job}'`)[0]!.inputs) as Array<{ sha256: string | null }>).map((input) => input.sha256);

    const whole = await barge(dir, ['import', ...files, '--schema', 's.json', '--db', 'all.db', '--job-id', 'all'], { env: { BARGE_WORKER: 'always' } });
    expect(whole.exitCode, whole.stderr).toBe(0);
    expect(recorded('all.db', 'all')).toEqual(files.map(sha256));
    expect(dbRows(path.join(dir, 'all.db'), 'SELECT count(*) AS n FROM t')).toEqual([{ n: 2000 }]);

    fs.writeFileSync(path.join(dir, files[29]!), 'id,name\nbad,x\n');
    const stopped = await barge(dir, ['import', ...files, '--schema', 's.json', '--db', 'some.db', '--max-errors', '1', '--job-id', 'some'], { env: { BARGE_WORKER: 'always' } });
    expect(stopped.exitCode).toBe(1);
    const sums = recorded('some.db', 'some');
    expect(sums.slice(0, 29)).toEqual(files.slice(0, 29).map(sha256));
    // The worker reads up to 8 chunks ahead: an input after the 30th may have been read whole too.
    sums.slice(30).forEach((sum, i) => expect([null, sha256(files[30 + i]!)]).toContain(sum));
    expect(sums.at(-1)).toBe(null);
  });
});

describe('the validation worker started from bin/barge.js before the CLI loads', () => {
  it('is ended when the import keeps to one thread after all (a small input, a big file named as the report)', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'schema.json'), JSON.stringify(SCHEMA));
    fs.writeFileSync(path.join(dir, 'small.csv'), 'id,name,price,note\n1,a,1,x\n2,b,2,y\n');
    // Over the 1 MB that starts a worker early; read by nothing, since no record is rejected.
    fs.writeFileSync(path.join(dir, 'old.errors.ndjson'), 'x'.repeat(1_200_000));
    // A worker left running holds the process open: killed after 30 s, the run is timedOut.
    const run = await bargeWithin(dir, ['import', 'small.csv', '--schema', 'schema.json', '--db', 'out.db', '--errors', 'old.errors.ndjson', '--json']);
    expect(run.timedOut, run.stderr).toBe(false);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout).counts).toMatchObject({ read: 2, inserted: 2, rejected: 0 });
    expect(dbRows(path.join(dir, 'out.db'), 'SELECT id, name FROM items ORDER BY id')).toEqual([{ id: 1, name: 'a' }, { id: 2, name: 'b' }]);
  });

  it('does not hold up a run that fails before it needs the worker: a bad schema exits 2 with its message', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ table: 'items', columns: { id: { type: 'integr' } } }));
    fs.writeFileSync(path.join(dir, 'big.csv'), 'id\n' + '1\n'.repeat(600_000));
    const run = await barge(dir, ['import', 'big.csv', '--schema', 'bad.json', '--db', 'out.db']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe('barge: error: schema bad.json: columns.id.type: expected one of string|integer|number|boolean|date|datetime|json, got "integr"');
    expect(run.stdout).toBe('');
    expect(fs.existsSync(path.join(dir, 'out.db'))).toBe(false);
  });
});

describe('progress through the worker', () => {
  it('the percent shown follows the records written, not the worker reading up to 8 chunks ahead', async () => {
    const dir = workdir();
    const lines = ['id,name'];
    for (let i = 1; i <= 30_000; i++) lines.push(`${i},name ${i} ${'x'.repeat(36)}`);
    fs.writeFileSync(path.join(dir, 'p.csv'), lines.join('\n') + '\n');
    const run = await barge(dir, ['import', 'p.csv', '--db', 'p.db', '--progress', '--batch-size', '2', '--mode', 'row'], {
      env: { BARGE_WORKER: 'always', BARGE_PROGRESS_INTERVAL_MS: '100' },
    });
    expect(run.exitCode, run.stderr).toBe(0);
    const shown = [...run.stderr.matchAll(/^barge: (\d+)% \| ([\d,]+) records/gm)].map((m) => ({ percent: Number(m[1]), done: Number(m[2]!.replaceAll(',', '')) / 300 }));
    expect(shown.length).toBeGreaterThan(3);
    // A chunk of the worker is ~1,200 of these records (4%): the percent may run that far ahead.
    for (const { percent, done } of shown) expect(percent).toBeLessThanOrEqual(Math.ceil(done) + 6);
  });
});

it('a named pipe with BARGE_WORKER=always is read in this thread: the worker, opening it again, found it drained ("succeeded", 0 records read)', async () => {
  const dir = workdir();
  fs.writeFileSync(path.join(dir, 'one.csv'), 'id,v\n1,a\n2,b\n');
  const result = await execa('bash', ['-c', `mkfifo pipe.csv && (cat one.csv > pipe.csv &) && exec node "${BIN}" import pipe.csv --table f --json`], {
    cwd: dir, reject: false, env: { ...process.env, BARGE_DB: '', NO_COLOR: '1', BARGE_WORKER: 'always' },
  });
  expect(result.exitCode, String(result.stderr)).toBe(0);
  expect(JSON.parse(String(result.stdout)).counts).toMatchObject({ read: 2, inserted: 2 });
  expect(dbRows(path.join(dir, 'barge.db'), 'SELECT id, v FROM f ORDER BY id')).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }]);
});
