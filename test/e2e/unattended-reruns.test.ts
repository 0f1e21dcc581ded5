import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { barge, BIN, rows, workdir } from '../helpers/cli.js';
import { waitForBatches } from '../helpers/waits.js';
import Database from 'better-sqlite3';

/**
 * barge run again and again by a cron job, a CI step or a Makefile: what a rerun does must be
 * what such a script expects, and its exit code something it can act on.
 */

describe('--on-conflict ignore or replace needs a key to conflict on', () => {
  it('into an existing table without a key: refused (every row was added again, exit 0)', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'd.csv'), 'id,v\n1,a\n2,b\n');
    expect((await barge(dir, ['import', 'd.csv', '--quiet'])).exitCode).toBe(0);
    for (const action of ['ignore', 'replace']) {
      const result = await barge(dir, ['import', 'd.csv', '--on-conflict', action]);
      expect(result.exitCode, action).toBe(2);
      expect(result.stderr).toBe(`barge: error: --on-conflict ${action} acts on records whose primary or unique key a row already holds, and table "d" has neither, so no record conflicts and every one would be added again; add a primary key or unique index to the table, or import without --on-conflict`);
    }
    expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n FROM d')).toEqual([{ n: 2 }]);
  });

  it('into a new table inferred without a key: refused before anything is made; with a schema declaring one, a rerun adds nothing', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'd.csv'), 'id,v\n1,a\n2,b\n');
    const inferred = await barge(dir, ['import', 'd.csv', '--on-conflict', 'ignore']);
    expect(inferred.exitCode).toBe(2);
    expect(inferred.stderr).toBe('barge: error: --on-conflict ignore acts on records whose primary or unique key a row already holds, and the new table "d" would have neither, so every record would be added again on each run; pass a --schema declaring "primaryKey" (barge schema infer <input> writes one to edit)');
    expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
    fs.writeFileSync(path.join(dir, 'd.schema.json'), JSON.stringify({ table: 'd', primaryKey: ['id'], columns: { id: { type: 'integer' }, v: { type: 'string' } } }));
    for (let run = 0; run < 2; run++) {
      const result = await barge(dir, ['import', 'd.csv', '--schema', 'd.schema.json', '--on-conflict', 'ignore', '--json']);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout).counts).toMatchObject(run === 0 ? { inserted: 2, ignored: 0 } : { inserted: 0, ignored: 2 });
    }
    expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n FROM d')).toEqual([{ n: 2 }]);
  });
});

describe('a finished --job-id given again', () => {
  it('to another input or table is refused (exit 2): the second import of a day\'s shared id was "already succeeded; nothing to do", exit 0, and never loaded', async () => {
    const dir = workdir();
    const fixtures = path.join(dir, 'fixtures');
    const id = 'seed-2026-11-25';
    const first = await barge(fixtures, ['import', 'makers.csv', '--schema', 'makers.schema.json', '--job-id', id, '--quiet']);
    expect(first.exitCode, first.stderr).toBe(0);
    const other = await barge(fixtures, ['import', 'products.csv', '--schema', 'products.schema.json', '--job-id', id, '--json']);
    expect(other.exitCode).toBe(2);
    expect(other.stderr).toBe(`barge: error: job "${id}" already loaded "makers.csv" into "makers" (succeeded); this import names "products.csv": a job id names one import, and running it again does nothing; give this import another --job-id`);
    expect(JSON.parse(other.stdout)).toMatchObject({ command: 'import', exitCode: 2 });
    const table = await barge(fixtures, ['import', 'makers.csv', '--table', 'makers2', '--job-id', id]);
    expect(table.exitCode).toBe(2);
    expect(table.stderr).toBe(`barge: error: job "${id}" already loaded "makers.csv" into "makers" (succeeded); this import names table "makers2": a job id names one import, and running it again does nothing; give this import another --job-id`);
    // The same import again, from another directory by another relative path: done, exit 0.
    const again = await barge(dir, ['import', 'fixtures/makers.csv', '--schema', 'fixtures/makers.schema.json', '--db', 'fixtures/barge.db', '--job-id', id, '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ alreadySucceeded: true, warnings: [] });
  });

  it('to the file it loaded, grown since: the warning is in --json too (--quiet hid it, and the JSON had no place for it)', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'd.csv'), 'id,v\n1,a\n');
    expect((await barge(dir, ['import', 'd.csv', '--job-id', 'daily', '--quiet'])).exitCode).toBe(0);
    fs.appendFileSync(path.join(dir, 'd.csv'), '2,b\n');
    const result = await barge(dir, ['import', 'd.csv', '--job-id', 'daily', '--quiet', '--json']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout).warnings).toEqual(['input "d.csv" is not the file the job loaded (13 bytes now, 9 then): job "daily" already succeeded, so nothing of it was loaded; to load it, use a new --job-id (the rows it loaded stay: with --on-conflict ignore into a table with a key, or --truncate, they are not loaded twice)']);
  });
});

it('a working directory removed after the shell entered it: a clear usage error (it was "uv_cwd (an unexpected failure)", exit 3)', async () => {
  const dir = workdir();
  const gone = path.join(dir, 'gone');
  fs.mkdirSync(gone);
  fs.writeFileSync(path.join(dir, 'd.csv'), 'id,v\n1,a\n');
  // The shell enters the directory, which is removed before barge starts.
  const result = await execa('sh', ['-c', `cd "${gone}" && rmdir "${gone}" && exec node "${BIN}" import "${path.join(dir, 'd.csv')}" --db "${path.join(dir, 'x.db')}"`], { reject: false, env: { ...process.env, BARGE_DB: '', NO_COLOR: '1' } });
  expect(result.exitCode).toBe(2);
  expect(result.stderr).toBe('barge: error: the working directory no longer exists (it was removed after this shell entered it); cd to a directory that exists and run the command again');
  expect(fs.existsSync(path.join(dir, 'x.db'))).toBe(false);
});

describe('review of the fixes above', () => {
  it('a finished --job-id given another file of the same name in another directory is another import: refused (it matched by base name and did nothing, exit 0)', async () => {
    const dir = workdir();
    fs.mkdirSync(path.join(dir, 'eu'));
    fs.mkdirSync(path.join(dir, 'us'));
    fs.writeFileSync(path.join(dir, 'eu', 'orders.csv'), 'id,v\n1,eu\n');
    fs.writeFileSync(path.join(dir, 'us', 'orders.csv'), 'id,v\n2,us\n');
    expect((await barge(dir, ['import', 'eu/orders.csv', '--job-id', 'orders-day', '--quiet'])).exitCode).toBe(0);
    const us = await barge(dir, ['import', 'us/orders.csv', '--job-id', 'orders-day']);
    expect(us.exitCode).toBe(2);
    expect(us.stderr).toBe('barge: error: job "orders-day" already loaded "eu/orders.csv" into "orders" (succeeded); this import names "us/orders.csv": a job id names one import, and running it again does nothing; give this import another --job-id');
    // The same file from inside its directory: the same import.
    const again = await barge(path.join(dir, 'eu'), ['import', 'orders.csv', '--db', '../barge.db', '--job-id', 'orders-day', '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ alreadySucceeded: true });
  });
});

it('a job with --on-conflict ignore resumed after its table lost its key is not refused: its own options loaded its first batches, and a resume cannot change them', async () => {
  const dir = workdir();
  const lines = ['id,v'];
  for (let i = 1; i <= 200_000; i++) lines.push(`${i},v${i}`);
  fs.writeFileSync(path.join(dir, 'big.csv'), lines.join('\n') + '\n');
  const db = path.join(dir, 'barge.db');
  const made = new Database(db);
  made.exec('CREATE TABLE big(id INTEGER, v TEXT); CREATE UNIQUE INDEX big_id ON big(id);');
  made.close();
  const child = execa('node', [BIN, 'import', 'big.csv', '--mode', 'row', '--batch-size', '100', '--on-conflict', 'ignore', '--no-progress'], {
    cwd: dir, reject: false, stdin: 'ignore', env: { ...process.env, BARGE_DB: '', NO_COLOR: '1' },
  });
  const job = await waitForBatches(db, 3);
  child.kill('SIGKILL');
  await child;
  const dropped = new Database(db);
  dropped.exec('DROP INDEX big_id');
  dropped.close();
  const resumed = await barge(dir, ['import', '--resume', job.id, '--json']);
  expect(resumed.exitCode, resumed.stderr).toBe(0);
  expect(rows(db, 'SELECT count(*) AS n, count(DISTINCT id) AS d FROM big')).toEqual([{ n: 200_000, d: 200_000 }]);
});

describe('--max-errors: import and validate agree on where they stopped', () => {
  it('an unterminated quote after the limit is not read: import stops as validate does (it exited 2 for a record it was never to read)', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'm1.csv'), 'rid,note\nx1,a\n');
    fs.writeFileSync(path.join(dir, 'm2.csv'), 'rid,note\nr2,"oops\n');
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 'm', columns: { rid: { type: 'string', required: true, pattern: '^r[0-9]+$' }, note: { type: 'string' } } }));
    const validate = await barge(dir, ['validate', 'm1.csv', 'm2.csv', '--schema', 's.json', '--max-errors', '1', '--json']);
    expect(validate.exitCode, validate.stderr).toBe(1);
    expect(JSON.parse(validate.stdout).stoppedEarly).toBe('stopped after 1 invalid record (--max-errors)');
    for (const mode of ['atomic', 'row']) {
      const result = await barge(dir, ['import', 'm1.csv', 'm2.csv', '--schema', 's.json', '--max-errors', '1', '--mode', mode, '--json', '--db', `${mode}.db`]);
      expect(result.exitCode, `${mode}: ${result.stderr}`).toBe(1);
      expect(JSON.parse(result.stdout)).toMatchObject({ stoppedEarly: 'stopped after 1 rejected record (--max-errors)', counts: { read: 1, rejected: 1 } });
    }
  });

  it('a limit that falls on the last record: validate read the whole input, and says so as import does (it said "stopped")', async () => {
    const dir = workdir();
    fs.writeFileSync(path.join(dir, 'me.csv'), 'rid,note\nr1,a\nx2,b\nr3,c\nx4,d\n');
    fs.writeFileSync(path.join(dir, 's.json'), JSON.stringify({ table: 'me', columns: { rid: { type: 'string', pattern: '^r[0-9]+$' }, note: { type: 'string' } } }));
    const validate = await barge(dir, ['validate', 'me.csv', '--schema', 's.json', '--max-errors', '2', '--json']);
    expect(validate.exitCode).toBe(1);
    expect(JSON.parse(validate.stdout)).toMatchObject({ stoppedEarly: null, counts: { read: 4, rejected: 2 } });
    const imported = await barge(dir, ['import', 'me.csv', '--schema', 's.json', '--max-errors', '2', '--mode', 'row', '--json']);
    expect(imported.exitCode).toBe(1);
    expect(JSON.parse(imported.stdout)).toMatchObject({ status: 'partial', stoppedEarly: null, counts: { read: 4, inserted: 2, rejected: 2 } });
    expect(imported.stderr.split('\n')[0]).toBe('barge: import of me.csv into "me": partial: 2 records rejected, 2 loaded');
    // One record further, both stop.
    fs.appendFileSync(path.join(dir, 'me.csv'), 'r5,e\n');
    expect(JSON.parse((await barge(dir, ['validate', 'me.csv', '--schema', 's.json', '--max-errors', '2', '--json'])).stdout).stoppedEarly).toBe('stopped after 2 invalid records (--max-errors)');
  });
});

it('a finished --job-id given the same file through a symlinked directory (a deploy\'s current/) is the same import: done, exit 0', async () => {
  const dir = workdir();
  fs.mkdirSync(path.join(dir, 'releases', 'r1'), { recursive: true });
  fs.symlinkSync(path.join(dir, 'releases', 'r1'), path.join(dir, 'current'));
  fs.writeFileSync(path.join(dir, 'releases', 'r1', 'orders.csv'), 'id,name\n1,a\n');
  expect((await barge(dir, ['import', path.join(dir, 'current', 'orders.csv'), '--job-id', 'd1', '--quiet'])).exitCode).toBe(0);
  const again = await barge(path.join(dir, 'current'), ['import', 'orders.csv', '--job-id', 'd1', '--db', path.join(dir, 'barge.db'), '--json']);
  expect(again.exitCode, again.stderr).toBe(0);
  expect(again.stderr).toBe('barge: job d1 already succeeded; nothing to do');
  expect(JSON.parse(again.stdout)).toMatchObject({ alreadySucceeded: true, counts: { read: 1, inserted: 1 } });
  expect(rows(path.join(dir, 'barge.db'), 'SELECT id, name FROM orders')).toEqual([{ id: 1, name: 'a' }]);
  expect(rows(path.join(dir, 'barge.db'), 'SELECT count(*) AS n FROM _barge_jobs')).toEqual([{ n: 1 }]);
});
