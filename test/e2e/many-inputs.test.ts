import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, rows, workdir } from '../helpers/cli.js';
import { waitForBatches } from '../helpers/waits.js';

// `barge import logs/*.csv`: every input was opened (a file handle and a read ahead each)
// before the first was read, so 10,000 files failed with EMFILE under the usual limit of
// 1024 open files (exit 3, nothing loaded), and memory grew with the number of inputs.
// Now an input is opened for its format, closed, and opened again when its turn comes.

function makeInputs(dir: string, files: number, rowsPerFile: number): string[] {
  fs.mkdirSync(path.join(dir, 'in'));
  const names: string[] = [];
  let id = 1;
  for (let f = 0; f < files; f++) {
    let text = 'id,name\n';
    for (let r = 0; r < rowsPerFile; r++, id++) text += `${id},n${id}\n`;
    const name = `in/f${String(f).padStart(5, '0')}.csv${f % 3 === 0 ? '.gz' : ''}`;
    fs.writeFileSync(path.join(dir, name), f % 3 === 0 ? zlib.gzipSync(text) : text);
    names.push(name);
  }
  return names;
}

async function underLimit(dir: string, limit: number, args: string[]) {
  const quoted = args.map((arg) => `'${arg}'`).join(' ');
  return execa('bash', ['-c', `ulimit -n ${limit} && exec node '${BIN}' ${quoted}`], {
    cwd: dir, reject: false, env: { ...process.env, BARGE_DB: '', NO_COLOR: '1' },
  });
}

describe('many inputs in one run', () => {
  it.each(['row', 'atomic'])('%s: 1,500 files (a third gzipped) under a limit of 256 open files: every row, once, in order', async (mode) => {
    const dir = workdir();
    const inputs = makeInputs(dir, 1500, 4);
    const result = await underLimit(dir, 256, ['import', ...inputs, '--table', 'many', '--db', 'm.db', '--mode', mode, '--json']);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(JSON.parse(String(result.stdout)).counts).toMatchObject({ read: 6000, inserted: 6000, rejected: 0 });
    const db = path.join(dir, 'm.db');
    expect(rows(db, 'SELECT count(*) AS n, count(DISTINCT id) AS d, min(id) AS lo, max(id) AS hi FROM many')).toEqual([{ n: 6000, d: 6000, lo: 1, hi: 6000 }]);
    // Loaded in the order given: rowid order is id order.
    expect(rows(db, 'SELECT count(*) AS n FROM many WHERE rowid <> id')).toEqual([{ n: 0 }]);
    // A job of files records each input, with its format and checksum (row mode: resumable).
    const job = rows<{ inputs: string }>(db, 'SELECT inputs FROM _barge_jobs')[0]!;
    const recorded = JSON.parse(job.inputs) as Array<{ path: string; format: string; sha256: string | null }>;
    expect(recorded).toHaveLength(1500);
    expect(recorded.every((input) => input.format === 'csv')).toBe(true);
    if (mode === 'row') expect(recorded.every((input) => /^[0-9a-f]{64}$/.test(input.sha256 ?? ''))).toBe(true);
  });

  it('validate: the same files under the same limit, with a bad record in the last one reported at its file and line', async () => {
    const dir = workdir();
    const inputs = makeInputs(dir, 1500, 4);
    fs.appendFileSync(path.join(dir, inputs.at(-1)!), 'x,bad\n');
    const load = await underLimit(dir, 256, ['import', inputs[1]!, '--table', 'many', '--db', 'm.db', '--quiet']);
    expect(load.exitCode, String(load.stderr)).toBe(0);
    const result = await underLimit(dir, 256, ['validate', ...inputs, '--table', 'many', '--db', 'm.db', '--json']);
    expect(result.exitCode, String(result.stderr)).toBe(1);
    const summary = JSON.parse(String(result.stdout));
    expect(summary.counts).toEqual({ read: 6001, valid: 6000, rejected: 1 });
    expect(summary.firstErrors).toEqual([`${inputs.at(-1)}:line 6, column "id": expected an integer, got "x"`]);
  });
});

describe('an input removed or replaced before its turn', () => {
  it.each(['always', 'never'])('BARGE_WORKER=%s: exit 3 naming it, the committed batches stay (it was exit 2, "a usage error", or the new content loaded)', async (worker) => {
    const dir = workdir();
    let first = 'id,name\n';
    for (let id = 1; id <= 200_000; id++) first += `${id},n${id}\n`;
    fs.writeFileSync(path.join(dir, 'first.csv'), first);
    fs.writeFileSync(path.join(dir, 'gone.csv'), 'id,name\n200001,last\n');
    const child = execa('node', [BIN, 'import', 'first.csv', 'gone.csv', '--table', 't', '--db', 'g.db', '--mode', 'row', '--batch-size', '5'], {
      cwd: dir, reject: false, env: { ...process.env, BARGE_DB: '', NO_COLOR: '1', BARGE_WORKER: worker },
    });
    await waitForBatches(path.join(dir, 'g.db'), 2);
    fs.rmSync(path.join(dir, 'gone.csv'));
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(3);
    const said = /^barge: error: input "gone\.csv" was removed after the job started, before its turn to be read; put it back as it was and resume it: barge import --resume (\S+) --db g\.db \(job (\S+): the ([\d,]+) batches committed before this, ([\d,]+) records, stay\)$/.exec(String(result.stderr));
    expect(said, String(result.stderr)).not.toBeNull();
    const [, resumeId, jobId, batches, records] = said!;
    expect(resumeId).toBe(jobId);
    // What the message counts is what stays: the batches of 5 of first.csv committed, ids 1 to the last.
    const committed = Number(batches!.replaceAll(',', ''));
    const kept = Number(records!.replaceAll(',', ''));
    expect(kept).toBe(committed * 5);
    expect(rows(path.join(dir, 'g.db'), 'SELECT count(*) AS n, min(id) AS lo, max(id) AS hi FROM t')).toEqual([{ n: kept, lo: 1, hi: kept }]);
    // The job row keeps the advice printed, not "try again" (a new import loaded the batches twice).
    expect(rows(path.join(dir, 'g.db'), 'SELECT id, status, batches_committed AS b, inserted, error FROM _barge_jobs')).toEqual([{
      id: jobId, status: 'failed', b: committed, inserted: kept,
      error: `input "gone.csv" was removed after the job started, before its turn to be read; put it back as it was and resume it: barge import --resume ${jobId} --db g.db`,
    }]);
  });

  it('after stdin: the job row says to load the rest under a new --job-id, as printed (it said "try again": a job of stdin cannot be resumed)', async () => {
    const dir = workdir();
    let first = 'id,name\n';
    for (let id = 1; id <= 3000; id++) first += `${id},n${id}\n`;
    fs.writeFileSync(path.join(dir, 'gone.csv'), 'id,name\n9001,last\n');
    const child = execa('node', [BIN, 'import', '-', 'gone.csv', '--table', 't', '--db', 'g.db', '--mode', 'batch', '--batch-size', '1000', '--format', 'csv'], {
      cwd: dir, reject: false, env: { ...process.env, BARGE_DB: '', NO_COLOR: '1' },
    });
    child.stdin!.write(first);
    await waitForBatches(path.join(dir, 'g.db'), 3);
    fs.rmSync(path.join(dir, 'gone.csv'));
    child.stdin!.end();
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(3);
    const advice = 'input "gone.csv" was removed after the job started, before its turn to be read; put it back as it was and load the rest under a new --job-id (a job that read stdin or a pipe cannot be resumed)';
    const [job] = rows(path.join(dir, 'g.db'), 'SELECT id, status, inserted, error FROM _barge_jobs') as { id: string }[];
    expect(String(result.stderr).trim()).toBe(`barge: error: ${advice} (job ${job!.id}: the 3 batches committed before this, 3,000 records, stay)`);
    expect(job).toEqual({ id: job!.id, status: 'failed', inserted: 3000, error: advice });
  });
});

describe('inputs with no column in common (two tables\' files given to one import)', () => {
  const warning = 'input "products.csv" has no column in common with "makers.csv": all inputs of a run are records of one table; to load each into a table of its own, import them one at a time';

  it.each(['always', 'never'])('BARGE_WORKER=%s: warned, in --json too, for import and validate (one table of both files\' columns was made, each row half NULL, without a word)', async (worker) => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'makers.csv'), 'id,name\nM-1,Acme\n');
    fs.writeFileSync(path.join(dir, 'products.csv'), 'sku,price\nS-1,2.5\n');
    const env = { ...process.env, BARGE_DB: '', NO_COLOR: '1', BARGE_WORKER: worker };
    const load = await execa('node', [BIN, 'import', 'makers.csv', 'products.csv', '--json'], { cwd: dir, reject: false, env });
    expect(load.exitCode, String(load.stderr)).toBe(0);
    expect(JSON.parse(String(load.stdout)).warnings).toEqual([warning]);
    expect(String(load.stderr).split('\n')[0]).toBe(`barge: ${warning}`);
    const checked = await execa('node', [BIN, 'validate', 'makers.csv', 'products.csv', '--table', 'makers', '--json'], { cwd: dir, reject: false, env });
    expect(JSON.parse(String(checked.stdout)).warnings).toEqual([warning]);
  });

  it('not for inputs sharing a column, nor a JSON input whose keys share one', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'a.csv'), 'id,name\n1,x\n');
    fs.writeFileSync(path.join(dir, 'b.csv'), 'id,qty\n2,5\n');
    fs.writeFileSync(path.join(dir, 'c.ndjson'), '{"qty":1,"name":"y"}\n');
    const load = await execa('node', [BIN, 'import', 'a.csv', 'b.csv', 'c.ndjson', '--table', 't', '--json'], { cwd: dir, reject: false, env: { ...process.env, BARGE_DB: '', NO_COLOR: '1' } });
    expect(load.exitCode, String(load.stderr)).toBe(0);
    expect(JSON.parse(String(load.stdout)).warnings).toEqual([]);
    expect(rows(path.join(dir, 'barge.db'), 'SELECT id, name, qty FROM t ORDER BY rowid')).toEqual([{ id: 1, name: 'x', qty: null }, { id: 2, name: null, qty: 5 }, { id: null, name: 'y', qty: 1 }]);
  });

  it('not for inputs whose first record has no field: a JSON `{}`, or a report\'s entry of an unreadable line (its _barge_raw only)', async () => {
    const dir = workdir();
    const env = { ...process.env, BARGE_DB: '', NO_COLOR: '1' };
    fs.writeFileSync(path.join(dir, 'e.ndjson'), '{}\n{"a":1,"b":2}\n');
    fs.writeFileSync(path.join(dir, 'f.ndjson'), '{"a":3,"b":4}\n');
    const load = await execa('node', [BIN, 'import', 'e.ndjson', 'f.ndjson', '--table', 't', '--json'], { cwd: dir, reject: false, env });
    expect(load.exitCode, String(load.stderr)).toBe(0);
    expect(JSON.parse(String(load.stdout)).warnings).toEqual([]);
    // The report of a line that is not JSON, fed back before the fixed records.
    fs.writeFileSync(path.join(dir, 'j.ndjson'), '{"id":1,"name":"a"}\n{"id":2,\n');
    await execa('node', [BIN, 'import', 'j.ndjson', '--table', 'j', '--mode', 'row'], { cwd: dir, reject: false, env });
    fs.writeFileSync(path.join(dir, 'fixed.ndjson'), '{"id":2,"name":"b"}\n');
    const again = await execa('node', [BIN, 'import', 'j.errors.ndjson', 'fixed.ndjson', '--table', 'j', '--mode', 'row', '--json'], { cwd: dir, reject: false, env });
    expect(JSON.parse(String(again.stdout)).warnings).toEqual([]);
  });
});
