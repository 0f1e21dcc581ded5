import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { barge, importMakers, workdir } from '../helpers/cli.js';
import { bargeWithin } from '../helpers/process-waits.js';

/** Arguments a user gets wrong in ways that used to be taken at their word. */

function expectRefused(result: { exitCode: number; stderr: string }, message: string): void {
  expect(result.stderr).toBe(`barge: error: ${message}`);
  expect(result.exitCode).toBe(2);
}

describe('an option given another option as its value (its own value left out)', () => {
  it('--db --json: refused, no file named "--json" made', async () => {
    const dir = workdir();
    const result = await barge(dir, ['import', 'fixtures/makers.csv', '--schema', 'fixtures/makers.schema.json', '--db', '--json']);
    expectRefused(result, '--db was given the option --json as its value (was its value left out?); give --db a value, or write --db=--json if that is the value meant');
    expect(fs.existsSync(path.join(dir, '--json'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'barge.db'))).toBe(false);
  });

  it('--table --mode row, --job-id --quiet: refused, naming the option', async () => {
    const dir = workdir();
    expectRefused(
      await barge(dir, ['import', 'fixtures/makers.csv', '--table', '--mode', 'row']),
      '--table was given the option --mode as its value (was its value left out?); give --table a value, or write --table=--mode if that is the value meant',
    );
    expectRefused(
      await barge(dir, ['import', 'fixtures/makers.csv', '--job-id', '--quiet']),
      '--job-id was given the option --quiet as its value (was its value left out?); give --job-id a value, or write --job-id=--quiet if that is the value meant',
    );
  });

  it('--db=--json, written so, is the value meant', async () => {
    const dir = workdir();
    const result = await barge(dir, ['import', 'fixtures/makers.csv', '--schema', 'fixtures/makers.schema.json', '--db=--json', '--quiet']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(fs.existsSync(path.join(dir, '--json'))).toBe(true);
  });
});

describe('a --db that is no file barge can keep a database in', () => {
  it('a named pipe: exit 2 at once for every command (stats and export hung in open(), deaf to SIGTERM)', async () => {
    const dir = workdir();
    execFileSync('mkfifo', [path.join(dir, 'ff')]);
    for (const args of [['stats'], ['jobs'], ['export', '--table', 'makers', '--out', '-'], ['import', 'fixtures/makers.csv']]) {
      const result = await bargeWithin(dir, [...args, '--db', 'ff'], 10_000);
      expect(result.timedOut).toBe(false);
      expectRefused(result, 'database "ff" is a named pipe, not a file; pass a file path with --db');
    }
  });

  it('/dev/null: exit 2, no /dev/null-journal left', async () => {
    const dir = workdir();
    const journal = fs.existsSync('/dev/null-journal');
    expectRefused(await barge(dir, ['import', 'fixtures/makers.csv', '--db', '/dev/null']), 'database "/dev/null" is a device, not a file; pass a file path with --db');
    expect(fs.existsSync('/dev/null-journal')).toBe(journal);
  });

  it('"-" and a path ending in "/": exit 2, no file made', async () => {
    const dir = workdir();
    expectRefused(await barge(dir, ['import', 'fixtures/makers.csv', '--db', '-']), 'a database cannot be stdin or stdout ("-"); pass a file path with --db');
    expectRefused(await barge(dir, ['import', 'fixtures/makers.csv', '--db', 'newdir/']), 'database "newdir/" ends in "/", as a directory\'s name does; pass a file path with --db');
    expect(fs.readdirSync(dir).sort()).toEqual(['fixtures']);
  });

  it(':memory:: exit 2 for every command, no job and no file (an import said "succeeded" and kept nothing)', async () => {
    const dir = workdir();
    for (const args of [['import', 'fixtures/makers.csv'], ['import', 'fixtures/makers.csv', '--dry-run'], ['stats'], ['jobs'], ['export', '--table', 'makers', '--out', '-']]) {
      expectRefused(await barge(dir, [...args, '--db', ':memory:']), '--db :memory: is a database in memory, gone when barge exits (each command opens its own): an import would keep nothing; pass a file path with --db (to try an import without writing, --dry-run)');
    }
    expect(fs.readdirSync(dir).sort()).toEqual(['fixtures']);
  });
});

describe('advice that names a command names its --db', () => {
  it('barge jobs <unknown id> --db x.db: the listing command says --db x.db', async () => {
    const dir = workdir();
    await importMakers(dir, 'x.db');
    expectRefused(await barge(dir, ['jobs', 'nope', '--db', 'x.db']), 'no job "nope" in x.db; list jobs with: barge jobs --db x.db');
    expectRefused(await barge(dir, ['import', '--resume', 'nope', '--db', 'x.db']), 'no job "nope" in x.db; list jobs with: barge jobs --db x.db');
  });
});

describe('environment settings', () => {
  it('BARGE_WORKER with a value it does not know: exit 2, saying which it knows (a typo went unseen)', async () => {
    const dir = workdir();
    const result = await barge(dir, ['import', 'fixtures/makers.csv', '--db', 'x.db'], { env: { BARGE_WORKER: 'nevr' } });
    expectRefused(result, 'BARGE_WORKER must be always, never or auto, got "nevr"; unset it for the default (auto)');
    expect(fs.existsSync(path.join(dir, 'x.db'))).toBe(false);
    expect((await barge(dir, ['import', 'fixtures/makers.csv', '--db', 'x.db', '--quiet'], { env: { BARGE_WORKER: 'auto' } })).exitCode).toBe(0);
  });
});

describe('a --db that is a symbolic link leading nowhere', () => {
  it('a loop, and a link into a missing directory: exit 2, naming what is wrong', async () => {
    const dir = workdir();
    fs.symlinkSync('loop2', path.join(dir, 'loop1'));
    fs.symlinkSync('loop1', path.join(dir, 'loop2'));
    fs.symlinkSync('nodir/x.db', path.join(dir, 'dang.db'));
    expectRefused(await barge(dir, ['import', 'fixtures/makers.csv', '--db', 'loop1']), 'database "loop1" is a symbolic link that leads back to itself (a loop); pass another --db');
    expectRefused(await barge(dir, ['import', 'fixtures/makers.csv', '--db', 'dang.db']), `database "dang.db" is a link to ${path.join(fs.realpathSync(dir), 'nodir/x.db')}, whose directory ${path.join(fs.realpathSync(dir), 'nodir')} does not exist; create it, or pass another --db`);
    // A link to a file not made yet, in a directory that is there: the database is made there.
    fs.mkdirSync(path.join(dir, 'nodir'));
    expect((await barge(dir, ['import', 'fixtures/makers.csv', '--schema', 'fixtures/makers.schema.json', '--db', 'dang.db', '--quiet'])).exitCode).toBe(0);
    expect(fs.existsSync(path.join(dir, 'nodir/x.db'))).toBe(true);
  });
});
