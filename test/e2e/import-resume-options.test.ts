import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, barge, rows, workdir } from '../helpers/cli.js';
import { waitForBatches } from '../helpers/waits.js';
import { NUMBERED_SCHEMA, writeNumberedCsv } from '../helpers/generate.js';

const N = 200_000;

/** A row job "rs" on numbered.csv, interrupted (SIGTERM) after some committed batches. */
async function interruptedJob(): Promise<{ dir: string; db: string }> {
  const dir = workdir();
  writeNumberedCsv(path.join(dir, 'numbered.csv'), N);
  fs.writeFileSync(path.join(dir, 'numbered.schema.json'), JSON.stringify(NUMBERED_SCHEMA));
  const db = path.join(dir, 'r.db');
  const run = execa('node', [BIN, 'import', 'numbered.csv', '--schema', 'numbered.schema.json', '--db', 'r.db', '--mode', 'row', '--batch-size', '500', '--job-id', 'rs'], {
    cwd: dir, reject: false, env: { ...process.env, BARGE_DB: '', NO_COLOR: '1' },
  });
  await waitForBatches(db, 5);
  run.kill('SIGTERM');
  const result = await run;
  expect(result.exitCode, String(result.stderr)).toBe(130);
  return { dir, db };
}

/** Everything a run could change: the job's row, the tables, the files in the directory. */
function state(dir: string, db: string): string {
  return JSON.stringify([
    rows(db, "SELECT status, batches_committed, checkpoint, options FROM _barge_jobs WHERE id = 'rs'"),
    rows(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"),
    rows(db, 'SELECT count(*) AS n FROM numbered'),
    fs.readdirSync(dir).filter((name) => !name.startsWith('r.db')).sort(),
  ]);
}

describe('--resume refuses the inputs and options it would ignore', () => {
  it('an input and options that would change the job: exit 2, nothing written, each named', async () => {
    const { dir, db } = await interruptedJob();
    fs.writeFileSync(path.join(dir, 'other.csv'), 'id,name\n1,a\n');
    const before = state(dir, db);
    const result = await barge(dir, ['import', 'other.csv', '--resume', 'rs', '--db', 'r.db', '--mode', 'atomic', '--table', 'other', '--on-conflict', 'ignore', '--errors', 'x.ndjson']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toBe(
      'barge: error: --resume rs was also given "other.csv", --table, --mode, --on-conflict and --errors, but job "rs" resumes with its own inputs and options; drop them, or run a new import (without --resume) to load other data or use other options',
    );
    expect(state(dir, db)).toBe(before);
  });

  it('every option that says what or how to load is refused, even with its default value', async () => {
    const { dir, db } = await interruptedJob();
    const before = state(dir, db);
    const refused: string[][] = [
      ['--table', 'numbered'], ['--schema', 'numbered.schema.json'], ['--infer-rows', '5'], ['--format', 'csv'], ['--delimiter', ','],
      ['--quote', '"'], ['--no-header'], ['--columns', 'id,name,qty'], ['--encoding', 'utf8'], ['--batch-size', '1000'],
      ['--mode', 'row'], ['--atomic'], ['--continue-on-error'], ['--max-errors', '3'], ['--fail-fast'], ['--on-conflict', 'error'],
      ['--truncate'], ['--errors', 'e.ndjson'], ['--job-id', 'other'],
    ];
    for (const option of refused) {
      const result = await barge(dir, ['import', '--resume', 'rs', '--db', 'r.db', ...option]);
      expect(result.exitCode, option.join(' ')).toBe(2);
      expect(result.stderr.trim(), option.join(' ')).toBe(
        `barge: error: --resume rs was also given ${option[0]}, but job "rs" resumes with its own inputs and options; drop it, or run a new import (without --resume) to load other data or use other options`,
      );
    }
    expect(state(dir, db)).toBe(before);
  });

  it('options that do not change the data are taken: the job completes', async () => {
    const { dir, db } = await interruptedJob();
    const result = await barge(dir, ['import', '--resume', 'rs', '--db', 'r.db', '--job-id', 'rs', '--busy-timeout', '2000', '--no-progress', '--debug', '--json', '--quiet']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ jobId: 'rs', status: 'succeeded', counts: { read: N, inserted: N } });
    expect(rows(db, 'SELECT count(*) AS n, count(DISTINCT id) AS d FROM numbered')[0]).toEqual({ n: N, d: N });
  });
});

describe('--dry-run of a job that would be resumed is refused, not ignored', () => {
  const refusal = 'barge: error: --dry-run cannot resume job "rs": a resume continues the job\'s own error report, which a dry run must leave as it is; resume it without --dry-run, or dry-run its input as a new import (without --resume or --job-id)';

  it('--resume <id> --dry-run: exit 2, the job and the table as they were', async () => {
    const { dir, db } = await interruptedJob();
    const before = state(dir, db);
    const result = await barge(dir, ['import', '--resume', 'rs', '--db', 'r.db', '--dry-run']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toBe(refusal);
    expect(state(dir, db)).toBe(before);
  });

  it('the original command again with --job-id and --dry-run: exit 2, no "resuming it" line, the job and the table as they were', async () => {
    const { dir, db } = await interruptedJob();
    const before = state(dir, db);
    const result = await barge(dir, ['import', 'numbered.csv', '--schema', 'numbered.schema.json', '--db', 'r.db', '--mode', 'row', '--batch-size', '500', '--job-id', 'rs', '--dry-run']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toBe(refusal);
    expect(state(dir, db)).toBe(before);
    // Without --dry-run, it resumes.
    const real = await barge(dir, ['import', 'numbered.csv', '--schema', 'numbered.schema.json', '--db', 'r.db', '--mode', 'row', '--batch-size', '500', '--job-id', 'rs', '--json']);
    expect(real.exitCode, real.stderr).toBe(0);
    expect(real.stderr).toMatch(/^barge: job "rs" was interrupted: resuming it after batch \d+\n/);
    expect(rows(db, 'SELECT count(*) AS n, count(DISTINCT id) AS d FROM numbered')[0]).toEqual({ n: N, d: N });
  });
});

describe('a stdin job run again under its --job-id', () => {
  it('says only why it cannot be resumed, not first that it resumes it', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'numbered.schema.json'), JSON.stringify(NUMBERED_SCHEMA));
    const lines = ['id,name,qty', ...Array.from({ length: 3000 }, (_, i) => `${i + 1},item ${i + 1},${i % 1000}`)];
    fs.writeFileSync(path.join(dir, 'all.csv'), lines.join('\n') + '\n');
    // The producer died midway: the job fails after committing 2 batches.
    fs.writeFileSync(path.join(dir, 'cut.csv'), lines.slice(0, 2501).join('\n') + '\n2501,"unterminated\n');
    const args = ['import', '-', '--schema', 'numbered.schema.json', '--mode', 'row', '--job-id', 'si'];
    const first = await barge(dir, args, { inputFile: path.join(dir, 'cut.csv') });
    expect(first.exitCode).toBe(2);
    const again = await barge(dir, args, { inputFile: path.join(dir, 'all.csv') });
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toBe(
      'barge: error: job "si" read stdin, which cannot be read again, so it cannot be resumed; its 2 committed batches (2,000 records loaded) stay in "numbered": "numbered" has no key to skip the records already loaded by, so loading the input again would add them twice: reload the table whole with --truncate under a new --job-id (if it holds only this input)',
    );
  });
});

describe('a re-run under the --job-id of an interrupted job', () => {
  it('says which of the options it was given the resumed job does not use (they were dropped without a word)', async () => {
    const { dir, db } = await interruptedJob();
    const same = ['import', 'numbered.csv', '--schema', 'numbered.schema.json', '--db', 'r.db', '--mode', 'row', '--batch-size', '500', '--job-id', 'rs'];
    const result = await barge(dir, [...same, '--errors', 'elsewhere.ndjson', '--on-conflict', 'ignore']);
    expect(result.exitCode).toBe(0);
    const notice = result.stderr.split('\n')[0]!;
    expect(notice).toMatch(/^barge: job "rs" was interrupted: resuming it after batch \d+, with its own options: not used --on-conflict ignore \(the job's: error\), --errors \S*\/elsewhere\.ndjson \(the job's: \S*\/numbered\.errors\.ndjson\)$/);
    expect(rows<{ n: number }>(db, 'SELECT count(*) AS n FROM numbered')[0]!.n).toBe(N);
  });

  it('with the same command line says only that it resumes', async () => {
    const { dir, db } = await interruptedJob();
    const result = await barge(dir, ['import', 'numbered.csv', '--schema', 'numbered.schema.json', '--db', 'r.db', '--mode', 'row', '--batch-size', '500', '--job-id', 'rs']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr.split('\n')[0]).toMatch(/^barge: job "rs" was interrupted: resuming it after batch \d+$/);
    expect(rows<{ n: number }>(db, 'SELECT count(*) AS n FROM numbered')[0]!.n).toBe(N);
  });
});

describe('--resume of a job that finished', () => {
  // A job that finished partial (its rejected records in the report) read its whole input: there is
  // nothing to resume, and --resume says so as a usage error (exit 2), as for a job that succeeded.
  // Let through, the resume said "nothing to do" with exit 1, the code of records rejected by this
  // run: a script could not tell a resume that did nothing from one that rejected records.
  it.each([
    ['partial', 'id,v\n1,1\n2,x\n3,3\n', 1],
    ['succeeded', 'id,v\n1,1\n2,2\n3,3\n', 0],
  ])('a job that finished %s: exit 2, "already finished", the job and the table as they were', async (status, csv, firstExit) => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'f.json'), JSON.stringify({ table: 'f', primaryKey: ['id'], columns: { id: { type: 'integer' }, v: { type: 'integer' } } }));
    fs.writeFileSync(path.join(dir, 'f.csv'), csv);
    const db = path.join(dir, 'f.db');
    const first = await barge(dir, ['import', 'f.csv', '--schema', 'f.json', '--db', 'f.db', '--mode', 'row', '--job-id', 'done']);
    expect(first.exitCode, first.stderr).toBe(firstExit);
    const jobRow = () => rows(db, "SELECT status, read_count, inserted, rejected, batches_committed, finished_at FROM _barge_jobs WHERE id = 'done'");
    const before = jobRow();
    expect(before).toMatchObject([{ status }]);
    const result = await barge(dir, ['import', '--resume', 'done', '--db', 'f.db']);
    expect(result).toMatchObject({ exitCode: 2, stdout: '', stderr: `barge: error: job "done" already finished (${status}); there is nothing to resume` });
    expect(jobRow()).toEqual(before);
    expect(rows(db, 'SELECT id FROM f ORDER BY id').map((r) => r.id)).toEqual(status === 'partial' ? [1, 3] : [1, 2, 3]);
  });
});

describe('a job that cannot be resumed, whose committed batches loaded no record', () => {
  it('says to run the import again, not that loading it again would add its records twice (--truncate)', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'in.csv'), 'id,v\n1,x\n2,2\n');
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 'r', columns: { id: { type: 'integer' }, v: { type: 'integer' } } }));
    const first = await barge(dir, ['import', 'in.csv', '--schema', 's.json', '--mode', 'row', '--max-errors', '1', '--job-id', 'R0']);
    expect(first.exitCode).toBe(1);
    expect(rows(path.join(dir, 'barge.db'), "SELECT status, batches_committed AS batches FROM _barge_jobs WHERE id = 'R0'")).toEqual([{ status: 'failed', batches: 1 }]);
    fs.rmSync(path.join(dir, 'in.csv'));
    const resumed = await barge(dir, ['import', '--resume', 'R0']);
    expect(resumed.exitCode).toBe(2);
    expect(resumed.stderr).toBe('barge: error: cannot resume job "R0": input "in.csv" is gone; put it back at that path as it was and resume it, or: its 1 committed batch loaded no record: run the import again under a new --job-id');
    expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n FROM r')).toEqual([{ n: 0 }]);
  });
});
